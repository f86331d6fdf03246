package sfsql

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
)

// loadParquet loads a staged file of a Parquet file format (FILE_FORMAT =
// (TYPE = PARQUET)), which DuckDB reads with read_parquet. Emulated from
// https://docs.snowflake.com/en/sql-reference/sql/copy-into-table:
//
//   - MATCH_BY_COLUMN_NAME loads each table column from the file's column
//     of the same name (CASE_INSENSITIVE ignoring case); a table column
//     the file lacks is NULL and a file column the table lacks is not
//     loaded ("If additional non-matching columns are present in the data
//     files, the values in these columns are not loaded");
//   - without it, a Parquet file loads into a table of one column only
//     (assumed: the page says Parquet "can produce one and only one column
//     of type variant, object or array" without a transformation), refused
//     here;
//   - INCLUDE_METADATA as for CSV; METADATA$FILE_ROW_NUMBER counts the
//     file's rows from 1 (assumed, as for CSV without a header);
//   - each value is converted to its column's type from its text (DuckDB's
//     CAST AS VARCHAR: a DECIMAL(14, 2) as "123.40", a DATE as YYYY-MM-DD);
//     a value that does not convert rejects its row, as for CSV (assumed:
//     the reasons are the CSV ones).
func (s *Session) loadParquet(ctx context.Context, o *copyOptions, cols []tableColumn, table string, f stageFile, data []byte) (fileResult, [][]string, []rejected, error) {
	if o.match == "" {
		return fileResult{}, nil, nil, compileError(codeNotSupported, "0A000", "a PARQUET file loads into several columns only with MATCH_BY_COLUMN_NAME or a transformation")
	}
	tmp, err := os.CreateTemp("", "sfsql-*.parquet")
	if err != nil {
		return fileResult{}, nil, nil, err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fileResult{}, nil, nil, err
	}
	src := "read_parquet(" + quoteLiteral(tmp.Name()) + ", file_row_number = true, hive_partitioning = false)"
	names, err := s.parquetNames(ctx, src)
	if err != nil {
		return fileResult{}, nil, nil, execError(100152, "22000", "Error parsing the parquet file: %v File '%s'", err, f.path)
	}
	l := &fileLoad{s: s, o: o, cols: cols, table: table, file: f, name: displayName(o.stage, f.path)}
	l.mapColumns(names)
	texts := make([]string, len(names))
	for i, n := range names {
		texts[i] = "CAST(" + quoteIdent(n) + " AS VARCHAR)"
	}
	q := "SELECT " + strings.Join(append(texts, "file_row_number"), ", ") + " FROM " + src + " ORDER BY file_row_number"
	rows, err := s.conn.QueryContext(ctx, q)
	if err != nil {
		return fileResult{}, nil, nil, execError(100152, "22000", "Error parsing the parquet file: %v File '%s'", err, f.path)
	}
	defer rows.Close()
	vals := make([]sql.NullString, len(names)+1)
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fileResult{}, nil, nil, err
		}
		l.parsed++
		l.parquetRow(vals[:len(names)])
	}
	if err := rows.Err(); err != nil {
		return fileResult{}, nil, nil, execError(100152, "22000", "Error parsing the parquet file: %v File '%s'", err, f.path)
	}
	return l.result(), l.rows, l.rejects, nil
}

// parquetNames returns the columns of a Parquet file but file_row_number.
func (s *Session) parquetNames(ctx context.Context, src string) ([]string, error) {
	rows, err := s.conn.QueryContext(ctx, "DESCRIBE SELECT * FROM "+src)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		if n := fmt.Sprint(vals[0]); n != "file_row_number" {
			names = append(names, n)
		}
	}
	return names, rows.Err()
}

// parquetRow converts one row of a Parquet file into a row of the table,
// or a rejection.
func (l *fileLoad) parquetRow(vals []sql.NullString) {
	text := make([]string, len(vals))
	for i, v := range vals {
		text[i] = v.String
	}
	rec := csvRecord{line: int(l.parsed), text: strings.Join(text, ",")}
	row := make([]string, len(l.cols))
	for i, c := range l.cols {
		var v *string
		switch src := l.sources[i]; {
		case src == -2:
			row[i] = l.metadata(l.meta[i])
			continue
		case src >= 0 && src < len(vals) && vals[src].Valid:
			v = &vals[src].String
		}
		lit, cerr := convertValue(v, c)
		if cerr != nil {
			l.reject(rec, cerr.msg, cerr.code, cerr.state, "conversion", 1, l.sources[i]+1)
			return
		}
		row[i] = lit
	}
	l.rows = append(l.rows, row)
}
