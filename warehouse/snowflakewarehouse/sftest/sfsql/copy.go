package sfsql

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// loadMetadataTTL is how long load metadata keeps a file from being
// loaded again: "the load metadata expires after 64 days"
// (https://docs.snowflake.com/en/user-guide/data-load-considerations-load#loading-older-files).
const loadMetadataTTL = 64 * 24 * time.Hour

// loadRecord is the load metadata of one file in one table.
type loadRecord struct {
	md5 string
	at  time.Time
}

// rejected is one error of a COPY job, with VALIDATE's columns
// (https://docs.snowflake.com/en/sql-reference/functions/validate).
type rejected struct {
	err, file, category, sqlState, column, record string
	line, char, byteOffset, rowNumber, rowStart   int64
	code                                          int
}

// copyJob is a COPY's errors, kept for VALIDATE.
type copyJob struct {
	table     string
	session   *Session
	committed bool
	rejects   []rejected
}

// fileResult is a row of COPY's result.
type fileResult struct {
	name, status                     string
	parsed, loaded, limit, errorSeen int64
	first                            *rejected
}

// tableColumn is a column of the target table.
type tableColumn struct {
	name, typ string
	notNull   bool
}

// copyInto runs COPY INTO <table> FROM @stage
// (https://docs.snowflake.com/en/sql-reference/sql/copy-into-table).
func (s *Session) copyInto(ctx context.Context, st *stmt) (*Result, error) {
	o, err := s.parseCopy(st)
	if err != nil {
		return nil, err
	}
	table := s.qualifyParts(o.table)
	cols, err := s.tableColumns(ctx, table)
	if err != nil {
		return nil, err
	}
	files, err := s.copyFiles(ctx, o)
	if err != nil {
		return nil, err
	}
	job := &copyJob{table: table, session: s, committed: !s.inTx}
	var results []fileResult
	var loaded []stageFile
	for _, f := range files {
		if s.alreadyLoaded(table, o, f) {
			continue
		}
		fr, rows, rejects, err := s.loadFile(ctx, o, cols, table, f)
		if err != nil {
			return nil, err
		}
		job.rejects = append(job.rejects, rejects...)
		if o.onError == "ABORT_STATEMENT" && fr.first != nil {
			return nil, abortError(o, fr.first)
		}
		if fr.status != "LOAD_FAILED" {
			if err := s.insertRows(ctx, table, cols, rows); err != nil {
				return nil, err
			}
			loaded = append(loaded, f)
		}
		results = append(results, fr)
	}
	s.finishCopy(ctx, st.id, table, o, job, loaded)
	return copyResult(results), nil
}

// abortError is the error of ON_ERROR = ABORT_STATEMENT, worded as
// Snowflake's (the first error, where it is, and the hint).
func abortError(o *copyOptions, r *rejected) *Error {
	return execError(r.code, r.sqlState,
		"%s\n  File '%s', line %d, character %d\n  Row %d, column %s\n  If you would like to continue loading when an error is encountered, use other values such as 'SKIP_FILE' or 'CONTINUE' for the ON_ERROR option. For more information on loading options, please run 'info loading_data' in a SQL client.",
		r.err, r.file, r.line, r.char, r.rowNumber, r.column)
}

// finishCopy keeps the job for VALIDATE, records load metadata and purges
// the loaded files, each with the transaction as Options say.
func (s *Session) finishCopy(ctx context.Context, id, table string, o *copyOptions, job *copyJob, loaded []stageFile) {
	e := s.e
	e.mu.Lock()
	e.jobs[id] = job
	e.mu.Unlock()
	s.onCommit(func() { e.mu.Lock(); job.committed = true; e.mu.Unlock() })
	now := e.now()
	record := func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		for _, f := range loaded {
			e.loads[loadKey(table, o.stage, f.path)] = loadRecord{md5: f.md5, at: now}
		}
	}
	s.onCommit(record)
	if e.opts.LoadMetadataSurvivesRollback {
		s.onRollback(record)
	}
	if !o.purge {
		return
	}
	purge := func() {
		for _, f := range loaded {
			// "If the purge operation fails for any reason, no error is
			// returned currently" (COPY INTO <table>, PURGE).
			_ = s.removeFile(context.WithoutCancel(ctx), o.stage, f.path)
		}
	}
	if e.opts.PurgeAtCommit {
		s.onCommit(purge)
	} else {
		purge()
	}
}

// loadKey is the key of a file's load metadata in a table.
func loadKey(table string, sg *stage, p string) string { return table + "\x00" + sg.name + "\x00" + p }

