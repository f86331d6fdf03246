package snowflakewarehouse

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	sf "github.com/snowflakedb/gosnowflake"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/warehouse"
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
	if err := checkPutResult("k", 1, ok); err != nil {
		t.Error(err)
	}
	bad := &rows{cols: cols, data: [][]any{{"a.csv", "a.csv", "1", "1", "NONE", "NONE", "ERROR", "access denied"}}}
	if err := checkPutResult("k", 1, bad); err == nil || !strings.Contains(err.Error(), "access denied") {
		t.Errorf("error = %v, want the message", err)
	}
	if err := checkPutResult("k", 1, &rows{cols: cols}); err == nil {
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
	if got := ident("order"); got != `"ORDER"` {
		t.Errorf("ident = %s", got)
	}
}

func TestScanFile(t *testing.T) {
	want := []string{"a", "b"}
	s, err := scanFile("k.csv", strings.NewReader("a,b\n1,2\n\n3\n\"x\ny\",4\n5,6,7\nab\"c,8\n"), want)
	require.NoError(t, err)
	assert.Equal(t, int64(5), s.records)
	assert.Equal(t, int64(0), s.firstGood)
	assert.Equal(t, int64(4), s.lastGood)
	require.Len(t, s.bad, 2)
	assert.Equal(t, badRecord{line: 4, raw: "3", reason: "Number of columns in file (1) does not match that of the corresponding table (2)"}, s.bad[0])
	assert.Equal(t, int64(7), s.bad[1].line)
	assert.Equal(t, "5,6,7", s.bad[1].raw)
	for in, msg := range map[string]string{"": "empty file", "a,c\n": `found "c"`, "\na,b\n": "blank"} {
		_, err := scanFile("k.csv", strings.NewReader(in), want)
		require.ErrorIs(t, err, warehouse.ErrBadFile)
		assert.ErrorContains(t, err, msg)
	}
}

func TestRowBase(t *testing.T) {
	all := &fileScan{records: 3, firstGood: 0, lastGood: 2}
	holed := &fileScan{records: 3, firstGood: 0, lastGood: 2, bad: []badRecord{{line: 3}}}
	for _, tc := range []struct {
		name   string
		stats  map[string]rowStats
		loaded map[string]int64
		scans  map[string]*fileScan
		want   int64
		err    string
	}{
		{name: "data rows from 1", stats: map[string]rowStats{"a": {3, 1, 3}}, loaded: map[string]int64{"a": 3}, scans: map[string]*fileScan{"a": all}, want: 1},
		{name: "header counted", stats: map[string]rowStats{"a": {3, 2, 4}}, loaded: map[string]int64{"a": 3}, scans: map[string]*fileScan{"a": all}, want: 2},
		{name: "malformed middle", stats: map[string]rowStats{"a": {2, 1, 3}}, loaded: map[string]int64{"a": 2}, scans: map[string]*fileScan{"a": holed}, want: 1},
		{name: "only bounds", stats: map[string]rowStats{"a": {2, 1, 3}}, loaded: map[string]int64{"a": 2}, scans: map[string]*fileScan{"a": all}, want: 1},
		{name: "ambiguous", stats: map[string]rowStats{"a": {1, 2, 2}}, loaded: map[string]int64{"a": 1}, scans: map[string]*fileScan{"a": all}, err: "between 0 and 2"},
		{name: "not named by key", stats: map[string]rowStats{}, loaded: map[string]int64{"a": 3}, scans: map[string]*fileScan{"a": all}, err: "holds 0 rows named a"},
		{name: "files disagree", stats: map[string]rowStats{"a": {3, 1, 3}, "b": {3, 2, 4}}, loaded: map[string]int64{"a": 3, "b": 3},
			scans: map[string]*fileScan{"a": all, "b": all}, err: "cannot tell"},
		{name: "out of range", stats: map[string]rowStats{"a": {3, 7, 9}}, loaded: map[string]int64{"a": 3}, scans: map[string]*fileScan{"a": all}, err: "want 0, 1 or 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keys := make([]string, 0, len(tc.scans))
			for k := range tc.loaded {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			got, err := rowBase(keys, tc.stats, tc.loaded, tc.scans)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestPutPaths(t *testing.T) {
	for _, tc := range []struct{ local, key, want string }{
		{"/var/edqm/landing/top.csv", "top.csv", `PUT 'file:///var/edqm/landing/top.csv' '@EDQM_LANDING/' AUTO_COMPRESS = FALSE OVERWRITE = TRUE`},
		{`C:\Users\edqm\landing\a b.csv`, "d/a b.csv", `PUT 'file://C:/Users/edqm/landing/a b.csv' '@EDQM_LANDING/d/' AUTO_COMPRESS = FALSE OVERWRITE = TRUE`},
		{`D:/x/it's.csv`, "it's.csv", `PUT 'file://D:/x/it''s.csv' '@EDQM_LANDING/' AUTO_COMPRESS = FALSE OVERWRITE = TRUE`},
	} {
		assert.Equal(t, tc.want, putSQL(tc.local, tc.key))
	}
	cols := []string{"source", "source_size", "status"}
	err := checkPutResult("k", 10, &rows{cols: cols, data: [][]any{{"a.csv", "0", "UPLOADED"}}})
	assert.ErrorContains(t, err, "PUT read 0 bytes of a 10-byte file")
}

func TestDriverLogRouted(t *testing.T) {
	var buf bytes.Buffer
	routeDriverLog(slog.New(slog.NewTextHandler(&buf, nil)))
	sf.GetLogger().Error("driver says hello")
	assert.Contains(t, buf.String(), "driver says hello")
	assert.Contains(t, buf.String(), "gosnowflake")
}

// TestRepairFile: the repaired copy has the lines DuckDB's loader rejects
// blank, line ends kept, and its scan lists them with DuckDB's reasons.
func TestRepairFile(t *testing.T) {
	body := "a,b\n1,2\n\"3,4\r\n5,6\n7\n\"8\",\"9\n"
	in := func(context.Context) (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(body)), nil }
	s, err := scanFile("k/f.csv", strings.NewReader(body), []string{"a", "b"})
	require.NoError(t, err)
	require.True(t, s.repair)
	fixed, local, dir, err := repairFile(t.Context(), "k/f.csv", []string{"a", "b"}, in)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, os.RemoveAll(dir)) })
	assert.Equal(t, "f.csv", filepath.Base(local))
	got, err := os.ReadFile(local)
	require.NoError(t, err)
	assert.Equal(t, "a,b\n1,2\n\n5,6\n\n\n", string(got))
	assert.True(t, fixed.repaired)
	assert.Equal(t, int64(2), fixed.records)
	assert.Equal(t, []badRecord{
		{line: 3, reason: "line 3: extraneous or missing \" in quoted-field (the quoted field is not closed on this line)", raw: "\"3,4"},
		{line: 5, reason: "line 5: 1 fields, want 2", raw: "7"},
		{line: 6, reason: "line 6, column 8: extraneous or missing \" in quoted-field", raw: "\"8\",\"9"},
	}, fixed.blanked)
}
