package generate_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/generate"
)

// cells renders a batch as the string cells of an edqm.Table: decimals
// with their two decimals, dates as YYYY-MM-DD, NULL as "".
func cells(t *testing.T, rec arrow.RecordBatch) [][]string {
	t.Helper()
	rows := make([][]string, rec.NumRows())
	for i := range rows {
		rows[i] = make([]string, rec.NumCols())
	}
	for j, col := range rec.Columns() {
		for i := range rows {
			if col.IsNull(i) {
				continue
			}
			var v string
			switch a := col.(type) {
			case *array.String:
				v = strings.Clone(a.Value(i)) // the batch's memory may be reused once released
			case *array.Int32:
				v = strconv.Itoa(int(a.Value(i)))
			case *array.Decimal128:
				v = edqm.FormatCents(int64(a.Value(i).LowBits()))
			case *array.Date32:
				v = a.Value(i).ToTime().Format(edqm.DateLayout)
			default:
				t.Fatalf("column %d: unexpected type %s", j, col.DataType())
			}
			rows[i][j] = v
		}
	}
	return rows
}

// orderRowsAsCells renders typed orders as the cells of Seeded.Orders.
func orderRowsAsCells(rows []generate.Order) [][]string {
	out := make([][]string, len(rows))
	for i, o := range rows {
		out[i] = []string{o.OrderID, o.CustomerID, o.ProductID, strconv.Itoa(o.Quantity), edqm.FormatCents(o.TotalCents),
			o.OrderDate.Format(edqm.DateLayout), o.Status}
	}
	return out
}

func equalRows(a, b [][]string) bool {
	return slices.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}

func TestTypedRowsMatchTables(t *testing.T) {
	g := mustNew(t, generate.Config{Seed: 12})
	ctx := t.Context()
	for _, day := range []time.Time{date(2024, 1, 1), date(2025, 11, 28)} {
		rows, err := g.OrderRows(ctx, day)
		if err != nil {
			t.Fatal(err)
		}
		if !equalRows(orderRowsAsCells(rows), orders(t, g, day).Rows) {
			t.Errorf("%s: OrderRows differ from Orders", day.Format(edqm.DateLayout))
		}
		if rows[0].OrderDate != day || rows[0].OrderDate.Location() != time.UTC {
			t.Errorf("OrderDate %v, want midnight UTC of %s", rows[0].OrderDate, day.Format(edqm.DateLayout))
		}
	}
	cs, err := g.CustomerRows(ctx, date(2024, 1, 1), date(2024, 1, 20))
	if err != nil {
		t.Fatal(err)
	}
	ct, _ := g.Customers(ctx, date(2024, 1, 1), date(2024, 1, 20))
	for i, c := range cs {
		if got := []string{c.CustomerID, c.Name, c.Email, c.SignupDate.Format(edqm.DateLayout), c.Region}; !slices.Equal(got, ct.Rows[i]) {
			t.Fatalf("customer %d: %v, table %v", i, got, ct.Rows[i])
		}
	}
	ps, err := g.ProductRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pt, _ := g.Products(ctx)
	for i, p := range ps {
		if got := []string{p.ProductID, p.ProductName, p.Category, edqm.FormatCents(p.PriceCents), strconv.Itoa(p.StockLevel)}; !slices.Equal(got, pt.Rows[i]) {
			t.Fatalf("product %d: %v, table %v", i, got, pt.Rows[i])
		}
	}
	ps[0].PriceCents = 1
	if again, _ := g.ProductRows(ctx); again[0].PriceCents == 1 {
		t.Error("ProductRows shares its slice with the generator")
	}
	if len(cs) != len(ct.Rows) || len(ps) != len(pt.Rows) {
		t.Errorf("%d customers and %d products, tables %d and %d", len(cs), len(ps), len(ct.Rows), len(pt.Rows))
	}
}

// readAll reads every batch of r, checking that no batch straddles two
// days, and returns the cells per day and the batch sizes.
func readAll(t *testing.T, r *generate.OrderReader) (map[string][][]string, []int) {
	t.Helper()
	days := map[string][][]string{}
	var sizes []int
	for r.Next() {
		rec := r.RecordBatch()
		if !rec.Schema().Equal(generate.OrderSchema) {
			t.Fatalf("schema %v", rec.Schema())
		}
		rows := cells(t, rec)
		day := r.Day().Format(edqm.DateLayout)
		for _, row := range rows {
			if row[5] != day {
				t.Fatalf("a batch of %s holds an order of %s", day, row[5])
			}
		}
		days[day] = append(days[day], rows...)
		sizes = append(sizes, len(rows))
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return days, sizes
}

func TestOrderReaderMatchesOrders(t *testing.T) {
	g := mustNew(t, generate.Config{Seed: 13, MinOrders: 20, MaxOrders: 90})
	ctx := t.Context()
	from, to := date(2025, 1, 30), date(2025, 2, 6)
	for _, opts := range []*generate.ReaderOptions{nil, {BatchSize: 25}, {BatchSize: 1}, {BatchSize: 25, Parallelism: 3}, {BatchSize: 7, Parallelism: 2}} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		o := generate.ReaderOptions{}
		if opts != nil {
			o = *opts
		}
		o.Allocator = mem
		r, err := g.NewOrderReader(ctx, from, to, &o)
		if err != nil {
			t.Fatal(err)
		}
		days, sizes := readAll(t, r)
		r.Release()
		mem.AssertSize(t, 0)
		batch := o.BatchSize
		if batch == 0 {
			batch = generate.DefaultBatchSize
		}
		nBatches := 0
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			want := orders(t, g, d).Rows
			if !equalRows(days[d.Format(edqm.DateLayout)], want) {
				t.Errorf("%+v: %s differs from Orders", opts, d.Format(edqm.DateLayout))
			}
			nBatches += (len(want) + batch - 1) / batch
		}
		if len(days) != 8 || len(sizes) != nBatches || slices.Max(sizes) > batch {
			t.Errorf("%+v: %d days in %d batches of at most %d, want 8 days in %d batches of at most %d", opts, len(days), len(sizes), slices.Max(sizes), nBatches, batch)
		}
	}
}

