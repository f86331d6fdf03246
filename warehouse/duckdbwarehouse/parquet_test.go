package duckdbwarehouse_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/filelanding"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/landing/parquetfile"
	"github.com/edqm/edqm/warehouse"
)

var parquetDay = time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)

// rowsOf returns a raw table's rows of one file, as "col|col|...|_line",
// in _line order; NULL as "NULL".
func rowsOf(t *testing.T, w warehouse.Warehouse, table, key string, columns []string) []string {
	t.Helper()
	parts := make([]string, len(columns))
	for i, c := range columns {
		parts[i] = "COALESCE(" + c + ", 'NULL')"
	}
	q := "SELECT " + strings.Join(parts, " || '|' || ") + " || '|' || CAST(_line AS VARCHAR) FROM " + table + " WHERE _file = ? ORDER BY _line"
	return queryStrings(t, w, q, key)
}

// TestLoadParquetAsCSV: a day of orders landed as CSV, as a Parquet file of
// strings and as a Parquet file of the generator's typed batches loads the
// same raw rows (an empty cell NULL in all three), with the same _line
// (row n has line n + 1: a CSV file's header is line 1); from
// a folder (read in place) and from memory (a temporary copy).
func TestLoadParquetAsCSV(t *testing.T) {
	g, err := generate.New(generate.Config{Seed: 42})
	require.NoError(t, err)
	orders, err := g.Orders(t.Context(), parquetDay)
	require.NoError(t, err)
	orders.Rows[3][1], orders.Rows[5][6] = "", "Completado" // a NULL and a typo
	orders.Rows[4][4] = "1.2345e+03"                        // bad_format survives in strings
	var csv bytes.Buffer
	require.NoError(t, edqm.WriteCSV(&csv, orders))
	strs, err := parquetfile.EncodeTable(t.Context(), orders, nil)
	require.NoError(t, err)
	r, err := g.NewOrderReader(t.Context(), parquetDay, parquetDay, &generate.ReaderOptions{BatchSize: 16})
	require.NoError(t, err)
	defer r.Release()
	var typed bytes.Buffer
	_, err = parquetfile.WriteAll(t.Context(), &typed, r, &parquetfile.Options{RowGroupRows: 50})
	require.NoError(t, err)

	folder, err := filelanding.Open(t.Context(), t.TempDir(), nil)
	require.NoError(t, err)
	for name, l := range map[string]landing.Lander{"memory": memlanding.New(), "folder": folder} {
		t.Run(name, func(t *testing.T) {
			w := openMemory(t)
			keys := []string{"orders/date=2026-03-09/a.csv", "orders/date=2026-03-09/b.parquet", "orders/date=2026-03-09/c.parquet"}
			put(t, l, keys[0], csv.String())
			put(t, l, keys[1], string(strs))
			put(t, l, keys[2], typed.String())
			res, err := w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_orders", Columns: generate.OrderColumns, Source: l, Keys: keys})
			require.NoError(t, err)
			for _, f := range res.Files {
				assert.Equal(t, int64(len(orders.Rows)), f.Parsed, f.Key)
				assert.Equal(t, f.Parsed, f.Loaded, f.Key)
			}
			fromCSV := rowsOf(t, w, "raw_orders", keys[0], generate.OrderColumns)
			fromParquet := rowsOf(t, w, "raw_orders", keys[1], generate.OrderColumns)
			require.Len(t, fromParquet, len(fromCSV))
			for i := range fromCSV {
				cut := strings.LastIndex(fromCSV[i], "|")
				assert.Equal(t, strconv.Itoa(i+2), fromCSV[i][cut+1:], "CSV rows start on line 2")
				assert.Equal(t, fromCSV[i], fromParquet[i])
			}
			clean := rowsOf(t, w, "raw_orders", keys[2], []string{"order_id", "quantity", "total_amount", "order_date", "status"})
			assert.Equal(t, orders.Rows[0][0]+"|"+strings.Join(orders.Rows[0][3:], "|")+"|2", clean[0], "typed values as their text")
			assert.Equal(t, []string{"3"}, queryStrings(t, w, "SELECT CAST(COUNT(*) AS VARCHAR) FROM "+warehouse.LedgerTable))
		})
	}
}

