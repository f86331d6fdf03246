package snowflakewarehouse_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/landing/parquetfile"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
	"github.com/edqm/edqm/warehouse/snowflakewarehouse/sftest"
)

// parquetFiles are a day of orders as a Parquet file of strings (with a
// NULL and a value in scientific notation) and as one of the generator's
// typed batches, in several row groups.
func parquetFiles(t *testing.T) (landing.Lander, []string) {
	t.Helper()
	day := time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
	g, err := generate.New(generate.Config{Seed: 5})
	require.NoError(t, err)
	orders, err := g.Orders(t.Context(), day)
	require.NoError(t, err)
	orders.Rows[2][1], orders.Rows[3][4] = "", "1.2345e+03"
	strs, err := parquetfile.EncodeTable(t.Context(), orders, nil)
	require.NoError(t, err)
	r, err := g.NewOrderReader(t.Context(), day, day, nil)
	require.NoError(t, err)
	defer r.Release()
	var typed bytes.Buffer
	_, err = parquetfile.WriteAll(t.Context(), &typed, r, &parquetfile.Options{RowGroupRows: 30})
	require.NoError(t, err)
	l := memlanding.New()
	keys := []string{"orders/date=2026-03-09/a.parquet", "orders/date=2026-03-09/b.parquet"}
	require.NoError(t, l.Put(t.Context(), keys[0], bytes.NewReader(strs)))
	require.NoError(t, l.Put(t.Context(), keys[1], &typed))
	return l, keys
}

// TestServerParquetEqualsDuckDB loads Parquet files into DuckDB and into
// the test server (COPY INTO … FILE_FORMAT = (TYPE = PARQUET)
// MATCH_BY_COLUMN_NAME), under both readings of the assumed behaviours:
// the same rows, values, files and lines.
func TestServerParquetEqualsDuckDB(t *testing.T) {
	l, keys := parquetFiles(t)
	q := `SELECT order_id || '/' || COALESCE(customer_id, 'NULL') || '/' || quantity || '/' || total_amount || '/' || order_date, _file, CAST(_line AS VARCHAR) FROM raw_orders ORDER BY _file, _line`
	load := func(t *testing.T, w warehouse.Warehouse) []string {
		res, err := w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_orders", Columns: generate.OrderColumns, Source: l, Keys: keys})
		require.NoError(t, err)
		for _, f := range res.Files {
			assert.Equal(t, f.Parsed, f.Loaded, f.Key)
			assert.Positive(t, f.Loaded, f.Key)
		}
		return rowsText(t, w, q)
	}
	duck, err := duckdbwarehouse.Open(t.Context(), "", nil)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, duck.Close()) })
	want := load(t, duck)
	require.NotEmpty(t, want)
	assert.Contains(t, want[0], "| 2", "the first row is on line 2")
	for _, reading := range readings {
		t.Run(reading.name, func(t *testing.T) {
			w, _ := openOnServer(t, &sftest.Options{SQL: reading.sql}, "")
			assert.Equal(t, want, load(t, w), "rows loaded (DuckDB, then Snowflake)")
		})
	}
}

// TestServerParquetRefused: a Parquet file without a column of the table
// is refused whole (ErrBadFile, naming file and column), as on DuckDB, and
// one load does not mix CSV and Parquet files.
func TestServerParquetRefused(t *testing.T) {
	w, _ := openOnServer(t, &sftest.Options{}, "")
	l, keys := parquetFiles(t)
	g, err := generate.New(generate.Config{Seed: 5})
	require.NoError(t, err)
	cust, err := g.Customers(t.Context(), time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	data, err := parquetfile.EncodeTable(t.Context(), cust, nil)
	require.NoError(t, err)
	require.NoError(t, l.Put(t.Context(), "orders/date=2026-03-10/c.parquet", bytes.NewReader(data)))
	_, err = w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_orders", Columns: generate.OrderColumns, Source: l, Keys: []string{"orders/date=2026-03-10/c.parquet"}})
	require.ErrorIs(t, err, warehouse.ErrBadFile)
	assert.ErrorContains(t, err, `orders/date=2026-03-10/c.parquet: no column "order_id"`)

	require.NoError(t, l.Put(t.Context(), "orders/x.csv", bytes.NewReader([]byte(fmt.Sprintln("order_id")))))
	_, err = w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_orders", Columns: generate.OrderColumns, Source: l, Keys: []string{keys[0], "orders/x.csv"}})
	assert.ErrorContains(t, err, "not both")
}
