package sftest

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/edqm/edqm/warehouse/snowflakewarehouse/sftest/sfsql"
)

// Engine runs the SQL of the server's sessions. The default engine of [New]
// and [Start] is the DuckDB-backed engine of package sfsql; tests of the
// protocol layer may plug in their own through [Options.Engine].
type Engine interface {
	// NewSession opens a session whose current database, schema, warehouse
	// and role are the given ones (empty: none).
	NewSession(ctx context.Context, database, schema, warehouse, role string) (Session, error)
	// Close releases the engine. The server calls it only for the engine
	// it opened itself.
	Close() error
}

// Session runs the statements of one Snowflake session. The server calls
// Execute for one statement at a time, never concurrently.
type Session interface {
	// Execute runs one statement. An error of type *[Error] becomes
	// Snowflake's error response with its code and SQL state; any other
	// error is answered as an internal error.
	Execute(ctx context.Context, query string, bindings []Binding) (*Result, error)
	// Close ends the session.
	Close() error
}

// The engine's value types are those of package sfsql, so that an
// *sfsql.Session is a [Session] as it is.
type (
	// Binding is a bind value as the driver sends it: its Snowflake bind
	// type ("TEXT", "FIXED", "REAL", "BOOLEAN", "DATE", "TIMESTAMP_NTZ",
	// ...) and its text (nil: NULL).
	Binding = sfsql.Binding
	// Result is the outcome of one statement: query id, statementTypeId
	// (0x1000 for a SELECT, 0x3000 to 0x3500 for DML, whose first row
	// holds the counts), columns, rows in Snowflake's JSON encoding, and,
	// for PUT, the Upload to answer with a file-transfer response.
	Result = sfsql.Result
	// Column describes a result column; Type is Snowflake's lower-case
	// row type ("fixed", "text", "real", "boolean", "date", ...).
	Column = sfsql.Column
	// Upload describes what a PUT asks the driver to copy: the source
	// files and the local folder, StageDir, where the driver writes them.
	Upload = sfsql.Upload
	// Error is a Snowflake error: code (1003 syntax error, 2003 missing
	// object...), SQL state and message.
	Error = sfsql.Error
	// S3Options tell the default engine how to read external stages from
	// an S3-compatible server.
	S3Options = sfsql.S3Options
)

// sfsqlEngine makes an *sfsql.Engine an [Engine].
type sfsqlEngine struct{ e *sfsql.Engine }

// NewSession opens an sfsql session.
func (a sfsqlEngine) NewSession(ctx context.Context, database, schema, warehouse, role string) (Session, error) {
	s, err := a.e.NewSession(ctx, database, schema, warehouse, role)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Close closes the sfsql engine.
func (a sfsqlEngine) Close() error { return a.e.Close() }

// openDefaultEngine opens the sfsql engine on the stage folder, with the
// switches of opts.
func openDefaultEngine(ctx context.Context, opts sfsql.Options, stageDir string, s3 *S3Options, log *slog.Logger) (Engine, error) {
	opts.Dir, opts.S3, opts.Logger = stageDir, s3, log
	e, err := sfsql.Open(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("open sfsql: %w", err)
	}
	return sfsqlEngine{e}, nil
}

// An *sfsql.Session is a Session as it is.
var _ Session = (*sfsql.Session)(nil)
