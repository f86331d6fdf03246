// Package warehousetest checks that a [warehouse.Warehouse] keeps the
// interface's contract. An implementation's tests call
// [RunConformanceTests] with a factory for fresh, empty warehouses and one
// for fresh Landers:
//
//	func TestConformance(t *testing.T) {
//		warehousetest.RunConformanceTests(t,
//			func(t *testing.T) warehouse.Warehouse { ... },
//			func(t *testing.T) landing.Lander { ... })
//	}
//
// The tests only use portable SQL (CREATE TABLE, INSERT, SELECT with ?
// placeholders), so they run on every engine.
package warehousetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/warehouse"
)

// Columns are the columns of the files the conformance tests load.
var Columns = []string{"order_id", "customer_id", "quantity", "total_amount", "status"}

// Table is the raw table the conformance tests load into.
const Table = "raw_conformance_orders"

// RunConformanceTests runs the contract's tests as subtests of t.
//
// newWarehouse must return a new, empty warehouse and close it with
// t.Cleanup; newLander must return a new, empty Lander and close it with
// t.Cleanup. Each subtest calls each factory once.
func RunConformanceTests(t *testing.T, newWarehouse func(t *testing.T) warehouse.Warehouse, newLander func(t *testing.T) landing.Lander) {
	t.Helper()
	s := &suite{newWarehouse: newWarehouse, newLander: newLander}
	t.Run("LoadTwoFiles", s.loadTwoFiles)
	t.Run("ReloadIsSkipped", s.reloadIsSkipped)
	t.Run("ForcedReloadReplaces", s.forcedReloadReplaces)
	t.Run("BadRowsAreRejected", s.badRowsAreRejected)
	t.Run("HeaderMismatch", s.headerMismatch)
	t.Run("BadIdentifiers", s.badIdentifiers)
	t.Run("CancelledContext", s.cancelledContext)
	t.Run("CancelledMidFile", s.cancelledMidFile)
	t.Run("QueryRoundTrip", s.queryRoundTrip)
	t.Run("Dialect", s.dialect)
	t.Run("ExecAtomic", s.execAtomic)
}

type suite struct {
	newWarehouse func(t *testing.T) warehouse.Warehouse
	newLander    func(t *testing.T) landing.Lander
}

const (
	key1 = "orders/date=2024-01-01/orders-2024-01-01.csv"
	key2 = "orders/date=2024-01-02/orders-2024-01-02.csv"
	key3 = "orders/date=2024-01-03/orders-2024-01-03.csv"
)

const header = "order_id,customer_id,quantity,total_amount,status\n"

// file1 has three rows; the second has an empty (NULL) customer_id and a
// quoted field with a comma.
const file1 = header +
	"O1,C1,2,20.00,COMPLETED\n" +
	"O2,,1,\"1,000.00\",PENDING\n" +
	"O3,C3,5,50.00,SHIPPED\n"

// file2 has two rows and CRLF line ends.
const file2 = "order_id,customer_id,quantity,total_amount,status\r\n" +
	"O4,C4,1,10.00,CANCELLED\r\n" +
	"O5,C5,3,30.00,COMPLETED\r\n"

func (s *suite) setup(t *testing.T, files map[string]string) (warehouse.Warehouse, landing.Lander) {
	t.Helper()
	w := s.newWarehouse(t)
	l := s.newLander(t)
	for k, v := range files {
		if err := l.Put(context.Background(), k, strings.NewReader(v)); err != nil {
			t.Fatalf("Put(%q): %v", k, err)
		}
	}
	return w, l
}

func request(l landing.Lander, keys ...string) warehouse.LoadRequest {
	return warehouse.LoadRequest{Table: Table, Columns: Columns, Source: l, Keys: keys}
}

