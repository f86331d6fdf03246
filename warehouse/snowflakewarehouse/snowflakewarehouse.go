// Package snowflakewarehouse is the [warehouse.Warehouse] for Snowflake,
// through database/sql and github.com/snowflakedb/gosnowflake. The same
// models and quality tests run on it as on the embedded DuckDB.
//
// # Opening
//
// [Open] connects with a [Config]; warehouse.Open does the same from a URL
// (see [ConfigFromURL]) once this package is imported:
//
//	import _ "github.com/edqm/edqm/warehouse/snowflakewarehouse"
//
//	w, err := warehouse.Open(ctx, "snowflake://EDQM_USER@myorg-myaccount/EDQM/RAW?warehouse=EDQM_WH", nil)
//
// Credentials never go in the URL: the password comes from
// SNOWFLAKE_PASSWORD, or a key pair from SNOWFLAKE_PRIVATE_KEY_PATH, and
// neither is ever part of an error or a log record. [New] wraps a *sql.DB
// the caller opened, as golang-migrate's WithInstance does.
//
// # Set-up
//
// [SetupSQL] generates the set-up statements (the original pipeline's
// snowflake_sql scripts as code). Open runs the schema-level ones by
// default (file format, stages, ledger, rejects table); with [SetupAll] it
// also creates the warehouse, the database, the schema and the storage
// integration, which needs an administrator's role. Print them with
// [Script] for an administrator to run instead.
//
// # Loads
//
// Load checks each file's header (through the Lander: the header must be
// the request's columns, or the file is refused with an error wrapping
// [warehouse.ErrBadFile]), then gets the files into a stage:
//
//   - a Lander whose files are in S3 ([S3Locator]) under the configured
//     [S3Stage] URL is read where it is, through the external stage and its
//     storage integration;
//   - any other Lander (a local folder, a
//     [github.com/edqm/edqm/landing.LocalPather], by path;
//     others streamed) is uploaded with PUT to the internal stage, each file
//     at the path of its key.
//
// Each file is read once before loading (a repaired one, below, twice
// more; streamed files are copied to a temporary file on the way, which
// PUT uploads: gosnowflake's streamed PUT sizes the upload from a drained
// stream): its records are counted and
// those with another number of fields than the header are kept, with
// their lines and text. Files are then loaded with COPY INTO … FILES =
// (…), at most [MaxFilesPerCopy] per statement, with ON_ERROR = CONTINUE
// and FORCE = TRUE: the ledger, not Snowflake's 64-day load metadata,
// decides what is loaded. Each batch is one transaction: the previous
// rows of forced files are deleted, the COPY runs, its result rows give
// each file's rows parsed, loaded and rejected; Load fails if a file was
// not loaded or if more rows loaded than the file has well-formed
// records. The rejected rows go to [warehouse.RejectsTable] from the scan
// (VALIDATE(table, JOB_ID => …) only when COPY rejected other rows, and
// then Load fails unless VALIDATE returns them all); the rows are named
// by their keys (_FILE), checked to be exactly the rows COPY loaded, their
// row numbers turned into lines; the files enter [warehouse.LedgerTable].
// A batch commits whole or not at all. Files already in the ledger are
// skipped unless forced.
//
// Raw tables are all VARCHAR plus _FILE (the key) and _LINE (the line
// the record starts on, the header being line 1). Columns are matched by
// the header's names (MATCH_BY_COLUMN_NAME with the file format's
// PARSE_HEADER) because a COPY that transforms with a SELECT can be
// neither validated nor made to reject rows with a wrong number of fields.
//
// The scan reads quotes as Snowflake's CSV format does (an enclosed field
// ends at its closing quote, which a delimiter or the record's end must
// follow) and gives each record its line, so that _LINE is the line even
// after blank lines and records spanning lines. A record with a quote
// inside an unenclosed field (O4,C"4,1) is rejected, as DuckDB rejects
// it: Snowflake's documentation does not say whether it loads it, so Load
// removes it if COPY did.
//
// A quoted field that does not close on its line (a quote that never
// closes, or one closed on a later line and followed by other than a
// delimiter) would run on, as an enclosed field may hold line ends, over
// the lines after it, where DuckDB's loader rejects that line alone and
// reads on from the next one. When the scan finds one, Load uploads with
// PUT a repaired copy of the file to the internal stage, at the path of
// its key (even when the landing is on S3: that file is then loaded from
// the internal stage by a second COPY in the batch's transaction), in
// which every line DuckDB's loader rejects is blank (its line end kept,
// so lines keep their numbers; the file format skips blank lines). Those
// lines are rejected by Load, with DuckDB's lines, reasons and texts, and
// counted among the file's rows parsed and rejected; _FILE is the key.
// Both engines then load the same rows and reject the same lines, however
// Snowflake reads an unclosed quote.
//
// A key ending in .parquet is a Parquet file (one load reads CSV or
// Parquet files, not both): its columns are checked from its footer (the
// request's, by name in any order, or warehouse.ErrBadFile), it is staged
// the same way and loaded with COPY INTO … FILE_FORMAT = (TYPE = PARQUET)
// MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE, with the same INCLUDE_METADATA;
// row n gets _LINE n + 1, as on DuckDB (the line it would start on in a
// CSV file of the same rows).
//
// Differences from DuckDB: rejected rows have Snowflake's reasons (the
// scan's, in Snowflake's words), DuckDB's only in repaired files;
// Snowflake may reject rows for other reasons (then it words them); two
// loads of the same file at the same moment are not prevented (Snowflake
// does not enforce the ledger's primary key);
// gosnowflake returns NUMBER and BOOLEAN values as text when scanned into
// any ("2", "20.00", "1": quality types its failing-row samples back);
// unquoted names come back upper-cased (result columns, information_schema)
// and information_schema names VARCHAR TEXT. Query arguments of type
// float64 are bound as their decimal text ([Warehouse.Exec]): gosnowflake
// v1.19.1 would send them at float32 precision.
//
// # Verified against Snowflake's documentation
//
//   - MATCH_BY_COLUMN_NAME with PARSE_HEADER for CSV, INCLUDE_METADATA only
//     with MATCH_BY_COLUMN_NAME, FORCE loads files already loaded, FILES
//     lists at most 1000 files
//     (https://docs.snowflake.com/en/sql-reference/sql/copy-into-table,
//     https://docs.snowflake.com/en/user-guide/data-load-considerations-load);
//   - SKIP_BLANK_LINES skips blank lines, which the repaired copies rely
//     on (https://docs.snowflake.com/en/sql-reference/sql/create-file-format);
//   - PUT's file URI: quoted, file:///path or file://C:/path
//     (https://docs.snowflake.com/en/sql-reference/sql/put);
//   - the reserved keywords none of our identifiers uses
//     (https://docs.snowflake.com/en/sql-reference/reserved-keywords);
//   - the session parameters set at login
//     (https://docs.snowflake.com/en/sql-reference/parameters) and the
//     account identifier forms
//     (https://docs.snowflake.com/en/user-guide/admin-account-identifier).
//
// # Assumed
//
// What the documentation leaves open; each is checked at run time (Load
// fails rather than keep wrong rows) and recorded by the live suite:
//
//   - that ERROR_ON_COLUMN_COUNT_MISMATCH rejects a row whose field count
//     differs from the header's while the table has _FILE and _LINE more
//     (checked: COPY's rows loaded never exceed the file's well-formed
//     records);
//   - that METADATA$FILE_ROW_NUMBER numbers a file's data records
//     consecutively from a fixed first number (derived from the data per
//     batch: 0, 1 or 2; Load fails when the files disagree);
//   - that METADATA$FILENAME ends with "/key" or is the key (the rows are
//     renamed to the key, then counted per key against COPY's figures);
//   - that COPY's result lists each file once, named by a path ending with
//     its key, with the columns file, status, rows_parsed, rows_loaded,
//     errors_seen, first_error, first_error_line;
//   - that VALIDATE returns, before the COPY's transaction commits, the
//     rows COPY rejected for reasons the scan does not see (Load fails if
//     it returns fewer);
//   - that PUT reports source_size (compared with the file's size when
//     present);
//   - whether a record with a quote inside an unenclosed field (O4,C"4,1)
//     is loaded: FIELD_OPTIONALLY_ENCLOSED_BY describes enclosed fields
//     only (Load removes the row if COPY loaded it, and keeps it as
//     rejected either way, as DuckDB does).
//
// # Statements
//
// Exec runs one statement per call (the driver needs a statement count
// for more); [Warehouse.ExecAtomic] runs several in one transaction.
// Unquoted identifiers are upper-cased by Snowflake: raw tables and
// columns are created that way, so models can name them in any case.
//
// # Endpoint
//
// [Config.Host], [Config.Port] and [Config.Protocol] (from SNOWFLAKE_HOST,
// SNOWFLAKE_PORT and SNOWFLAKE_PROTOCOL with warehouse.Open, never from
// the URL) send the login elsewhere than <account>.snowflakecomputing.com,
// such as a test server on loopback; http is refused to any other host.
//
// # Tests
//
// The generated SQL is checked against golden files (testdata/*.sql,
// refreshed with go test -update) and the driver wiring runs offline
// against a fake database/sql driver. The conformance suite runs in every
// go test through the real gosnowflake driver against the Snowflake test
// server of package sftest (TestServer*: local files with PUT, S3 files on
// versitygw through the external stage, password and key-pair logins,
// under both readings of each assumed behaviour the server can switch).
// The live suite (TestLive*: the conformance suite, a comparison of the
// built-in models with DuckDB, and TestLiveAssumptions, which logs what
// Snowflake answers for each assumption above) runs against a real
// account when SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER, SNOWFLAKE_DATABASE and a
// credential are in the environment (each test in a new schema, dropped
// afterwards), and against the test server otherwise: it never skips.
//
// # As
//
// [Warehouse.As] exposes the *sql.DB.
package snowflakewarehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sf "github.com/snowflakedb/gosnowflake"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/internal/sqlbase"
)

