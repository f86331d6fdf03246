package edqm_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/generate"
)

// stdCSV is what encoding/csv writes for t: the reference WriteCSV must
// match byte for byte.
func stdCSV(t testing.TB, tab *edqm.Table) []byte {
	t.Helper()
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	if err := cw.Write(tab.Columns); err != nil {
		t.Fatal(err)
	}
	if err := cw.WriteAll(tab.Rows); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeCSV(t testing.TB, tab *edqm.Table) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := edqm.WriteCSV(&b, tab); err != nil {
		t.Fatalf("WriteCSV: %v", err)
	}
	return b.Bytes()
}

// TestWriteCSVMatchesEncodingCSV covers the quoting rules one by one.
func TestWriteCSVMatchesEncodingCSV(t *testing.T) {
	cells := []string{
		"", "plain", "a,b", `say "hi"`, `"`, `""`, "line\nbreak", "cr\ronly", "crlf\r\nend",
		" leading space", "trailing space ", "\tleading tab", "\vvtab", "\fform feed",
		"\u0085next line", "\u00a0nbsp", "\u2003em space", "\u3000ideographic", "é accent",
		`\.`, `\..`, `.\.`, "\xff invalid utf-8", "\xc2", "\x00nul", "😀", ",", "\n", "\r", " ",
		strings.Repeat("x", 70000), strings.Repeat(`a"b,`, 20000),
	}
	for _, c := range cells {
		tab := &edqm.Table{Name: "t", Columns: []string{"a", c}, Rows: [][]string{{c, c}, {"", c}, {c, ""}}}
		if got, want := writeCSV(t, tab), stdCSV(t, tab); !bytes.Equal(got, want) {
			t.Errorf("cell %q:\n got  %q\n want %q", truncate(c), truncate(string(got)), truncate(string(want)))
		}
	}
	for _, tab := range []*edqm.Table{
		{Name: "no columns", Rows: [][]string{{}, {}}},
		{Name: "one empty column", Columns: []string{""}, Rows: [][]string{{""}, {"x"}, {""}}},
		{Name: "no rows", Columns: []string{"a", "b"}},
	} {
		if got, want := writeCSV(t, tab), stdCSV(t, tab); !bytes.Equal(got, want) {
			t.Errorf("%s:\n got  %q\n want %q", tab.Name, got, want)
		}
	}
}

func truncate(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// TestWriteCSVLargeTable checks a table larger than WriteCSV's buffer, so
// that it is written in several chunks.
func TestWriteCSVLargeTable(t *testing.T) {
	tab := orders(t, 5000)
	got, want := writeCSV(t, tab), stdCSV(t, tab)
	if len(want) < 256<<10 {
		t.Fatalf("the table is only %d bytes: too small to need several chunks", len(want))
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("WriteCSV differs from encoding/csv (%d bytes, want %d)", len(got), len(want))
	}
}

// TestWriteCSVRaggedRowWritesNothing: the width of every row is checked
// before anything is written.
func TestWriteCSVRaggedRowWritesNothing(t *testing.T) {
	tab := orders(t, 3000)
	tab.Rows[2999] = tab.Rows[2999][:3]
	var b bytes.Buffer
	err := edqm.WriteCSV(&b, tab)
	if err == nil || !strings.Contains(err.Error(), "row 2999 has 3 cells, want 7") {
		t.Fatalf("err = %v, want one naming row 2999", err)
	}
	if b.Len() != 0 {
		t.Errorf("%d bytes written before the error, want none", b.Len())
	}
}

// failWriter accepts n bytes, then fails.
type failWriter struct {
	n      int
	writes int
}

var errWrite = errors.New("disk full")

func (f *failWriter) Write(p []byte) (int, error) {
	f.writes++
	if len(p) <= f.n {
		f.n -= len(p)
		return len(p), nil
	}
	n := f.n
	f.n = 0
	return n, errWrite
}

func TestWriteCSVWriteError(t *testing.T) {
	tab := orders(t, 5000)
	for _, n := range []int{0, 10, 100 << 10} {
		fw := &failWriter{n: n}
		if err := edqm.WriteCSV(fw, tab); !errors.Is(err, errWrite) {
			t.Errorf("writer failing after %d bytes: err = %v, want errWrite", n, err)
		}
		if fw.writes > 1+n/(32<<10) {
			t.Errorf("writer failing after %d bytes: %d writes, want WriteCSV to stop at the first error", n, fw.writes)
		}
	}
	// A short write without an error is an error too (io.ErrShortWrite).
	if err := edqm.WriteCSV(shortWriter{}, tab); !errors.Is(err, errShort) {
		t.Errorf("short write: err = %v", err)
	}
}

var errShort = errors.New("short")

type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return len(p) / 2, errShort }

