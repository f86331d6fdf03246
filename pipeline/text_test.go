package pipeline_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/landing"
	_ "github.com/edqm/edqm/landing/filelanding" // file://
	"github.com/edqm/edqm/pipeline"
	"github.com/edqm/edqm/warehouse"
)

// TestTextProgressLines: each stage's end gives its line, with the counts
// and the stage's time; starts, other stages and a current snapshot give
// none.
func TestTextProgressLines(t *testing.T) {
	days := func(n int) []time.Time {
		var d []time.Time
		for i := range n {
			d = append(d, day0.AddDate(0, 0, i-n+1))
		}
		return d
	}
	timings := []pipeline.Timing{
		{Stage: pipeline.StageLand, Duration: 800 * time.Millisecond},
		{Stage: pipeline.StageAdvance, Duration: 65400 * time.Microsecond},
		{Stage: pipeline.StageLoad, Duration: 176 * time.Millisecond},
		{Stage: pipeline.StageBuild, Duration: 1266 * time.Millisecond},
	}
	for _, tc := range []struct {
		name  string
		stage pipeline.Stage
		res   pipeline.Result
		want  string
	}{
		{"backfill", pipeline.StageAdvance, pipeline.Result{Backfill: true, Days: days(365), Orders: 37974, OrderIDs: 37101, Labels: 4385, Timings: timings},
			"Backfilled 365 days (2025-03-11 to 2026-03-10): 37,101 orders in 37,974 rows, 4,385 chaos labels (865ms)\n"},
		{"one day", pipeline.StageAdvance, pipeline.Result{Days: days(1), Orders: 104, OrderIDs: 103, Labels: 1, Timings: timings},
			"Landed 1 day (2026-03-10 to 2026-03-10): 103 orders in 104 rows, 1 chaos labels (865ms)\n"},
		{"up to date", pipeline.StageAdvance, pipeline.Result{Day: day0, Watermark: day0},
			"Up to date: the watermark is at 2026-03-10 and the run's day is 2026-03-10; nothing to land.\n"},
		{"loaded", pipeline.StageLoad, pipeline.Result{Files: 1096, Rows: 45742, Timings: timings},
			"Loaded 1,096 files: 45,742 rows, 0 rejected (176ms)\n"},
		{"one file", pipeline.StageLoad, pipeline.Result{Files: 1, Rows: 1, Rejected: 1, Timings: timings},
			"Loaded 1 file: 1 rows, 1 rejected (176ms)\n"},
		{"nothing loaded", pipeline.StageLoad, pipeline.Result{}, "Loaded 0 new files: the warehouse has every landed file.\n"},
		{"built", pipeline.StageBuild, pipeline.Result{ModelsBuilt: 5, Timings: timings}, "Built 5 models (1.266s)\n"},
		{"current", pipeline.StageBuild, pipeline.Result{}, "Models are current: nothing rebuilt.\n"},
		{"snapshot", pipeline.StageSnapshot, pipeline.Result{SnapshotKey: "_reports/r.json"}, "Report snapshot _reports/r.json\n"},
		{"snapshot and page", pipeline.StageSnapshot, pipeline.Result{SnapshotKey: "_reports/r.json", HTMLKey: "_reports/r.html"},
			"Report snapshot _reports/r.json\nReport page     _reports/r.html\n"},
		{"snapshot current", pipeline.StageSnapshot, pipeline.Result{}, ""},
		{"plan", pipeline.StagePlan, pipeline.Result{Days: days(3)}, ""},
		{"quality", pipeline.StageQuality, pipeline.Result{}, ""},
		{"history", pipeline.StageHistory, pipeline.Result{HistoryRows: 3}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			show := pipeline.TextProgress(&b, nil)
			show(pipeline.Progress{Stage: tc.stage, Total: 1, Result: &tc.res})
			assert.Empty(t, b.String(), "a stage's start gives no line")
			show(pipeline.Progress{Stage: tc.stage, Done: 1, Total: 1, End: true, Result: &tc.res})
			assert.Equal(t, tc.want, b.String())
		})
	}
}

// TestTextProgressOptions: DayName names the run's day; the snapshot is
// shown by its local path, or as its key in the landing zone's URL.
func TestTextProgressOptions(t *testing.T) {
	var b strings.Builder
	pipeline.TextProgress(&b, &pipeline.TextOptions{DayName: "-now"})(pipeline.Progress{Stage: pipeline.StageAdvance, End: true,
		Result: &pipeline.Result{Day: day0, Watermark: day0}})
	assert.Equal(t, "Up to date: the watermark is at 2026-03-10 and -now is 2026-03-10; nothing to land.\n", b.String())

	dir := t.TempDir()
	land, err := landing.Open(t.Context(), fileURL(dir), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = land.Close() })
	res := &pipeline.Result{SnapshotKey: "_reports/report-2026-03-10.json"}
	for _, tc := range []struct {
		opts pipeline.TextOptions
		want string
	}{
		{pipeline.TextOptions{Lander: land, LandingURL: fileURL(dir)}, filepath.Join(dir, "_reports", "report-2026-03-10.json")},
		{pipeline.TextOptions{Lander: newWorld(t, 1).land, LandingURL: "mem://"}, "_reports/report-2026-03-10.json in mem://"},
		{pipeline.TextOptions{LandingURL: "s3://AKIAEDQM:EDQMs3cretS3CRET@bucket/p"}, "_reports/report-2026-03-10.json in s3://bucket/p"},
	} {
		b.Reset()
		pipeline.TextProgress(&b, &tc.opts)(pipeline.Progress{Stage: pipeline.StageSnapshot, End: true, Result: res})
		assert.Equal(t, "Report snapshot "+tc.want+"\n", b.String())
	}
}