// rowsOf runs a query and returns every row as strings ("NULL" for NULL).
func rowsOf(t *testing.T, w warehouse.Warehouse, q string, args ...any) [][]string {
	t.Helper()
	rows, err := w.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("Query(%s): %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("Scan(%s): %v", q, err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = "NULL"
			if v.Valid {
				row[i] = v.String
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("Query(%s): %v", q, err)
	}
	return out
}

func count(t *testing.T, w warehouse.Warehouse, q string, args ...any) int64 {
	t.Helper()
	rows := rowsOf(t, w, q, args...)
	if len(rows) != 1 || len(rows[0]) != 1 {
		t.Fatalf("%s: got %v, want one value", q, rows)
	}
	var n int64
	if _, err := fmt.Sscan(rows[0][0], &n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// wantFile compares a file's result with want. FirstError's text is the
// engine's own: it must be set exactly when rows were rejected.
func wantFile(t *testing.T, got warehouse.FileResult, want warehouse.FileResult) {
	t.Helper()
	if (got.FirstError != "") != (got.Rejected > 0) {
		t.Errorf("%s: FirstError = %q with %d rows rejected", got.Key, got.FirstError, got.Rejected)
	}
	cmp := got
	cmp.FirstError = ""
	if cmp != want {
		t.Errorf("file result = %+v, want %+v", got, want)
	}
	if got.Parsed != got.Loaded+got.Rejected {
		t.Errorf("%s: parsed %d != loaded %d + rejected %d", got.Key, got.Parsed, got.Loaded, got.Rejected)
	}
}

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %v\n want %v", what, got, want)
	}
}

func (s *suite) loadTwoFiles(t *testing.T) {
	ctx := context.Background()
	w, l := s.setup(t, map[string]string{key1: file1, key2: file2})
	res, err := w.Load(ctx, request(l, key1, key2))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(res.Files) != 2 {
		t.Fatalf("Load returned %d file results, want 2", len(res.Files))
	}
	wantFile(t, res.Files[0], warehouse.FileResult{Key: key1, Parsed: 3, Loaded: 3})
	wantFile(t, res.Files[1], warehouse.FileResult{Key: key2, Parsed: 2, Loaded: 2})
	files, parsed, loaded, rejected := res.Totals()
	equal(t, "totals", []int64{int64(files), parsed, loaded, rejected}, []int64{2, 5, 5, 0})

	got := rowsOf(t, w, `SELECT order_id, customer_id, quantity, total_amount, status, _file, CAST(_line AS VARCHAR) FROM `+Table+` ORDER BY _file, _line`)
	equal(t, "raw rows", got, [][]string{
		{"O1", "C1", "2", "20.00", "COMPLETED", key1, "2"},
		{"O2", "NULL", "1", "1,000.00", "PENDING", key1, "3"},
		{"O3", "C3", "5", "50.00", "SHIPPED", key1, "4"},
		{"O4", "C4", "1", "10.00", "CANCELLED", key2, "2"},
		{"O5", "C5", "3", "30.00", "COMPLETED", key2, "3"},
	})
	ledger := rowsOf(t, w, `SELECT file, table_name, CAST(rows_parsed AS VARCHAR), CAST(rows_loaded AS VARCHAR), CAST(rows_rejected AS VARCHAR) FROM `+warehouse.LedgerTable+` ORDER BY file`)
	equal(t, "ledger", ledger, [][]string{
		{key1, Table, "3", "3", "0"},
		{key2, Table, "2", "2", "0"},
	})
	for _, name := range []string{Table, warehouse.LedgerTable, warehouse.RejectsTable} {
		ok, err := w.TableExists(ctx, name)
		if err != nil || !ok {
			t.Errorf("TableExists(%q) = %v, %v; want true", name, ok, err)
		}
	}
}

func (s *suite) reloadIsSkipped(t *testing.T) {
	ctx := context.Background()
	w, l := s.setup(t, map[string]string{key1: file1, key2: file2})
	if _, err := w.Load(ctx, request(l, key1)); err != nil {
		t.Fatalf("first Load: %v", err)
	}
	res, err := w.Load(ctx, request(l, key1, key2))
	if err != nil {
		t.Fatalf("second Load: %v", err)
	}
	if len(res.Files) != 2 {
		t.Fatalf("Load returned %d file results, want 2", len(res.Files))
	}
	wantFile(t, res.Files[0], warehouse.FileResult{Key: key1, Skipped: true})
	wantFile(t, res.Files[1], warehouse.FileResult{Key: key2, Parsed: 2, Loaded: 2})
	if files, _, _, _ := res.Totals(); files != 1 {
		t.Errorf("Totals counted %d files, want 1 (the skipped one does not count)", files)
	}
	if n := count(t, w, `SELECT count(*) FROM `+Table+` WHERE _file = ?`, key1); n != 3 {
		t.Errorf("%s has %d rows after a skipped reload, want 3", key1, n)
	}
	if n := count(t, w, `SELECT count(*) FROM `+warehouse.LedgerTable); n != 2 {
		t.Errorf("ledger has %d rows, want 2", n)
	}
}

func (s *suite) forcedReloadReplaces(t *testing.T) {
	ctx := context.Background()
	w, l := s.setup(t, map[string]string{key1: file1, key2: file2})
	if _, err := w.Load(ctx, request(l, key1, key2)); err != nil {
		t.Fatalf("first Load: %v", err)
	}
	// Same content, forced: nothing doubles.
	req := request(l, key1)
	req.Force = true
	res, err := w.Load(ctx, req)
	if err != nil {
		t.Fatalf("forced Load: %v", err)
	}
	wantFile(t, res.Files[0], warehouse.FileResult{Key: key1, Parsed: 3, Loaded: 3})
	if n := count(t, w, `SELECT count(*) FROM `+Table); n != 5 {
		t.Errorf("table has %d rows after a forced reload, want 5 (not doubled)", n)
	}
	// New content, forced: the file's rows are replaced, the other file's kept.
	if err := l.Put(ctx, key1, strings.NewReader(header+"O9,C9,1,9.00,PENDING\nbad,row\n")); err != nil {
		t.Fatal(err)
	}
	res, err = w.Load(ctx, req)
	if err != nil {
		t.Fatalf("forced Load of new content: %v", err)
	}
	wantFile(t, res.Files[0], warehouse.FileResult{Key: key1, Parsed: 2, Loaded: 1, Rejected: 1, FirstErrorLine: 3})
	got := rowsOf(t, w, `SELECT order_id FROM `+Table+` ORDER BY _file, _line`)
	equal(t, "rows after replacing "+key1, got, [][]string{{"O9"}, {"O4"}, {"O5"}})
	ledger := rowsOf(t, w, `SELECT CAST(rows_parsed AS VARCHAR), CAST(rows_loaded AS VARCHAR), CAST(rows_rejected AS VARCHAR) FROM `+warehouse.LedgerTable+` WHERE file = ?`, key1)
	equal(t, "ledger of "+key1, ledger, [][]string{{"2", "1", "1"}})
	// A third forced load of the same content keeps one reject, not two.
	if _, err := w.Load(ctx, req); err != nil {
		t.Fatal(err)
	}
	if n := count(t, w, `SELECT count(*) FROM `+warehouse.RejectsTable+` WHERE file = ?`, key1); n != 1 {
		t.Errorf("%d rejects for %s after a forced reload, want 1", n, key1)
	}
}

func (s *suite) badRowsAreRejected(t *testing.T) {
	ctx := context.Background()
	bad := header +
		"O1,C1,2,20.00,COMPLETED\n" + // 2 loaded
		"O2,C2,1,10.00\n" + // 3 too few fields
		"O3,C3,1,10.00,PENDING,extra\n" + // 4 too many fields
		"O4,C\"4,1,10.00,PENDING\n" + // 5 bare quote
		"O5,C5,3,30.00,SHIPPED\n" // 6 loaded
	w, l := s.setup(t, map[string]string{key1: bad})
	res, err := w.Load(ctx, request(l, key1))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	wantFile(t, res.Files[0], warehouse.FileResult{Key: key1, Parsed: 5, Loaded: 2, Rejected: 3, FirstErrorLine: 3})
	got := rowsOf(t, w, `SELECT order_id, CAST(_line AS VARCHAR) FROM `+Table+` ORDER BY _line`)
	equal(t, "loaded rows", got, [][]string{{"O1", "2"}, {"O5", "6"}})

	rej := rowsOf(t, w, `SELECT table_name, file, CAST(line AS VARCHAR), reason, raw FROM `+warehouse.RejectsTable+` ORDER BY line`)
	if len(rej) != 3 {
		t.Fatalf("rejects = %v, want 3 rows", rej)
	}
	for i, want := range []struct{ line, raw string }{
		{"3", "O2,C2,1,10.00"},
		{"4", "O3,C3,1,10.00,PENDING,extra"},
		{"5", "O4,C\"4"},
	} {
		r := rej[i]
		if r[0] != Table || r[1] != key1 || r[2] != want.line {
			t.Errorf("reject %d = %v, want table %s, file %s, line %s", i, r, Table, key1, want.line)
		}
		if r[3] == "" || r[3] == "NULL" {
			t.Errorf("reject on line %s has no reason", want.line)
		}
		if !strings.Contains(r[4], want.raw) {
			t.Errorf("reject on line %s: raw = %q, want it to contain %q", want.line, r[4], want.raw)
		}
	}
	if !strings.Contains(rej[0][3], "4") || !strings.Contains(rej[0][3], "5") {
		t.Errorf("reason %q should give the field count found (4) and wanted (5)", rej[0][3])
	}
	ledger := rowsOf(t, w, `SELECT CAST(rows_parsed AS VARCHAR), CAST(rows_loaded AS VARCHAR), CAST(rows_rejected AS VARCHAR) FROM `+warehouse.LedgerTable)
	equal(t, "ledger", ledger, [][]string{{"5", "2", "3"}})
}

func (s *suite) headerMismatch(t *testing.T) {
	ctx := context.Background()
	badHeader := "order_id,customer,quantity,total_amount,status\nO1,C1,2,20.00,COMPLETED\n"
	w, l := s.setup(t, map[string]string{key1: file1, key2: badHeader, key3: file2})
	res, err := w.Load(ctx, request(l, key1, key2, key3))
	if !errors.Is(err, warehouse.ErrBadFile) {
		t.Fatalf("Load error = %v, want one wrapping ErrBadFile", err)
	}
	for _, want := range []string{key2, `"customer"`, `"customer_id"`, "column 2", "line 1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	if res == nil || len(res.Files) != 1 || res.Files[0].Key != key1 {
		t.Errorf("result = %+v, want the first file only", res)
	}
	if n := count(t, w, `SELECT count(*) FROM `+Table+` WHERE _file = ?`, key2); n != 0 {
		t.Errorf("%d rows loaded from the bad file, want 0", n)
	}
	got := rowsOf(t, w, `SELECT file FROM `+warehouse.LedgerTable+` ORDER BY file`)
	equal(t, "ledger", got, [][]string{{key1}})

	// Too few columns and an empty file are bad files too.
	if err := l.Put(ctx, key2, strings.NewReader("order_id,customer_id\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Load(ctx, request(l, key2)); !errors.Is(err, warehouse.ErrBadFile) || !strings.Contains(err.Error(), "quantity") {
		t.Errorf("short header: error = %v, want ErrBadFile naming the missing column quantity", err)
	}
	if err := l.Put(ctx, key2, strings.NewReader("")); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Load(ctx, request(l, key2)); !errors.Is(err, warehouse.ErrBadFile) {
		t.Errorf("empty file: error = %v, want ErrBadFile", err)
	}
}

func (s *suite) badIdentifiers(t *testing.T) {
	ctx := context.Background()
	w, l := s.setup(t, map[string]string{key1: file1})
	if err := w.Exec(ctx, `CREATE TABLE y (a VARCHAR)`); err != nil {
		t.Fatal(err)
	}
	for _, req := range []warehouse.LoadRequest{
		{Table: "x; DROP TABLE y", Columns: Columns, Source: l, Keys: []string{key1}},
		{Table: "x", Columns: []string{"order_id", "a; DROP TABLE y"}, Source: l, Keys: []string{key1}},
		{Table: `x"`, Columns: Columns, Source: l, Keys: []string{key1}},
		{Table: "", Columns: Columns, Source: l, Keys: []string{key1}},
	} {
		_, err := w.Load(ctx, req)
		if !errors.Is(err, warehouse.ErrBadIdentifier) {
			t.Errorf("Load(table %q, columns %q) error = %v, want ErrBadIdentifier", req.Table, req.Columns, err)
		}
	}
	if ok, err := w.TableExists(ctx, "y"); err != nil || !ok {
		t.Errorf("table y is gone (%v, %v)", ok, err)
	}
	if ok, err := w.TableExists(ctx, "x"); err != nil || ok {
		t.Errorf("TableExists(x) = %v, %v; want false", ok, err)
	}
}

func (s *suite) cancelledContext(t *testing.T) {
	w, l := s.setup(t, map[string]string{key1: file1})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := w.Load(ctx, request(l, key1)); err == nil {
		t.Fatal("Load with a cancelled context succeeded")
	}
	s.assertNotLoaded(t, w, key1)
}

// assertNotLoaded checks that nothing of key is in the warehouse.
func (s *suite) assertNotLoaded(t *testing.T, w warehouse.Warehouse, key string) {
	t.Helper()
	ctx := context.Background()
	for _, table := range []string{Table, warehouse.LedgerTable} {
		ok, err := w.TableExists(ctx, table)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			continue
		}
		col := "_file"
		if table == warehouse.LedgerTable {
			col = "file"
		}
		if n := count(t, w, `SELECT count(*) FROM `+table+` WHERE `+col+` = ?`, key); n != 0 {
			t.Errorf("%s has %d rows of %s, want none", table, n, key)
		}
	}
}

// cancellingLander cancels a context once a file's reader has delivered
// more than after bytes.
type cancellingLander struct {
	landing.Lander
	after  int64
	cancel context.CancelFunc
}

func (c *cancellingLander) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	rc, err := c.Lander.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	return &cancellingReader{ReadCloser: rc, c: c}, nil
}

