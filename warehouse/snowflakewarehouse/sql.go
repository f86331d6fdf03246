package snowflakewarehouse

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/edqm/edqm/warehouse"
)

// ident renders an identifier already checked with warehouse.ValidIdent as
// Snowflake stores an unquoted one: upper case. It is quoted so that
// reserved words (ORDER, SELECT) work as column names, and it still
// matches the same name written unquoted in a model.
func ident(name string) string { return `"` + strings.ToUpper(name) + `"` }

// qualified renders database.schema.name.
func qualified(cfg *Config, name string) string {
	return ident(cfg.Database) + "." + ident(cfg.Schema) + "." + ident(name)
}

// literal renders s as a Snowflake string literal. Backslash is an escape
// character in Snowflake strings, so it is doubled, like the quote.
func literal(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(s) + "'"
}

// literalList renders 'a', 'b', 'c'.
func literalList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = literal(s)
	}
	return strings.Join(q, ", ")
}

// Statement is one set-up statement.
type Statement struct {
	// Comment says what the statement is for.
	Comment string
	// SQL is the statement, without a trailing semicolon.
	SQL string
}

// SetupSQL returns the set-up statements of mode for cfg, in the order
// they run: the original pipeline's snowflake_sql scripts as code. Every
// statement can run again, by any role with the CREATE privileges:
// CREATE ... IF NOT EXISTS. With cfg.Replace, the file format and the
// external stage are replaced instead (CREATE OR REPLACE), so that they
// follow this version's definition and cfg.S3.URL: that needs OWNERSHIP
// of them (https://docs.snowflake.com/en/sql-reference/sql/create-file-format,
// https://docs.snowflake.com/en/sql-reference/sql/create-stage: OR REPLACE
// drops the object, which only its owner may do).
//
// [SetupAll] starts with the account-level statements: the virtual
// warehouse (when cfg names one), the database, the schema, and, with an
// [S3Stage] whose AWSRoleARN is set, the storage integration and its
// grant to cfg.Role. [SetupSchema] and SetupAll then create, in the
// schema: the file format, the internal stage, the external stage (with
// an S3Stage), the ledger and the rejects table. [SetupNone] returns
// nothing.
func SetupSQL(cfg *Config, mode SetupMode) ([]Statement, error) {
	c, err := cfg.objects()
	if err != nil {
		return nil, err
	}
	var out []Statement
	create := "CREATE FILE FORMAT IF NOT EXISTS "
	createStage := "CREATE STAGE IF NOT EXISTS "
	if c.Replace {
		create, createStage = "CREATE OR REPLACE FILE FORMAT ", "CREATE OR REPLACE STAGE "
	}
	add := func(comment, sql string) { out = append(out, Statement{Comment: comment, SQL: sql}) }
	if mode == SetupNone {
		return nil, nil
	}
	if mode == SetupAll {
		if c.Warehouse != "" {
			add("The virtual warehouse that runs EDQM's statements: the smallest size, suspended after a minute idle.",
				"CREATE WAREHOUSE IF NOT EXISTS "+ident(c.Warehouse)+
					" WITH WAREHOUSE_SIZE = 'XSMALL' AUTO_SUSPEND = 60 AUTO_RESUME = TRUE INITIALLY_SUSPENDED = TRUE")
		}
		add("The database and the schema of the raw tables, the models and EDQM's ledger.",
			"CREATE DATABASE IF NOT EXISTS "+ident(c.Database))
		add("", "CREATE SCHEMA IF NOT EXISTS "+ident(c.Database)+"."+ident(c.Schema))
		if c.S3 != nil && c.S3.AWSRoleARN != "" {
			add("The storage integration: Snowflake reads the landing bucket by assuming this IAM role, without keys.\n"+
				"Afterwards, DESC INTEGRATION "+ident(c.S3.Integration)+" gives STORAGE_AWS_IAM_USER_ARN and\n"+
				"STORAGE_AWS_EXTERNAL_ID for the role's trust policy.",
				"CREATE STORAGE INTEGRATION IF NOT EXISTS "+ident(c.S3.Integration)+
					" TYPE = EXTERNAL_STAGE STORAGE_PROVIDER = 'S3' ENABLED = TRUE"+
					" STORAGE_AWS_ROLE_ARN = "+literal(c.S3.AWSRoleARN)+
					" STORAGE_ALLOWED_LOCATIONS = ("+literal(c.S3.URL)+")")
			if c.Role != "" {
				add("", "GRANT USAGE ON INTEGRATION "+ident(c.S3.Integration)+" TO ROLE "+ident(c.Role))
			}
		}
	}
	add("The CSV format of every load: the header names the columns (checked before loading), a row with\n"+
		"another number of fields is rejected, an empty field (quoted or not) is NULL, blank lines are skipped,\n"+
		"backslashes are data.",
		create+qualified(c, FileFormat)+
			" TYPE = CSV FIELD_DELIMITER = ',' PARSE_HEADER = TRUE FIELD_OPTIONALLY_ENCLOSED_BY = '\"'"+
			" ESCAPE = NONE ESCAPE_UNENCLOSED_FIELD = NONE EMPTY_FIELD_AS_NULL = TRUE NULL_IF = ('')"+
			" ERROR_ON_COLUMN_COUNT_MISMATCH = TRUE SKIP_BLANK_LINES = TRUE TRIM_SPACE = FALSE ENCODING = 'UTF8'"+
			" COMPRESSION = AUTO")
	add("The internal stage: files from a local folder (or any Lander) are uploaded here with PUT.",
		"CREATE STAGE IF NOT EXISTS "+qualified(c, InternalStage)+
			" COMMENT = 'EDQM: landed files uploaded for COPY INTO; loaded files are purged'")
	if c.S3 != nil {
		add("The external stage over the landing bucket: COPY INTO reads the files where they landed.",
			createStage+qualified(c, ExternalStage)+
				" URL = "+literal(c.S3.URL)+" STORAGE_INTEGRATION = "+ident(c.S3.Integration)+
				" COMMENT = 'EDQM: the landing root in S3'")
	}
	add("The load ledger: one row per file loaded (Snowflake's own load metadata expires after 64 days).",
		"CREATE TABLE IF NOT EXISTS "+qualified(c, warehouse.LedgerTable)+
			" (\"FILE\" VARCHAR, \"TABLE_NAME\" VARCHAR, \"ROWS_PARSED\" NUMBER(38, 0), \"ROWS_LOADED\" NUMBER(38, 0),"+
			" \"ROWS_REJECTED\" NUMBER(38, 0), \"LOADED_AT\" TIMESTAMP_NTZ, PRIMARY KEY (\"FILE\"))")
	add("Rejected rows, with their file, line and reason (from VALIDATE).",
		"CREATE TABLE IF NOT EXISTS "+qualified(c, warehouse.RejectsTable)+
			" (\"TABLE_NAME\" VARCHAR, \"FILE\" VARCHAR, \"LINE\" NUMBER(38, 0), \"REASON\" VARCHAR, \"RAW\" VARCHAR)")
	return out, nil
}