// DialectName is the name of Snowflake's dialect, as returned by
// Warehouse.Dialect().Name().
const DialectName = "snowflake"

// pkg prefixes error messages.
const pkg = "snowflakewarehouse"

var zeroTime time.Time

// Warehouse is a Snowflake schema with idempotent loads. Create it with
// [Open] or [New]; it is safe for concurrent use.
type Warehouse struct {
	db    *sql.DB
	cfg   *Config // with defaults applied
	clock edqm.Clock
	log   *slog.Logger

	metaMu    sync.Mutex
	metaReady bool
	ddlMu     sync.Mutex // serialises raw table creation and checks
}

var (
	_ warehouse.Warehouse    = (*Warehouse)(nil)
	_ warehouse.AtomicExecer = (*Warehouse)(nil)
)

// S3Locator is implemented by a Lander whose objects are in Amazon S3,
// under s3://Bucket()/Prefix() (landing/s3landing's Lander implements it;
// Prefix is "" or ends with a slash). When the Config has an [S3Stage]
// whose URL is that root, Load reads the files through the external stage
// instead of uploading them.
type S3Locator interface {
	Bucket() string
	Prefix() string
}

type dialect struct{}

func (dialect) Name() string { return DialectName }

// Open connects to Snowflake with cfg (see [Config.DriverConfig]), checks
// the connection and runs the set-up statements of cfg.Setup. Without a
// credential it fails before any network access with an error wrapping
// [ErrNoCredentials]. The pool keeps cfg.Uploads+1 idle sessions, so that
// uploads reuse their sessions instead of logging in again. gosnowflake's
// own log lines (its logger is one per process) go to cfg.Logger, at
// level Warn, instead of stderr; see [routeDriverLog].
func Open(ctx context.Context, cfg *Config) (*Warehouse, error) {
	dc, err := cfg.DriverConfig()
	if err != nil {
		return nil, err
	}
	routeDriverLog(cfg.Logger)
	db := sql.OpenDB(sf.NewConnector(sf.SnowflakeDriver{}, *dc))
	// database/sql keeps 2 idle sessions by default: with more uploads at
	// once, every batch would log in again for the extra ones. Keep one
	// per upload and one for the COPY's transaction.
	db.SetMaxIdleConns(max(cfg.Uploads, defaultUploads) + 1)
	w, err := New(ctx, db, cfg)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return w, nil
}

