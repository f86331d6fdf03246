package chaos_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/chaos/chaosarrow"
	"github.com/edqm/edqm/generate"
)

// benchRates are the rates of the benchmarks: 5% per kind, a quarter of
// the rows dirty.
var benchRates = chaos.Uniform(0.05)

// reportOrders reports the orders per second of a benchmark, and the CPU
// time per order since cpu0 (a processCPU reading): the machine is shared,
// and CPU time tells the cost of an order whatever else runs.
func reportOrders(b *testing.B, orders int64, cpu0 time.Duration) {
	b.ReportMetric(float64(orders)/b.Elapsed().Seconds(), "orders/s")
	if cpu := processCPU() - cpu0; cpu0 > 0 && cpu > 0 && orders > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(orders), "cpu-ns/order")
	}
}

// BenchmarkInject corrupts one day of orders as a string table (about 100
// rows) per iteration.
func BenchmarkInject(b *testing.B) {
	w := getWorld(b)
	day := date(2025, 6, 1)
	in := w.orders(b, day)
	spec := w.spec()
	j := mustNew(b, chaos.Config{Seed: 1, Rates: benchRates})
	ctx := b.Context()
	var n int64
	cpu0 := processCPU()
	for b.Loop() {
		if _, _, err := j.Inject(ctx, day, spec, in); err != nil {
			b.Fatal(err)
		}
		n += int64(len(in.Rows))
	}
	reportOrders(b, n, cpu0)
}

// allocators are the allocators the Arrow benchmarks run with: arrow's
// default (Go heap) allocator, and generate's recycling pool.
var allocators = []struct {
	name string
	new  func() memory.Allocator
}{
	{"go", func() memory.Allocator { return memory.NewGoAllocator() }},
	{"pool", func() memory.Allocator { return generate.NewPoolAllocator() }},
}

// bigDay is a generator of 65,536 orders a day: one Arrow batch of
// generate.DefaultBatchSize per day.
func bigDay(b *testing.B) *generate.Seeded {
	g, err := generate.New(generate.Config{Seed: 1, MinOrders: generate.DefaultBatchSize, MaxOrders: generate.DefaultBatchSize})
	if err != nil {
		b.Fatal(err)
	}
	return g
}

// BenchmarkInjectSlice corrupts 65,536 typed orders per iteration.
func BenchmarkInjectSlice(b *testing.B) {
	g := bigDay(b)
	ctx := b.Context()
	day := date(2025, 6, 1)
	rows, err := g.OrderRows(ctx, day)
	if err != nil {
		b.Fatal(err)
	}
	spec := chaos.OrdersSpec(g.SignupDate)
	j := mustNew(b, chaos.Config{Seed: 1, Rates: benchRates})
	var n int64
	cpu0 := processCPU()
	for b.Loop() {
		if _, _, err := chaos.InjectSlice(ctx, j, day, spec, rows); err != nil {
			b.Fatal(err)
		}
		n += int64(len(rows))
	}
	reportOrders(b, n, cpu0)
}

// BenchmarkInjectRecord corrupts an Arrow batch of 65,536 orders per
// iteration.
func BenchmarkInjectRecord(b *testing.B) {
	for _, a := range allocators {
		b.Run(a.name, func(b *testing.B) {
			mem := a.new()
			g := bigDay(b)
			ctx := b.Context()
			day := date(2025, 6, 1)
			r, err := g.NewOrderReader(ctx, day, day, &generate.ReaderOptions{Allocator: mem})
			if err != nil {
				b.Fatal(err)
			}
			defer r.Release()
			if !r.Next() {
				b.Fatal(r.Err())
			}
			rec := r.RecordBatch()
			spec := chaos.OrdersSpec(g.SignupDate)
			j := mustNew(b, chaos.Config{Seed: 1, Rates: benchRates})
			var n int64
			cpu0 := processCPU()
			for b.Loop() {
				out, _, err := chaosarrow.InjectRecord(ctx, j, mem, day, spec, rec)
				if err != nil {
					b.Fatal(err)
				}
				n += rec.NumRows()
				out.Release()
			}
			reportOrders(b, n, cpu0)
		})
	}
}

// generateInject generates day's orders as Arrow batches and corrupts
// them, and returns how many orders it generated (the duplicates the
// chaos adds do not count).
func generateInject(ctx context.Context, mem memory.Allocator, g *generate.Seeded, j *chaos.Injector, spec chaos.TableSpec, day time.Time) (int64, error) {
	src, err := g.NewOrderReader(ctx, day, day, &generate.ReaderOptions{Allocator: mem})
	if err != nil {
		return 0, err
	}
	r, err := chaosarrow.NewRecordReader(ctx, j, spec, src, &chaosarrow.ReaderOptions{Allocator: mem})
	src.Release()
	if err != nil {
		return 0, err
	}
	defer r.Release()
	var n int64
	for r.Next() {
		var rec arrow.RecordBatch = r.RecordBatch()
		n += rec.NumRows()
		for _, l := range r.Labels() {
			if l.Column == "*" {
				n--
			}
		}
	}
	return n, r.Err()
}

// BenchmarkGenerateInject generates and corrupts one day of 65,536 orders
// per iteration, in Arrow batches, on one goroutine. orders/s counts the
// orders generated.
func BenchmarkGenerateInject(b *testing.B) {
	for _, a := range allocators {
		b.Run(a.name, func(b *testing.B) {
			mem := a.new()
			g := bigDay(b)
			spec := chaos.OrdersSpec(g.SignupDate)
			j := mustNew(b, chaos.Config{Seed: 1, Rates: benchRates})
			ctx := b.Context()
			first := date(2025, 1, 1)
			var n int64
			i := 0
			cpu0 := processCPU()
			for b.Loop() {
				k, err := generateInject(ctx, mem, g, j, spec, first.AddDate(0, 0, i%365))
				if err != nil {
					b.Fatal(err)
				}
				n += k
				i++
			}
			reportOrders(b, n, cpu0)
		})
	}
}

// BenchmarkGenerateInjectParallel is BenchmarkGenerateInject with one day
// per goroutine, GOMAXPROCS goroutines at once: a backfill.
func BenchmarkGenerateInjectParallel(b *testing.B) {
	for _, a := range allocators {
		b.Run(a.name, func(b *testing.B) {
			mem := a.new()
			g := bigDay(b)
			spec := chaos.OrdersSpec(g.SignupDate)
			j := mustNew(b, chaos.Config{Seed: 1, Rates: benchRates})
			ctx := b.Context()
			first := date(2025, 1, 1)
			var n, next atomic.Int64
			cpu0 := processCPU()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					day := first.AddDate(0, 0, int(next.Add(1)%365))
					k, err := generateInject(ctx, mem, g, j, spec, day)
					if err != nil {
						b.Error(err)
						return
					}
					n.Add(k)
				}
			})
			reportOrders(b, n.Load(), cpu0)
		})
	}
}