// alreadyLoaded tells whether a file with the same checksum was loaded
// into the table in the last 64 days and FORCE is off: such a file is
// skipped and left out of the result ("COPY … skips files that were
// loaded before and have not changed": https://docs.snowflake.com/en/user-guide/data-load-considerations-load#load-metadata).
func (s *Session) alreadyLoaded(table string, o *copyOptions, f stageFile) bool {
	if o.force {
		return false
	}
	s.e.mu.Lock()
	defer s.e.mu.Unlock()
	rec, ok := s.e.loads[loadKey(table, o.stage, f.path)]
	return ok && rec.md5 == f.md5 && s.e.now().Sub(rec.at) < loadMetadataTTL
}

// copyFiles lists the files to load: FILES (relative to the FROM path),
// or every file under the path matching PATTERN. A listed file that does
// not exist is an error (assumed wording).
func (s *Session) copyFiles(ctx context.Context, o *copyOptions) ([]stageFile, error) {
	all, err := s.listFiles(ctx, o.stage, o.path, o.pattern)
	if err != nil {
		return nil, err
	}
	if o.files == nil {
		return all, nil
	}
	byPath := map[string]stageFile{}
	for _, f := range all {
		byPath[f.path] = f
	}
	var out []stageFile
	for _, name := range o.files {
		f, ok := byPath[cleanPath(o.path, name)]
		if !ok {
			return nil, execError(2, "22000", "Remote file '%s' was not found. There are several potential causes. The file might not exist. The required credentials may be missing or invalid.",
				displayName(o.stage, cleanPath(o.path, name)))
		}
		out = append(out, f)
	}
	return out, nil
}

// tableColumns reads the target table's columns.
func (s *Session) tableColumns(ctx context.Context, table string) ([]tableColumn, error) {
	parts := strings.SplitN(table, ".", 3)
	rows, err := s.conn.QueryContext(ctx, `SELECT column_name, data_type, is_nullable FROM information_schema.columns
		WHERE table_catalog = ? AND table_schema = ? AND table_name = ? ORDER BY ordinal_position`, parts[0], parts[1], parts[2])
	if err != nil {
		return nil, fromDuck(err)
	}
	defer func() { _ = rows.Close() }()
	var cols []tableColumn
	for rows.Next() {
		var c tableColumn
		var nullable string
		if err := rows.Scan(&c.name, &c.typ, &nullable); err != nil {
			return nil, fromDuck(err)
		}
		c.notNull = nullable == "NO"
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fromDuck(err)
	}
	if len(cols) == 0 {
		return nil, notExist("Table", table)
	}
	return cols, nil
}

// insertRows inserts rows of SQL literals, a thousand per statement.
func (s *Session) insertRows(ctx context.Context, table string, cols []tableColumn, rows [][]string) error {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = quoteIdent(c.name)
	}
	parts := strings.SplitN(table, ".", 3)
	head := "INSERT INTO " + quoteIdent(parts[0]) + "." + quoteIdent(parts[1]) + "." + quoteIdent(parts[2]) +
		" (" + strings.Join(names, ", ") + ") VALUES "
	for start := 0; start < len(rows); start += 1000 {
		var b strings.Builder
		b.WriteString(head)
		for i, r := range rows[start:min(start+1000, len(rows))] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + strings.Join(r, ", ") + ")")
		}
		if _, err := s.execSQL(ctx, b.String()); err != nil {
			return fmt.Errorf("sfsql: COPY insert: %w", err)
		}
	}
	return nil
}

// copyResult is COPY's result: a row per file with Snowflake's columns,
// or the single status "Copy executed with 0 files processed." when no
// file was loaded (assumed from Snowflake's behaviour, not documented).
func copyResult(results []fileResult) *Result {
	if len(results) == 0 {
		r := statusResult("Copy executed with 0 files processed.")
		r.StatementTypeID = StatementCopy
		return r
	}
	res := &Result{StatementTypeID: StatementCopy}
	for _, c := range []struct{ name, typ string }{
		{"file", "text"}, {"status", "text"}, {"rows_parsed", "fixed"}, {"rows_loaded", "fixed"},
		{"error_limit", "fixed"}, {"errors_seen", "fixed"}, {"first_error", "text"}, {"first_error_line", "fixed"},
		{"first_error_character", "fixed"}, {"first_error_column_name", "text"},
	} {
		col := Column{Name: c.name, Type: c.typ, Nullable: true, Precision: 19}
		if c.typ == "text" {
			col.Precision, col.Length = 0, 16777216
		}
		res.Columns = append(res.Columns, col)
	}
	for _, f := range results {
		row := strs(f.name, f.status, itoa(f.parsed), itoa(f.loaded), itoa(f.limit), itoa(f.errorSeen), "", "", "", "")
		if f.first != nil {
			*row[6], *row[7], *row[8], *row[9] = f.first.err, itoa(f.first.line), itoa(f.first.char), f.first.column
		} else {
			row[6], row[7], row[8], row[9] = nil, nil, nil, nil
		}
		res.Rows = append(res.Rows, row)
	}
	return res
}

// itoa formats an int64.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
