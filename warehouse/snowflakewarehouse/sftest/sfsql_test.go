package sftest_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	sf "github.com/snowflakedb/gosnowflake"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/warehouse/snowflakewarehouse/sftest"
)

// startSQL starts a server with the default (sfsql) engine.
func startSQL(t *testing.T) *sftest.Server {
	t.Helper()
	return sftest.Start(t, &sftest.Options{
		Users: map[string]sftest.User{testUser: {Password: testPassword}},
	})
}

func TestSQLTypesRoundTrip(t *testing.T) {
	srv := startSQL(t)
	db := openDB(t, driverConfig(srv))
	ctx := t.Context()
	_, err := db.ExecContext(ctx, `CREATE TABLE t (n NUMBER(38,0), d NUMBER(10,2), v VARCHAR,
		dt DATE, ts TIMESTAMP_NTZ, b BOOLEAN, f FLOAT)`)
	require.NoError(t, err)

	ts := time.Date(2024, 1, 1, 12, 34, 56, 123456000, time.UTC)
	res, err := db.ExecContext(ctx, "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?), (NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
		int64(42), "12.34", "héllo", sf.DataTypeDate, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		sf.DataTypeTimestampNtz, ts, true, 1.5)
	require.NoError(t, err)
	n, err := res.RowsAffected()
	require.NoError(t, err)
	assert.Equal(t, int64(2), n)

	rows, err := db.QueryContext(ctx, "SELECT n, d, v, dt, ts, b, f FROM t ORDER BY n NULLS LAST")
	require.NoError(t, err)
	defer rows.Close()
	var (
		gn       int64
		gd, gf   float64
		gv       string
		gdt, gts time.Time
		gb       bool
	)
	require.True(t, rows.Next())
	require.NoError(t, rows.Scan(&gn, &gd, &gv, &gdt, &gts, &gb, &gf))
	assert.Equal(t, int64(42), gn)
	assert.InDelta(t, 12.34, gd, 1e-9)
	assert.Equal(t, "héllo", gv)
	assert.Equal(t, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), gdt.UTC())
	assert.Equal(t, ts, gts.UTC())
	assert.True(t, gb)
	assert.InDelta(t, 1.5, gf, 0)

	requireLastRowNull(t, rows, 7)
}

func TestSQLQueryWithBindings(t *testing.T) {
	srv := startSQL(t)
	db := openDB(t, driverConfig(srv))
	var s string
	var n int64
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT ? || '!', ? + 1", "hi", int64(41)).Scan(&s, &n))
	assert.Equal(t, "hi!", s)
	assert.Equal(t, int64(42), n)
}

func TestSQLErrors(t *testing.T) {
	srv := startSQL(t)
	db := openDB(t, driverConfig(srv))
	_, err := db.ExecContext(t.Context(), "SELEC 1")
	assert.Equal(t, 1003, snowflakeError(t, err).Number)
	_, err = db.ExecContext(t.Context(), "SELECT * FROM no_such_table")
	se := snowflakeError(t, err)
	assert.Equal(t, 2003, se.Number)
	assert.Equal(t, "42S02", se.SQLState)
}

func TestSQLPut(t *testing.T) {
	srv := startSQL(t)
	db := openDB(t, driverConfig(srv))
	ctx := t.Context()
	_, err := db.ExecContext(ctx, "CREATE STAGE landing")
	require.NoError(t, err)
	src := filepath.Join(t.TempDir(), "orders.csv")
	want := []byte("id,amount\n1,10\n2,20\n")
	require.NoError(t, os.WriteFile(src, want, 0o600))
	rows, err := db.QueryContext(ctx, "PUT 'file://"+filepath.ToSlash(src)+"' @landing/2024/ AUTO_COMPRESS = FALSE OVERWRITE = TRUE")
	require.NoError(t, err)
	require.NoError(t, rows.Close())

	var name string
	var size int64
	var md5, modified string
	require.NoError(t, db.QueryRowContext(ctx, "LIST @landing").Scan(&name, &size, &md5, &modified))
	assert.Equal(t, "landing/2024/orders.csv", name)
	assert.Equal(t, int64(len(want)), size)

	_, err = db.ExecContext(ctx, "CREATE TABLE orders (id NUMBER, amount NUMBER)")
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, "COPY INTO orders FROM @landing/2024/ FILE_FORMAT = (TYPE = CSV SKIP_HEADER = 1)")
	require.NoError(t, err)
	var sum int64
	require.NoError(t, db.QueryRowContext(ctx, "SELECT SUM(amount) FROM orders").Scan(&sum))
	assert.Equal(t, int64(30), sum)
}

func TestSQLPutOverHTTP(t *testing.T) {
	srv := sftest.Start(t, &sftest.Options{
		Users:          map[string]sftest.User{testUser: {Password: testPassword}},
		UploadOverHTTP: true,
	})
	db := openDB(t, driverConfig(srv))
	ctx := t.Context()
	_, err := db.ExecContext(ctx, "CREATE STAGE landing")
	require.NoError(t, err)

	// A streamed PUT, as the product sends it for remote landing files.
	want := []byte("id,amount\n1,10\n2,20\n")
	sctx := sf.WithFileStream(ctx, bytesReader(want))
	rows, err := db.QueryContext(sctx, "PUT 'file:///landing/2024/orders.csv' '@landing/2024/' AUTO_COMPRESS = FALSE OVERWRITE = TRUE")
	require.NoError(t, err)
	var status []string
	for rows.Next() {
		var src, dst, srcSize, dstSize, srcComp, dstComp, st, msg string
		require.NoError(t, rows.Scan(&src, &dst, &srcSize, &dstSize, &srcComp, &dstComp, &st, &msg))
		status = append(status, st)
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	assert.Equal(t, []string{"UPLOADED"}, status)

	_, err = db.ExecContext(ctx, "CREATE TABLE orders (id NUMBER, amount NUMBER)")
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, "COPY INTO orders FROM @landing/2024/ FILE_FORMAT = (TYPE = CSV SKIP_HEADER = 1)")
	require.NoError(t, err)
	var sum int64
	require.NoError(t, db.QueryRowContext(ctx, "SELECT SUM(amount) FROM orders").Scan(&sum))
	assert.Equal(t, int64(30), sum)

	// A file PUT with the default AUTO_COMPRESS = TRUE lands gzipped.
	src := filepath.Join(t.TempDir(), "more.csv")
	require.NoError(t, os.WriteFile(src, want, 0o600))
	_, err = db.ExecContext(ctx, "PUT 'file://"+filepath.ToSlash(src)+"' @landing/gz/")
	require.NoError(t, err)
	matches, err := filepath.Glob(filepath.Join(srv.StageDir(), "*", "gz", "more.csv.gz"))
	require.NoError(t, err)
	assert.Len(t, matches, 1, "staged files: %v", listFiles(t, srv.StageDir()))
}

// listFiles lists the files under dir, for failure messages.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}
