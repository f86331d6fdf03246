package generate_test

import (
	"testing"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/edqm/edqm/generate"
)

func TestPoolAllocator(t *testing.T) {
	p := generate.NewPoolAllocator()
	aligned := func(b []byte) bool { return uintptr(unsafe.Pointer(unsafe.SliceData(b)))%64 == 0 }
	for _, n := range []int{0, 1, 63, 64, 65, 1000, 1 << 20, 3<<20 + 7} {
		b := p.Allocate(n)
		if len(b) != n || cap(b) < n || !aligned(b) {
			t.Fatalf("Allocate(%d): len %d cap %d aligned %v", n, len(b), cap(b), aligned(b))
		}
		for i := range b {
			b[i] = 0xff
		}
		p.Free(b)
	}
	// A freed buffer comes back zeroed. sync.Pool may drop a buffer (the
	// race detector does so on purpose), so try a few times.
	reused := false
	for range 100 {
		b := p.Allocate(5000)
		for i := range b {
			b[i] = 7
		}
		p.Free(b)
		c := p.Allocate(4100) // the same class
		if unsafe.SliceData(c) == unsafe.SliceData(b) {
			reused = true
		}
		for i, v := range c {
			if v != 0 {
				t.Fatalf("byte %d of a reused buffer is %d", i, v)
			}
		}
		p.Free(c)
		if reused {
			break
		}
	}
	if !reused {
		t.Error("no buffer was ever reused")
	}
	// Reallocate keeps the bytes and zeroes what it adds.
	b := p.Allocate(100)
	for i := range b {
		b[i] = byte(i)
	}
	b = p.Reallocate(120, b[:100])
	if b[99] != 99 || b[119] != 0 {
		t.Errorf("Reallocate within the class: %d %d", b[99], b[119])
	}
	b = p.Reallocate(10_000, b)
	if len(b) != 10_000 || b[50] != 50 || b[9_999] != 0 || !aligned(b) {
		t.Errorf("Reallocate to a larger class: len %d, %d %d", len(b), b[50], b[9_999])
	}
	p.Free(b)
	p.Free(make([]byte, 100)) // not from the pool: ignored
	p.Free(nil)
}

// TestPoolAllocatorStream reads batches through a pool, checked for
// leaks: the same rows as with the Go allocator, and nothing left.
func TestPoolAllocatorStream(t *testing.T) {
	g := mustNew(t, generate.Config{Seed: 17, MinOrders: 300, MaxOrders: 300})
	ctx := t.Context()
	read := func(mem memory.Allocator, par int) [][]string {
		r, err := g.NewOrderReader(ctx, date(2025, 5, 1), date(2025, 5, 20), &generate.ReaderOptions{Allocator: mem, BatchSize: 128, Parallelism: par})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Release()
		var rows [][]string
		for r.Next() {
			rows = append(rows, cells(t, r.RecordBatch())...)
		}
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
		return rows
	}
	want := read(memory.NewGoAllocator(), 1)
	checked := memory.NewCheckedAllocator(generate.NewPoolAllocator())
	for _, par := range []int{1, 2} {
		if got := read(checked, par); !equalRows(got, want) {
			t.Errorf("parallelism %d: batches from the pool differ", par)
		}
	}
	checked.AssertSize(t, 0)
}
