package parquetfile_test

import (
	"bytes"
	"testing"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing/parquetfile"
)

// benchOrders is a day of about 2,800 orders, the bench's 1 M-order day.
func benchOrders(b *testing.B) *edqm.Table {
	g, err := generate.New(generate.Config{Seed: 1, MinOrders: 2800, MaxOrders: 2800})
	if err != nil {
		b.Fatal(err)
	}
	t, err := g.Orders(b.Context(), day)
	if err != nil {
		b.Fatal(err)
	}
	return t
}

// BenchmarkEncodeTable encodes a day of orders as Parquet (rows/s).
func BenchmarkEncodeTable(b *testing.B) {
	t := benchOrders(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parquetfile.EncodeTable(b.Context(), t, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(t.Rows)*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkWriteCSV is the same day as CSV, for comparison.
func BenchmarkWriteCSV(b *testing.B) {
	t := benchOrders(b)
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := edqm.WriteCSV(&buf, t); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(t.Rows)*b.N)/b.Elapsed().Seconds(), "rows/s")
}
