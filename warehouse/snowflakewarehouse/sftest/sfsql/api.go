package sfsql

import (
	"fmt"
	"log/slog"
	"time"
)

// Options configures an [Engine].
//
// The boolean fields switch behaviours that Snowflake's documentation
// leaves open ("assumed" in the package documentation); their zero value
// is the reading this package takes by default, so that the product can be
// tested under both readings.
type Options struct {
	// Dir is the root folder of the internal stages: one sub-folder per
	// stage. It must exist.
	Dir string
	// S3 is the S3-compatible server external stages are read through;
	// nil refuses COPY from an external stage.
	S3 *S3Options
	// Logger receives a debug line per statement; nil discards.
	Logger *slog.Logger

	// FileRowNumberCountsHeader makes METADATA$FILE_ROW_NUMBER count the
	// header line (PARSE_HEADER or SKIP_HEADER) as row 1. Assumed: the
	// documentation says "row number for each record in the staged data
	// file" without saying whether a header is a record; by default it is
	// not counted.
	FileRowNumberCountsHeader bool
	// FilenameFullPath makes METADATA$FILENAME of an external stage
	// include the path of the stage URL inside the bucket
	// (s3://bucket/prefix/ + key gives "prefix/key"). Assumed: by default
	// the name is relative to the stage URL, the way internal stages name
	// files. COPY's file column and VALIDATE's FILE are the full URL
	// either way, as LIST shows it.
	FilenameFullPath bool
	// ValidateHidesUncommitted makes VALIDATE refuse (as an unknown job) a
	// COPY whose transaction has not committed yet. Assumed: by default
	// VALIDATE sees it within its own session.
	ValidateHidesUncommitted bool
	// LoadMetadataSurvivesRollback keeps the load metadata of a COPY whose
	// transaction rolls back, so that a retry skips the files without
	// FORCE. Assumed: by default a rolled-back COPY leaves no load
	// metadata.
	LoadMetadataSurvivesRollback bool
	// PurgeAtCommit defers PURGE of a COPY inside a transaction to its
	// COMMIT (and drops it on ROLLBACK). Assumed: by default the files are
	// purged when the COPY statement ends, transaction or not.
	PurgeAtCommit bool
	// BareQuoteRejected makes a record with the enclosure character
	// inside a field that does not start with it (O4,C"4,1) a parse
	// error, so that COPY rejects the row. Assumed: by default the
	// character is data there, since FIELD_OPTIONALLY_ENCLOSED_BY
	// (https://docs.snowflake.com/en/sql-reference/sql/create-file-format)
	// describes enclosed fields only; DuckDB's reader rejects the row.
	BareQuoteRejected bool
	// Now is the clock of load metadata (its 64-day expiry) and of
	// CURRENT_TIMESTAMP-free bookkeeping; nil means time.Now.
	Now func() time.Time
}

// S3Options is the S3-compatible server that external stages
// (CREATE STAGE … URL = 's3://bucket/prefix/') are read through, with
// path-style addressing.
type S3Options struct {
	// Endpoint is the server's base URL, such as http://127.0.0.1:7070.
	Endpoint string
	// Region is the signing region; empty means us-east-1.
	Region string
	// AccessKeyID and SecretAccessKey sign the requests.
	AccessKeyID, SecretAccessKey string
}

// Binding is one value bound to a ? placeholder, as gosnowflake sends it.
type Binding struct {
	// Type is the bind type: "TEXT", "FIXED", "REAL", "BOOLEAN", "DATE",
	// "TIME", "TIMESTAMP_NTZ", "TIMESTAMP_LTZ", "TIMESTAMP_TZ", "BINARY".
	Type string
	// Value is the value as sent on the wire; nil is NULL.
	Value *string
}

// Result is the outcome of one statement.
type Result struct {
	// QueryID is the statement's id, a UUID. LAST_QUERY_ID() in the same
	// session returns the previous statement's.
	QueryID string
	// StatementTypeID is Snowflake's statementTypeId as gosnowflake reads
	// it: [StatementSelect] for queries, the DML range for INSERT, UPDATE,
	// DELETE and MERGE (so that Exec's RowsAffected sums the first row).
	StatementTypeID int64
	// Columns describes the result's columns.
	Columns []Column
	// Rows holds each value in Snowflake's JSON result encoding for its
	// column's type; nil is NULL.
	Rows [][]*string
	// Upload is set for PUT: the protocol layer answers with a
	// file-transfer response and the driver copies the files itself.
	Upload *Upload
}

// Column describes one result column, as Snowflake's rowtype does.
type Column struct {
	// Name is the column's name.
	Name string
	// Type is the lower-case rowtype: "fixed", "text", "real", "boolean",
	// "date", "time", "timestamp_ntz", "timestamp_ltz", "timestamp_tz",
	// "binary", "variant".
	Type string
	// Precision and Scale describe fixed (and the fractional seconds of
	// time types in Scale); Length is the maximum length of text.
	Precision, Scale, Length int64
	// Nullable tells whether the column may hold NULL.
	Nullable bool
}

// Upload describes a PUT for the protocol layer's file-transfer response.
type Upload struct {
	// SourceLocations are the local paths of the PUT command (the driver
	// parses them itself too).
	SourceLocations []string
	// StageDir is the absolute local folder (stage root + path in the PUT
	// target) the driver writes the files to.
	StageDir string
	// AutoCompress, Overwrite, SourceCompression and Parallel are the PUT
	// options (defaults TRUE, FALSE, "AUTO_DETECT", 4).
	AutoCompress, Overwrite bool
	SourceCompression       string
	Parallel                int
}

// Error is a Snowflake error: its code, SQL state and message, as the
// protocol layer returns them.
type Error struct {
	// Code is Snowflake's error number, such as 1003 or 2003.
	Code int
	// SQLState is the five-character SQL state.
	SQLState string
	// Message is the error's text.
	Message string
}

// Error renders the error the way gosnowflake prints a SnowflakeError.
func (e *Error) Error() string {
	return fmt.Sprintf("%06d (%s): %s", e.Code, e.SQLState, e.Message)
}

// Snowflake's statement type ids, as gosnowflake (connection.go) groups
// them: 0x1000 is a query, 0x3000 to 0x3500 is DML.
const (
	// StatementSelect is a query (SELECT, SHOW, DESCRIBE, LIST, CALL…).
	StatementSelect int64 = 0x1000
	// StatementDML is the base of the DML range.
	StatementDML int64 = 0x3000
	// StatementInsert is an INSERT (Snowflake's id).
	StatementInsert int64 = 0x3100
	// StatementUpdate is an UPDATE.
	StatementUpdate int64 = 0x3200
	// StatementDelete is a DELETE.
	StatementDelete int64 = 0x3300
	// StatementMerge is a MERGE.
	StatementMerge int64 = 0x3400
	// StatementCopy is COPY INTO a table: not DML for gosnowflake, whose
	// Query reads the per-file result rows.
	StatementCopy int64 = 0x3600
	// StatementDDL is any other statement (CREATE, ALTER, DROP, USE,
	// transactions, PUT…): gosnowflake reports no affected rows.
	StatementDDL int64 = 0x6000
)