// Script renders statements as a SQL script: each statement after its
// comment, ending with a semicolon.
func Script(stmts []Statement) string {
	var b strings.Builder
	for i, s := range stmts {
		if i > 0 && s.Comment != "" {
			b.WriteString("\n")
		}
		for _, line := range strings.Split(s.Comment, "\n") {
			if line != "" {
				b.WriteString("-- " + line + "\n")
			}
		}
		b.WriteString(s.SQL + ";\n")
	}
	return b.String()
}

// createRawTableSQL creates a raw table: the file's columns as VARCHAR,
// then _FILE and _LINE.
func createRawTableSQL(table string, columns []string) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE IF NOT EXISTS " + ident(table) + " (")
	for _, c := range columns {
		b.WriteString(ident(c) + " VARCHAR, ")
	}
	b.WriteString(`"_FILE" VARCHAR, "_LINE" NUMBER(38, 0))`)
	return b.String()
}

// rawColumnsSQL lists a table's columns in the current schema.
const rawColumnsSQL = `SELECT COLUMN_NAME, DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS
WHERE TABLE_SCHEMA = CURRENT_SCHEMA() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`

// ledgerFilesSQL lists the files in the ledger.
var ledgerFilesSQL = `SELECT "FILE" FROM ` + ident(warehouse.LedgerTable)

