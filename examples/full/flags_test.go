package main

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFlagsCheckedBeforeAnythingIsWritten: each bad command line exits 2
// with a message naming the flag and what is wrong, and creates nothing.
func TestFlagsCheckedBeforeAnythingIsWritten(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain", "landing")
	for _, c := range []struct {
		name string
		args []string
		want []string
	}{
		{"date that does not exist", []string{"-now", "2026-02-30"},
			[]string{`invalid value "2026-02-30" for -now: the date does not exist: February 2026 has 28 days`}},
		{"no such month", []string{"-now", "2026-13-01"}, []string{`invalid value "2026-13-01" for -now: there is no month 13`}},
		{"not a date", []string{"-now", "03/10/2026"}, []string{`invalid value "03/10/2026" for -now: want a date as YYYY-MM-DD`}},
		{"rate names the flag", []string{"-calculation", "-0.1"}, []string{"invalid value -0.1 for -calculation: want a share of orders from 0 to 1"}},
		{"rate not a number", []string{"-duplication", "NaN"}, []string{"invalid value NaN for -duplication"}},
		{"space in a bucket", []string{"-landing", "s3://my bucket"},
			[]string{"invalid value for -landing: landing.Open: malformed URL: invalid character \" \" (a space) in host name"}},
		{"plain path as landing", []string{"-landing", plain},
			[]string{"invalid value for -landing: ", "is a path, not a URL", "write " + (&url.URL{Scheme: "file", Path: filepath.ToSlash(plain)}).String()}},
		{"plain path as warehouse", []string{"-warehouse", plain + ".duckdb"},
			[]string{"invalid value for -warehouse: ", "write " + (&url.URL{Scheme: "duckdb", Path: filepath.ToSlash(plain) + ".duckdb"}).String()}},
		{"unknown scheme", []string{"-warehouse", "postgres://host/db"}, []string{`invalid value for -warehouse: warehouse.Open: unknown scheme "postgres"`}},
		{"far future", []string{"-now", "9999-12-31", "-days", "5"},
			[]string{"-now 9999-12-31 is too late", "want -now on or before 9998-12-31"}},
		{"too many orders", []string{"-days", "36600", "-orders-per-day", "1000000"},
			[]string{"-days 36600 with -orders-per-day 1000000 is about 36,600,000,000 orders"}},
		{"orders per day", []string{"-orders-per-day", "0"}, []string{"invalid value 0 for -orders-per-day: want 1 to 1,000,000"}},
		{"storage faults", []string{"-storage-faults", "0.9"}, []string{"invalid value 0.9 for -storage-faults: want a share of calls from 0 to 0.5"}},
		{"days before year 1", []string{"-now", "0001-01-10", "-days", "20"}, []string{"-days 20 from -now 0001-01-10 starts before the year 1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := filepath.Join(dir, "never-created")
			code, out, errOut := runFull(t, append([]string{"-data", data}, c.args...)...)
			assert.Equal(t, exitUsage, code, "stderr: %s", errOut)
			for _, want := range c.want {
				assert.Contains(t, errOut, want)
			}
			assert.NotContains(t, errOut, "Rates.")
			assert.Empty(t, out)
			assert.NoDirExists(t, data)
			assert.NoDirExists(t, filepath.Dir(plain))
		})
	}
}

// TestDataFolderWithQuestionMark: -data '/tmp/q?x=1' is refused before
// the folder is created (DuckDB would read "?x=1" as settings); with
// -warehouse elsewhere, the folder is fine for the landing zone.
func TestDataFolderWithQuestionMark(t *testing.T) {
	data := filepath.Join(t.TempDir(), "q?x=1")
	code, _, errOut := runFull(t, "-data", data, "-now", "2026-03-10", "-days", "2")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, `invalid value "`+data+`" for -data: the folder's name holds "?"`)
	assert.NoDirExists(t, data)

	code, _, errOut = runFull(t, "-data", data, "-warehouse", "duckdb://memory", "-now", "2026-03-10", "-days", "2")
	assert.Equal(t, exitOK, code, errOut)
	assert.DirExists(t, filepath.Join(data, "landing"))
}

