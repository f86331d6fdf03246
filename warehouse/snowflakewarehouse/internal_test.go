package snowflakewarehouse

import (
	"database/sql"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// rows is an in-memory rowReader: COPY's result rows as Snowflake sends
// them (numbers arrive as text), without a driver.
type rows struct {
	cols []string
	data [][]any
	i    int
	err  error
}

func (r *rows) Columns() ([]string, error) { return r.cols, nil }
func (r *rows) Next() bool {
	if r.i >= len(r.data) {
		return false
	}
	r.i++
	return true
}
func (r *rows) Err() error { return r.err }
func (r *rows) Scan(dest ...any) error {
	for i, d := range dest {
		p := d.(*sql.NullString)
		if v := r.data[r.i-1][i]; v != nil {
			*p = sql.NullString{String: v.(string), Valid: true}
		} else {
			*p = sql.NullString{}
		}
	}
	return nil
}

var copyColumns = []string{"file", "status", "rows_parsed", "rows_loaded", "error_limit", "errors_seen",
	"first_error", "first_error_line", "first_error_character", "first_error_column_name"}

func TestReadCopyResult(t *testing.T) {
	got, err := readCopyResult(&rows{cols: copyColumns, data: [][]any{
		{"edqm_landing/a/x.csv", "LOADED", "3", "3", "3", "0", nil, nil, nil, nil},
		{"edqm_landing/a/y.csv", "partially_loaded", "5", "2", "5", "3", "End of record reached while expected to parse column '\"RAW_ORDERS\"[\"STATUS\":5]'", "3", "14", `"RAW_ORDERS"["STATUS":5]`},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []copyFile{
		{File: "edqm_landing/a/x.csv", Status: statusLoaded, RowsParsed: 3, RowsLoaded: 3},
		{File: "edqm_landing/a/y.csv", Status: statusPartiallyLoaded, RowsParsed: 5, RowsLoaded: 2, ErrorsSeen: 3,
			FirstError: "End of record reached while expected to parse column '\"RAW_ORDERS\"[\"STATUS\":5]'", FirstErrorLine: 3},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}

	// Columns are found by name, whatever their order and case.
	got, err = readCopyResult(&rows{cols: []string{"ROWS_LOADED", "FILE", "ROWS_PARSED", "STATUS"}, data: [][]any{{"1", "k.csv", "2", "PARTIALLY_LOADED"}}})
	if err != nil || len(got) != 1 || got[0].RowsLoaded != 1 || got[0].RowsParsed != 2 || got[0].File != "k.csv" {
		t.Errorf("reordered columns: %+v, %v", got, err)
	}

	// Nothing processed: one status column, one row.
	got, err = readCopyResult(&rows{cols: []string{"status"}, data: [][]any{{"Copy executed with 0 files processed."}}})
	if err != nil || len(got) != 0 {
		t.Errorf("0 files processed: %+v, %v", got, err)
	}

	for name, r := range map[string]*rows{
		"no file column":     {cols: []string{"status", "rows_parsed"}},
		"no rows_loaded":     {cols: []string{"file", "status", "rows_parsed"}},
		"not a number":       {cols: copyColumns, data: [][]any{{"k", "LOADED", "three", "3", "3", "0", nil, nil, nil, nil}}},
		"loaded over parsed": {cols: copyColumns, data: [][]any{{"k", "LOADED", "1", "3", "3", "0", nil, nil, nil, nil}}},
		"no file name":       {cols: copyColumns, data: [][]any{{nil, "LOADED", "1", "1", "1", "0", nil, nil, nil, nil}}},
		"driver error":       {cols: copyColumns, err: errors.New("connection reset")},
	} {
		if _, err := readCopyResult(r); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestKeyMatcher(t *testing.T) {
	m := newKeyMatcher([]string{"orders/date=2024-01-01/orders.csv", "b.csv"})
	for name, want := range map[string]string{
		"orders/date=2024-01-01/orders.csv":                         "orders/date=2024-01-01/orders.csv",
		"edqm_landing/orders/date=2024-01-01/orders.csv":            "orders/date=2024-01-01/orders.csv",
		"s3://edqm-landing/prod/orders/date=2024-01-01/orders.csv":  "orders/date=2024-01-01/orders.csv",
		"@EDQM_LANDING/b.csv":                                       "b.csv",
		"xb.csv":                                                    "",
		"orders/date=2024-01-01/orders.csv.gz":                      "",
		"other/orders/date=2024-01-01/orders.csv/and/more/file.csv": "",
	} {
		got, ok := m.match(name)
		if got != want || ok != (want != "") {
			t.Errorf("match(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
	if got := suffixes("a/b/c"); !reflect.DeepEqual(got, []string{"a/b/c", "b/c", "c"}) {
		t.Errorf("suffixes = %q", got)
	}
}

func TestCheckPutResult(t *testing.T) {
	cols := []string{"source", "target", "source_size", "target_size", "source_compression", "target_compression", "status", "message"}
	ok := &rows{cols: cols, data: [][]any{{"a.csv", "a.csv", "1", "1", "NONE", "NONE", "UPLOADED", ""}}}
	if err := checkPutResult("k", ok); err != nil {
		t.Error(err)
	}
	bad := &rows{cols: cols, data: [][]any{{"a.csv", "a.csv", "1", "1", "NONE", "NONE", "ERROR", "access denied"}}}
	if err := checkPutResult("k", bad); err == nil || !strings.Contains(err.Error(), "access denied") {
		t.Errorf("error = %v, want the message", err)
	}
	if err := checkPutResult("k", &rows{cols: cols}); err == nil {
		t.Error("a PUT that uploaded nothing passed")
	}
}

func TestLiteralsAndPaths(t *testing.T) {
	for in, want := range map[string]string{
		"plain":      "'plain'",
		"it's":       "'it''s'",
		`C:\data\x`:  `'C:\\data\\x'`,
		"a\\'; DROP": `'a\\''; DROP'`,
	} {
		if got := literal(in); got != want {
			t.Errorf("literal(%q) = %s, want %s", in, got, want)
		}
	}
	if got := putSQL("/var/edqm/landing/top.csv", "top.csv"); got != "PUT 'file:///var/edqm/landing/top.csv' '@EDQM_LANDING/' AUTO_COMPRESS = FALSE OVERWRITE = TRUE" {
		t.Errorf("put of a top-level key: %s", got)
	}
	if got := ident("order"); got != `"ORDER"` {
		t.Errorf("ident = %s", got)
	}
}