// ensureMetaSQL creates the ledger and the rejects table when missing, in
// the current schema (for warehouses opened with SetupNone or by New on a
// schema set up elsewhere).
var ensureMetaSQL = []string{
	"CREATE TABLE IF NOT EXISTS " + ident(warehouse.LedgerTable) +
		` ("FILE" VARCHAR, "TABLE_NAME" VARCHAR, "ROWS_PARSED" NUMBER(38, 0), "ROWS_LOADED" NUMBER(38, 0),` +
		` "ROWS_REJECTED" NUMBER(38, 0), "LOADED_AT" TIMESTAMP_NTZ, PRIMARY KEY ("FILE"))`,
	"CREATE TABLE IF NOT EXISTS " + ident(warehouse.RejectsTable) +
		` ("TABLE_NAME" VARCHAR, "FILE" VARCHAR, "LINE" NUMBER(38, 0), "REASON" VARCHAR, "RAW" VARCHAR)`,
}

// putSQL uploads a local file to the internal stage, in the folder of its
// key, so that the staged path is the key. The file keeps its name
// (AUTO_COMPRESS = FALSE), which must be the key's base name. The URI is
// quoted, as the documentation asks for paths with spaces or special
// characters, and a Windows path is written file://C:/dir/file, with
// forward slashes (https://docs.snowflake.com/en/sql-reference/sql/put).
func putSQL(localPath, key string) string {
	dir := path.Dir(key)
	loc := "@" + InternalStage + "/"
	if dir != "." {
		loc += dir + "/"
	}
	return "PUT " + literal(fileURI(localPath)) + " " + literal(loc) +
		" AUTO_COMPRESS = FALSE OVERWRITE = TRUE"
}

// windowsPathRE matches a path starting with a drive letter.
var windowsPathRE = regexp.MustCompile(`^[A-Za-z]:[\\/]`)