// TestTextProgressLive: with Live, each stage's work shows on a line
// rewritten in place, at most once per percent, erased before the stage's
// own line; without it, the same calls write the lines alone.
func TestTextProgressLive(t *testing.T) {
	res := &pipeline.Result{Files: 2, Rows: 10, Timings: []pipeline.Timing{{Stage: pipeline.StageLoad, Duration: time.Millisecond}}}
	calls := []pipeline.Progress{{Stage: pipeline.StagePlan, Total: 1, Result: res}}
	for done := range 401 {
		calls = append(calls, pipeline.Progress{Stage: pipeline.StageLand, Done: done, Total: 400, Result: res})
	}
	calls = append(calls,
		pipeline.Progress{Stage: pipeline.StageLand, Done: 400, Total: 400, End: true, Result: res},
		pipeline.Progress{Stage: pipeline.StageLoad, Total: 1, Result: res},
		pipeline.Progress{Stage: pipeline.StageLoad, Done: 1, Total: 1, End: true, Result: res})
	var live, plain strings.Builder
	showLive := pipeline.TextProgress(&live, &pipeline.TextOptions{Live: true})
	showPlain := pipeline.TextProgress(&plain, nil)
	for _, p := range calls {
		showLive(p)
		showPlain(p)
	}
	assert.Equal(t, "Loaded 2 files: 10 rows, 0 rejected (1ms)\n", plain.String())
	const erase = "\r\x1b[K"
	out := live.String()
	assert.True(t, strings.HasPrefix(out, erase+"Landing days…"+erase+"Landing days: 1 of 400 (0%)"+erase+"Landing days: 4 of 400 (1%)"), out)
	assert.Equal(t, 101, strings.Count(out, "Landing days: "), "one update per percent")
	assert.Contains(t, out, erase+"Landing days: 400 of 400 (100%)"+erase+erase+"Loading files…"+erase+"Loaded 2 files")
	assert.True(t, strings.HasSuffix(out, erase+"Loaded 2 files: 10 rows, 0 rejected (1ms)\n"), out)
	assert.False(t, pipeline.IsTerminal(&live), "a strings.Builder is no terminal")
	f, err := os.CreateTemp(t.TempDir(), "out")
	require.NoError(t, err)
	defer f.Close()
	assert.False(t, pipeline.IsTerminal(f), "a file is no terminal")
}

// TestTextProgressRun prints a real backfill, then the same day again.
func TestTextProgressRun(t *testing.T) {
	w := newWorld(t, 3)
	var b strings.Builder
	w.opts.Progress = pipeline.TextProgress(&b, &pipeline.TextOptions{Lander: w.land, LandingURL: "mem://"})
	_, err := pipeline.Run(t.Context(), w.land, w.wh, w.opts)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	require.Len(t, lines, 5, b.String())
	assert.Regexp(t, `^Backfilled 3 days \(2026-03-08 to 2026-03-10\): [0-9,]+ orders in [0-9,]+ rows, [0-9,]+ chaos labels \([0-9.]+m?s\)$`, lines[0])
	assert.Regexp(t, `^Loaded 10 files: [0-9,]+ rows, 0 rejected \([0-9.]+m?s\)$`, lines[1])
	assert.Regexp(t, `^Built 5 models \([0-9.]+m?s\)$`, lines[2])
	assert.Equal(t, "Report snapshot _reports/report-2026-03-10.json in mem://", lines[3])
	assert.Equal(t, "Report page     _reports/report-2026-03-10.html in mem://", lines[4])
	assert.NotContains(t, b.String(), "\r", "live lines without TextOptions.Live")

	b.Reset()
	_, err = pipeline.Run(t.Context(), w.land, w.wh, w.opts)
	require.NoError(t, err)
	assert.Equal(t, "Up to date: the watermark is at 2026-03-10 and the run's day is 2026-03-10; nothing to land.\n"+
		"Loaded 0 new files: the warehouse has every landed file.\n"+
		"Models are current: nothing rebuilt.\n", b.String())
}