type cancellingReader struct {
	io.ReadCloser
	c    *cancellingLander
	read atomic.Int64
}

func (r *cancellingReader) Read(p []byte) (int, error) {
	if len(p) > 512 {
		p = p[:512] // small reads, so that the cancellation lands mid-file
	}
	n, err := r.ReadCloser.Read(p)
	if r.read.Add(int64(n)) > r.c.after {
		r.c.cancel()
	}
	return n, err
}

func (s *suite) cancelledMidFile(t *testing.T) {
	var b strings.Builder
	b.WriteString(header)
	const rows = 20000
	for i := range rows {
		fmt.Fprintf(&b, "O%d,C%d,1,10.00,COMPLETED\n", i, i)
	}
	w, l := s.setup(t, map[string]string{key1: file1, key2: b.String()})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cl := &cancellingLander{Lander: l, after: int64(b.Len() / 2), cancel: cancel}
	res, err := w.Load(ctx, request(cl, key1, key2))
	if err == nil {
		t.Fatalf("Load cancelled mid-file succeeded: %+v", res)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Load error = %v, want one wrapping context.Canceled", err)
	}
	s.assertNotLoaded(t, w, key2)
	// The file before the cancellation may have been committed (a warehouse
	// that commits file by file) or rolled back with the cancelled one (one
	// that commits several files per transaction); either way the result
	// tells the truth about it.
	s.assertResultTruthful(t, w, res, key1, key2)
	// And the cancelled file loads in full afterwards, the other one once.
	res, err = w.Load(context.Background(), request(l, key1, key2))
	if err != nil {
		t.Fatalf("Load after cancellation: %v", err)
	}
	wantFile(t, res.Files[1], warehouse.FileResult{Key: key2, Parsed: rows, Loaded: rows})
	if n := count(t, w, `SELECT count(*) FROM `+Table+` WHERE _file = ?`, key1); n != 3 {
		t.Errorf("%s has %d rows after loading it again, want 3 (loaded once)", key1, n)
	}
	if n := count(t, w, `SELECT count(*) FROM `+Table); n != 3+rows {
		t.Errorf("table has %d rows, want %d: a file was loaded twice or not at all", n, 3+rows)
	}
}

