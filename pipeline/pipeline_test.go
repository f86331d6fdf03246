package pipeline_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/chaos/chaosdataset"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/pipeline"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

var day0 = time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)

// world is a landing zone, a warehouse and the options of a run on them.
type world struct {
	land *memlanding.Lander
	wh   *duckdbwarehouse.Warehouse
	opts *pipeline.Options
}

func newWorld(t *testing.T, days int) *world {
	t.Helper()
	wh, err := duckdbwarehouse.Open(t.Context(), "", nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = wh.Close() })
	gen, err := generate.New(generate.Config{Seed: 3})
	require.NoError(t, err)
	inj, err := chaos.New(chaos.Config{Seed: 3, Rates: chaos.Uniform(0.02)})
	require.NoError(t, err)
	return &world{land: memlanding.New(), wh: wh,
		opts: &pipeline.Options{Generator: gen, Injector: inj, Clock: edqm.FixedClock(day0), Days: days}}
}

// on returns the world's options for another run day.
func (w *world) on(day time.Time) *pipeline.Options {
	o := *w.opts
	o.Clock = edqm.FixedClock(day)
	return &o
}

func (w *world) count(t *testing.T, q string, args ...any) int64 {
	t.Helper()
	var n int64
	require.NoError(t, warehouse.QueryRow(t.Context(), w.wh, q, args, &n))
	return n
}

// TestHistoryRecordedOncePerRunDay: a run appends a row for every test and
// every monitor bucket of its report under its run id (the day); a second
// run on the same day adds none; the next day's run adds its own.
func TestHistoryRecordedOncePerRunDay(t *testing.T) {
	w := newWorld(t, 10)
	res, err := pipeline.Run(t.Context(), w.land, w.wh, w.opts)
	require.NoError(t, err)
	require.Equal(t, "2026-03-10", res.RunID)
	require.Equal(t, res.RunID, res.Report.RunID)
	require.NotEmpty(t, res.Report.Tests)
	require.NotEmpty(t, res.Report.Monitors)

	recs, err := quality.History{}.Records(t.Context(), w.wh, res.RunID)
	require.NoError(t, err)
	require.Len(t, recs, res.HistoryRows)
	names := map[string]bool{}
	for _, r := range recs {
		assert.Equal(t, res.RunID, r.RunID)
		names[r.ResultType+"/"+r.Name] = true
	}
	for _, tr := range res.Report.Tests {
		assert.True(t, names["test/"+tr.Name], "no history row for test %s", tr.Name)
	}
	for _, m := range res.Report.Monitors {
		assert.True(t, names["monitor/"+m.Name], "no history row for monitor %s", m.Name)
		for _, b := range m.Buckets {
			if b.Trained {
				assert.True(t, slices.ContainsFunc(recs, func(r quality.HistoryRecord) bool {
					return r.Name == m.Name && r.Day == b.Day && r.Dimension == b.Dimension && !isNaN(r.Lower) && !isNaN(r.Upper)
				}), "monitor %s: no band for %s", m.Name, b.Day)
			}
		}
	}
	total := w.count(t, "SELECT COUNT(*) FROM "+quality.DefaultHistoryTable)

	again, err := pipeline.Run(t.Context(), w.land, w.wh, w.opts)
	require.NoError(t, err)
	assert.True(t, again.UpToDate())
	assert.Zero(t, again.HistoryRows)
	assert.Empty(t, again.SnapshotKey, "the snapshot was current")
	assert.Equal(t, total, w.count(t, "SELECT COUNT(*) FROM "+quality.DefaultHistoryTable))

	next, err := pipeline.Run(t.Context(), w.land, w.wh, w.on(day0.AddDate(0, 0, 1)))
	require.NoError(t, err)
	require.Len(t, next.Days, 1)
	assert.Equal(t, "2026-03-11", next.RunID)
	assert.Positive(t, next.HistoryRows)
	assert.Equal(t, total+int64(next.HistoryRows), w.count(t, "SELECT COUNT(*) FROM "+quality.DefaultHistoryTable))
	assert.Equal(t, int64(2), w.count(t, "SELECT COUNT(DISTINCT run_id) FROM "+quality.DefaultHistoryTable))
}

func isNaN(f float64) bool { return f != f }

// TestInterruptedHistoryAppend: a scratch table left by a run killed while
// appending is dropped, and the run's rows are appended once, whole.
func TestInterruptedHistoryAppend(t *testing.T) {
	w := newWorld(t, 5)
	ref := newWorld(t, 5)
	_, err := pipeline.Run(t.Context(), ref.land, ref.wh, ref.opts)
	require.NoError(t, err)

	require.NoError(t, quality.History{Table: quality.DefaultHistoryTable + "_scratch"}.Ensure(t.Context(), w.wh))
	require.NoError(t, w.wh.Exec(t.Context(), "INSERT INTO "+quality.DefaultHistoryTable+"_scratch (run_id, name) VALUES ('2026-03-10', 'half')"))
	res, err := pipeline.Run(t.Context(), w.land, w.wh, w.opts)
	require.NoError(t, err)
	ok, err := w.wh.TableExists(t.Context(), quality.DefaultHistoryTable+"_scratch")
	require.NoError(t, err)
	assert.False(t, ok, "the scratch table is left")
	q := "SELECT COUNT(*) FROM " + quality.DefaultHistoryTable + " WHERE run_id = ?"
	assert.Equal(t, int64(res.HistoryRows), w.count(t, q, "2026-03-10"))
	assert.Equal(t, ref.count(t, q, "2026-03-10"), w.count(t, q, "2026-03-10"))
}

