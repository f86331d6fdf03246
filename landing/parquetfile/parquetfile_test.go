package parquetfile_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/chaos/chaosarrow"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing/parquetfile"
)

var day = time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)

func seeded(t *testing.T) *generate.Seeded {
	t.Helper()
	g, err := generate.New(generate.Config{Seed: 42})
	require.NoError(t, err)
	return g
}

// TestTableRoundTrip: a string table, NULLs included, reads back equal.
func TestTableRoundTrip(t *testing.T) {
	orders, err := seeded(t).Orders(t.Context(), day)
	require.NoError(t, err)
	orders.Rows[0][1] = "" // a NULL customer_id
	for _, codec := range []parquetfile.Codec{"", parquetfile.Zstd, parquetfile.Uncompressed} {
		data, err := parquetfile.EncodeTable(t.Context(), orders, &parquetfile.Options{Codec: codec})
		require.NoError(t, err, codec)
		got, err := parquetfile.ReadTable(t.Context(), "orders", bytes.NewReader(data))
		require.NoError(t, err, codec)
		assert.Equal(t, orders, got, codec)
	}
}

// TestSameBytes: the same table and options give the same bytes, and
// another codec other bytes.
func TestSameBytes(t *testing.T) {
	g := seeded(t)
	sum := func(codec parquetfile.Codec) [32]byte {
		orders, err := g.Orders(t.Context(), day)
		require.NoError(t, err)
		data, err := parquetfile.EncodeTable(t.Context(), orders, &parquetfile.Options{Codec: codec})
		require.NoError(t, err)
		assert.NotContains(t, string(data), "parquet-go", "created_by is the library's version")
		return sha256.Sum256(data)
	}
	assert.Equal(t, sum(parquetfile.Zstd), sum(parquetfile.Zstd))
	assert.Equal(t, sum(""), sum(parquetfile.Snappy))
	assert.NotEqual(t, sum(parquetfile.Zstd), sum(parquetfile.Snappy))
}