// assertResultTruthful checks a Load's result against the warehouse, for
// each of keys: a file reported loaded is in the ledger with its figures,
// with exactly its rows in the table; a file missing from the result, or
// skipped, was not loaded by this call, so it has no rows (the keys must
// not have been loaded before).
func (s *suite) assertResultTruthful(t *testing.T, w warehouse.Warehouse, res *warehouse.LoadResult, keys ...string) {
	t.Helper()
	reported := map[string]warehouse.FileResult{}
	if res != nil {
		for _, fr := range res.Files {
			if _, dup := reported[fr.Key]; dup {
				t.Errorf("%s is in the result twice", fr.Key)
			}
			if !fr.Skipped {
				reported[fr.Key] = fr
			}
		}
	}
	for _, key := range keys {
		fr, ok := reported[key]
		if !ok {
			s.assertNotLoaded(t, w, key)
			continue
		}
		ledger := rowsOf(t, w, `SELECT CAST(rows_loaded AS VARCHAR) FROM `+warehouse.LedgerTable+` WHERE file = ?`, key)
		equal(t, "ledger of "+key+", reported loaded", ledger, [][]string{{fmt.Sprint(fr.Loaded)}})
		if n := count(t, w, `SELECT count(*) FROM `+Table+` WHERE _file = ?`, key); n != fr.Loaded {
			t.Errorf("%s is reported with %d rows loaded, the table has %d", key, fr.Loaded, n)
		}
	}
}