// TestBackfillBeforeDefaultEpoch: a backfill that starts before 2024 (the
// generator's default calendar) runs, and so does the next day: the
// calendar starts on the first day landed, on every run, even once the
// first day's catalogue file is gone.
func TestBackfillBeforeDefaultEpoch(t *testing.T) {
	dir := t.TempDir()
	out := mustRun(t, "-data", dir, "-now", "2024-01-05", "-days", "10")
	assert.Contains(t, out, "Backfilled 10 days (2023-12-27 to 2024-01-05)")
	// The catalogue's file lost after its load: the day manifests still
	// tell the first day.
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "landing", "products")))
	out = mustRun(t, "-data", dir, "-now", "2024-01-06")
	assert.Contains(t, out, "Landed 1 day (2024-01-06 to 2024-01-06)")
	assert.Equal(t, int64(11*3), count(t, dir, "SELECT COUNT(DISTINCT customer_id) FROM raw_customers"), "3 customers a day since the first day")
	assert.Equal(t, int64(0), count(t, dir, "SELECT COUNT(*) - COUNT(DISTINCT customer_id) FROM raw_customers"), "a customer landed twice")
	r := readReport(t, dir, "2024-01-06")
	for _, k := range r.Kinds {
		assert.InDelta(t, 1, k.Precision, 1e-9, "%s precision", k.Kind)
	}
}

// TestFarFutureRun: a run far in the future lands a few days with the
// customers of those days, not every customer since 2024.
func TestFarFutureRun(t *testing.T) {
	dir := t.TempDir()
	out := mustRun(t, "-data", dir, "-now", "5000-01-02", "-days", "2")
	assert.Contains(t, out, "Backfilled 2 days (5000-01-01 to 5000-01-02)")
	assert.Equal(t, int64(2*3), count(t, dir, "SELECT COUNT(*) FROM raw_customers"))
}

// TestOrdersPerDay: -orders-per-day sets the volume; the default, 100,
// gives the bytes of a run without the flag.
func TestOrdersPerDay(t *testing.T) {
	small := t.TempDir()
	mustRun(t, "-data", small, "-now", "2026-03-10", "-days", "4", "-orders-per-day", "10", "-duplication", "0")
	n := count(t, small, "SELECT COUNT(*) FROM raw_orders")
	assert.True(t, n >= 4*5 && n <= 4*15, "%d orders in 4 days at about 10 a day", n)

	def, hundred := t.TempDir(), t.TempDir()
	mustRun(t, "-data", def, "-now", "2026-03-10", "-days", "2")
	mustRun(t, "-data", hundred, "-now", "2026-03-10", "-days", "2", "-orders-per-day", "100")
	assert.Equal(t, landedHashes(t, def), landedHashes(t, hundred))
}

// TestStorageFaults: with -storage-faults 0.2 the run rides out the
// faults (each failed call retried) and lands the bytes of a run without
// them, with the same report; the output says how many calls failed.
func TestStorageFaults(t *testing.T) {
	clean, faulty := t.TempDir(), t.TempDir()
	args := []string{"-now", "2026-03-10", "-days", "3"}
	want := mustRun(t, append([]string{"-data", clean}, args...)...)
	got := mustRun(t, append([]string{"-data", faulty, "-storage-faults", "0.2"}, args...)...)
	assert.Regexp(t, `Storage faults: [1-9][0-9]* of [0-9]+ calls failed \(.*\); [0-9,]+ retries`, got)
	assert.Equal(t, landedHashes(t, clean), landedHashes(t, faulty))
	assert.Equal(t, summary(t, want), summary(t, got))
	again := mustRun(t, append([]string{"-data", faulty, "-storage-faults", "0.2"}, args...)...)
	assert.Contains(t, again, "Up to date")

	inMemory := mustRun(t, append([]string{"-landing", "mem://", "-warehouse", "duckdb://memory", "-storage-faults", "0.3"}, args...)...)
	assert.Regexp(t, `Storage faults: [1-9][0-9]* of [0-9]+ calls failed`, inMemory)
	assert.Equal(t, summary(t, want), summary(t, inMemory))
}

// TestInterrupted: a run stopped by Ctrl+C (its context cancelled) says
// so and that running again resumes, instead of "context canceled".
func TestInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var out, errOut strings.Builder
	code := run(ctx, []string{"-data", t.TempDir(), "-now", "2026-03-10", "-days", "2"}, &out, &errOut, wall)
	assert.Equal(t, exitFailed, code)
	assert.Equal(t, "edqm: interrupted: what was landed and loaded is kept; run the same command again to resume\n", errOut.String())
}

// TestNoLiveLinesOffATerminal: the output to a file holds the stage lines
// alone, with no line rewritten in place.
func TestNoLiveLinesOffATerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out.txt"))
	require.NoError(t, err)
	defer f.Close()
	var errOut strings.Builder
	code := run(t.Context(), []string{"-data", t.TempDir(), "-now", "2026-03-10", "-days", "2"}, f, &errOut, wall)
	require.Equal(t, exitOK, code, errOut.String())
	b, err := os.ReadFile(f.Name())
	require.NoError(t, err)
	assert.NotContains(t, string(b), "\r")
	assert.Contains(t, string(b), "Report page ")
}