// TestProgress: every stage starts and ends, in order, never at once; the
// land stage counts its days, the load its files and the build its models,
// each count rising to its total on the stage's last call.
func TestProgress(t *testing.T) {
	w := newWorld(t, 4)
	var seen []string
	counts := map[pipeline.Stage][]pipeline.Progress{}
	w.opts.Progress = func(p pipeline.Progress) {
		require.NotNil(t, p.Result)
		end := ""
		if p.End {
			end = " end"
		}
		if p.Stage == pipeline.StageLoad || p.Stage == pipeline.StageBuild {
			counts[p.Stage] = append(counts[p.Stage], p)
			if !p.End && p.Done > 0 {
				return // checked below
			}
		}
		seen = append(seen, string(p.Stage)+" "+strings.Repeat("|", p.Done)+end)
	}
	res, err := pipeline.Run(t.Context(), w.land, w.wh, w.opts)
	require.NoError(t, err)
	want := []string{"plan ", "plan | end", "land ", "land |", "land ||", "land |||", "land ||||", "land |||| end", "advance ", "advance | end"}
	want = append(want, "load ", "load "+strings.Repeat("|", res.Files)+" end", "build ", "build ||||| end")
	for _, s := range []string{"quality", "snapshot", "history", "checkpoint"} {
		want = append(want, s+" ", s+" | end")
	}
	assert.Equal(t, want, seen)
	require.Len(t, res.Timings, 9)
	for _, tm := range res.Timings {
		assert.Equal(t, tm.Duration, res.Duration(tm.Stage))
	}
	// Customers, orders and labels of 4 days and the catalogue: 13
	// files, in a request per table; 5 models, one at a time.
	assertCounts(t, counts[pipeline.StageLoad], []int{4, 5, 9, 13})
	assertCounts(t, counts[pipeline.StageBuild], []int{1, 2, 3, 4, 5})
	assert.Equal(t, 13, res.Files)
	assert.Equal(t, 5, res.ModelsBuilt)

	// Up to date: nothing to load or build, and the last calls say so.
	counts = map[pipeline.Stage][]pipeline.Progress{}
	seen = nil
	_, err = pipeline.Run(t.Context(), w.land, w.wh, w.opts)
	require.NoError(t, err)
	assertCounts(t, counts[pipeline.StageLoad], nil)
	assertCounts(t, counts[pipeline.StageBuild], nil)
}

// TestProgressWithinATable: with more files to a table than a request
// holds (256), the load's count moves within the table.
func TestProgressWithinATable(t *testing.T) {
	if testing.Short() {
		t.Skip("lands 300 days")
	}
	w := newWorld(t, 300)
	w.opts.Injector = nil
	var calls []pipeline.Progress
	w.opts.Progress = func(p pipeline.Progress) {
		if p.Stage == pipeline.StageLoad {
			calls = append(calls, p)
		}
	}
	res, err := pipeline.Run(t.Context(), w.land, w.wh, w.opts)
	require.NoError(t, err)
	// Customers 256 then 44, the catalogue, orders 256 then 44.
	assertCounts(t, calls, []int{256, 300, 301, 557, 601})
	assert.Equal(t, 601, res.Files)
}

// assertCounts checks a stage's Progress calls: the start (0 of 1), then
// done rising through want over the same total, then the end at that
// total (0 of 0 when want is empty).
func assertCounts(t *testing.T, calls []pipeline.Progress, want []int) {
	t.Helper()
	require.Len(t, calls, len(want)+2, "%+v", calls)
	assert.Equal(t, [3]any{0, 1, false}, [3]any{calls[0].Done, calls[0].Total, calls[0].End}, "the start")
	total := 0
	if len(want) > 0 {
		total = want[len(want)-1]
	}
	for i, w := range want {
		c := calls[i+1]
		assert.Equal(t, [3]any{w, total, false}, [3]any{c.Done, c.Total, c.End}, "call %d", i+1)
	}
	last := calls[len(calls)-1]
	assert.Equal(t, [3]any{total, total, true}, [3]any{last.Done, last.Total, last.End}, "the end")
}

