package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/filelanding"
	"github.com/edqm/edqm/pipeline"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// hashes fingerprints every table of a DuckDB warehouse (the results
// history without its durations), so two warehouses compare row for row;
// tables named in skip are left out.
func hashes(t *testing.T, wh warehouse.Warehouse, skip ...string) map[string]string {
	t.Helper()
	ctx := t.Context()
	rows, err := wh.Query(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name")
	require.NoError(t, err)
	var names []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		names = append(names, n)
	}
	require.NoError(t, rows.Close())
	out := map[string]string{}
	for _, n := range names {
		if strings.Contains(" "+strings.Join(skip, " ")+" ", " "+n+" ") {
			continue
		}
		from := n
		if n == quality.DefaultHistoryTable {
			from = "(SELECT * EXCLUDE (duration_ms) FROM " + n + ")"
		}
		var h string
		q := "SELECT COUNT(*) || ':' || COALESCE(md5(string_agg(CAST(t AS VARCHAR), chr(10) ORDER BY CAST(t AS VARCHAR))), '') FROM " + from + " AS t"
		require.NoError(t, warehouse.QueryRow(ctx, wh, q, nil, &h))
		out[n] = h
	}
	return out
}

// landed returns the bytes of every landed file but the reports and the
// watermark.
func landed(t *testing.T, l landing.Lander) map[string]string {
	t.Helper()
	objs, err := l.List(t.Context(), "")
	require.NoError(t, err)
	out := map[string]string{}
	for _, o := range objs {
		if strings.HasPrefix(o.Key, "_reports/") || o.Key == landing.WatermarkKey {
			continue
		}
		data, _, err := l.ReadVersioned(t.Context(), o.Key)
		require.NoError(t, err)
		out[o.Key] = string(data)
	}
	return out
}

// ordersKey is the key of the orders file of day0 less n days.
func ordersKey(n int) string { return landing.DataKey("orders", day0.AddDate(0, 0, -n), "csv") }

// cutAtLineEnd keeps the first half of a file's lines.
func cutAtLineEnd(t *testing.T, l landing.Lander, key string) {
	t.Helper()
	data, _, err := l.ReadVersioned(t.Context(), key)
	require.NoError(t, err)
	lines := bytes.SplitAfter(data, []byte("\n"))
	require.NoError(t, l.Put(t.Context(), key, bytes.NewReader(bytes.Join(lines[:len(lines)/2], nil))))
}

// onLoad returns a Progress callback that runs f once, as the load starts.
func onLoad(f func()) func(pipeline.Progress) {
	return func(p pipeline.Progress) {
		if p.Stage == pipeline.StageLoad && !p.End && p.Done == 0 {
			f()
		}
	}
}

// TestLandedFileMissingOrCutShort deletes one orders file and cuts
// another at a line end before they are loaded: the run loads every other
// file, then fails naming both, what is missing, and the remedy; the
// report shows them and no history is recorded. Re-landing the two days
// (Options.Reland) makes the warehouse equal to a clean run's.
func TestLandedFileMissingOrCutShort(t *testing.T) {
	ref := newWorld(t, 5)
	_, err := pipeline.Run(t.Context(), ref.land, ref.wh, ref.opts)
	require.NoError(t, err)

	w := newWorld(t, 5)
	w.opts.Progress = onLoad(func() {
		require.NoError(t, w.land.Delete(t.Context(), ordersKey(1)))
		cutAtLineEnd(t, w.land, ordersKey(3))
	})
	res, err := pipeline.Run(t.Context(), w.land, w.wh, w.opts)
	require.ErrorIs(t, err, pipeline.ErrLeftOut)
	msg := err.Error()
	assert.Contains(t, msg, ordersKey(1)+": missing: its manifest _manifest/date=2026-03-09/manifest-2026-03-09.json lists it with ")
	assert.Regexp(t, `orders-2026-03-07\.csv: cut short: \d+ of \d+ rows`, msg)
	assert.Contains(t, msg, "-reland 2026-03-09")
	assert.Contains(t, msg, "-reland 2026-03-07")
	require.Len(t, res.LeftOut, 2)
	assert.Equal(t, pipeline.ProblemChanged, res.LeftOut[0].Problem)
	assert.Equal(t, pipeline.ProblemMissing, res.LeftOut[1].Problem)
	assert.Equal(t, int64(2), w.count(t, "SELECT COUNT(*) FROM "+pipeline.QuarantineTable))
	assert.Equal(t, ref.count(t, "SELECT COUNT(*) FROM _edqm_loads")-4, w.count(t, "SELECT COUNT(*) FROM _edqm_loads"),
		"every file but the two orders files and their days' labels loaded")
	assert.Contains(t, res.Report.Monitors[len(res.Report.Monitors)-1].Message, ordersKey(1))
	assert.Zero(t, res.HistoryRows)

	w.opts.Progress = nil
	w.opts.Reland = []time.Time{day0.AddDate(0, 0, -1), day0.AddDate(0, 0, -3)}
	res, err = pipeline.Run(t.Context(), w.land, w.wh, w.opts)
	require.NoError(t, err)
	assert.Len(t, res.Relanded, 2)
	assert.Equal(t, 4, res.Files)
	assert.Equal(t, hashes(t, ref.wh), hashes(t, w.wh))
	assert.Equal(t, landed(t, ref.land), landed(t, w.land), "re-landed byte for byte")
}

