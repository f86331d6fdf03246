package generate_test

import (
	"context"
	"testing"

	"github.com/edqm/edqm/generate"
)

// BenchmarkOrders generates one day of orders per iteration, cycling over a
// year of days so that the customer index is warm, as in a long run.
func BenchmarkOrders(b *testing.B) {
	g := mustNew(b, generate.Config{Seed: 1})
	ctx := context.Background()
	first := date(2025, 1, 1)
	rows, i := 0, 0
	for b.Loop() {
		o, err := g.Orders(ctx, first.AddDate(0, 0, i%365))
		if err != nil {
			b.Fatal(err)
		}
		rows += len(o.Rows)
		i++
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkCustomers generates one day of signups per iteration.
func BenchmarkCustomers(b *testing.B) {
	g := mustNew(b, generate.Config{Seed: 1, CustomersPerDay: 100})
	ctx := context.Background()
	first := date(2024, 1, 1)
	rows, i := 0, 0
	for b.Loop() {
		d := first.AddDate(0, 0, i%365)
		c, err := g.Customers(ctx, d, d)
		if err != nil {
			b.Fatal(err)
		}
		rows += len(c.Rows)
		i++
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkNew measures building a generator (pools and catalogue; faker's
// vocabulary is harvested once per process, before the timer).
func BenchmarkNew(b *testing.B) {
	mustNew(b, generate.Config{Seed: 1})
	var seed uint64
	for b.Loop() {
		seed++
		if _, err := generate.New(generate.Config{Seed: seed}); err != nil {
			b.Fatal(err)
		}
	}
}
