package duckdbwarehouse

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/warehouse"
)

// parquetSuffix ends the keys loaded as Parquet rather than CSV.
const parquetSuffix = ".parquet"

// isParquet reports whether key is loaded as Parquet.
func isParquet(key string) bool { return strings.HasSuffix(key, parquetSuffix) }

// parquetColumn is a column of a Parquet file as read_parquet types it.
type parquetColumn struct{ name, typ string }

// loadParquetFile loads a Parquet file, inside the batch's transaction on
// a.conn, with read_parquet: from the Lander's own file when it is a
// [landing.LocalPather], else from a temporary copy. The file's columns
// must be the request's, by name in any order (a file with a column
// missing or an extra one is refused whole, wrapping [warehouse.ErrBadFile]);
// each row loads with _file the key and _line its row number plus one
// (file_row_number + 2: the line the row starts on in a CSV file of the
// same rows, whose header is line 1, so a row has the same _line whichever
// format landed it, and Snowflake's loader numbers it alike), every value as its text (CAST AS VARCHAR: a
// DECIMAL(14, 2) as "123.40", a DATE as YYYY-MM-DD), an empty string as
// NULL as in a CSV file. A row with a value no raw VARCHAR column can hold
// (a LIST, STRUCT, MAP or UNION value, bytes that are not UTF-8, a value
// with no text) is a reject, kept with that line, the column and the row
// as JSON.
func (w *Warehouse) loadParquetFile(ctx context.Context, a *appenders, req warehouse.LoadRequest, key string) (fr warehouse.FileResult, err error) {
	fr.Key = key
	path, done, err := parquetPath(ctx, req.Source, key)
	if err != nil {
		return fr, err
	}
	defer done()
	src := "read_parquet(" + sqlString(path) + ", file_row_number = true, hive_partitioning = false)"
	cols, err := describeParquet(ctx, a.conn, src, key)
	if err != nil {
		return fr, err
	}
	if err := checkParquetColumns(key, cols, req.Columns); err != nil {
		return fr, err
	}
	p := newParquetSelect(req.Columns, cols)
	rejects := p.insertRejects(req.Table, key, src)
	if fr.Loaded, err = execCount(ctx, a.conn, p.insertRows(req.Table, key, src), key); err != nil {
		return fr, err
	}
	fr.Parsed = fr.Loaded
	if rejects != "" { // some values may not fit: count the rows apart
		if err := queryInts(ctx, a.conn, "SELECT COUNT(*) FROM "+src, key, &fr.Parsed); err != nil {
			return fr, err
		}
		if fr.Rejected, err = execCount(ctx, a.conn, rejects, key); err != nil {
			return fr, err
		}
	}
	if fr.Rejected > 0 {
		q := `SELECT reason, line FROM ` + warehouse.RejectsTable + ` WHERE file = ` + sqlString(key) + ` ORDER BY line LIMIT 1`
		if err := queryFirstError(ctx, a.conn, q, key, &fr); err != nil {
			return fr, err
		}
	}
	if fr.Parsed != fr.Loaded+fr.Rejected {
		return fr, fmt.Errorf("duckdbwarehouse: load %s: internal error: parsed %d != loaded %d + rejected %d", key, fr.Parsed, fr.Loaded, fr.Rejected)
	}
	return fr, ctx.Err()
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