// New makes a Warehouse of a database handle the caller opened (with
// gosnowflake, or any driver speaking Snowflake's SQL). Its sessions'
// current database and schema must be cfg's. New checks the connection
// and runs the set-up statements of cfg.Setup; only cfg.Database is
// required. Close closes db.
func New(ctx context.Context, db *sql.DB, cfg *Config) (*Warehouse, error) {
	o, err := cfg.objects()
	if err != nil {
		return nil, err
	}
	w := &Warehouse{db: db, cfg: o, clock: o.Clock, log: o.Logger}
	if err := db.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("%s: connecting to account %q as %q: %w", pkg, o.Account, o.User, err)
	}
	if err := w.setup(ctx); err != nil {
		return nil, err
	}
	return w, nil
}

// setup runs the set-up statements on one session.
func (w *Warehouse) setup(ctx context.Context) error {
	stmts, err := SetupSQL(w.cfg, w.cfg.Setup)
	if err != nil || len(stmts) == 0 {
		return err
	}
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("%s: set-up: %w", pkg, err)
	}
	defer conn.Close()
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s.SQL); err != nil {
			return fmt.Errorf("%s: set-up: %w", pkg, sqlError("exec", s.SQL, err))
		}
	}
	if w.cfg.Setup == SetupAll {
		// This session may have started before its database existed:
		// drop it rather than pool a session without a current schema.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	w.metaReady = true
	return nil
}

