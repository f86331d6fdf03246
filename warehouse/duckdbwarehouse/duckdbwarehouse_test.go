package duckdbwarehouse_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/filelanding"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
	"github.com/edqm/edqm/warehouse/warehousetest"
)

func newLander(t *testing.T) landing.Lander { return memlanding.New() }

func openMemory(t testing.TB) *duckdbwarehouse.Warehouse {
	t.Helper()
	w, err := duckdbwarehouse.Open(t.Context(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	return w
}

func TestConformanceMemory(t *testing.T) {
	warehousetest.RunConformanceTests(t, func(t *testing.T) warehouse.Warehouse { return openMemory(t) }, newLander)
}

func TestConformanceFile(t *testing.T) {
	warehousetest.RunConformanceTests(t, func(t *testing.T) warehouse.Warehouse {
		w, err := duckdbwarehouse.Open(t.Context(), filepath.Join(t.TempDir(), "sub", "dir", "edqm.duckdb"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = w.Close() })
		return w
	}, newLander)
}

// TestConformanceLocalFiles loads from a local folder, a
// landing.LocalPather.
func TestConformanceLocalFiles(t *testing.T) {
	warehousetest.RunConformanceTests(t, func(t *testing.T) warehouse.Warehouse { return openMemory(t) },
		func(t *testing.T) landing.Lander {
			l, err := filelanding.Open(t.Context(), t.TempDir(), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = l.Close() })
			return l
		})
}

var cols = []string{"id", "name", "amount"}

func put(t testing.TB, l landing.Lander, key, content string) {
	t.Helper()
	if err := l.Put(t.Context(), key, strings.NewReader(content)); err != nil {
		t.Fatal(err)
	}
}

func queryStrings(t *testing.T, w warehouse.Warehouse, q string, args ...any) []string {
	t.Helper()
	rows, err := w.Query(t.Context(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		if !s.Valid {
			s.String = "NULL"
		}
		out = append(out, s.String)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestReopenKeepsLedger(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "wh.duckdb")
	l := memlanding.New()
	put(t, l, "t/a.csv", "id,name,amount\n1,a,1.00\n2,b,2.00\n")
	loadedAt := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
	w, err := duckdbwarehouse.Open(ctx, path, &duckdbwarehouse.Options{Clock: edqm.FixedClock(loadedAt)})
	if err != nil {
		t.Fatal(err)
	}
	req := warehouse.LoadRequest{Table: "raw_t", Columns: cols, Source: l, Keys: []string{"t/a.csv"}}
	if _, err := w.Load(ctx, req); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	w, err = duckdbwarehouse.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	res, err := w.Load(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Files[0].Skipped {
		t.Errorf("reload after reopening: %+v, want skipped", res.Files[0])
	}
	if got := queryStrings(t, w, `SELECT count(*) FROM raw_t`); got[0] != "2" {
		t.Errorf("raw_t has %s rows, want 2", got[0])
	}
	if got := queryStrings(t, w, `SELECT strftime(loaded_at, '%Y-%m-%dT%H:%M:%S') FROM `+warehouse.LedgerTable); got[0] != "2024-03-04T05:06:07" {
		t.Errorf("loaded_at = %s, want the Clock's time", got[0])
	}
}

func TestZeroClock(t *testing.T) {
	ctx := t.Context()
	w := openMemory(t)
	l := memlanding.New()
	put(t, l, "t/a.csv", "id,name,amount\n1,a,1.00\n")
	if _, err := w.Load(ctx, warehouse.LoadRequest{Table: "raw_t", Columns: cols, Source: l, Keys: []string{"t/a.csv"}}); err != nil {
		t.Fatal(err)
	}
	if got := queryStrings(t, w, `SELECT CAST(loaded_at AS VARCHAR) FROM `+warehouse.LedgerTable); got[0] != "0001-01-01 00:00:00" {
		t.Errorf("loaded_at without a Clock = %s, want the zero time", got[0])
	}
}

func TestOpenErrorNamesPath(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plain")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		filepath.Join(file, "sub", "db.duckdb"), // parent is a file
		file,                                    // not a database
	} {
		w, err := duckdbwarehouse.Open(t.Context(), path, nil)
		if err == nil {
			w.Close()
			t.Errorf("Open(%q) succeeded", path)
			continue
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("Open(%q) error %q does not name the path", path, err)
		}
	}
}

func TestMemoryAliases(t *testing.T) {
	for _, p := range []string{"", ":memory:"} {
		w, err := duckdbwarehouse.Open(t.Context(), p, nil)
		if err != nil {
			t.Fatalf("Open(%q): %v", p, err)
		}
		if err := w.Exec(t.Context(), "CREATE TABLE x (a INTEGER)"); err != nil {
			t.Error(err)
		}
		w.Close()
	}
	if _, err := os.Stat(":memory:"); err == nil {
		t.Error(`Open(":memory:") created a file`)
	}
}

func TestAs(t *testing.T) {
	w := openMemory(t)
	var db *sql.DB
	if !w.As(&db) || db == nil {
		t.Fatal("As(**sql.DB) = false")
	}
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	var s string
	if w.As(&s) {
		t.Error("As(*string) = true")
	}
	if w.Dialect().Name() != "duckdb" {
		t.Errorf("dialect %q", w.Dialect().Name())
	}
}

// TestAppenderHonoursTransaction checks what the package's atomicity rests
// on: rows appended on a connection inside BEGIN … ROLLBACK disappear, and
// are invisible to other connections before COMMIT.
func TestAppenderHonoursTransaction(t *testing.T) {
	ctx := t.Context()
	w := openMemory(t)
	var db *sql.DB
	w.As(&db)
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (a VARCHAR, b BIGINT)`); err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	count := func(q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) int64 {
		var n int64
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, end := range []string{"ROLLBACK", "COMMIT"} {
		if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
			t.Fatal(err)
		}
		err = conn.Raw(func(dc any) error {
			a, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", "t")
			if err != nil {
				return err
			}
			for i := range 5000 { // more than one data chunk
				if err := a.AppendRow(fmt.Sprint(i), int64(i)); err != nil {
					return err
				}
			}
			return a.Close()
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := count(conn); n != 5000 {
			t.Errorf("inside the transaction: %d rows, want 5000", n)
		}
		if n := count(db); n != 0 {
			t.Errorf("another connection sees %d uncommitted rows", n)
		}
		if _, err := conn.ExecContext(ctx, end); err != nil {
			t.Fatal(err)
		}
		want := int64(0)
		if end == "COMMIT" {
			want = 5000
		}
		if n := count(db); n != want {
			t.Errorf("after %s: %d rows, want %d", end, n, want)
		}
	}
}

func load(t *testing.T, w warehouse.Warehouse, l landing.Lander, keys ...string) *warehouse.LoadResult {
	t.Helper()
	res, err := w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_t", Columns: cols, Source: l, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestQuotingAndLines(t *testing.T) {
	w := openMemory(t)
	l := memlanding.New()
	put(t, l, "t/a.csv", "id,name,amount\n"+
		"1,\"multi\nline, with comma\",1.00\n"+ // 2-3: one record over two lines
		"\n"+ // 4: blank, skipped
		"2,\"say \"\"hi\"\"\",\"\"\n"+ // 5: escaped quotes; quoted empty is NULL
		"3,\"never closed,2.00\n"+ // 6: unterminated quote: rejected alone
		"4,d,4.00\n"+ // 7
		"5,\"x\"y,5.00\n"+ // 8: stray quote after a quoted field
		"6,f,6.00") // 9: no final newline
	res := load(t, w, l, "t/a.csv")
	if got, want := res.Files[0], (warehouse.FileResult{Key: "t/a.csv", Parsed: 6, Loaded: 4, Rejected: 2, FirstErrorLine: 6,
		FirstError: `line 6: extraneous or missing " in quoted-field (the quoted field is not closed on this line)`}); got != want {
		t.Errorf("result %+v, want %+v", got, want)
	}
	got := queryStrings(t, w, `SELECT concat_ws('|', id, coalesce(name, 'NULL'), coalesce(amount, 'NULL'), _line) FROM raw_t ORDER BY _line`)
	want := []string{"1|multi\nline, with comma|1.00|2", `2|say "hi"|NULL|5`, "4|d|4.00|7", "6|f|6.00|9"}
	if strings.Join(got, "\n--\n") != strings.Join(want, "\n--\n") {
		t.Errorf("rows:\n%q\nwant\n%q", got, want)
	}
	rej := queryStrings(t, w, `SELECT concat_ws('|', line, raw, reason) FROM `+warehouse.RejectsTable+` ORDER BY line`)
	if len(rej) != 2 || !strings.HasPrefix(rej[0], "6|3,\"never closed,2.00|line 6") || !strings.HasPrefix(rej[1], "8|5,\"x\"y,5.00|line 8") {
		t.Errorf("rejects = %q", rej)
	}
}

func TestSchemaMismatch(t *testing.T) {
	ctx := t.Context()
	w := openMemory(t)
	if err := w.Exec(ctx, `CREATE TABLE raw_t (id VARCHAR, other VARCHAR, amount VARCHAR, _file VARCHAR, _line BIGINT)`); err != nil {
		t.Fatal(err)
	}
	l := memlanding.New()
	put(t, l, "t/a.csv", "id,name,amount\n1,a,1.00\n")
	_, err := w.Load(ctx, warehouse.LoadRequest{Table: "raw_t", Columns: cols, Source: l, Keys: []string{"t/a.csv"}})
	if err == nil || !strings.Contains(err.Error(), "raw_t") || !strings.Contains(err.Error(), `"other"`) || !strings.Contains(err.Error(), `"name"`) {
		t.Errorf("error = %v, want one naming raw_t, other and name", err)
	}
	_, err = w.Load(ctx, warehouse.LoadRequest{Table: "raw_t", Columns: []string{"id", "other"}, Source: l, Keys: []string{"t/a.csv"}})
	if err == nil || !strings.Contains(err.Error(), "raw_t") {
		t.Errorf("error = %v, want one naming raw_t", err)
	}
}

func TestMissingFile(t *testing.T) {
	w := openMemory(t)
	_, err := w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_t", Columns: cols, Source: memlanding.New(), Keys: []string{"t/missing.csv"}})
	if !errors.Is(err, landing.ErrNotFound) || !strings.Contains(err.Error(), "t/missing.csv") {
		t.Errorf("error = %v, want ErrNotFound naming the key", err)
	}
}

func TestReservedColumns(t *testing.T) {
	w := openMemory(t)
	for _, c := range [][]string{{"id", "_file"}, {"id", "ID"}, {}} {
		if _, err := w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_t", Columns: c, Source: memlanding.New()}); err == nil {
			t.Errorf("columns %q accepted", c)
		}
	}
	// Reserved words are fine as column names.
	l := memlanding.New()
	put(t, l, "k.csv", "order,select\n1,2\n")
	if _, err := w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_kw", Columns: []string{"order", "select"}, Source: l, Keys: []string{"k.csv"}}); err != nil {
		t.Errorf("reserved words as columns: %v", err)
	}
}

