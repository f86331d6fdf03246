// Package landbench holds what the landers' benchmarks share: realistic
// landed CSV (a day of generated orders, corrupted by the default chaos,
// encoded the way the pipeline lands them) and the Put benchmarks run
// against any [landing.Lander].
package landbench

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing"
)

// Orders returns the CSV of one day of orders (header included) of at
// least minBytes: the day's volume doubles from 100 orders until it is.
// The bytes depend only on minBytes.
func Orders(tb testing.TB, minBytes int) []byte {
	tb.Helper()
	ctx := context.Background()
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	for n := 100; ; n *= 2 {
		gen, err := generate.New(generate.Config{Seed: 1, MinOrders: n, MaxOrders: n})
		if err != nil {
			tb.Fatal(err)
		}
		inj, err := chaos.New(chaos.Config{Seed: 1, Rates: chaos.Uniform(0.02)})
		if err != nil {
			tb.Fatal(err)
		}
		clean, err := gen.Orders(ctx, day)
		if err != nil {
			tb.Fatal(err)
		}
		dirty, _, err := inj.Inject(ctx, day, chaos.OrdersSpec(gen.SignupDate), clean)
		if err != nil {
			tb.Fatal(err)
		}
		var b bytes.Buffer
		if err := edqm.WriteCSV(&b, dirty); err != nil {
			tb.Fatal(err)
		}
		if b.Len() >= minBytes {
			return b.Bytes()
		}
	}
}

// FileSize is the size the Put benchmarks land: about a day of 700 orders.
const FileSize = 100 << 10

// Put benchmarks l.Put of a ~100 KB orders CSV, reporting bytes/s and
// allocations. It cycles through 256 keys (one day's folder per 4), so
// what is landed stays bounded however many iterations run.
func Put(b *testing.B, l landing.Lander) {
	data := Orders(b, FileSize)
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := l.Put(ctx, key(i), bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// PutParallel is [Put] from parallelism × GOMAXPROCS goroutines.
func PutParallel(b *testing.B, l landing.Lander, parallelism int) {
	data := Orders(b, FileSize)
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.SetParallelism(parallelism)
	var n atomic.Int64
	b.ResetTimer() // not the CSV's generation
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := l.Put(ctx, key(int(n.Add(1))), bytes.NewReader(data)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// key is the i-th file's key, one folder per day as the pipeline lands.
func key(i int) string {
	i %= 256
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/4).Format(edqm.DateLayout)
	return fmt.Sprintf("orders/date=%s/orders-%s-%d.csv", day, day, i%4)
}
