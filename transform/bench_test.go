package transform_test

import (
	"fmt"
	"testing"

	"github.com/edqm/edqm/internal/flowtest"
	"github.com/edqm/edqm/transform"
)

// benchSizes are the histories built: the default volume (about 100 orders
// a day) over a year, and examples/bench's 1 M-order volume (2,740 a day)
// over 30 days.
var benchSizes = []flowtest.Config{
	{Days: 365},
	{Days: 30, OrdersPerDay: 2740},
}

func sizeName(c flowtest.Config) string {
	if c.OrdersPerDay == 0 {
		return fmt.Sprintf("days=%d", c.Days)
	}
	return fmt.Sprintf("days=%d,perday=%d", c.Days, c.OrdersPerDay)
}

// BenchmarkBuild builds the built-in models in full (FullRefresh) over a
// loaded in-memory DuckDB; orders/s counts the raw orders built from.
func BenchmarkBuild(b *testing.B) {
	ctx := b.Context()
	for _, size := range benchSizes {
		b.Run(sizeName(size), func(b *testing.B) {
			w := flowtest.New(b, size)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := w.Project.Run(ctx, w.Warehouse, &transform.RunOptions{FullRefresh: true}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(w.Orders)*float64(b.N)/b.Elapsed().Seconds(), "orders/s")
		})
	}
}

// BenchmarkIncrementalDay builds one more day on a built history: each
// iteration lands and loads the next day (timer stopped), then runs the
// models, which merge only that day into fct_orders; orders/s counts the
// new day's orders.
func BenchmarkIncrementalDay(b *testing.B) {
	ctx := b.Context()
	for _, size := range benchSizes {
		b.Run(sizeName(size), func(b *testing.B) {
			w := flowtest.New(b, size)
			w.Build(b)
			var orders int64
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				n, err := w.AddDay(ctx)
				if err != nil {
					b.Fatal(err)
				}
				orders += n
				b.StartTimer()
				res, err := w.Project.Run(ctx, w.Warehouse, nil)
				if err != nil {
					b.Fatal(err)
				}
				for _, m := range res.Models {
					if m.Name == "fct_orders" && !m.Incremental {
						b.Fatal("fct_orders was rebuilt in full, not merged")
					}
				}
			}
			b.ReportMetric(float64(orders)/b.Elapsed().Seconds(), "orders/s")
		})
	}
}
