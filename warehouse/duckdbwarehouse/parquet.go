package duckdbwarehouse

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/warehouse"
)

// parquetSuffix ends the keys loaded as Parquet rather than CSV.
const parquetSuffix = ".parquet"

// isParquet reports whether key is loaded as Parquet.
func isParquet(key string) bool { return strings.HasSuffix(key, parquetSuffix) }

// parquetColumn is a column of a Parquet file as read_parquet types it.
type parquetColumn struct{ name, typ string }

// parquetFile is a Parquet file of a batch, opened and checked, waiting
// for the INSERT of its group (see loadParquetGroup).
type parquetFile struct {
	at        int // its index in the batch's keys
	key, path string
	// sig is the file's Parquet schema and key-value metadata as its
	// footer gives them (or its columns as DuckDB types them, when Go
	// cannot read the footer): the files of one sig are read together.
	sig  string
	cols []parquetColumn
	rows int64
}

// parquetFiles opens and checks the Parquet files of a batch on conn,
// one at a time; the footer of each is read in Go, and DuckDB describes
// the first file of each schema.
type parquetFiles struct {
	conn  driver.Conn
	req   warehouse.LoadRequest
	bySig map[string][]parquetColumn // the columns of the schemas checked
	dones []func()
}

// prepare returns key's file: its local path (the Lander's own file when
// it is a [landing.LocalPather], else a temporary copy, removed by close),
// its schema, columns and rows. Its columns must be the request's by name
// in any order: a file with a column missing or an extra one is refused
// whole, wrapping [warehouse.ErrBadFile]. An error names the file, except
// a context error.
func (pf *parquetFiles) prepare(ctx context.Context, key string) (f parquetFile, err error) {
	f.key = key
	if err := ctx.Err(); err != nil {
		return f, err
	}
	path, done, err := parquetPath(ctx, pf.req.Source, key)
	if err != nil {
		return f, err
	}
	pf.dones = append(pf.dones, done)
	f.path = path
	if sig, rows, ok := parquetFooter(path); ok {
		f.sig, f.rows = sig, rows
	}
	cols, known := pf.bySig[f.sig]
	if !known || f.sig == "" {
		src := parquetSource([]string{f.path})
		if cols, err = describeParquet(ctx, pf.conn, src, key); err != nil {
			return f, err
		}
		if err := checkParquetColumns(key, cols, pf.req.Columns); err != nil {
			return f, err
		}
	}
	f.cols = cols
	if f.sig == "" { // Go could not read the footer, DuckDB can
		q := "SELECT CAST(COALESCE(SUM(num_rows), 0) AS BIGINT) FROM parquet_file_metadata(" + sqlString(f.path) + ")"
		if err := queryInts(ctx, pf.conn, q, key, &f.rows); err != nil {
			return f, err
		}
		var b strings.Builder
		for _, c := range cols {
			b.WriteString(c.name + "\x00" + c.typ + "\x00")
		}
		f.sig = "duckdb\x00" + b.String()
	}
	pf.bySig[f.sig] = cols
	return f, nil
}

// close removes the temporary copies.
func (pf *parquetFiles) close() {
	for _, done := range pf.dones {
		done()
	}
	pf.dones = nil
}

// parquetFooter reads the footer of the Parquet file at path: its schema
// and key-value metadata as text, and its rows; ok is false when it
// cannot be read.
func parquetFooter(path string) (sig string, rows int64, ok bool) {
	r, err := file.OpenParquetFile(path, false)
	if err != nil {
		return "", 0, false
	}
	defer r.Close()
	md := r.MetaData()
	var b strings.Builder
	b.WriteString("footer\x00")
	b.WriteString(md.Schema.String())
	kv := md.KeyValueMetadata()
	for i, k := range kv.Keys() {
		b.WriteString("\x00" + k + "=" + kv.Values()[i])
	}
	return b.String(), r.NumRows(), true
}

