// Package duckdbwarehouse is the embedded [warehouse.Warehouse]: DuckDB,
// in memory or in a single database file, through database/sql and the
// duckdb-go driver.
//
// # Loads
//
// Load reads each CSV file from its [landing.Lander] and judges it in Go,
// the way encoding/csv parses it with strict quotes (package csvrec). The
// header must equal the request's columns exactly, or the whole file is
// refused with an error wrapping [warehouse.ErrBadFile]. Each data row
// becomes one row of the raw table (all VARCHAR, an empty field is NULL)
// with _file set to the key and _line to the line the record starts on; a
// row with the wrong number of fields or a quoting error is not loaded but
// kept in [warehouse.RejectsTable] with its line, a reason and its text.
//
// The rows are written by DuckDB's own reader. A batch's files are read
// and judged ahead on GOMAXPROCS goroutines; every plain line (no quote,
// carriage return or NUL, valid UTF-8, the right number of commas: a
// record of its own whose fields are the text between commas) is copied,
// after its line number, to a temporary file of the batch (in
// [os.TempDir], removed when the batch ends); one INSERT … SELECT FROM
// read_csv then loads those files on DuckDB's threads, with _file from
// read_csv's file_index and _line the number in front. The few other
// records (quoted fields, a line with a carriage return, …) are parsed by
// csvrec and appended with the DuckDB Appender; rejects and ledger
// entries too. So the table holds exactly what csvrec reads, at about the
// speed of read_csv alone (BenchmarkLoad), which gives neither line
// numbers nor the same strictness: it has no line number for the rows it
// loads, and it accepts a bare quote inside an unquoted field (C"4).
//
// A key ending in .parquet is read with DuckDB's read_parquet instead, in
// the batch's transaction: its columns must be the request's by name, in
// any order; row n gets _line n + 1 (the line it would start on in a CSV
// file of the same rows); a row with a value no VARCHAR column holds (a
// nested value, bytes that are not UTF-8) is a reject.
//
// The Appender and the INSERT take part in the connection's open
// transaction (this package's tests check it: rows appended after BEGIN
// are gone after ROLLBACK), so files are loaded in batches, one
// transaction each: up to 1,024 files, fewer when they reach about a
// million rows. A batch's ledger check, the deletion of forced files' previous
// rows, the rows, the rejects and the ledger entries commit together or
// not at all, so a file's rows always commit with its ledger entry, and a
// cancelled context or a crash leaves nothing of a batch behind (a kill
// may leave a temporary folder edqm-load-* behind, which may be removed).
// Once its COMMIT has started, a batch is not interrupted by a
// cancellation: what is committed is reported loaded.
//
// When a file fails (it cannot be read, its header is wrong, …), its
// batch is rolled back and the files before it in the batch are loaded
// again in a new transaction: they are committed and reported loaded, the
// error names the failed file, and no file after it in the batch is
// loaded (files after it may have been read ahead). A cancellation rolls
// the batch in progress back without retrying it. One batch runs at a
// time, on every core: Go reads and judges GOMAXPROCS files at once, and
// DuckDB's INSERT runs on its threads setting (two INSERTs into one table
// at once were slower: see BenchmarkLoad). Each file in the result is
// committed, each file missing from it was not loaded by the call. A key
// listed twice in one request is loaded once; the repeats are reported
// skipped.
//
// Quoting errors: encoding/csv resumes on the next line after a bare quote
// in an unquoted field or a stray quote after a quoted field, so only that
// record is rejected. A quoted field that is never closed makes encoding/csv
// swallow the following lines into one record; when a quoting error spans
// several lines, the first line is rejected and parsing restarts on the
// line after it, so one stray quote costs one line, not the rest of the
// file. Blank lines are skipped (they are neither loaded nor rejected);
// line numbers still count them.
//
// # Time
//
// The ledger's loaded_at column comes from [Options.Clock], never from the
// wall clock, so that a run is reproducible. Without a Clock, loaded_at is
// the zero time (0001-01-01 00:00:00).
//
// # Concurrency
//
// A Warehouse is safe for concurrent use: each call takes its own pooled
// connection (a Load, one per batch running), and DuckDB runs statements
// from several connections at once. Two concurrent loads of the same key
// conflict on the ledger's primary key and one of them fails.
package duckdbwarehouse

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/internal/loadcheck"
	"github.com/edqm/edqm/warehouse/internal/sqlbase"
)

// DialectName is the name of DuckDB's dialect, as returned by
// Warehouse.Dialect().Name().
const DialectName = "duckdb"

// checkEvery is the number of rows between two checks of the context.
const checkEvery = 1024

