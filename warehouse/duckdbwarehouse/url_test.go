package duckdbwarehouse_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/edqm/edqm/warehouse"
	_ "github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

func TestOpenURL(t *testing.T) {
	ctx := t.Context()
	file := filepath.Join(t.TempDir(), "sub", "w.duckdb")
	for _, u := range []string{"duckdb://memory", "duckdb://" + file, "duckdb://localhost" + file} {
		w, err := warehouse.Open(ctx, u, nil)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if err := w.Exec(ctx, "CREATE OR REPLACE TABLE t AS SELECT 1 AS x"); err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for u, want := range map[string]string{
		"duckdb://memory?threads=2": "unknown parameter(s) threads",
		"duckdb://elsewhere/x.db":   `host "elsewhere"`,
		"duckdb://":                 "no path",
		"nosuch://x":                `unknown scheme "nosuch"`,
	} {
		if _, err := warehouse.Open(ctx, u, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", u, err, want)
		}
	}
}