// TestWriteCSVConcurrent runs WriteCSV from several goroutines: buffers
// reused between calls must not be shared.
func TestWriteCSVConcurrent(t *testing.T) {
	tabs := []*edqm.Table{orders(t, 100), orders(t, 2000), orders(t, 7)}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				tab := tabs[(g+i)%len(tabs)]
				var b bytes.Buffer
				if err := edqm.WriteCSV(&b, tab); err != nil {
					t.Error(err)
					return
				}
				if !bytes.Equal(b.Bytes(), stdCSV(t, tab)) {
					t.Errorf("goroutine %d call %d: output differs from encoding/csv", g, i)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// FuzzWriteCSV checks that WriteCSV writes the bytes encoding/csv writes,
// for any cells: s is split on sep into cells, laid out width to a row (the
// first row is the header, the last padded with NULLs).
func FuzzWriteCSV(f *testing.F) {
	f.Add("order_id,status,note,o1,COMPLETED,gift wrapped", byte(','), uint8(2))
	f.Add("a|\"b\"| c|\r\n|\\.|", byte('|'), uint8(1))
	f.Add("\u00a0x\x00\u0085y\x00\xff\x00\t", byte(0), uint8(0))
	f.Fuzz(func(t *testing.T, s string, sep byte, width uint8) {
		w := 1 + int(width%5)
		cells := strings.Split(s, string([]byte{sep}))
		for len(cells)%w != 0 {
			cells = append(cells, "")
		}
		tab := &edqm.Table{Name: "fuzz", Columns: cells[:w]}
		for i := w; i < len(cells); i += w {
			tab.Rows = append(tab.Rows, cells[i:i+w])
		}
		if got, want := writeCSV(t, tab), stdCSV(t, tab); !bytes.Equal(got, want) {
			t.Fatalf("cells %q:\n got  %q\n want %q", cells, got, want)
		}
	})
}

// orders returns n generated orders with 2% of each chaos kind.
func orders(t testing.TB, n int) *edqm.Table {
	t.Helper()
	ctx := t.Context()
	gen, err := generate.New(generate.Config{Seed: 42, MinOrders: n, MaxOrders: n})
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	clean, err := gen.Orders(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	inj, err := chaos.New(chaos.Config{Seed: 7, Rates: chaos.Uniform(0.02)})
	if err != nil {
		t.Fatal(err)
	}
	dirty, _, err := inj.Inject(ctx, day, chaos.OrdersSpec(gen.SignupDate), clean)
	if err != nil {
		t.Fatal(err)
	}
	return dirty
}

// BenchmarkWriteCSV writes 100,000 generated orders (2% of each chaos
// kind) to a writer that discards them; the encoding_csv sub-benchmark
// writes the same table with encoding/csv, for reference (on a shared
// machine, the ratio of the two is steadier than either figure).
//
//	go test -run '^$' -bench WriteCSV -count 5 .
func BenchmarkWriteCSV(b *testing.B) {
	tab := orders(b, 100000)
	size := int64(len(stdCSV(b, tab)))
	run := func(b *testing.B, write func(io.Writer, *edqm.Table) error) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			if err := write(discard{}, tab); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(tab.Rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	}
	b.Run("edqm", func(b *testing.B) { run(b, edqm.WriteCSV) })
	b.Run("encoding_csv", func(b *testing.B) {
		run(b, func(w io.Writer, t *edqm.Table) error {
			cw := csv.NewWriter(w)
			if err := cw.Write(t.Columns); err != nil {
				return err
			}
			if err := cw.WriteAll(t.Rows); err != nil {
				return err
			}
			return cw.Error()
		})
	})
}

// discard is io.Discard without its io.StringWriter and io.ReaderFrom, so
// that the benchmark measures plain Write calls.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
