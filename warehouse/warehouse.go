// Package warehouse loads landed files into raw tables and runs SQL. The
// [Warehouse] interface is implemented by warehouse/duckdbwarehouse (the
// embedded default) and warehouse/snowflakewarehouse; [Open] picks one from
// a URL (duckdb://memory, snowflake://user@account/db/schema).
//
// # Raw tables
//
// Raw tables are all VARCHAR: typing happens in staging models, with the
// [Dialect]'s Parse methods (strict, by the library's rules) or TRY_CAST.
// Each raw table has the file's columns plus two metadata columns:
// _file (the landing key the row came from) and _line (its line in the file,
// the header being line 1).
//
// # Loads
//
// Load is idempotent: a ledger table ([LedgerTable]) records every file
// loaded, and a file already in it is skipped unless the request is forced.
// A file's rows and its ledger entry are committed together, so a crash
// never leaves half a file loaded. Rows that cannot be parsed are not
// dropped: they are counted and kept in [RejectsTable] with file, line and
// reason, and each [FileResult] gives the first rejected row's reason and
// line.
//
// # Optional capabilities
//
// [AtomicExecer] runs several statements in one transaction (transform's
// incremental models use it). Implementations also have an As method that
// exposes the underlying *sql.DB.
//
// # How to implement a Warehouse
//
//  1. Check requests before building SQL: identifiers with [ValidIdent],
//     keys with landing.ValidateKey.
//  2. Keep the ledger ([LedgerTable]) and rejects ([RejectsTable]) with the
//     columns documented here, and commit a file's rows with its ledger
//     entry.
//  3. Register a URL scheme with [Register] in an init function.
//  4. Return the engine's [Dialect] from Dialect, and register it with
//     [RegisterDialect] in an init function.
//  5. Run warehouse/warehousetest's RunConformanceTests from its tests.
package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"

	"github.com/edqm/edqm/landing"
)

// Names of the warehouse's own tables.
const (
	// LedgerTable records each file loaded: file, table_name, rows_parsed,
	// rows_loaded, rows_rejected, loaded_at.
	LedgerTable = "_edqm_loads"
	// RejectsTable keeps rows that could not be loaded: table_name, file,
	// line, reason, raw (the line's text).
	RejectsTable = "_edqm_rejects"
)

// Sentinel errors.
var (
	// ErrBadIdentifier: a table or column name is not a plain identifier.
	ErrBadIdentifier = errors.New("warehouse: bad identifier")
	// ErrBadFile: a file cannot be loaded at all (for example its header
	// does not match the table's columns).
	ErrBadFile = errors.New("warehouse: bad file")
	// ErrLocked: the warehouse is held by another process (an embedded
	// database file open elsewhere); nothing was changed. Running again
	// once the other process is done succeeds.
	ErrLocked = errors.New("warehouse: locked by another process")
	// ErrCorrupt: the warehouse's storage cannot be read back (a damaged
	// database file). The error says what could not be read and the
	// remedy.
	ErrCorrupt = errors.New("warehouse: corrupt")
)

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)

// ValidIdent returns an error wrapping [ErrBadIdentifier] unless name is a
// plain SQL identifier (letters, digits, underscores, not starting with a
// digit). Table and column names are checked with it before any SQL is
// built, so a name like "x; DROP TABLE y" is refused.
func ValidIdent(name string) error {
	if !identRE.MatchString(name) {
		return fmt.Errorf("%w: %q", ErrBadIdentifier, name)
	}
	return nil
}

// LoadRequest asks for files to be loaded into a raw table.
type LoadRequest struct {
	// Table is the raw table's name, for example "raw_orders".
	Table string
	// Columns are the CSV's columns, in the header's order.
	Columns []string
	// Source is the Lander holding the files.
	Source landing.Lander
	// Keys are the files to load, in order.
	Keys []string
	// Force reloads files already in the ledger (their previous rows are
	// deleted first, so nothing is loaded twice).
	Force bool
}

// FileResult accounts for one file.
type FileResult struct {
	// Key is the file's landing key.
	Key string
	// Skipped is true when the file was already loaded and not forced.
	Skipped bool
	// Parsed is the number of data rows read; Parsed = Loaded + Rejected.
	Parsed, Loaded, Rejected int64
	// FirstError is the reason the first rejected row was rejected, and
	// FirstErrorLine the line it starts on; empty and 0 when nothing was
	// rejected. Every rejected row is in [RejectsTable].
	FirstError     string
	FirstErrorLine int64
}

// LoadResult accounts for a whole request.
type LoadResult struct {
	Files []FileResult
}

// Totals sums the per-file figures; files counts the files not skipped.
func (r *LoadResult) Totals() (files int, parsed, loaded, rejected int64) {
	for _, f := range r.Files {
		if f.Skipped {
			continue
		}
		files++
		parsed += f.Parsed
		loaded += f.Loaded
		rejected += f.Rejected
	}
	return
}

// AtomicExecer is an optional capability of a [Warehouse]: running several
// statements as one transaction. Portable code discovers it with a type
// assertion and falls back to running the statements one by one:
//
//	if a, ok := w.(warehouse.AtomicExecer); ok {
//		err = a.ExecAtomic(ctx, stmts...)
//	}
//
// Both warehouse/duckdbwarehouse and warehouse/snowflakewarehouse implement
// it.
type AtomicExecer interface {
	// ExecAtomic runs statements (without arguments) in order in one
	// transaction: either all of them take effect or, on error or
	// cancellation, none does.
	ExecAtomic(ctx context.Context, statements ...string) error
}

// Checkpointer is an optional capability of a [Warehouse] that keeps
// recent changes in a write-ahead log: Checkpoint writes them back to the
// database file and returns an error when it cannot (a full disk), so that
// a caller reports success only once its data is durable.
// warehouse/duckdbwarehouse implements it; Snowflake commits are durable
// and it does not.
type Checkpointer interface {
	Checkpoint(ctx context.Context) error
}

// Warehouse is a SQL engine with idempotent file loads.
//
// Contract for every implementation:
//   - Load creates the raw table if needed (all VARCHAR plus _file, _line),
//     validates identifiers with [ValidIdent], loads each file at most once
//     (see [LoadRequest.Force]), commits a file's rows with its ledger entry,
//     and keeps rejected rows in [RejectsTable].
//   - Exec and Query run SQL in the engine's dialect.
//   - Every method honours ctx; a cancelled load leaves no partial file.
//   - On error, Load returns the result so far with the error: every file
//     it committed, which may include files after the failed one when an
//     implementation loads batches concurrently. A file in the result is
//     in the ledger with its rows; a file not in it left nothing behind.
//   - Safe for concurrent use by multiple goroutines (transform runs
//     independent models at once).
type Warehouse interface {
	// Dialect describes the engine's SQL.
	Dialect() Dialect
	// Load loads files into a raw table.
	Load(ctx context.Context, req LoadRequest) (*LoadResult, error)
	// Exec runs statements that return no rows.
	Exec(ctx context.Context, query string, args ...any) error
	// Query runs a query. The caller closes the rows.
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	// TableExists reports whether a table or view exists.
	TableExists(ctx context.Context, name string) (bool, error)
	// Close releases the engine.
	Close() error
}

// QueryRow runs q with args on w and scans its single row into dest. It
// returns sql.ErrNoRows when the query yields no row.
func QueryRow(ctx context.Context, w Warehouse, q string, args []any, dest ...any) error {
	rows, err := w.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}