func TestConcurrentLoads(t *testing.T) {
	w := openMemory(t)
	l := memlanding.New()
	var wg sync.WaitGroup
	for i := range 4 {
		key := fmt.Sprintf("t%d/a.csv", i)
		put(t, l, key, "id,name,amount\n1,a,1.00\n2,b,2.00\n")
		wg.Add(1)
		go func() {
			defer wg.Done()
			table := fmt.Sprintf("raw_t%d", i%2)
			if _, err := w.Load(t.Context(), warehouse.LoadRequest{Table: table, Columns: cols, Source: l, Keys: []string{key}}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := queryStrings(t, w, `SELECT (SELECT count(*) FROM raw_t0) + (SELECT count(*) FROM raw_t1)`); got[0] != "8" {
		t.Errorf("%s rows, want 8", got[0])
	}
}

// cancelLander cancels a context when a reader of its files has delivered
// more than after bytes.
type cancelLander struct {
	*memlanding.Lander
	after  int
	cancel context.CancelFunc
}

func (c *cancelLander) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	rc, err := c.Lander.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	return &cancelReader{ReadCloser: rc, c: c}, nil
}

type cancelReader struct {
	io.ReadCloser
	c    *cancelLander
	read int
}

func (r *cancelReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	if r.read += n; r.read > r.c.after {
		r.c.cancel()
	}
	return n, err
}

// TestCancelAfterFlush cancels a load after DuckDB's appender has flushed
// rows into the table (it does so every 204800 rows): the rollback must
// remove them.
func TestCancelAfterFlush(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 250 000 rows")
	}
	const rows = 250000
	var sb strings.Builder
	sb.WriteString("id,name,amount\n")
	for i := range rows {
		fmt.Fprintf(&sb, "%d,n,1\n", i)
	}
	w := openMemory(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	l := &cancelLander{Lander: memlanding.New(), after: sb.Len() - 1000, cancel: cancel}
	put(t, l, "big.csv", sb.String())
	_, err := w.Load(ctx, warehouse.LoadRequest{Table: "raw_t", Columns: cols, Source: l, Keys: []string{"big.csv"}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if got := queryStrings(t, w, `SELECT count(*) FROM raw_t`); got[0] != "0" {
		t.Errorf("%s rows left after a cancelled load, want 0", got[0])
	}
	if got := queryStrings(t, w, `SELECT count(*) FROM `+warehouse.LedgerTable); got[0] != "0" {
		t.Errorf("%s ledger rows after a cancelled load, want 0", got[0])
	}
}
