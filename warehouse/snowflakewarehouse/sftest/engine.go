package sftest

import (
	"context"
	"fmt"
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

// Binding is a bind value as the driver sends it: its Snowflake bind type
// ("TEXT", "FIXED", "REAL", "BOOLEAN", "DATE", "TIMESTAMP_NTZ", ...) and
// its text (nil: NULL).
type Binding struct {
	Type  string
	Value *string
}

// Result is the outcome of one statement.
type Result struct {
	// QueryID is the statement's query id; empty: the server makes one.
	QueryID string
	// StatementTypeID is Snowflake's statementTypeId (0x1000 for a
	// SELECT, 0x3000 to 0x3500 for DML, whose first row holds the counts).
	StatementTypeID int64
	// Columns describe the result's columns.
	Columns []Column
	// Rows hold the values in Snowflake's JSON result encoding (nil: NULL).
	Rows [][]*string
	// Upload, when not nil, makes the answer a file-transfer (PUT)
	// response.
	Upload *Upload
}

// Column describes a result column. Type is Snowflake's lower-case row type
// ("fixed", "text", "real", "boolean", "date", "time", "timestamp_ntz",
// "timestamp_ltz", "timestamp_tz").
type Column struct {
	Name                     string
	Type                     string
	Precision, Scale, Length int64
	Nullable                 bool
}

// Upload describes what a PUT asks the driver to copy: the source files
// and the local folder, StageDir, where the driver writes them.
type Upload struct {
	SourceLocations   []string
	StageDir          string
	AutoCompress      bool
	Overwrite         bool
	SourceCompression string
	Parallel          int
}

// Error is a Snowflake error: its code (for instance 1003 for a syntax
// error, 2003 for a missing object), SQL state and message.
type Error struct {
	Code     int
	SQLState string
	Message  string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("%06d (%s): %s", e.Code, e.SQLState, e.Message)
}
