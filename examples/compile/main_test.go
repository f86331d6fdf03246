package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCompile(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCompileBuiltins(t *testing.T) {
	code, out, errOut := runCompile(t)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"-- stg_orders (incremental, key batch_date, full build), level 0\nCREATE OR REPLACE TABLE stg_orders AS",
		"-- fct_orders (incremental, key batch_date, full build), level 1\nCREATE OR REPLACE TABLE fct_orders AS",
		"-- mart_daily_revenue (table), level 2",
		"TO_DATE(REGEXP_SUBSTR(f._file,",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	code, out, _ = runCompile(t, "-dialect", "duckdb", "-incremental", "-model", "fct_orders")
	if code != 0 || !strings.HasPrefix(out, "-- fct_orders (incremental, key batch_date, merging new rows)") ||
		!strings.Contains(out, "SELECT * FROM stg_orders") || !strings.Contains(out, "DELETE FROM fct_orders WHERE batch_date IN") ||
		strings.Contains(out, "CREATE OR REPLACE VIEW stg_orders") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
}

func TestCompileDuckDB(t *testing.T) {
	code, out, _ := runCompile(t, "-dialect", "duckdb", "-model", "stg_orders")
	if code != 0 || !strings.Contains(out, "regexp_extract(f._file,") || strings.Contains(out, "REGEXP_SUBSTR") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
}

func TestCompileUserModels(t *testing.T) {
	dir := t.TempDir()
	model := `{{ config "materialized" "table" }}
SELECT batch_date, orders FROM {{ ref "mart_daily_revenue" }} WHERE batch_date < {{ run_date }}`
	if err := os.WriteFile(filepath.Join(dir, "past_days.sql"), []byte(model), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCompile(t, "-models", dir, "-model", "past_days", "-run-date", "2026-03-10")
	if code != 0 || !strings.Contains(out, "-- past_days (table), level 3") || !strings.Contains(out, "< CAST('2026-03-10' AS DATE)") {
		t.Errorf("exit %d, stderr %q, output:\n%s", code, errOut, out)
	}
	code, _, errOut = runCompile(t, "-models", dir)
	if code != 1 || !strings.Contains(errOut, "run_date") {
		t.Errorf("without -run-date: exit %d, stderr %q", code, errOut)
	}
}

func TestCompileBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-dialect", "oracle"}, 1, `unknown dialect "oracle"`},
		{[]string{"-model", "nope"}, 1, "no model named nope"},
		{[]string{"-models", "/no/such/folder"}, 2, `invalid value "/no/such/folder" for -models: no such folder`},
		{[]string{"-models", "main.go"}, 2, `invalid value "main.go" for -models: a file, not a folder`},
		{[]string{"-run-date", "2026-02-30"}, 2, `invalid value "2026-02-30" for -run-date: the date does not exist: February 2026 has 28 days`},
		{[]string{"-run-date", "10/03/2026"}, 2, `invalid value "10/03/2026" for -run-date: want a date as YYYY-MM-DD`},
		{[]string{"-run-date", "2026-13-01"}, 2, `invalid value "2026-13-01" for -run-date: there is no month 13`},
		{[]string{"-nosuchflag"}, 2, "flag provided but not defined"},
		{[]string{"extra"}, 2, `unexpected argument "extra"`},
	} {
		code, _, errOut := runCompile(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) || strings.Contains(errOut, "open .") {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errOut, c.code, c.want)
		}
	}
	if code, _, _ := runCompile(t, "-h"); code != 0 {
		t.Errorf("-h: exit %d", code)
	}
}