// As gives access to the underlying engine: a target of type **sql.DB
// receives the database handle. It reports whether target was set.
func (w *Warehouse) As(target any) bool {
	return w.base().As(target)
}

// Dialect returns Snowflake's dialect, named "snowflake".
func (w *Warehouse) Dialect() warehouse.Dialect { return dialect{} }

// Exec runs one statement that returns no rows; ? placeholders take args.
func (w *Warehouse) Exec(ctx context.Context, query string, args ...any) error {
	return w.base().Exec(ctx, query, bindArgs(args)...)
}

// ExecAtomic runs statements in order in one transaction on one session:
// all of them take effect, or none on error or cancellation. Snowflake
// commits DDL on its own, so only DML is atomic. It implements
// [warehouse.AtomicExecer].
func (w *Warehouse) ExecAtomic(ctx context.Context, statements ...string) error {
	return w.base().ExecAtomic(ctx, statements...)
}

// Query runs a query. The caller closes the rows.
func (w *Warehouse) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return w.base().Query(ctx, query, bindArgs(args)...)
}

// bindArgs returns args with each float64 and float32 as its shortest
// exact decimal text: gosnowflake v1.19.1 sends a float64 binding as
// strconv.FormatFloat(v, 'g', -1, 32) (converter.go valueToString), at
// float32 precision, so that 0.7194244604316546 arrived as 0.7194245.
// Snowflake converts the text to the column's FLOAT or NUMBER
// (https://docs.snowflake.com/en/sql-reference/data-type-conversion).
func bindArgs(args []any) []any {
	var out []any
	for i, a := range args {
		var s string
		switch f := a.(type) {
		case float64:
			s = strconv.FormatFloat(f, 'g', -1, 64)
		case float32:
			s = strconv.FormatFloat(float64(f), 'g', -1, 32)
		default:
			continue
		}
		if out == nil {
			out = slices.Clone(args)
		}
		out[i] = s
	}
	if out == nil {
		return args
	}
	return out
}

// TableExists reports whether a table or a view named name exists in the
// current schema, ignoring case.
func (w *Warehouse) TableExists(ctx context.Context, name string) (bool, error) {
	var n int64
	if err := w.db.QueryRowContext(ctx, tableExistsSQL, name).Scan(&n); err != nil {
		return false, sqlError("query", tableExistsSQL, err)
	}
	return n > 0, nil
}

// Close closes the database handle.
func (w *Warehouse) Close() error {
	if err := w.db.Close(); err != nil {
		return fmt.Errorf("%s: close: %w", pkg, err)
	}
	return nil
}

// sqlError wraps err with the operation and the first line of the
// statement; it never includes arguments, and returns a context error
// unwrapped (sqlbase.Base.Error).
func sqlError(op, query string, err error) error {
	return sqlbase.Base{Pkg: pkg}.Error(op, query, err)
}

// base is what this Warehouse shares with the other database/sql one.
func (w *Warehouse) base() sqlbase.Base { return sqlbase.Base{DB: w.db, Pkg: pkg} }

// driverLogger receives gosnowflake's log lines; nil discards them.
var (
	driverLogOnce sync.Once
	driverLogger  atomic.Pointer[slog.Logger]
)

// routeDriverLog sends gosnowflake's log lines (already masked of secrets
// by the driver's formatter) to l, the logger of the Warehouse opened
// last: the driver has one logger per process (sf.GetLogger, whose
// SetOutput v1.19.1 offers), which by default writes to stderr. A nil l
// leaves the previous destination; with none, the lines are discarded.
func routeDriverLog(l *slog.Logger) {
	driverLogOnce.Do(func() { sf.GetLogger().SetOutput(driverLogWriter{}) })
	if l != nil {
		driverLogger.Store(l)
	}
}

// driverLogWriter turns each line gosnowflake writes into a record.
type driverLogWriter struct{}

func (driverLogWriter) Write(p []byte) (int, error) {
	if l := driverLogger.Load(); l != nil {
		for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
			l.Warn("snowflakewarehouse: gosnowflake", "line", line)
		}
	}
	return len(p), nil
}