// TestTextProgressLiveRun: on a terminal (Live), a real run shows its
// files loaded and models built as they move.
func TestTextProgressLiveRun(t *testing.T) {
	w := newWorld(t, 3)
	var b strings.Builder
	w.opts.Progress = pipeline.TextProgress(&b, &pipeline.TextOptions{Live: true})
	_, err := pipeline.Run(t.Context(), w.land, w.wh, w.opts)
	require.NoError(t, err)
	const erase = "\r\x1b[K"
	// 10 files: the customers of 3 days, the catalogue, the orders, the labels.
	assert.Contains(t, b.String(), erase+"Loading files…"+erase+"Loading files: 3 of 10 (30%)"+erase+"Loading files: 4 of 10 (40%)"+
		erase+"Loading files: 7 of 10 (70%)"+erase+"Loading files: 10 of 10 (100%)"+erase+"Loaded 10 files")
	assert.Contains(t, b.String(), erase+"Building models…"+erase+"Building models: 1 of 5 (20%)")
	assert.Contains(t, b.String(), erase+"Building models: 5 of 5 (100%)"+erase+"Built 5 models")
}

func TestDescribeURL(t *testing.T) {
	dir := t.TempDir()
	for raw, want := range map[string]string{
		fileURL(dir):                         dir,
		"duckdb:///var/edqm/w.duckdb":        filepath.FromSlash("/var/edqm/w.duckdb"),
		"duckdb://memory":                    "duckdb://memory",
		"mem://":                             "mem://",
		"s3://bucket/p?region=eu-west-1":     "s3://bucket/p?region=eu-west-1",
		"s3://AKIAEDQM:EDQMs3cretS3CRET@b/p": "s3://b/p",
		"s3:AKIAEDQM:EDQMs3cretS3CRET@b/p":   "s3:xxxxx@b/p",
		"snowflake://user:EDQMs3cretS3CRET@acct/db/s?warehouse=WH": "snowflake://acct/db/s?warehouse=xxxxx",
		"file://u:EDQMs3cretS3CRET@localhost/tmp/x":                "file://localhost/tmp/x",
		"s3://%zz": "(malformed URL)",
	} {
		got := pipeline.DescribeURL(raw)
		assert.Equal(t, want, got, raw)
		assert.NotContains(t, got, "EDQMs3cret", raw)
	}
}

// fileURL is the file:// URL of a local folder.
func fileURL(dir string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String()
}

// lockedScheme opens a warehouse another run holds.
const lockedScheme = "edqmlockedtest"

func init() {
	warehouse.Register(lockedScheme, func(context.Context, *url.URL, *warehouse.OpenOptions) (warehouse.Warehouse, error) {
		return nil, fmt.Errorf("fake: %w", warehouse.ErrLocked)
	})
}

// TestOpen opens the folder's URLs; a corrupt watermark stops Open before
// the warehouse is created; a held warehouse says so.
func TestOpen(t *testing.T) {
	ctx := t.Context()
	dir := filepath.Join(t.TempDir(), "data")
	landURL, whURL, err := pipeline.FolderURLs(dir)
	require.NoError(t, err)
	assert.Equal(t, fileURL(filepath.Join(dir, "landing")), landURL)
	assert.Equal(t, (&url.URL{Scheme: "duckdb", Path: filepath.ToSlash(filepath.Join(dir, "warehouse.duckdb"))}).String(), whURL)
	rel, _, err := pipeline.FolderURLs("edqm-data")
	require.NoError(t, err)
	wd, err := os.Getwd()
	require.NoError(t, err)
	assert.Equal(t, fileURL(filepath.Join(wd, "edqm-data", "landing")), rel, "a relative folder is made absolute")

	st, err := pipeline.Open(ctx, landURL, whURL, nil, nil)
	require.NoError(t, err)
	res, err := pipeline.Run(ctx, st.Lander, st.Warehouse, newWorld(t, 2).opts)
	require.NoError(t, err)
	assert.Len(t, res.Days, 2)
	require.NoError(t, st.Close())
	assert.FileExists(t, filepath.Join(dir, "warehouse.duckdb"))

	other := filepath.Join(t.TempDir(), "corrupt")
	require.NoError(t, os.MkdirAll(filepath.Join(other, "landing", "_state"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(other, "landing", "_state", "watermark.json"), []byte("{not json"), 0o644))
	landURL, whURL, err = pipeline.FolderURLs(other)
	require.NoError(t, err)
	_, err = pipeline.Open(ctx, landURL, whURL, nil, nil)
	require.ErrorContains(t, err, "corrupt watermark")
	assert.NoFileExists(t, filepath.Join(other, "warehouse.duckdb"), "the warehouse was created")

	_, err = pipeline.Open(ctx, "mem://", "ftp://host/x", nil, nil)
	require.ErrorContains(t, err, `unknown scheme "ftp"`)
	assert.NotErrorIs(t, err, warehouse.ErrLocked)
}

// TestOpenLocked: a warehouse another run holds gives an error that says
// so, names the warehouse without its secret and wraps warehouse.ErrLocked.
func TestOpenLocked(t *testing.T) {
	_, err := pipeline.Open(t.Context(), "mem://", lockedScheme+"://u:EDQMs3cretS3CRET@host/db", nil, nil)
	require.ErrorIs(t, err, warehouse.ErrLocked)
	assert.EqualError(t, err, "another run is using the warehouse "+lockedScheme+"://host/db; nothing was changed: fake: "+warehouse.ErrLocked.Error())
}