func (s *suite) queryRoundTrip(t *testing.T) {
	ctx := context.Background()
	w := s.newWarehouse(t)
	if err := w.Exec(ctx, `CREATE TABLE rt (id INTEGER, name VARCHAR)`); err != nil {
		t.Fatalf("Exec(CREATE TABLE): %v", err)
	}
	for i, name := range []string{"ann", "bob", "O'Brien; DROP TABLE rt"} {
		if err := w.Exec(ctx, `INSERT INTO rt VALUES (?, ?)`, i+1, name); err != nil {
			t.Fatalf("Exec(INSERT): %v", err)
		}
	}
	got := rowsOf(t, w, `SELECT CAST(id AS VARCHAR), name FROM rt WHERE id >= ? ORDER BY id`, 2)
	equal(t, "rows", got, [][]string{{"2", "bob"}, {"3", "O'Brien; DROP TABLE rt"}})
	if err := w.Exec(ctx, `CREATE VIEW rt_view AS SELECT name FROM rt`); err != nil {
		t.Fatalf("Exec(CREATE VIEW): %v", err)
	}
	for name, want := range map[string]bool{"rt": true, "rt_view": true, "RT": true, "nope": false} {
		ok, err := w.TableExists(ctx, name)
		if err != nil || ok != want {
			t.Errorf("TableExists(%q) = %v, %v; want %v", name, ok, err, want)
		}
	}
	if err := w.Exec(ctx, `SELEC 1`); err == nil {
		t.Error("Exec of a syntax error succeeded")
	}
	if rows, err := w.Query(ctx, `SELECT * FROM no_such_table`); err == nil {
		rows.Close()
		t.Error("Query of a missing table succeeded")
	}
}

