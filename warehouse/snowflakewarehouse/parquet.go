package snowflakewarehouse

import (
	"fmt"
	"io"
	"strings"

	"github.com/edqm/edqm/landing/parquetfile"
	"github.com/edqm/edqm/warehouse"
)

// isParquet reports whether key is loaded as a Parquet file.
func isParquet(key string) bool { return strings.HasSuffix(key, "."+parquetfile.Extension) }

// checkFormats refuses a request whose keys mix CSV and Parquet files:
// one COPY reads one file format.
func checkFormats(table string, keys []string) error {
	for _, k := range keys {
		if isParquet(k) != isParquet(keys[0]) {
			return fmt.Errorf("%s: load into %s: %s and %s: one load reads CSV or Parquet files, not both", pkg, table, keys[0], k)
		}
	}
	return nil
}

// scanAny scans a CSV file with scanFile, and a Parquet file with
// scanParquet.
func scanAny(key string, r io.Reader, want []string) (*fileScan, error) {
	if isParquet(key) {
		return scanParquet(key, r, want)
	}
	return scanFile(key, r, want)
}

// scanParquet reads a Parquet file's footer: its columns must be want's
// by name, ignoring case, in any order (as MATCH_BY_COLUMN_NAME =
// CASE_INSENSITIVE matches them, and as DuckDB's loader checks them), or
// the file is refused with an error wrapping warehouse.ErrBadFile; its
// rows are its records, all well-formed, row n numbered as a CSV file's
// record on line n + 1 would be (fixFilesAndLines gives it _LINE n + 1,
// as DuckDB's loader does).
func scanParquet(key string, r io.Reader, want []string) (*fileScan, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	got, rows, err := parquetfile.Inspect(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", warehouse.ErrBadFile, key, err)
	}
	for _, c := range want {
		if !containsFold(got, c) {
			return nil, fmt.Errorf("%w: %s: no column %q (the file has %s)", warehouse.ErrBadFile, key, c, strings.Join(got, ","))
		}
	}
	for _, c := range got {
		if !containsFold(want, c) {
			return nil, fmt.Errorf("%w: %s: extra column %q, want the %d columns %s", warehouse.ErrBadFile, key, c, len(want), strings.Join(want, ","))
		}
	}
	return &fileScan{records: rows, firstGood: 0, lastGood: rows - 1, size: int64(len(data))}, nil
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

// copySQLFor is copySQL for CSV keys, parquetCopySQL for Parquet keys.
func copySQLFor(table, stage string, keys []string) string {
	if len(keys) > 0 && isParquet(keys[0]) {
		return parquetCopySQL(table, stage, keys)
	}
	return copySQL(table, stage, keys)
}

// parquetCopySQL is copySQL with an inline Parquet file format:
// FILE_FORMAT = (TYPE = PARQUET), whose columns MATCH_BY_COLUMN_NAME
// matches by name without a header option
// (https://docs.snowflake.com/en/sql-reference/sql/copy-into-table).
func parquetCopySQL(table, stage string, keys []string) string {
	return strings.Replace(copySQL(table, stage, keys), "FILE_FORMAT = (FORMAT_NAME = "+FileFormat+")", "FILE_FORMAT = (TYPE = PARQUET)", 1)
}