// TestWatermarkMovedUnderTheRun: another runner advances the watermark
// between this run's landing and its advance: the run stops with an error
// wrapping landing.ErrConflict; the next run loads what was landed.
func TestWatermarkMovedUnderTheRun(t *testing.T) {
	w := newWorld(t, 3)
	w.opts.Progress = func(p pipeline.Progress) {
		if p.Stage == pipeline.StageAdvance && !p.End {
			wm := landing.NewWatermark(w.land)
			mark, _, err := wm.Load(t.Context())
			require.NoError(t, err)
			_, err = wm.Advance(t.Context(), mark, day0, day0)
			require.NoError(t, err)
		}
	}
	res, err := pipeline.Run(t.Context(), w.land, w.wh, w.opts)
	require.ErrorIs(t, err, landing.ErrConflict)
	assert.True(t, strings.HasPrefix(err.Error(), "pipeline: another run advanced the watermark"), err.Error())
	assert.Zero(t, res.Files, "nothing loaded after the conflict")

	w.opts.Progress = nil
	res, err = pipeline.Run(t.Context(), w.land, w.wh, w.opts)
	require.NoError(t, err)
	assert.True(t, res.UpToDate())
	assert.Equal(t, 3*3+1, res.Files)
	assert.Positive(t, res.ModelsBuilt)
}

// TestDatasetChaos: dataset-level faults land with their labels, drifted
// files stay unloaded, and the report scores the monitors against them.
func TestDatasetChaos(t *testing.T) {
	w := newWorld(t, 30)
	ds, err := chaosdataset.New(chaosdataset.Config{Seed: 3, Rates: chaosdataset.Uniform(0.06)})
	require.NoError(t, err)
	w.opts.Dataset = ds
	res, err := pipeline.Run(t.Context(), w.land, w.wh, w.opts)
	require.NoError(t, err)
	require.Positive(t, res.DatasetLabels)
	assert.Equal(t, res.DatasetLabels, w.count(t, "SELECT COUNT(*) FROM raw_chaos_dataset_labels"))
	require.NotNil(t, res.Report.Datasets, "the monitors are scored")
	assert.True(t, slices.ContainsFunc(res.Report.Monitors, func(m quality.MonitorResult) bool {
		return m.Name == "schema_changes_landed_raw_orders"
	}), "the header check is in the report")

	// The same options give the same bytes.
	again := newWorld(t, 30)
	again.opts.Dataset = ds
	_, err = pipeline.Run(t.Context(), again.land, again.wh, again.opts)
	require.NoError(t, err)
	a, err := w.land.List(t.Context(), "")
	require.NoError(t, err)
	b, err := again.land.List(t.Context(), "")
	require.NoError(t, err)
	require.Equal(t, len(a), len(b))
	for i := range a {
		if strings.HasPrefix(a[i].Key, "_reports/") || a[i].Key == landing.WatermarkKey {
			continue
		}
		da, _, err := w.land.ReadVersioned(t.Context(), a[i].Key)
		require.NoError(t, err)
		db, _, err := again.land.ReadVersioned(t.Context(), b[i].Key)
		require.NoError(t, err)
		assert.Equal(t, da, db, a[i].Key)
	}
}

// TestWithoutChaos: no injector lands clean orders and no labels.
func TestWithoutChaos(t *testing.T) {
	w := newWorld(t, 3)
	w.opts.Injector = nil
	res, err := pipeline.Run(t.Context(), w.land, w.wh, w.opts)
	require.NoError(t, err)
	assert.Zero(t, res.Labels)
	assert.InDelta(t, 100, res.Report.HealthScore, 0.001)
	objs, err := w.land.List(t.Context(), "_chaos/")
	require.NoError(t, err)
	assert.Empty(t, objs)
}

func TestInvalidOptions(t *testing.T) {
	w := newWorld(t, 3)
	for name, o := range map[string]*pipeline.Options{
		"negative days": {Days: -1},
		"bad key":       {SnapshotKey: "../x.json"},
		"future reland": {Clock: edqm.FixedClock(day0), Reland: []time.Time{day0.AddDate(0, 0, 1)}},
	} {
		_, err := pipeline.Run(t.Context(), w.land, w.wh, o)
		require.ErrorIs(t, err, pipeline.ErrInvalidOptions, name)
		assert.True(t, strings.HasPrefix(err.Error(), "pipeline:"), err.Error())
	}
	_, err := pipeline.Run(t.Context(), nil, w.wh, nil)
	require.ErrorIs(t, err, pipeline.ErrInvalidOptions)
}

// TestCancelled: a cancelled context stops the run with the context's error.
func TestCancelled(t *testing.T) {
	w := newWorld(t, 20)
	ctx, cancel := contextWithCancel(t)
	w.opts.Progress = func(p pipeline.Progress) {
		if p.Stage == pipeline.StageLand && p.Done == 2 {
			cancel()
		}
	}
	_, err := pipeline.Run(ctx, w.land, w.wh, w.opts)
	require.Error(t, err)
	assert.True(t, errors.Is(err, ctx.Err()), err.Error())
	_, ok, err := landing.NewWatermark(w.land).Load(t.Context())
	require.NoError(t, err)
	assert.False(t, ok, "the watermark moved")
}

func contextWithCancel(t *testing.T) (context.Context, context.CancelFunc) {
	return context.WithCancel(t.Context())
}
