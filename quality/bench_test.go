package quality_test

import (
	"testing"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/internal/flowtest"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/warehouse"
)

// benchWorld is a built warehouse for the benchmarks, and its orders.
type benchWorld struct {
	w      warehouse.Warehouse
	orders int64
	days   int
	clock  edqm.Clock
}

// benchWorlds builds the benchmarks' warehouses with flowtest: a year at
// the default volume (about 100 orders a day, record chaos only), and
// examples/bench's 1 M-order volume (2,740 a day) over 30 days.
func benchWorlds(b *testing.B) map[string]func() benchWorld {
	return map[string]func() benchWorld{
		"days=365": func() benchWorld {
			fw := flowtest.New(b, flowtest.Config{Days: 365, Seed: 42, Build: true})
			var n int64
			if err := warehouse.QueryRow(b.Context(), fw.Warehouse, "SELECT COUNT(*) FROM raw_orders", nil, &n); err != nil {
				b.Fatal(err)
			}
			return benchWorld{w: fw.Warehouse, orders: n, days: 365, clock: fw.Clock}
		},
		"days=30,perday=2740": func() benchWorld {
			fw := flowtest.New(b, flowtest.Config{Days: 30, OrdersPerDay: 2740, Build: true})
			return benchWorld{w: fw.Warehouse, orders: fw.Orders, days: 30, clock: fw.Clock}
		},
	}
}

// BenchmarkTests runs DefaultTests over a built warehouse; orders/s counts
// the raw orders tested.
func BenchmarkTests(b *testing.B) {
	ctx := b.Context()
	for _, name := range []string{"days=365", "days=30,perday=2740"} {
		b.Run(name, func(b *testing.B) {
			bw := benchWorlds(b)[name]()
			tests := quality.DefaultTests()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := quality.RunTests(ctx, bw.w, tests, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(bw.orders)*float64(b.N)/b.Elapsed().Seconds(), "orders/s")
		})
	}
}

// BenchmarkReport computes the whole report (tests, scorecard, monitors
// over every day) as examples/full does; orders/s counts the raw orders.
func BenchmarkReport(b *testing.B) {
	ctx := b.Context()
	for _, name := range []string{"days=365", "days=30,perday=2740"} {
		b.Run(name, func(b *testing.B) {
			bw := benchWorlds(b)[name]()
			r, err := quality.NewReporter(&quality.Options{Clock: bw.clock, Monitors: backtestMonitors(bw.days)})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Report(ctx, bw.w); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(bw.orders)*float64(b.N)/b.Elapsed().Seconds(), "orders/s")
		})
	}
}
