package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// timings are the stage durations a run prints, "(572ms)", which differ
// from run to run.
var timings = regexp.MustCompile(`\([0-9.]+(ns|µs|ms|s|m[0-9.]+s)\)`)

// TestFormatParquetSameReport: -format parquet on a fresh data folder
// prints the report the CSV default prints, and lands Parquet files.
func TestFormatParquetSameReport(t *testing.T) {
	out := func(format string) string {
		dir := t.TempDir()
		args := []string{"-data", dir, "-days", "20", "-now", "2026-03-10"}
		if format != "" {
			args = append(args, "-format", format)
		}
		s := mustRun(t, args...)
		return timings.ReplaceAllString(strings.ReplaceAll(s, dir, "DIR"), "(T)")
	}
	csv, pq := out(""), out("parquet")
	assert.Equal(t, csv, pq)
	assert.Contains(t, csv, "Data Health Score")

	dir := t.TempDir()
	mustRun(t, "-data", dir, "-days", "2", "-now", "2026-03-10", "-format", "parquet")
	got, err := filepath.Glob(filepath.Join(dir, "landing", "orders", "date=2026-03-10", "*"))
	assert.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(dir, "landing", "orders", "date=2026-03-10", "orders-2026-03-10.parquet")}, got)

	code, _, errOut := runFull(t, "-data", t.TempDir(), "-format", "orc")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, `"orc"`)
}