// duckParquet writes the rows of q as a Parquet file with DuckDB and
// returns its bytes.
func duckParquet(t *testing.T, w warehouse.Warehouse, q string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "x.parquet")
	require.NoError(t, w.Exec(t.Context(), "COPY ("+q+") TO '"+path+"' (FORMAT parquet)"))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}

// TestLoadParquetRejects: values no VARCHAR column holds (a LIST, bytes
// that are not UTF-8) are rejects with their row number, the column and
// the row as JSON; the others load; the ledger counts both, and a second
// load skips the file.
func TestLoadParquetRejects(t *testing.T) {
	w, l := openMemory(t), memlanding.New()
	put(t, l, "t/x.parquet", duckParquet(t, w, `SELECT * FROM (VALUES
		('1', ['a'], 'ok'::BLOB),
		('2', NULL, '\xFF'::BLOB),
		('3', NULL, 'fine'::BLOB),
		('4', [], NULL)) AS v(id, name, amount)`))
	req := warehouse.LoadRequest{Table: "raw_t", Columns: cols, Source: l, Keys: []string{"t/x.parquet"}}
	res, err := w.Load(t.Context(), req)
	require.NoError(t, err)
	f := res.Files[0]
	assert.Equal(t, [3]int64{4, 1, 3}, [3]int64{f.Parsed, f.Loaded, f.Rejected})
	assert.Equal(t, int64(2), f.FirstErrorLine)
	assert.Contains(t, f.FirstError, "column name")
	assert.Equal(t, []string{"3|NULL|fine|4"}, rowsOf(t, w, "raw_t", "t/x.parquet", cols))
	got := queryStrings(t, w, "SELECT CAST(line AS VARCHAR) || ' ' || reason || ' ' || raw FROM "+warehouse.RejectsTable+" ORDER BY line")
	require.Len(t, got, 3)
	assert.Contains(t, got[0], `2 column name: a VARCHAR[] value`)
	assert.Contains(t, got[0], `"id":"1"`)
	assert.Contains(t, got[1], `3 column amount: bytes that are not UTF-8 text`)
	assert.Contains(t, got[2], `5 column name`)
	assert.Equal(t, []string{"t/x.parquet 4 1 3"}, queryStrings(t, w,
		"SELECT file || ' ' || rows_parsed || ' ' || rows_loaded || ' ' || rows_rejected FROM "+warehouse.LedgerTable))
	res, err = w.Load(t.Context(), req)
	require.NoError(t, err)
	assert.True(t, res.Files[0].Skipped)
}

// TestLoadParquetBadFiles: a file without a column, with an extra one, or
// that is not Parquet is refused whole, naming the file and the column.
func TestLoadParquetBadFiles(t *testing.T) {
	w, l := openMemory(t), memlanding.New()
	put(t, l, "t/missing.parquet", duckParquet(t, w, `SELECT '1' AS id, 'n' AS name`))
	put(t, l, "t/extra.parquet", duckParquet(t, w, `SELECT '1' AS ID, 'n' AS name, '2' AS amount, 'x' AS currency`))
	put(t, l, "t/text.parquet", "id,name,amount\n1,n,2\n")
	put(t, l, "t/reordered.parquet", duckParquet(t, w, `SELECT '2.50' AS amount, '1' AS ID, 'n' AS name`))
	for key, want := range map[string]string{
		"t/missing.parquet": `no column "amount"`,
		"t/extra.parquet":   `extra column "currency"`,
		"t/text.parquet":    "not a readable Parquet file",
	} {
		_, err := w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_t", Columns: cols, Source: l, Keys: []string{key}})
		require.ErrorIs(t, err, warehouse.ErrBadFile, key)
		assert.ErrorContains(t, err, key)
		assert.ErrorContains(t, err, want)
	}
	_, err := w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_t", Columns: cols, Source: l, Keys: []string{"t/reordered.parquet"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"1|n|2.50|2"}, rowsOf(t, w, "raw_t", "t/reordered.parquet", cols), "columns matched by name")
}

