package snowflakewarehouse_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// fakeSnowflake is a database/sql driver that plays Snowflake for the
// offline tests: it records every statement (and BEGIN, COMMIT, ROLLBACK)
// and answers with canned results. It keeps just enough state for Load:
// the raw tables created and the ledger's files.
type fakeSnowflake struct {
	mu     sync.Mutex
	log    []string
	tables map[string]bool
	ledger []string
	// copyResults answers each COPY INTO in turn; when it runs out, every
	// file of the FILES list is LOADED whole (its records counted from
	// the file PUT uploaded; 2 when there was no PUT).
	copyResults [][]map[string]string
	// staged holds the content of each file PUT uploaded, by key.
	staged map[string]string
	// copied is the last COPY's rows parsed and loaded, by file name.
	copied map[string][2]int64
	// rowBase is the METADATA$FILE_ROW_NUMBER of a file's first data
	// record (1 when 0); rowsFound, when set, replaces the row count the
	// statistics query reports.
	rowBase   int64
	rowsFound map[string]int64
	// rejects are the rows inserted into the rejects table from bindings.
	rejects [][]any
	// rejected is the number of rows the next VALIDATE insert reports.
	rejected []int64
	// fail makes the statements starting with a prefix fail.
	fail map[string]error
	// onQuery runs before each statement (with the statement), for
	// cancellation tests.
	onQuery func(q string)
}

func newFake() *fakeSnowflake {
	return &fakeSnowflake{tables: map[string]bool{}, fail: map[string]error{}, staged: map[string]string{}, copied: map[string][2]int64{}}
}

// open returns a *sql.DB speaking to the fake.
func (f *fakeSnowflake) open(t *testing.T) *sql.DB {
	db := sql.OpenDB(fakeConnector{f})
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// statements returns the log since the last call.
func (f *fakeSnowflake) statements() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.log
	f.log = nil
	return out
}

// script renders a log as SQL, for the golden files.
func script(stmts []string) string {
	var b strings.Builder
	for _, s := range stmts {
		b.WriteString(s + ";\n")
	}
	return b.String()
}

type fakeResult struct {
	cols     []string
	rows     [][]driver.Value
	affected int64
}

var (
	filesRE  = regexp.MustCompile(`FILES = \(([^)]*)\)`)
	inRE     = regexp.MustCompile(`IN \(([^)]*)\) GROUP BY`)
	putRE    = regexp.MustCompile(`^PUT 'file://(.*)' '@EDQM_LANDING/(.*)' AUTO`)
	tableRE  = regexp.MustCompile(`^CREATE TABLE IF NOT EXISTS "([A-Z0-9_]+)" \(`)
	ledgerRE = regexp.MustCompile(`(?m)^\('((?:[^']|'')*)', '`)
)

// quotedList splits 'a', 'b' into a, b.
func quotedList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ", ") {
		out = append(out, strings.ReplaceAll(strings.Trim(p, "'"), "''", "'"))
	}
	return out
}

