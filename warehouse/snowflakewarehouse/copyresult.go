package snowflakewarehouse

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// copyFile is one row of COPY INTO's result: one file.
type copyFile struct {
	File           string
	Status         string
	RowsParsed     int64
	RowsLoaded     int64
	ErrorsSeen     int64
	FirstError     string
	FirstErrorLine int64
}

// COPY INTO's file statuses.
const (
	statusLoaded          = "LOADED"
	statusPartiallyLoaded = "PARTIALLY_LOADED"
	statusLoadFailed      = "LOAD_FAILED"
	statusLoadSkipped     = "LOAD_SKIPPED"
)

// rowReader is what readCopyResult needs of *sql.Rows.
type rowReader interface {
	Columns() ([]string, error)
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// readCopyResult reads COPY INTO's result rows. Columns are found by name,
// in any order and case: file, status, rows_parsed, rows_loaded,
// errors_seen, first_error, first_error_line (others are ignored). A
// result with a status column only is the one row Snowflake returns when
// no file was processed ("Copy executed with 0 files processed."): no
// files.
func readCopyResult(rows rowReader) ([]copyFile, error) {
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("COPY result: %w", err)
	}
	idx := map[string]int{}
	for i, c := range cols {
		idx[strings.ToLower(c)] = i
	}
	if _, ok := idx["file"]; !ok {
		if _, ok := idx["status"]; ok && len(cols) == 1 {
			for rows.Next() {
			}
			return nil, rows.Err()
		}
		return nil, fmt.Errorf("COPY result: no file column in %q", cols)
	}
	for _, need := range []string{"status", "rows_parsed", "rows_loaded"} {
		if _, ok := idx[need]; !ok {
			return nil, fmt.Errorf("COPY result: no %s column in %q", need, cols)
		}
	}
	var out []copyFile
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("COPY result: %w", err)
		}
		get := func(name string) string {
			if i, ok := idx[name]; ok && vals[i].Valid {
				return vals[i].String
			}
			return ""
		}
		num := func(name string) (int64, error) {
			s := strings.TrimSpace(get(name))
			if s == "" {
				return 0, nil
			}
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("COPY result: %s of %s is %q, not a number", name, get("file"), s)
			}
			return n, nil
		}
		f := copyFile{File: get("file"), Status: strings.ToUpper(get("status")), FirstError: get("first_error")}
		for _, n := range []struct {
			name string
			dst  *int64
		}{{"rows_parsed", &f.RowsParsed}, {"rows_loaded", &f.RowsLoaded}, {"errors_seen", &f.ErrorsSeen}, {"first_error_line", &f.FirstErrorLine}} {
			if *n.dst, err = num(n.name); err != nil {
				return nil, err
			}
		}
		if f.File == "" {
			return nil, fmt.Errorf("COPY result: a row without a file name")
		}
		if f.RowsLoaded > f.RowsParsed || f.RowsLoaded < 0 {
			return nil, fmt.Errorf("COPY result: %s: %d rows loaded of %d parsed", f.File, f.RowsLoaded, f.RowsParsed)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("COPY result: %w", err)
	}
	return out, nil
}

// keyMatcher maps the file names Snowflake reports (relative to the stage,
// or with the stage's location in front) to landing keys.
type keyMatcher struct {
	keys map[string]bool
}

func newKeyMatcher(keys []string) *keyMatcher {
	m := &keyMatcher{keys: make(map[string]bool, len(keys))}
	for _, k := range keys {
		m.keys[k] = true
	}
	return m
}

// match returns the key that name is, or the longest key that name ends
// with after a slash.
func (m *keyMatcher) match(name string) (string, bool) {
	if m.keys[name] {
		return name, true
	}
	for i := 0; i < len(name); i++ {
		if name[i] == '/' && m.keys[name[i+1:]] {
			return name[i+1:], true
		}
	}
	return "", false
}

// suffixes returns key and each of its tails after a slash: a/b/c, b/c, c.
func suffixes(key string) []string {
	out := []string{key}
	for i := 0; i < len(key); i++ {
		if key[i] == '/' {
			out = append(out, key[i+1:])
		}
	}
	return out
}