// TestLoadParquetTogether: the Parquet files of a batch are read together,
// one read_parquet per set of columns and types, and each file still gets
// its own counts, first reject and ledger entry; a file whose footer reads
// but whose data does not (its first page header overwritten) fails the
// read of all, and the load, read again file by file, names it and keeps
// the file before it.
func TestLoadParquetTogether(t *testing.T) {
	w, l := openMemory(t), memlanding.New()
	put(t, l, "t/1.parquet", duckParquet(t, w, `SELECT * FROM (VALUES ('1', 'a', '1.50'), ('2', 'b', '2.50')) AS v(id, name, amount)`))
	put(t, l, "t/2.parquet", duckParquet(t, w, `SELECT * FROM (VALUES ('3', ['x'], 'ok'::BLOB), ('4', NULL, 'y'::BLOB), ('5', NULL, '\xFF'::BLOB)) AS v(id, name, amount)`))
	put(t, l, "t/3.parquet", duckParquet(t, w, `SELECT * FROM (VALUES ('6', 'c', '6.50')) AS v(id, name, amount)`))
	put(t, l, "t/4.parquet", duckParquet(t, w, `SELECT * FROM (VALUES ('7', [], 'z'::BLOB), ('8', NULL, 'w'::BLOB)) AS v(id, name, amount)`))
	keys := []string{"t/1.parquet", "t/2.parquet", "t/3.parquet", "t/4.parquet"}
	res, err := w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_t", Columns: cols, Source: l, Keys: keys})
	require.NoError(t, err)
	var got []string
	for _, f := range res.Files {
		got = append(got, f.Key+" "+strconv.FormatInt(f.Parsed, 10)+" "+strconv.FormatInt(f.Loaded, 10)+" "+
			strconv.FormatInt(f.Rejected, 10)+" "+strconv.FormatInt(f.FirstErrorLine, 10))
	}
	assert.Equal(t, []string{"t/1.parquet 2 2 0 0", "t/2.parquet 3 1 2 2", "t/3.parquet 1 1 0 0", "t/4.parquet 2 1 1 2"}, got)
	assert.Equal(t, []string{"4|NULL|y|3"}, rowsOf(t, w, "raw_t", "t/2.parquet", cols))
	assert.Equal(t, []string{"8|NULL|w|3"}, rowsOf(t, w, "raw_t", "t/4.parquet", cols))
	assert.Equal(t, []string{"t/1.parquet 2 2 0", "t/2.parquet 3 1 2", "t/3.parquet 1 1 0", "t/4.parquet 2 1 1"}, queryStrings(t, w,
		"SELECT file || ' ' || rows_parsed || ' ' || rows_loaded || ' ' || rows_rejected FROM "+warehouse.LedgerTable+" ORDER BY file"))

	uncompressed := func(q string) string {
		path := filepath.Join(t.TempDir(), "u.parquet")
		require.NoError(t, w.Exec(t.Context(), "COPY ("+q+") TO '"+path+"' (FORMAT parquet, COMPRESSION uncompressed)"))
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		return string(data)
	}
	good := uncompressed(`SELECT '9' AS id, 'd' AS name, '9.50' AS amount`)
	bad := []byte(uncompressed(`SELECT '10' AS id, 'e' AS name, '10.50' AS amount`))
	copy(bad[4:], bytes.Repeat([]byte{0xFF}, 12)) // the first page header, after "PAR1"
	put(t, l, "u/a.parquet", good)
	put(t, l, "u/b.parquet", string(bad))
	put(t, l, "u/c.parquet", good)
	res, err = w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_u", Columns: cols, Source: l, Keys: []string{"u/a.parquet", "u/b.parquet", "u/c.parquet"}})
	require.Error(t, err)
	assert.ErrorContains(t, err, "u/b.parquet")
	assert.NotContains(t, err.Error(), "read together")
	require.Len(t, res.Files, 1)
	assert.Equal(t, "u/a.parquet", res.Files[0].Key)
	assert.Equal(t, []string{"9|d|9.50|2"}, rowsOf(t, w, "raw_u", "u/a.parquet", cols))
	assert.Empty(t, rowsOf(t, w, "raw_u", "u/c.parquet", cols))
}