// TestUnloadableFilesQuarantined gives three landed files a byte order
// mark, a wrong header and no bytes at all, and drops in a file of our own
// with a wrong header: each is quarantined with its reason and remedy,
// every other file loads, and the run fails naming them. Once fixed (the
// days re-landed, our file's header corrected), they load on the next run
// and the quarantine is empty.
func TestUnloadableFilesQuarantined(t *testing.T) {
	ref := newWorld(t, 5)
	_, err := pipeline.Run(t.Context(), ref.land, ref.wh, ref.opts)
	require.NoError(t, err)

	w := newWorld(t, 5)
	ctx := t.Context()
	customers := landing.DataKey("customers", day0.AddDate(0, 0, -2), "csv")
	const ours = "customers/date=2026-03-10/extra.csv"
	w.opts.Progress = onLoad(func() {
		data, _, err := w.land.ReadVersioned(ctx, customers)
		require.NoError(t, err)
		require.NoError(t, w.land.Put(ctx, customers, bytes.NewReader(append([]byte("\xEF\xBB\xBF"), data...))))
		data, _, err = w.land.ReadVersioned(ctx, ordersKey(1))
		require.NoError(t, err)
		require.NoError(t, w.land.Put(ctx, ordersKey(1), bytes.NewReader(append([]byte("id"), data[len("order_id"):]...))))
		require.NoError(t, w.land.Put(ctx, ordersKey(2), strings.NewReader("")))
		require.NoError(t, w.land.Put(ctx, ours, strings.NewReader("id,name\n")))
	})
	res, err := pipeline.Run(ctx, w.land, w.wh, w.opts)
	require.ErrorIs(t, err, pipeline.ErrLeftOut)
	require.Len(t, res.LeftOut, 4)
	msg := err.Error()
	for _, want := range []string{
		customers + ": cannot be loaded: line 1 starts with a byte order mark",
		ours + `: cannot be loaded: line 1: column 1: found "id", want "customer_id"; remedy: replace it with a file whose line 1 is customer_id,`,
		ordersKey(1) + `: cannot be loaded: line 1: column 1: found "id", want "order_id"`,
		ordersKey(2) + ": cannot be loaded: empty file",
		"-reland 2026-03-09",
	} {
		assert.Contains(t, msg, want)
	}
	for _, f := range res.LeftOut {
		assert.Equal(t, pipeline.ProblemQuarantined, f.Problem, f.Key)
	}
	assert.Equal(t, int64(4), w.count(t, "SELECT COUNT(*) FROM "+pipeline.QuarantineTable+" WHERE problem = 'quarantined'"))
	assert.Equal(t, int64(1), w.count(t, "SELECT COUNT(*) FROM _edqm_loads WHERE file = ?", ordersKey(0)), "a later file loaded")

	w.opts.Progress = nil
	w.opts.Reland = []time.Time{day0.AddDate(0, 0, -1), day0.AddDate(0, 0, -2)}
	require.NoError(t, w.land.Put(ctx, ours, strings.NewReader(strings.Join(generate.CustomerColumns, ",")+"\n")))
	_, err = pipeline.Run(ctx, w.land, w.wh, w.opts)
	require.NoError(t, err)
	assert.Zero(t, w.count(t, "SELECT COUNT(*) FROM "+pipeline.QuarantineTable))
	assert.Equal(t, int64(1), w.count(t, "SELECT COUNT(*) FROM _edqm_loads WHERE file = ?", ours), "the fixed file loaded")
	assert.Equal(t, ref.count(t, "SELECT COUNT(*) FROM _edqm_loads")+1, w.count(t, "SELECT COUNT(*) FROM _edqm_loads"))
	assert.Equal(t, hashes(t, ref.wh, "_edqm_loads", pipeline.BuildTable), hashes(t, w.wh, "_edqm_loads", pipeline.BuildTable))
}