// fileURI renders a local path as PUT's file:// URI: file:///tmp/x on
// Unix, file://C:/temp/x for a Windows path (backslashes made slashes).
func fileURI(p string) string {
	if windowsPathRE.MatchString(p) {
		return "file://" + strings.ReplaceAll(p, `\`, "/")
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return "file://" + p
}

// inList renders the keys for IN (...).
func inList(keys []string) string { return "(" + literalList(keys) + ")" }

// deleteFilesSQL removes everything of files about to be reloaded.
func deleteFilesSQL(table string, keys []string) []string {
	in := inList(keys)
	return []string{
		"DELETE FROM " + ident(table) + ` WHERE "_FILE" IN ` + in,
		"DELETE FROM " + ident(warehouse.RejectsTable) + ` WHERE "FILE" IN ` + in,
		"DELETE FROM " + ident(warehouse.LedgerTable) + ` WHERE "FILE" IN ` + in,
	}
}

// copySQL loads files from a stage into a raw table. The columns are
// matched by the header's names (MATCH_BY_COLUMN_NAME, which needs the
// file format's PARSE_HEADER), _FILE and _LINE come from the file's
// metadata (INCLUDE_METADATA), and bad rows are skipped and counted
// (ON_ERROR = CONTINUE). No SELECT transforms the data: VALIDATE refuses
// COPY statements that transform, and a transforming COPY would ignore
// ERROR_ON_COLUMN_COUNT_MISMATCH. Files uploaded to the internal stage are
// purged once loaded; files of the external stage are the landing area
// and stay.
//
// FORCE = TRUE always: the ledger decides which files are loaded (Load
// never sends one the ledger has), not Snowflake's load metadata, which
// skips a file loaded in the last 64 days, and one whose load status is
// unknown (older than 64 days) unless LOAD_UNCERTAIN_FILES; FORCE loads
// "all files, regardless of whether they've been loaded previously"
// (https://docs.snowflake.com/en/sql-reference/sql/copy-into-table,
// https://docs.snowflake.com/en/user-guide/data-load-considerations-load).
// The ledger and the batch's transaction prevent a double load.
//
// Documented: MATCH_BY_COLUMN_NAME with PARSE_HEADER for CSV, and
// INCLUDE_METADATA only with MATCH_BY_COLUMN_NAME (copy-into-table).
// Not documented: whether ERROR_ON_COLUMN_COUNT_MISMATCH then compares a
// row's fields with the header or with the table (which has _FILE and
// _LINE more): Load checks COPY's counts against its own scan of the file
// (see fileScan) and fails rather than keep a row with a wrong number of
// fields.
func copySQL(table, stage string, keys []string) string {
	var b strings.Builder
	b.WriteString("COPY INTO " + ident(table) + "\n")
	b.WriteString("FROM @" + stage + "\n")
	b.WriteString("FILES = (" + literalList(keys) + ")\n")
	b.WriteString("FILE_FORMAT = (FORMAT_NAME = " + FileFormat + ")\n")
	b.WriteString("MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE\n")
	b.WriteString("INCLUDE_METADATA = (_FILE = METADATA$FILENAME, _LINE = METADATA$FILE_ROW_NUMBER)\n")
	b.WriteString("ON_ERROR = CONTINUE\n")
	b.WriteString("FORCE = TRUE\n")
	fmt.Fprintf(&b, "PURGE = %s", map[bool]string{true: "TRUE", false: "FALSE"}[stage == InternalStage])
	return b.String()
}

// lastQueryIDSQL returns the id of the session's previous statement: the
// COPY, for VALIDATE.
const lastQueryIDSQL = "SELECT LAST_QUERY_ID()"

// normalizeFilesSQL names the rows just loaded by their keys: _FILE is
// METADATA$FILENAME, which the documentation describes as "the full path"
// (https://docs.snowflake.com/en/user-guide/querying-metadata) without
// saying whether that includes the stage's URL or prefix. A name that
// ends with "/key" becomes the key, as keyMatcher matches COPY's file
// names. Rows of files already in the ledger are left alone: their _FILE
// is a key already (one may end with another key of this batch).
func normalizeFilesSQL(table string, keys []string) string {
	t := ident(table)
	return "UPDATE " + t + ` SET "_FILE" = k.FILE_KEY` + "\n" +
		"FROM (SELECT column1 AS FILE_KEY FROM VALUES " + valuesList(keys) + ") AS k\n" +
		"WHERE " + t + `."_FILE" <> k.FILE_KEY AND ENDSWITH(` + t + `."_FILE", '/' || k.FILE_KEY)` + "\n" +
		"AND " + t + `."_FILE" NOT IN (SELECT "FILE" FROM ` + ident(warehouse.LedgerTable) + ")"
}

// valuesList renders ('a'), ('b') for VALUES.
func valuesList(keys []string) string {
	values := make([]string, len(keys))
	for i, k := range keys {
		values[i] = "(" + literal(k) + ")"
	}
	return strings.Join(values, ", ")
}

// fileStatsSQL counts each key's rows and their smallest and largest
// _LINE (still METADATA$FILE_ROW_NUMBER).
func fileStatsSQL(table string, keys []string) string {
	return `SELECT "_FILE", COUNT(*), MIN("_LINE"), MAX("_LINE") FROM ` + ident(table) +
		` WHERE "_FILE" IN ` + inList(keys) + ` GROUP BY "_FILE"`
}

// movedPerUpdate bounds the VALUES rows of one moveLinesSQL.
const movedPerUpdate = 1000

// moveLinesSQL sets the lines of a file's rows whose record does not start
// on line firstDataLine + index (their _LINE after fixLinesSQL).
func moveLinesSQL(table, key string, moved []movedRecord) string {
	t := ident(table)
	pairs := make([]string, len(moved))
	for i, m := range moved {
		pairs[i] = fmt.Sprintf("(%d, %d)", firstDataLine+m.index, m.line)
	}
	return "UPDATE " + t + ` SET "_LINE" = m.LINE_TO` + "\n" +
		"FROM (SELECT column1 AS LINE_FROM, column2 AS LINE_TO FROM VALUES " + strings.Join(pairs, ", ") + ") AS m\n" +
		"WHERE " + t + `."_FILE" = ` + literal(key) + " AND " + t + `."_LINE" = m.LINE_FROM`
}

// dropLinesSQL removes a file's rows at the given lines.
func dropLinesSQL(table, key string, lines []string) string {
	return "DELETE FROM " + ident(table) + ` WHERE "_FILE" = ` + literal(key) + ` AND "_LINE" IN (` + strings.Join(lines, ", ") + ")"
}

// fixLinesSQL turns the row numbers of the files just loaded into lines.
func fixLinesSQL(table string, keys []string, offset int64) string {
	return "UPDATE " + ident(table) + fmt.Sprintf(` SET "_LINE" = "_LINE" + %d WHERE "_FILE" IN `, offset) + inList(keys)
}

// rejectRow is a rejected row found by the scan.
type rejectRow struct {
	file, reason, raw string
	line              int64
}

// rejectsPerInsert bounds the rows (5 bindings each) of one INSERT.
const rejectsPerInsert = 200

// insertRejectsSQL inserts rejected rows, their text as bindings.
func insertRejectsSQL(table string, rows []rejectRow) (string, []any) {
	ph := make([]string, len(rows))
	args := make([]any, 0, 5*len(rows))
	for i, r := range rows {
		ph[i] = "(?, ?, ?, ?, ?)"
		args = append(args, table, r.file, r.line, r.reason, r.raw)
	}
	return "INSERT INTO " + ident(warehouse.RejectsTable) + ` ("TABLE_NAME", "FILE", "LINE", "REASON", "RAW") VALUES ` +
		strings.Join(ph, ", "), args
}

// rejectsSQL keeps the rows a COPY rejected that the scan did not
// explain: VALIDATE returns every error of the job
// (https://docs.snowflake.com/en/sql-reference/functions/validate; it
// refuses a COPY that transforms, and says nothing of INCLUDE_METADATA or
// of a COPY not yet committed, which Load's check covers), with its file (named as the stage sees it, so it is matched
// to the key it ends with), the line the record starts on, the reason and
// the record's text.
func rejectsSQL(table, queryID string, keys []string) string {
	return "INSERT INTO " + ident(warehouse.RejectsTable) + ` ("TABLE_NAME", "FILE", "LINE", "REASON", "RAW")` + "\n" +
		"SELECT " + literal(table) + ", k.FILE_KEY, COALESCE(v.ROW_START_LINE, v.LINE), v.ERROR, v.REJECTED_RECORD\n" +
		"FROM TABLE(VALIDATE(" + ident(table) + ", JOB_ID => " + literal(queryID) + ")) AS v\n" +
		"JOIN (SELECT column1 AS FILE_KEY FROM VALUES " + valuesList(keys) + ") AS k\n" +
		"ON v.FILE = k.FILE_KEY OR ENDSWITH(v.FILE, '/' || k.FILE_KEY)"
}

// ledgerSQL records the files loaded.
func ledgerSQL(table string, files []warehouse.FileResult, loadedAt time.Time) string {
	rows := make([]string, len(files))
	at := literal(loadedAt.UTC().Format("2006-01-02 15:04:05.000000"))
	for i, f := range files {
		rows[i] = fmt.Sprintf("(%s, %s, %d, %d, %d, %s)", literal(f.Key), literal(table), f.Parsed, f.Loaded, f.Rejected, at)
	}
	return "INSERT INTO " + ident(warehouse.LedgerTable) +
		` ("FILE", "TABLE_NAME", "ROWS_PARSED", "ROWS_LOADED", "ROWS_REJECTED", "LOADED_AT") VALUES` + "\n" +
		strings.Join(rows, ",\n")
}

// tableExistsSQL counts the tables and views named (case-insensitively)
// in the current schema.
const tableExistsSQL = `SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES
WHERE TABLE_SCHEMA = CURRENT_SCHEMA() AND UPPER(TABLE_NAME) = UPPER(?)`