// parquetSource is the read_parquet of paths, with each row's number in
// its file.
func parquetSource(paths []string) string {
	quoted := make([]string, len(paths))
	for i, p := range paths {
		quoted[i] = sqlString(p)
	}
	return "read_parquet([" + strings.Join(quoted, ", ") + "], file_row_number = true, hive_partitioning = false)"
}

// errParquetGroup wraps the error of an INSERT that read several Parquet
// files at once: it cannot say which file failed, so the batch is rolled
// back and loaded again one Parquet file at a time (see loadChunk).
var errParquetGroup = errors.New("duckdbwarehouse: Parquet files read together")

// loadParquetGroup loads files, which share a signature, inside the
// batch's transaction on conn, with one INSERT … SELECT FROM read_parquet
// of them all, and sets their results in frs (by their index at). Each
// row loads with _file its key and _line its row number plus one
// (file_row_number + 2: the line the row starts on in a CSV file of the
// same rows, whose header is line 1, so a row has the same _line whichever
// format landed it, and Snowflake's loader numbers it alike), every value
// as its text (CAST AS VARCHAR: a DECIMAL(14, 2) as "123.40", a DATE as
// YYYY-MM-DD), an empty string as NULL as in a CSV file. A row with a
// value no raw VARCHAR column can hold (a LIST, STRUCT, MAP or UNION
// value, bytes that are not UTF-8, a value with no text) is a reject, kept
// with that line, the column and the row as JSON. When the files are
// more than one, an error of DuckDB's wraps errParquetGroup.
func loadParquetGroup(ctx context.Context, conn driver.Conn, req warehouse.LoadRequest, files []parquetFile, frs []warehouse.FileResult) error {
	paths := make([]string, len(files))
	keys := make([]string, len(files))
	var want int64
	for i, f := range files {
		paths[i], keys[i] = f.path, sqlString(f.key)
		want += f.rows
	}
	what := files[0].key
	if len(files) > 1 {
		what = fmt.Sprintf("%s and %d more Parquet files", files[0].key, len(files)-1)
	}
	src := parquetSource(paths)
	keyExpr := "([" + strings.Join(keys, ", ") + "])[CAST(file_index AS BIGINT) + 1]"
	p := newParquetSelect(req.Columns, files[0].cols)
	loaded, err := execCount(ctx, conn, p.insertRows(req.Table, keyExpr, src), what)
	var rejected int64
	if err == nil {
		rejected, err = execCount(ctx, conn, p.insertRejects(req.Table, keyExpr, src), what)
	}
	if err != nil {
		if len(files) > 1 && ctx.Err() == nil {
			return fmt.Errorf("%w: %w", errParquetGroup, err)
		}
		return err
	}
	byKey := make(map[string]*warehouse.FileResult, len(files))
	for _, f := range files {
		frs[f.at] = warehouse.FileResult{Key: f.key, Parsed: f.rows, Loaded: f.rows}
		byKey[f.key] = &frs[f.at]
	}
	if rejected > 0 {
		if err := countParquetRejects(ctx, conn, keys, byKey, what); err != nil {
			return err
		}
	}
	if loaded+rejected != want {
		return fmt.Errorf("duckdbwarehouse: load %s: internal error: %d rows loaded and %d rejected, want %d in all", what, loaded, rejected, want)
	}
	for _, f := range files {
		if fr := frs[f.at]; fr.Loaded < 0 {
			return fmt.Errorf("duckdbwarehouse: load %s: internal error: %d rejects of %d rows", f.key, fr.Rejected, fr.Parsed)
		}
	}
	return ctx.Err()
}