// Options configures a Warehouse. The zero value is valid.
type Options struct {
	// Clock stamps the ledger's loaded_at column. Nil means the zero time:
	// library code never reads the wall clock.
	Clock edqm.Clock
	// Logger receives one debug record per file loaded or skipped. Nil
	// discards.
	Logger *slog.Logger
}

// Warehouse is a DuckDB database. Create it with [Open]; it is safe for
// concurrent use.
type Warehouse struct {
	db    *sql.DB
	path  string
	clock edqm.Clock
	log   *slog.Logger

	// batchFiles, batchRows and loadWorkers are the constants of the same
	// names; the benchmarks change them to compare.
	batchFiles, loadWorkers int
	batchRows               int64
	// setPrep, when not 0, is the number of CSV files a batch reads and
	// judges at once (GOMAXPROCS otherwise); set before any Load.
	setPrep int

	// ddlMu serialises the creation of tables by Load, which would
	// otherwise conflict in DuckDB's catalog when two loads start at once.
	ddlMu sync.Mutex
}

var (
	_ warehouse.Warehouse    = (*Warehouse)(nil)
	_ warehouse.AtomicExecer = (*Warehouse)(nil)
	_ warehouse.Checkpointer = (*Warehouse)(nil)
)

type dialect struct{}

func (dialect) Name() string { return DialectName }

// Open opens the DuckDB database at path, creating the file and its parent
// directories if needed. An empty path or ":memory:" opens a private
// in-memory database, which disappears on Close. A path with ? or NUL is
// refused: DuckDB would read settings from it. opts may be nil. When
// another process has the file open, the error matches
// [warehouse.ErrLocked].
//
// A new database file appears at path complete or not at all: it is made
// in a folder beside path and linked into place once DuckDB has written
// and closed it, so a process killed while creating it leaves no
// half-made file that DuckDB would refuse to open. Such a kill may leave
// a folder named .NAME.new-* beside the file, holding an empty database;
// it may be removed.
func Open(ctx context.Context, path string, opts *Options) (*Warehouse, error) {
	if opts == nil {
		opts = &Options{}
	}
	if i := strings.IndexAny(path, "?\x00"); i >= 0 {
		// DuckDB reads what follows a ? in its DSN as settings, which may
		// hold a token: show only what comes before.
		return nil, fmt.Errorf("duckdbwarehouse: open %q…: a path with ? or NUL is refused (DuckDB would read settings from it)", path[:i])
	}
	dsn := path
	if path == ":memory:" {
		dsn = ""
	}
	if dsn != "" {
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("duckdbwarehouse: open %q: creating its directory: %w", path, err)
			}
		}
		if err := createFile(ctx, path); err != nil {
			return nil, err
		}
	}
	db, err := sql.Open("duckdb", dsn)
	if err != nil {
		return nil, openErr(path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, openErr(path, err)
	}
	w := &Warehouse{db: db, path: path, clock: opts.Clock, log: opts.Logger,
		batchFiles: batchFiles, loadWorkers: loadWorkers, batchRows: batchRows}
	if w.clock == nil {
		w.clock = edqm.FixedClock(time.Time{})
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	return w, nil
}

// As gives access to the underlying engine: a target of type **sql.DB
// receives the database handle. It reports whether target was set.
func (w *Warehouse) As(target any) bool {
	return w.base().As(target)
}

// Dialect returns DuckDB's dialect, named "duckdb".
func (w *Warehouse) Dialect() warehouse.Dialect { return dialect{} }

// Exec runs statements that return no rows. Several statements separated by
// semicolons are allowed when there are no args.
func (w *Warehouse) Exec(ctx context.Context, query string, args ...any) error {
	return w.base().Exec(ctx, query, args...)
}

// ExecAtomic runs statements in order in one transaction on one
// connection: all of them take effect, or none on error or cancellation.
// It implements [warehouse.AtomicExecer].
func (w *Warehouse) ExecAtomic(ctx context.Context, statements ...string) error {
	return w.base().ExecAtomic(ctx, statements...)
}

// Query runs a query. The caller closes the rows.
func (w *Warehouse) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return w.base().Query(ctx, query, args...)
}

// TableExists reports whether a table or a view named name exists in the
// current schema. The comparison ignores case, like DuckDB's identifiers.
func (w *Warehouse) TableExists(ctx context.Context, name string) (bool, error) {
	const q = `SELECT count(*) FROM information_schema.tables
WHERE lower(table_name) = lower(?) AND table_schema = current_schema() AND table_catalog = current_database()`
	var n int64
	if err := w.db.QueryRowContext(ctx, q, name).Scan(&n); err != nil {
		return false, sqlError("query", q, err)
	}
	return n > 0, nil
}

