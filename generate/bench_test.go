package generate_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/go-faker/faker/v4"

	"github.com/edqm/edqm/generate"
)

// reportOrders reports the orders per second of a benchmark, and the CPU
// time per order since cpu0 (a processCPU reading): the machine is shared,
// and CPU time tells the cost of an order whatever else runs.
func reportOrders(b *testing.B, orders int, cpu0 time.Duration) {
	b.ReportMetric(float64(orders)/b.Elapsed().Seconds(), "orders/s")
	if cpu := processCPU() - cpu0; cpu0 > 0 && cpu > 0 && orders > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(orders), "cpu-ns/order")
	}
}

// BenchmarkOrders generates one day of orders as a string table per
// iteration, cycling over a year of days so that the customer index is
// warm, as in a long run.
func BenchmarkOrders(b *testing.B) {
	g := mustNew(b, generate.Config{Seed: 1})
	ctx := b.Context()
	first := date(2025, 1, 1)
	n, i := 0, 0
	cpu0 := processCPU()
	for b.Loop() {
		o, err := g.Orders(ctx, first.AddDate(0, 0, i%365))
		if err != nil {
			b.Fatal(err)
		}
		n += len(o.Rows)
		i++
	}
	reportOrders(b, n, cpu0)
}

// BenchmarkOrderRows generates one day of typed orders per iteration.
func BenchmarkOrderRows(b *testing.B) {
	g := mustNew(b, generate.Config{Seed: 1})
	ctx := b.Context()
	first := date(2025, 1, 1)
	n, i := 0, 0
	cpu0 := processCPU()
	for b.Loop() {
		o, err := g.OrderRows(ctx, first.AddDate(0, 0, i%365))
		if err != nil {
			b.Fatal(err)
		}
		n += len(o)
		i++
	}
	reportOrders(b, n, cpu0)
}

// benchReader streams 65,536 orders a day as Arrow batches of
// generate.DefaultBatchSize, four days per iteration, with arrow's Go
// allocator and with the recycling pool.
func benchReader(b *testing.B, parallelism int) {
	for _, a := range []struct {
		name string
		mem  memory.Allocator
	}{{"go", memory.NewGoAllocator()}, {"pool", generate.NewPoolAllocator()}} {
		b.Run(a.name, func(b *testing.B) {
			g := mustNew(b, generate.Config{Seed: 1, MinOrders: 1 << 16, MaxOrders: 1 << 16})
			ctx := b.Context()
			first := date(2025, 1, 1)
			n, i := 0, 0
			cpu0 := processCPU()
			for b.Loop() {
				day := first.AddDate(0, 0, 4*(i%90))
				r, err := g.NewOrderReader(ctx, day, day.AddDate(0, 0, 3), &generate.ReaderOptions{Parallelism: parallelism, Allocator: a.mem})
				if err != nil {
					b.Fatal(err)
				}
				for r.Next() {
					n += int(r.RecordBatch().NumRows())
				}
				if err := r.Err(); err != nil {
					b.Fatal(err)
				}
				r.Release()
				i++
			}
			reportOrders(b, n, cpu0)
		})
	}
}

// BenchmarkOrderReader generates Arrow batches on the caller's goroutine.
func BenchmarkOrderReader(b *testing.B) { benchReader(b, 1) }

// BenchmarkOrderReaderParallel generates Arrow batches on two goroutines.
func BenchmarkOrderReaderParallel(b *testing.B) { benchReader(b, 2) }

// BenchmarkCustomers generates one day of signups per iteration.
func BenchmarkCustomers(b *testing.B) {
	g := mustNew(b, generate.Config{Seed: 1, CustomersPerDay: 100})
	ctx := b.Context()
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

// BenchmarkFakerName calls faker for one full name per iteration, as a
// generator without pools would for each customer. Compare with
// BenchmarkPoolName.
func BenchmarkFakerName(b *testing.B) {
	var sink int
	for b.Loop() {
		sink += len(faker.FirstName() + " " + faker.LastName())
	}
	_ = sink
}

// BenchmarkPoolName samples one full name from pools of first and last
// names per iteration, with a seeded stream: what the generator does.
func BenchmarkPoolName(b *testing.B) {
	first := make([]string, 500)
	last := make([]string, 500)
	for i := range first {
		first[i], last[i] = faker.FirstName(), faker.LastName()
	}
	r := rand.New(rand.NewPCG(1, 2))
	var sink int
	for b.Loop() {
		sink += len(first[r.IntN(len(first))] + " " + last[r.IntN(len(last))])
	}
	_ = sink
}
