package memlanding_test

import (
	"testing"

	"github.com/edqm/edqm/internal/landbench"
	"github.com/edqm/edqm/landing/memlanding"
)

// BenchmarkPut lands a ~100 KB orders CSV per iteration in memory.
func BenchmarkPut(b *testing.B) { landbench.Put(b, memlanding.New()) }

// BenchmarkPutParallel is BenchmarkPut from 4 goroutines per CPU.
func BenchmarkPutParallel(b *testing.B) { landbench.PutParallel(b, memlanding.New(), 4) }