// countParquetRejects sets the rejects of each file of keys (quoted) in
// byKey: their count, the first one's reason and line.
func countParquetRejects(ctx context.Context, conn driver.Conn, keys []string, byKey map[string]*warehouse.FileResult, what string) error {
	q := `SELECT file, COUNT(*), arg_min(reason, line), MIN(line) FROM ` + warehouse.RejectsTable +
		` WHERE file IN (` + strings.Join(keys, ", ") + `) GROUP BY file`
	rows, err := conn.(driver.QueryerContext).QueryContext(ctx, q, nil)
	if err != nil {
		return fmt.Errorf("duckdbwarehouse: load %s: %w", what, sqlError("query", q, err))
	}
	defer rows.Close()
	v := make([]driver.Value, 4)
	for {
		if err := rows.Next(v); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("duckdbwarehouse: load %s: %w", what, sqlError("query", q, err))
		}
		key, _ := v[0].(string)
		fr := byKey[key]
		if fr == nil {
			return fmt.Errorf("duckdbwarehouse: load %s: internal error: rejects of %q", what, key)
		}
		fr.Rejected, _ = v[1].(int64)
		fr.FirstError, _ = v[2].(string)
		fr.FirstErrorLine, _ = v[3].(int64)
		fr.Loaded = fr.Parsed - fr.Rejected
	}
}

// parquetPath returns a local path of key's file, and what to call once
// it is read: the Lander's own path when it has one, else a temporary
// copy, which done removes.
func parquetPath(ctx context.Context, src landing.Lander, key string) (path string, done func(), err error) {
	if lp, ok := src.(landing.LocalPather); ok {
		if p, err := lp.LocalPath(key); err == nil {
			if _, err := os.Stat(p); err != nil {
				return "", nil, fmt.Errorf("duckdbwarehouse: load %s: %w", key, err)
			}
			return p, func() {}, nil
		}
	}
	body, err := src.Get(ctx, key)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return "", nil, ctx.Err()
		}
		return "", nil, fmt.Errorf("duckdbwarehouse: load %s: %w", key, err)
	}
	defer body.Close()
	f, err := os.CreateTemp("", "edqm-load-*.parquet")
	if err != nil {
		return "", nil, fmt.Errorf("duckdbwarehouse: load %s: a temporary copy: %w", key, err)
	}
	done = func() { _ = os.Remove(f.Name()) }
	_, err = io.Copy(f, body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		done()
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return "", nil, ctx.Err()
		}
		return "", nil, fmt.Errorf("duckdbwarehouse: load %s: reading it: %w", key, err)
	}
	return f.Name(), done, nil
}

// describeParquet returns the columns of a Parquet file, without
// file_row_number. A file DuckDB cannot read as Parquet is an error
// wrapping [warehouse.ErrBadFile].
func describeParquet(ctx context.Context, conn driver.Conn, src, key string) ([]parquetColumn, error) {
	rows, err := conn.(driver.QueryerContext).QueryContext(ctx, "DESCRIBE SELECT * FROM "+src, nil)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: %s: not a readable Parquet file: %w", warehouse.ErrBadFile, key, err)
	}
	defer rows.Close()
	var cols []parquetColumn
	vals := make([]driver.Value, len(rows.Columns()))
	for {
		if err := rows.Next(vals); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("duckdbwarehouse: load %s: describing it: %w", key, err)
		}
		name, _ := vals[0].(string)
		typ, _ := vals[1].(string)
		if name != "file_row_number" {
			cols = append(cols, parquetColumn{name, typ})
		}
	}
	return cols, nil
}

// checkParquetColumns checks that a file has the request's columns, by
// name (case-insensitive) in any order, and no other.
func checkParquetColumns(key string, got []parquetColumn, want []string) error {
	has := make(map[string]bool, len(got))
	for _, c := range got {
		has[strings.ToLower(c.name)] = true
	}
	for _, c := range want {
		if !has[strings.ToLower(c)] {
			return fmt.Errorf("%w: %s: no column %q (the file has %s)", warehouse.ErrBadFile, key, c, parquetNames(got))
		}
	}
	for _, c := range got {
		if !containsFold(want, c.name) {
			return fmt.Errorf("%w: %s: extra column %q, want the %d columns %s", warehouse.ErrBadFile, key, c.name, len(want), strings.Join(want, ","))
		}
	}
	return nil
}

// parquetNames lists the columns' names, comma-separated.
func parquetNames(cols []parquetColumn) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	return strings.Join(names, ",")
}

// containsFold reports whether list holds s, ignoring case.
func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// sqlString quotes s as a SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
