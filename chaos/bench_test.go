package chaos_test

import (
	"context"
	"testing"

	"github.com/edqm/edqm/chaos"
)

// BenchmarkInject corrupts one day of orders (about 100 rows) per
// iteration at 5% per kind.
func BenchmarkInject(b *testing.B) {
	w := getWorld(b)
	day := date(2025, 6, 1)
	in := w.orders(b, day)
	spec := w.spec()
	j := mustNew(b, chaos.Config{Seed: 1, Rates: chaos.Uniform(0.05)})
	ctx := context.Background()
	rows := 0
	for b.Loop() {
		if _, _, err := j.Inject(ctx, day, spec, in); err != nil {
			b.Fatal(err)
		}
		rows += len(in.Rows)
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