func TestOrderReaderEdges(t *testing.T) {
	g := mustNew(t, generate.Config{Seed: 14})
	ctx := t.Context()
	for _, tc := range []struct {
		opts  generate.ReaderOptions
		field string
	}{
		{generate.ReaderOptions{BatchSize: -1}, "BatchSize"},
		{generate.ReaderOptions{Parallelism: -2}, "Parallelism"},
	} {
		if _, err := g.NewOrderReader(ctx, date(2025, 1, 1), date(2025, 1, 2), &tc.opts); !errors.Is(err, generate.ErrInvalidConfig) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%+v: %v, want ErrInvalidConfig naming %s", tc.opts, err, tc.field)
		}
	}
	if _, err := g.NewOrderReader(ctx, date(2023, 12, 31), date(2024, 1, 2), nil); !errors.Is(err, generate.ErrBeforeEpoch) {
		t.Errorf("from before the epoch: %v", err)
	}
	// A zero from starts at the Epoch; a to before from reads nothing.
	r, err := g.NewOrderReader(ctx, time.Time{}, date(2024, 1, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	days, _ := readAll(t, r)
	r.Release()
	if len(days) != 2 || days["2024-01-01"] == nil {
		t.Errorf("zero from: days %d", len(days))
	}
	r, _ = g.NewOrderReader(ctx, date(2025, 1, 2), date(2025, 1, 1), nil)
	if r.Next() || r.Err() != nil {
		t.Errorf("an empty range gave a batch or %v", r.Err())
	}
	r.Release()
	if r.RecordBatch() != nil {
		t.Error("a batch after Release")
	}
	// Retain and Release count.
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	r, _ = g.NewOrderReader(ctx, date(2025, 1, 1), date(2025, 1, 1), &generate.ReaderOptions{Allocator: mem})
	r.Retain()
	r.Next()
	r.Release()
	if r.RecordBatch() == nil || r.RecordBatch().NumRows() == 0 {
		t.Error("one Release of two freed the reader")
	}
	r.Release()
	mem.AssertSize(t, 0)
}

// TestOrderReaderStopsEarly releases readers in the middle of a stream,
// and cancels their context: every batch built is freed, the goroutines
// stop, and Err tells the cancellation.
func TestOrderReaderStopsEarly(t *testing.T) {
	g := mustNew(t, generate.Config{Seed: 15, MinOrders: 500, MaxOrders: 500})
	from, to := date(2025, 1, 1), date(2025, 12, 31)
	for _, par := range []int{1, 2, 4} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		r, err := g.NewOrderReader(t.Context(), from, to, &generate.ReaderOptions{BatchSize: 100, Parallelism: par, Allocator: mem})
		if err != nil {
			t.Fatal(err)
		}
		for range 7 {
			if !r.Next() {
				t.Fatal(r.Err())
			}
		}
		r.Release()
		mem.AssertSize(t, 0)

		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		r, _ = g.NewOrderReader(ctx, from, to, &generate.ReaderOptions{BatchSize: 100, Parallelism: par, Allocator: mem})
		n := 0
		for r.Next() {
			if n++; n == 3 {
				cancel()
			}
		}
		if !errors.Is(r.Err(), context.Canceled) || n > 3+2*par+1 {
			t.Errorf("parallelism %d: cancelled after %d batches: %v", par, n, r.Err())
		}
		r.Release()
		mem.AssertSize(t, 0)
		if r.Next() {
			t.Error("Next after Release")
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := g.NewOrderReader(ctx, from, to, nil); err != context.Canceled {
		t.Errorf("cancelled context: %v", err)
	}
}

func TestProductsAndCustomersRecords(t *testing.T) {
	g := mustNew(t, generate.Config{Seed: 16})
	ctx := t.Context()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	p, err := g.ProductsRecord(ctx, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Release()
	pt, _ := g.Products(ctx)
	if !p.Schema().Equal(generate.ProductSchema) || !equalRows(cells(t, p), pt.Rows) {
		t.Error("ProductsRecord differs from Products")
	}
	c, err := g.CustomersRecord(ctx, mem, date(2024, 2, 1), date(2024, 2, 10))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	ct, _ := g.Customers(ctx, date(2024, 2, 1), date(2024, 2, 10))
	if !c.Schema().Equal(generate.CustomerSchema) || !equalRows(cells(t, c), ct.Rows) {
		t.Error("CustomersRecord differs from Customers")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := g.ProductsRecord(cctx, mem); err != context.Canceled {
		t.Errorf("ProductsRecord cancelled: %v", err)
	}
	if _, err := g.CustomersRecord(&countdown{Context: ctx, left: 2}, mem, time.Time{}, date(2030, 1, 1)); err != context.Canceled {
		t.Errorf("CustomersRecord cancelled mid-way: %v", err)
	}
}