// Checkpoint writes every committed change held in DuckDB's write-ahead
// log (PATH.wal) back to the database file and truncates the log; on an
// in-memory database it does nothing. It implements
// [warehouse.Checkpointer]. When it fails (a full disk), the error names
// the file and says that the changes are still only in the log, which the
// next open replays.
func (w *Warehouse) Checkpoint(ctx context.Context) error {
	if _, err := w.db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("duckdbwarehouse: checkpoint %q: %w (the changes are in its write-ahead log %q, which the next open replays)", w.path, err, w.path+".wal")
	}
	return nil
}

// Close closes the database. For a file database, everything committed is
// on disk afterwards.
func (w *Warehouse) Close() error {
	if err := w.db.Close(); err != nil {
		return fmt.Errorf("duckdbwarehouse: close %q: %w", w.path, err)
	}
	return nil
}

// sqlError wraps err with the operation and the first line of the
// statement; it never includes arguments, and returns a context error
// unwrapped (sqlbase.Base.Error).
func sqlError(op, query string, err error) error {
	return sqlbase.Base{Pkg: "duckdbwarehouse"}.Error(op, query, err)
}

// base is what this Warehouse shares with the other database/sql one.
func (w *Warehouse) base() sqlbase.Base { return sqlbase.Base{DB: w.db, Pkg: "duckdbwarehouse"} }

// quote quotes an identifier already checked with warehouse.ValidIdent, so
// that reserved words such as "order" can be column names.
func quote(ident string) string { return `"` + ident + `"` }

// loadedFiles returns the set of files in the ledger.
func (w *Warehouse) loadedFiles(ctx context.Context) (map[string]bool, error) {
	const q = `SELECT file FROM ` + warehouse.LedgerTable
	rows, err := w.db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("duckdbwarehouse: load: %w", sqlError("query", q, err))
	}
	defer rows.Close()
	done := map[string]bool{}
	for rows.Next() {
		var f string
		if err := rows.Scan(&f); err != nil {
			return nil, fmt.Errorf("duckdbwarehouse: load: %w", err)
		}
		done[f] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("duckdbwarehouse: load: %w", err)
	}
	return done, nil
}

// ensureTables creates the ledger, the rejects table and the raw table if
// they are missing, and checks the raw table's columns.
func (w *Warehouse) ensureTables(ctx context.Context, req warehouse.LoadRequest) error {
	w.ddlMu.Lock()
	defer w.ddlMu.Unlock()
	meta := []string{
		`CREATE TABLE IF NOT EXISTS ` + warehouse.LedgerTable + ` (
	file VARCHAR PRIMARY KEY,
	table_name VARCHAR,
	rows_parsed BIGINT,
	rows_loaded BIGINT,
	rows_rejected BIGINT,
	loaded_at TIMESTAMP
)`,
		`CREATE TABLE IF NOT EXISTS ` + warehouse.RejectsTable + ` (
	table_name VARCHAR,
	file VARCHAR,
	line BIGINT,
	reason VARCHAR,
	raw VARCHAR
)`,
	}
	for _, q := range meta {
		if _, err := w.db.ExecContext(ctx, q); err != nil {
			return sqlError("exec", q, err)
		}
	}
	want := wantColumns(req.Columns)
	have, err := w.columns(ctx, req.Table)
	if err != nil {
		return err
	}
	if len(have) == 0 {
		var b strings.Builder
		b.WriteString("CREATE TABLE IF NOT EXISTS " + quote(req.Table) + " (")
		for i, c := range want {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quote(c.Name) + " " + c.Type)
		}
		b.WriteString(")")
		if _, err := w.db.ExecContext(ctx, b.String()); err != nil {
			return sqlError("exec", b.String(), err)
		}
		return nil
	}
	return loadcheck.CompareColumns("duckdbwarehouse", req.Table, have, want)
}

type column = loadcheck.Column

func wantColumns(cols []string) []column {
	want := make([]column, 0, len(cols)+2)
	for _, c := range cols {
		want = append(want, column{Name: c, Type: "VARCHAR"})
	}
	return append(want, column{Name: "_file", Type: "VARCHAR"}, column{Name: "_line", Type: "BIGINT"})
}

// columns returns the columns of a table in the current schema, in order;
// none if the table does not exist.
func (w *Warehouse) columns(ctx context.Context, table string) ([]column, error) {
	const q = `SELECT column_name, data_type FROM information_schema.columns
WHERE lower(table_name) = lower(?) AND table_schema = current_schema() AND table_catalog = current_database()
ORDER BY ordinal_position`
	rows, err := w.db.QueryContext(ctx, q, table)
	if err != nil {
		return nil, sqlError("query", q, err)
	}
	defer rows.Close()
	var cols []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			return nil, sqlError("query", q, err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, sqlError("query", q, err)
	}
	return cols, nil
}