// TestTypedBatches: the generator's typed batches, corrupted by chaosarrow
// (NULLs and negative amounts included), write with their types in row
// groups of RowGroupRows rows whatever the batch size, and read back with
// every row, leaking no memory.
func TestTypedBatches(t *testing.T) {
	g := seeded(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r, err := g.NewOrderReader(t.Context(), day, day, &generate.ReaderOptions{BatchSize: 40, Allocator: mem})
	require.NoError(t, err)
	defer r.Release()
	cfg := chaos.Config{Seed: 7, Rates: chaos.Uniform(0.2)}
	j, err := chaos.New(cfg)
	require.NoError(t, err)
	spec := chaos.OrdersSpec(g.SignupDate)

	var buf bytes.Buffer
	w, err := parquetfile.NewWriter(&buf, generate.OrderSchema, &parquetfile.Options{RowGroupRows: 64, Allocator: mem})
	require.NoError(t, err)
	var labels []chaos.Label
	for r.Next() {
		dirty, l, err := chaosarrow.InjectRecord(t.Context(), j, mem, day, spec, r.RecordBatch())
		require.NoError(t, err)
		labels = append(labels, l...)
		require.NoError(t, w.Write(t.Context(), dirty))
		dirty.Release()
	}
	require.NoError(t, r.Err())
	require.NoError(t, w.Close())
	require.NotEmpty(t, labels)

	pf, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	assert.Equal(t, int(w.Rows()+63)/64, pf.NumRowGroups(), "row groups of 64 rows, whatever the batches")
	assert.Equal(t, parquetfile.CreatedBy, pf.MetaData().GetCreatedBy())
	require.NoError(t, pf.Close())

	got, err := parquetfile.ReadTable(t.Context(), "orders", bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	assert.Equal(t, int64(len(got.Rows)), w.Rows())
	assert.Equal(t, generate.OrderColumns, got.Columns)
	assert.Contains(t, got.Rows[0][4], ".", "amounts keep their scale")
}

// TestTypedClean: clean typed batches read back as exactly the generator's
// string table.
func TestTypedClean(t *testing.T) {
	g := seeded(t)
	want, err := g.Orders(t.Context(), day)
	require.NoError(t, err)
	r, err := g.NewOrderReader(t.Context(), day, day, nil)
	require.NoError(t, err)
	defer r.Release()
	var buf bytes.Buffer
	n, err := parquetfile.WriteAll(t.Context(), &buf, r, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(len(want.Rows)), n)
	got, err := parquetfile.ReadTable(t.Context(), "orders", &buf)
	require.NoError(t, err)
	assert.Equal(t, want.Rows, got.Rows)
}

func TestErrors(t *testing.T) {
	_, err := parquetfile.NewWriter(&bytes.Buffer{}, generate.OrderSchema, &parquetfile.Options{Codec: "lz9"})
	require.ErrorIs(t, err, parquetfile.ErrInvalidOptions)
	assert.ErrorContains(t, err, `"lz9"`)
	_, err = parquetfile.NewWriter(&bytes.Buffer{}, generate.OrderSchema, &parquetfile.Options{RowGroupRows: -1})
	require.ErrorIs(t, err, parquetfile.ErrInvalidOptions)
	sc := arrow.NewSchema([]arrow.Field{{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String)}}, nil)
	_, err = parquetfile.NewWriter(&bytes.Buffer{}, sc, nil)
	require.ErrorIs(t, err, parquetfile.ErrUnsupportedType)
	assert.ErrorContains(t, err, `"tags"`)

	_, err = parquetfile.ReadTable(t.Context(), "orders/x.parquet", bytes.NewReader([]byte("order_id\n1\n")))
	require.ErrorIs(t, err, parquetfile.ErrBadFile)
	assert.ErrorContains(t, err, "orders/x.parquet")

	bad := &edqm.Table{Name: "t", Columns: []string{"a", "b"}, Rows: [][]string{{"1", "2"}, {"3"}}}
	_, err = parquetfile.EncodeTable(t.Context(), bad, nil)
	assert.ErrorContains(t, err, "row 2")

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	orders, err := seeded(t).Orders(t.Context(), day)
	require.NoError(t, err)
	_, err = parquetfile.EncodeTable(ctx, orders, nil)
	assert.ErrorIs(t, err, context.Canceled)
}

// TestRequiredNull: a NULL in a field that is not nullable is an error
// naming the column.
func TestRequiredNull(t *testing.T) {
	sc := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}}, nil)
	b := array.NewStringBuilder(memory.DefaultAllocator)
	b.AppendValues([]string{"a", ""}, []bool{true, false})
	col := b.NewArray()
	defer col.Release()
	rec := array.NewRecordBatch(sc, []arrow.Array{col}, 2)
	defer rec.Release()
	w, err := parquetfile.NewWriter(&bytes.Buffer{}, sc, nil)
	require.NoError(t, err)
	err = w.Write(t.Context(), rec)
	assert.ErrorContains(t, err, "column id")
}

func TestInspect(t *testing.T) {
	orders, err := seeded(t).Orders(t.Context(), day)
	require.NoError(t, err)
	data, err := parquetfile.EncodeTable(t.Context(), orders, nil)
	require.NoError(t, err)
	cols, rows, err := parquetfile.Inspect(data)
	require.NoError(t, err)
	assert.Equal(t, orders.Columns, cols)
	assert.Equal(t, int64(len(orders.Rows)), rows)
	_, _, err = parquetfile.Inspect([]byte("a,b\n"))
	assert.ErrorIs(t, err, parquetfile.ErrBadFile)
}

// TestEncodeTableAsRecord: EncodeTable writes the bytes TableRecord and a
// Writer write, in several row groups.
func TestEncodeTableAsRecord(t *testing.T) {
	orders, err := seeded(t).Orders(t.Context(), day)
	require.NoError(t, err)
	orders.Rows[1][2] = ""
	opts := &parquetfile.Options{RowGroupRows: 16, Codec: parquetfile.Zstd}
	got, err := parquetfile.EncodeTable(t.Context(), orders, opts)
	require.NoError(t, err)
	rec, err := parquetfile.TableRecord(orders, nil)
	require.NoError(t, err)
	defer rec.Release()
	var want bytes.Buffer
	w, err := parquetfile.NewWriter(&want, rec.Schema(), opts)
	require.NoError(t, err)
	require.NoError(t, w.Write(t.Context(), rec))
	require.NoError(t, w.Close())
	assert.Equal(t, want.Bytes(), got)
}