// TestArtefactsRepairedOnRerun removes the HTML report, then the JSON
// snapshot, then the run's history rows: each re-run of the same day
// writes back what is missing, and only that.
func TestArtefactsRepairedOnRerun(t *testing.T) {
	w := newWorld(t, 3)
	ctx := t.Context()
	first, err := pipeline.Run(ctx, w.land, w.wh, w.opts)
	require.NoError(t, err)

	require.NoError(t, w.land.Delete(ctx, first.HTMLKey))
	res, err := pipeline.Run(ctx, w.land, w.wh, w.opts)
	require.NoError(t, err)
	assert.Equal(t, first.HTMLKey, res.HTMLKey, "the HTML report is written again")
	assert.Empty(t, res.SnapshotKey, "the JSON snapshot is kept")
	_, _, err = w.land.ReadVersioned(ctx, first.HTMLKey)
	require.NoError(t, err)

	require.NoError(t, w.land.Delete(ctx, first.SnapshotKey))
	res, err = pipeline.Run(ctx, w.land, w.wh, w.opts)
	require.NoError(t, err)
	assert.Equal(t, first.SnapshotKey, res.SnapshotKey)
	assert.Empty(t, res.HTMLKey)

	require.NoError(t, w.wh.Exec(ctx, "DELETE FROM "+quality.DefaultHistoryTable))
	res, err = pipeline.Run(ctx, w.land, w.wh, w.opts)
	require.NoError(t, err)
	assert.Equal(t, first.HistoryRows, res.HistoryRows)
	assert.Equal(t, int64(first.HistoryRows), w.count(t, "SELECT COUNT(*) FROM "+quality.DefaultHistoryTable))
}

// TestLostWatermarkRebuilt follows the corrupt watermark's remedy (delete
// it) two days later: the run rebuilds the watermark from the manifests,
// lands only the two new days, changes no landed byte and loads no file
// twice; the warehouse equals that of runs never disturbed.
func TestLostWatermarkRebuilt(t *testing.T) {
	ctx := t.Context()
	w, ref := newWorld(t, 5), newWorld(t, 5)
	for _, x := range []*world{w, ref} {
		for _, d := range []int{0, 1} {
			_, err := pipeline.Run(ctx, x.land, x.wh, x.on(day0.AddDate(0, 0, d)))
			require.NoError(t, err)
		}
	}
	before := landed(t, w.land)
	require.NoError(t, w.land.Put(ctx, landing.WatermarkKey, strings.NewReader("{garbage")))
	_, err := pipeline.Run(ctx, w.land, w.wh, w.on(day0.AddDate(0, 0, 3)))
	require.ErrorIs(t, err, landing.ErrCorruptWatermark)
	assert.Contains(t, err.Error(), "delete it: the next run rebuilds it from the manifests under _manifest/")

	require.NoError(t, w.land.Delete(ctx, landing.WatermarkKey))
	res, err := pipeline.Run(ctx, w.land, w.wh, w.on(day0.AddDate(0, 0, 3)))
	require.NoError(t, err)
	assert.True(t, res.Rebuilt)
	assert.False(t, res.Backfill)
	assert.Equal(t, []time.Time{day0.AddDate(0, 0, 2), day0.AddDate(0, 0, 3)}, res.Days)
	assert.Equal(t, day0.AddDate(0, 0, 3), res.Watermark)
	after := landed(t, w.land)
	for k, v := range before {
		assert.Equal(t, v, after[k], "%s changed", k)
	}

	_, err = pipeline.Run(ctx, ref.land, ref.wh, ref.on(day0.AddDate(0, 0, 3)))
	require.NoError(t, err)
	assert.Equal(t, hashes(t, ref.wh), hashes(t, w.wh))
	assert.Equal(t, ref.count(t, "SELECT COUNT(*) FROM raw_products"), w.count(t, "SELECT COUNT(*) FROM raw_products"), "products loaded once")
}