// execAtomic checks the optional warehouse.AtomicExecer: a failing
// statement undoes the ones before it. Only DML is used: engines such as
// Snowflake commit DDL on their own.
func (s *suite) execAtomic(t *testing.T) {
	w := s.newWarehouse(t)
	a, ok := w.(warehouse.AtomicExecer)
	if !ok {
		t.Skipf("%T does not implement warehouse.AtomicExecer", w)
	}
	ctx := context.Background()
	if err := w.Exec(ctx, `CREATE TABLE atomic_t (id INTEGER)`); err != nil {
		t.Fatal(err)
	}
	err := a.ExecAtomic(ctx, `INSERT INTO atomic_t VALUES (1)`, `INSERT INTO atomic_t VALUES (2)`, `INSERT INTO no_such_table VALUES (3)`)
	if err == nil {
		t.Fatal("ExecAtomic with a failing statement succeeded")
	}
	if n := count(t, w, `SELECT count(*) FROM atomic_t`); n != 0 {
		t.Errorf("%d rows after a failed ExecAtomic, want 0", n)
	}
	if err := a.ExecAtomic(ctx, `INSERT INTO atomic_t VALUES (1)`, `DELETE FROM atomic_t WHERE id = 1`, `INSERT INTO atomic_t VALUES (2)`); err != nil {
		t.Fatal(err)
	}
	equal(t, "rows after ExecAtomic", rowsOf(t, w, `SELECT CAST(id AS VARCHAR) FROM atomic_t`), [][]string{{"2"}})
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := a.ExecAtomic(cctx, `INSERT INTO atomic_t VALUES (3)`); err == nil {
		t.Error("ExecAtomic with a cancelled context succeeded")
	}
	if n := count(t, w, `SELECT count(*) FROM atomic_t`); n != 1 {
		t.Errorf("%d rows after a cancelled ExecAtomic, want 1", n)
	}
}
