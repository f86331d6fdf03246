package sfsql

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	// The DuckDB driver runs the translated statements.
	_ "github.com/duckdb/duckdb-go/v2"
)

// Engine is the SQL engine of the test server: one in-memory DuckDB
// database where every Snowflake database is an attached catalog, plus the
// stages, file formats, load metadata and COPY jobs kept in Go.
type Engine struct {
	opts Options
	log  *slog.Logger
	db   *sql.DB

	mu        sync.Mutex
	databases map[string]bool
	stages    map[string]*stage
	formats   map[string]*fileFormat
	loads     map[string]loadRecord
	jobs      map[string]*copyJob
	s3        *s3Reader
}

// Open starts an engine. opts.Dir must name an existing folder.
func Open(ctx context.Context, opts Options) (*Engine, error) {
	if opts.Dir == "" {
		return nil, errors.New("sfsql: Options.Dir is empty")
	}
	if st, err := os.Stat(opts.Dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("sfsql: stage root %q: not a folder: %w", opts.Dir, err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("sfsql: open duckdb: %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sfsql: open duckdb: %w", err)
	}
	e := &Engine{
		opts: opts, log: opts.Logger, db: db,
		databases: map[string]bool{}, stages: map[string]*stage{}, formats: map[string]*fileFormat{},
		loads: map[string]loadRecord{}, jobs: map[string]*copyJob{},
	}
	if e.log == nil {
		e.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.S3 != nil {
		e.s3 = newS3Reader(*opts.S3)
	}
	return e, nil
}

// Close closes the database. Sessions must be closed first.
func (e *Engine) Close() error {
	if err := e.db.Close(); err != nil {
		return fmt.Errorf("sfsql: close: %w", err)
	}
	return nil
}

// now is the engine's clock.
func (e *Engine) now() time.Time {
	if e.opts.Now != nil {
		return e.opts.Now()
	}
	return time.Now()
}

// ensureDatabase attaches an in-memory catalog for database name once.
func (e *Engine) ensureDatabase(ctx context.Context, conn *sql.Conn, name string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.databases[name] {
		return nil
	}
	if _, err := conn.ExecContext(ctx, "ATTACH IF NOT EXISTS ':memory:' AS "+quoteIdent(name)); err != nil {
		return fmt.Errorf("sfsql: create database %s: %w", name, err)
	}
	e.databases[name] = true
	return nil
}

// hasDatabase tells whether database name exists.
func (e *Engine) hasDatabase(name string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.databases[name]
}

// Session is one Snowflake session: its own DuckDB connection (so that
// BEGIN … COMMIT spans its statements), current database and schema,
// and the id of its last statement.
type Session struct {
	e    *Engine
	conn *sql.Conn

	database, schema, warehouse, role string
	lastQueryID                       string
	inTx                              bool
	atCommit                          []func()
	atRollback                        []func()
	params                            map[string]string
}

// NewSession opens a session whose current database and schema are
// database and schema (unquoted names are upper-cased; both are created
// when missing, since the test server has no separate account set-up).
func (e *Engine) NewSession(ctx context.Context, database, schema, warehouse, role string) (*Session, error) {
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("sfsql: new session: %w", err)
	}
	s := &Session{e: e, conn: conn, warehouse: warehouse, role: role, params: map[string]string{}}
	if database != "" {
		if err := s.use(ctx, normalizeName(database), normalizeName(schema)); err != nil {
			_ = conn.Close()
			return nil, err
		}
	}
	return s, nil
}

// normalizeName is a login name as Snowflake resolves it: upper-cased
// unless written in double quotes.
func normalizeName(n string) string {
	if len(n) >= 2 && n[0] == '"' && n[len(n)-1] == '"' {
		return n[1 : len(n)-1]
	}
	return upper(n)
}

// use makes database (and schema, PUBLIC when empty) current, creating
// them when missing.
func (s *Session) use(ctx context.Context, database, schema string) error {
	if schema == "" {
		schema = "PUBLIC"
	}
	if err := s.e.ensureDatabase(ctx, s.conn, database); err != nil {
		return err
	}
	ddl := "CREATE SCHEMA IF NOT EXISTS " + quoteIdent(database) + "." + quoteIdent(schema)
	if _, err := s.conn.ExecContext(ctx, ddl); err != nil {
		return fmt.Errorf("sfsql: create schema: %w", err)
	}
	if _, err := s.conn.ExecContext(ctx, "USE "+quoteIdent(database)+"."+quoteIdent(schema)); err != nil {
		return fmt.Errorf("sfsql: use: %w", err)
	}
	s.database, s.schema = database, schema
	return nil
}

// Close ends the session; an open transaction rolls back.
func (s *Session) Close() error {
	if s.inTx {
		_, _ = s.conn.ExecContext(context.Background(), "ROLLBACK")
		s.endTx(false)
	}
	if err := s.conn.Close(); err != nil {
		return fmt.Errorf("sfsql: close session: %w", err)
	}
	return nil
}

// Execute runs one statement with its bindings.
func (s *Session) Execute(ctx context.Context, query string, bindings []Binding) (*Result, error) {
	id := newUUID()
	res, err := s.execute(ctx, id, query, bindings)
	s.e.log.DebugContext(ctx, "sfsql", "query_id", id, "sql", query, "err", err)
	s.lastQueryID = id
	if err != nil {
		return nil, err
	}
	res.QueryID = id
	return res, nil
}

// execute lexes the statement, binds the values and runs its handler.
func (s *Session) execute(ctx context.Context, id, query string, bindings []Binding) (*Result, error) {
	toks, err := lex(query)
	if err != nil {
		return nil, err
	}
	toks, err = bind(query, toks, bindings)
	if err != nil {
		return nil, err
	}
	st := &stmt{sql: query, toks: toks, sig: significant(toks), id: id}
	if len(st.sig) > 0 && st.sig[len(st.sig)-1].isPunct(";") {
		st.sig = st.sig[:len(st.sig)-1]
	}
	if len(st.sig) == 0 {
		return nil, syntaxError(query, 0, "unexpected end of statement")
	}
	return findHandler(st.sig)(s, ctx, st)
}

// stmt is a statement being executed.
type stmt struct {
	sql  string
	toks []token // every token, bindings substituted
	sig  []token // the significant tokens, without a final semicolon
	id   string
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