// TestNoManifestNoWatermarkButLoaded: with neither a watermark nor a
// manifest (a landing zone from before manifests), a warehouse that has
// loaded files stops the backfill that would load them again.
func TestNoManifestNoWatermarkButLoaded(t *testing.T) {
	w := newWorld(t, 3)
	ctx := t.Context()
	_, err := pipeline.Run(ctx, w.land, w.wh, w.opts)
	require.NoError(t, err)
	objs, err := w.land.List(ctx, "")
	require.NoError(t, err)
	for _, o := range objs {
		if strings.HasPrefix(o.Key, landing.ManifestPrefix) || o.Key == landing.WatermarkKey {
			require.NoError(t, w.land.Delete(ctx, o.Key))
		}
	}
	_, err = pipeline.Run(ctx, w.land, w.wh, w.on(day0.AddDate(0, 0, 1)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Restore the watermark")
	assert.Equal(t, int64(200), w.count(t, "SELECT COUNT(*) FROM raw_products"), "nothing loaded twice")
}

// TestRelandNeverChangesLoadedBytes: re-landing a loaded day with other
// options (another seed) is refused with nothing landed; with the same
// options it changes nothing and loads nothing again.
func TestRelandNeverChangesLoadedBytes(t *testing.T) {
	w := newWorld(t, 3)
	ctx := t.Context()
	_, err := pipeline.Run(ctx, w.land, w.wh, w.opts)
	require.NoError(t, err)
	before := landed(t, w.land)

	other := *w.opts
	gen, err := generate.New(generate.Config{Seed: 99})
	require.NoError(t, err)
	other.Generator, other.Reland = gen, []time.Time{day0.AddDate(0, 0, -1)}
	_, err = pipeline.Run(ctx, w.land, w.wh, &other)
	require.ErrorIs(t, err, pipeline.ErrLoadedFileChanged)
	assert.Contains(t, err.Error(), "re-land 2026-03-09: the options give other files than its manifest")
	assert.Equal(t, before, landed(t, w.land))

	same := *w.opts
	same.Reland = other.Reland
	res, err := pipeline.Run(ctx, w.land, w.wh, &same)
	require.NoError(t, err)
	assert.Zero(t, res.Files)
	assert.Equal(t, before, landed(t, w.land))
}

// checkpointFails is a DuckDB warehouse whose checkpoint fails, as on a
// full disk.
type checkpointFails struct{ *duckdbwarehouse.Warehouse }

func (checkpointFails) Checkpoint(context.Context) error {
	return errors.New("IO Error: No space left on device")
}

// TestCheckpointBeforeSuccess: a run on a database file ends with its
// write-ahead log written back (no .wal left while the file is still
// open); a checkpoint that fails makes the run fail, saying so.
func TestCheckpointBeforeSuccess(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	wh, err := duckdbwarehouse.Open(ctx, path, nil)
	require.NoError(t, err)
	defer wh.Close()
	w := newWorld(t, 3)
	res, err := pipeline.Run(ctx, w.land, wh, w.opts)
	require.NoError(t, err)
	assert.True(t, res.Checkpointed)
	if fi, err := os.Stat(path + ".wal"); err == nil {
		assert.Zero(t, fi.Size(), "the write-ahead log is written back")
	}

	_, err = pipeline.Run(ctx, w.land, checkpointFails{wh}, w.on(day0.AddDate(0, 0, 1)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not yet durable")
	assert.Contains(t, err.Error(), "No space left on device")
}

// TestVerifyFindsCorruption flips bytes in the middle of a warehouse file
// that runs still open: Verify (and Options.Verify) reads every table and
// names the damage and the remedy; a sound file verifies.
func TestVerifyFindsCorruption(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	wh, err := duckdbwarehouse.Open(ctx, path, nil)
	require.NoError(t, err)
	w := newWorld(t, 20)
	_, err = pipeline.Run(ctx, w.land, wh, w.opts)
	require.NoError(t, err)
	v, err := pipeline.Verify(ctx, wh)
	require.NoError(t, err)
	assert.Positive(t, v.Tables)
	assert.Positive(t, v.Rows)
	require.NoError(t, wh.Close())

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	for i := range 3 {
		data[len(data)/2+i] ^= 0xFF
	}
	require.NoError(t, os.WriteFile(path, data, 0o644))
	wh, err = duckdbwarehouse.Open(ctx, path, nil)
	require.NoError(t, err, "the damage is not in the catalogue: the file opens")
	defer wh.Close()
	opts := *w.opts
	opts.Verify = true
	res, err := pipeline.Run(ctx, w.land, wh, &opts)
	require.ErrorIs(t, err, warehouse.ErrCorrupt)
	assert.Contains(t, err.Error(), "cannot be read back")
	assert.Contains(t, err.Error(), pipeline.VerifyRemedy)
	assert.Empty(t, res.Timings, "no stage ran")
}

// TestTempFilesOfAKilledRunRemoved: a temporary file a killed run left in
// a folder landing zone is removed as the next run starts.
func TestTempFilesOfAKilledRunRemoved(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	land, err := filelanding.Open(ctx, dir, nil)
	require.NoError(t, err)
	defer land.Close()
	w := newWorld(t, 2)
	_, err = pipeline.Run(ctx, land, w.wh, w.opts)
	require.NoError(t, err)
	left := filepath.Join(dir, "_reports", ".report-2026-03-10.html.tmp-0123456789abcdef")
	require.NoError(t, os.WriteFile(left, []byte("<html>half"), 0o644))
	res, err := pipeline.Run(ctx, land, w.wh, w.opts)
	require.NoError(t, err)
	assert.Equal(t, 1, res.TempRemoved)
	assert.NoFileExists(t, left)
}

// TestSnowflakeLeftOutAndVerify: on the Snowflake test server, a landed
// file missing before the load is left out and recorded in the quarantine
// table as on DuckDB, re-landing it loads it, and Verify reads every table.
func TestSnowflakeLeftOutAndVerify(t *testing.T) {
	sf := openSnowflake(t)
	w := newWorld(t, 3)
	w.opts.Progress = onLoad(func() { require.NoError(t, w.land.Delete(t.Context(), ordersKey(1))) })
	res, err := pipeline.Run(t.Context(), w.land, sf, w.opts)
	require.ErrorIs(t, err, pipeline.ErrLeftOut)
	require.Len(t, res.LeftOut, 1)
	var n int64
	require.NoError(t, warehouse.QueryRow(t.Context(), sf, "SELECT COUNT(*) FROM "+pipeline.QuarantineTable, nil, &n))
	assert.Equal(t, int64(1), n)

	w.opts.Progress, w.opts.Reland = nil, []time.Time{day0.AddDate(0, 0, -1)}
	_, err = pipeline.Run(t.Context(), w.land, sf, w.opts)
	require.NoError(t, err)
	require.NoError(t, warehouse.QueryRow(t.Context(), sf, "SELECT COUNT(*) FROM "+pipeline.QuarantineTable, nil, &n))
	assert.Zero(t, n)
	v, err := pipeline.Verify(t.Context(), sf)
	require.NoError(t, err)
	assert.Positive(t, v.Tables)
	assert.Positive(t, v.Rows)
}