func (f *fakeSnowflake) answer(q string, args []driver.NamedValue) (*fakeResult, error) {
	if f.onQuery != nil {
		f.onQuery(q)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	entry := q
	if len(args) > 0 {
		var a []string
		for _, v := range args {
			a = append(a, fmt.Sprint(v.Value))
		}
		entry += " -- args: " + strings.Join(a, ", ")
	}
	f.log = append(f.log, entry)
	for prefix, err := range f.fail {
		if strings.HasPrefix(q, prefix) {
			return nil, err
		}
	}
	switch {
	case strings.HasPrefix(q, "SELECT 1"):
		return &fakeResult{cols: []string{"1"}, rows: [][]driver.Value{{int64(1)}}}, nil
	case strings.HasPrefix(q, "CREATE TABLE IF NOT EXISTS"):
		if m := tableRE.FindStringSubmatch(q); m != nil {
			f.tables[m[1]] = true
		}
		return &fakeResult{}, nil
	case strings.HasPrefix(q, "SELECT COLUMN_NAME, DATA_TYPE"):
		name := fmt.Sprint(args[0].Value)
		res := &fakeResult{cols: []string{"COLUMN_NAME", "DATA_TYPE"}}
		if f.tables[name] && name != "_EDQM_LOADS" && name != "_EDQM_REJECTS" {
			for _, c := range []string{"ORDER_ID", "CUSTOMER_ID", "QUANTITY", "TOTAL_AMOUNT", "STATUS", "_FILE"} {
				res.rows = append(res.rows, []driver.Value{c, "TEXT"})
			}
			res.rows = append(res.rows, []driver.Value{"_LINE", "NUMBER"})
		}
		return res, nil
	case strings.HasPrefix(q, `SELECT "FILE" FROM "_EDQM_LOADS"`):
		res := &fakeResult{cols: []string{"FILE"}}
		for _, k := range f.ledger {
			res.rows = append(res.rows, []driver.Value{k})
		}
		return res, nil
	case strings.HasPrefix(q, "PUT "):
		size := int64(10)
		if m := putRE.FindStringSubmatch(q); m != nil {
			local := strings.ReplaceAll(strings.ReplaceAll(m[1], `\\`, `\`), "''", "'")
			if b, err := os.ReadFile(local); err == nil {
				f.staged[strings.ReplaceAll(m[2], "''", "'")+path.Base(local)] = string(b)
				size = int64(len(b))
			}
		}
		return &fakeResult{
			cols: []string{"source", "target", "source_size", "target_size", "source_compression", "target_compression", "status", "message"},
			rows: [][]driver.Value{{"x.csv", "x.csv", fmt.Sprint(size), fmt.Sprint(size), "NONE", "NONE", "UPLOADED", ""}},
		}, nil
	case strings.HasPrefix(q, `SELECT "_FILE", COUNT(*)`):
		return f.stats(q), nil
	case strings.HasPrefix(q, "COPY INTO"):
		res := &fakeResult{cols: []string{"file", "status", "rows_parsed", "rows_loaded", "error_limit", "errors_seen",
			"first_error", "first_error_line", "first_error_character", "first_error_column_name"}}
		clear(f.copied)
		if len(f.copyResults) > 0 {
			canned := f.copyResults[0]
			f.copyResults = f.copyResults[1:]
			if len(canned) == 1 && len(canned[0]) == 1 && canned[0]["status"] != "" {
				// "Copy executed with 0 files processed." comes alone.
				return &fakeResult{cols: []string{"status"}, rows: [][]driver.Value{{canned[0]["status"]}}}, nil
			}
			for _, r := range canned {
				row := make([]driver.Value, len(res.cols))
				for i, c := range res.cols {
					if v, ok := r[c]; ok {
						row[i] = v
					}
				}
				res.rows = append(res.rows, row)
				var parsed, loaded int64
				fmt.Sscan(r["rows_parsed"], &parsed)
				fmt.Sscan(r["rows_loaded"], &loaded)
				f.copied[r["file"]] = [2]int64{parsed, loaded}
			}
			return res, nil
		}
		for _, k := range quotedList(filesRE.FindStringSubmatch(q)[1]) {
			n := int64(2)
			if content, ok := f.staged[k]; ok {
				n = int64(strings.Count(strings.TrimRight(content, "\n"), "\n"))
			}
			res.rows = append(res.rows, []driver.Value{"edqm_landing/" + k, "LOADED", fmt.Sprint(n), fmt.Sprint(n), fmt.Sprint(n), "0", nil, nil, nil, nil})
			f.copied["edqm_landing/"+k] = [2]int64{n, n}
		}
		return res, nil
	case strings.HasPrefix(q, "SELECT LAST_QUERY_ID()"):
		return &fakeResult{cols: []string{"LAST_QUERY_ID()"}, rows: [][]driver.Value{{"01b7e2c4-0000-4a1d-0000-00000000abcd"}}}, nil
	case strings.HasPrefix(q, `INSERT INTO "_EDQM_REJECTS"`) && !strings.Contains(q, "VALIDATE("):
		for i := 0; i+5 <= len(args); i += 5 {
			row := make([]any, 5)
			for j := range row {
				row[j] = args[i+j].Value
			}
			f.rejects = append(f.rejects, row)
		}
		return &fakeResult{affected: int64(len(args) / 5)}, nil
	case strings.HasPrefix(q, `INSERT INTO "_EDQM_REJECTS"`):
		var n int64
		if len(f.rejected) > 0 {
			n, f.rejected = f.rejected[0], f.rejected[1:]
		}
		return &fakeResult{affected: n}, nil
	case strings.HasPrefix(q, `INSERT INTO "_EDQM_LOADS"`):
		for _, m := range ledgerRE.FindAllStringSubmatch(q, -1) {
			f.ledger = append(f.ledger, strings.ReplaceAll(m[1], "''", "'"))
		}
		return &fakeResult{}, nil
	case strings.HasPrefix(q, "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES"):
		n := int64(0)
		if f.tables[strings.ToUpper(fmt.Sprint(args[0].Value))] {
			n = 1
		}
		return &fakeResult{cols: []string{"COUNT(*)"}, rows: [][]driver.Value{{n}}}, nil
	}
	return &fakeResult{}, nil
}

// stats answers the per-file statistics query from the last COPY: each
// file's loaded rows, numbered from rowBase to rowBase+parsed-1 (its first
// and last records loaded).
func (f *fakeSnowflake) stats(q string) *fakeResult {
	res := &fakeResult{cols: []string{"_FILE", "COUNT(*)", "MIN(\"_LINE\")", "MAX(\"_LINE\")"}}
	base := f.rowBase
	if base == 0 {
		base = 1
	}
	for _, k := range quotedList(inRE.FindStringSubmatch(q)[1]) {
		for name, c := range f.copied {
			if name != k && !strings.HasSuffix(name, "/"+k) || c[1] == 0 {
				continue
			}
			n := c[1]
			if found, ok := f.rowsFound[k]; ok {
				n = found
			}
			res.rows = append(res.rows, []driver.Value{k, fmt.Sprint(n), fmt.Sprint(base), fmt.Sprint(base + c[0] - 1)})
		}
	}
	return res
}

// The database/sql/driver plumbing.

type fakeConnector struct{ f *fakeSnowflake }

func (c fakeConnector) Connect(context.Context) (driver.Conn, error) { return &fakeConn{f: c.f}, nil }
func (c fakeConnector) Driver() driver.Driver                        { return fakeDriver{} }

type fakeDriver struct{}

func (fakeDriver) Open(string) (driver.Conn, error) { return nil, errors.New("use the connector") }

type fakeConn struct {
	f *fakeSnowflake
}

func (c *fakeConn) Prepare(q string) (driver.Stmt, error) { return &fakeStmt{c: c, q: q}, nil }
func (c *fakeConn) Close() error                          { return nil }

// Begin, Exec and Query are the driver interfaces without a context;
// database/sql calls the context forms, so Background is never really used.
func (c *fakeConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *fakeConn) BeginTx(ctx context.Context, _ driver.TxOptions) (driver.Tx, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.f.record("BEGIN")
	return fakeTx{c}, nil
}

func (c *fakeConn) Ping(ctx context.Context) error {
	_, err := c.f.answer("SELECT 1", nil)
	return err
}

func (c *fakeConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r, err := c.f.answer(q, args)
	if err != nil {
		return nil, err
	}
	return driver.RowsAffected(r.affected), nil
}

func (c *fakeConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r, err := c.f.answer(q, args)
	if err != nil {
		return nil, err
	}
	return &fakeRows{r: r}, nil
}

func (f *fakeSnowflake) record(s string) {
	f.mu.Lock()
	f.log = append(f.log, s)
	f.mu.Unlock()
}

type fakeTx struct{ c *fakeConn }

func (t fakeTx) Commit() error   { t.c.f.record("COMMIT"); return nil }
func (t fakeTx) Rollback() error { t.c.f.record("ROLLBACK"); return nil }

type fakeStmt struct {
	c *fakeConn
	q string
}

func (s *fakeStmt) Close() error  { return nil }
func (s *fakeStmt) NumInput() int { return -1 }
func (s *fakeStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.c.ExecContext(context.Background(), s.q, named(args))
}
func (s *fakeStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.c.QueryContext(context.Background(), s.q, named(args))
}

func named(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, a := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return out
}

type fakeRows struct {
	r *fakeResult
	i int
}

func (r *fakeRows) Columns() []string { return r.r.cols }
func (r *fakeRows) Close() error      { return nil }
func (r *fakeRows) Next(dest []driver.Value) error {
	if r.i >= len(r.r.rows) {
		return io.EOF
	}
	copy(dest, r.r.rows[r.i])
	r.i++
	return nil
}
