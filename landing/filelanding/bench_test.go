package filelanding_test

import (
	"testing"

	"github.com/edqm/edqm/internal/landbench"
	"github.com/edqm/edqm/landing/filelanding"
)

// openBench returns a lander on a fresh folder, with or without fsync.
func openBench(b *testing.B, noSync bool) *filelanding.Lander {
	l, err := filelanding.Open(b.Context(), b.TempDir(), &filelanding.Options{NoSync: noSync})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = l.Close() })
	return l
}

// BenchmarkPut lands a ~100 KB orders CSV per iteration (atomic write,
// fsync of the file and its folder by default).
func BenchmarkPut(b *testing.B) {
	b.Run("fsync", func(b *testing.B) { landbench.Put(b, openBench(b, false)) })
	b.Run("nosync", func(b *testing.B) { landbench.Put(b, openBench(b, true)) })
}

// BenchmarkPutParallel is BenchmarkPut from 4 goroutines per CPU (8 puts
// in flight on 2 CPUs, as examples/bench compares with dd).
func BenchmarkPutParallel(b *testing.B) {
	b.Run("fsync", func(b *testing.B) { landbench.PutParallel(b, openBench(b, false), 4) })
	b.Run("nosync", func(b *testing.B) { landbench.PutParallel(b, openBench(b, true), 4) })
}
