package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/chaos/chaosdataset"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/quality/dashboard"
	"github.com/edqm/edqm/transform"
	"github.com/edqm/edqm/warehouse"
)

// ErrInvalidOptions is wrapped by the error [Run] and the steps return for
// options they cannot run with (a negative Days, a bad snapshot key...).
var ErrInvalidOptions = errors.New("pipeline: invalid options")

// DefaultDays is the length of a first run's backfill when Options.Days
// is 0.
const DefaultDays = 365

// DatasetChaos applies dataset-level faults to a day's batch; the
// *chaosdataset.Injector of package chaos/chaosdataset implements it, and its methods'
// documentation is the contract. The pipeline calls ApplyTable on the
// orders before record-level chaos, LandingDay to know the partition the
// batch lands in, and ApplyCSV on the bytes about to land.
type DatasetChaos interface {
	ApplyTable(ctx context.Context, day time.Time, spec chaos.TableSpec, in *edqm.Table) (*edqm.Table, []chaosdataset.Label, error)
	LandingDay(table string, day time.Time) time.Time
	ApplyCSV(ctx context.Context, day time.Time, table string, data []byte) ([]byte, []chaosdataset.Label, error)
}

// Options configure a run. A nil *Options means defaults; so does the zero
// value of each field. Use the same options for every run on a landing
// zone: the data of a day depends only on them and the day.
type Options struct {
	// Generator makes each day's data; nil means generate.New with the
	// zero generate.Config but for its Epoch: generate.EpochFor of the
	// first day ever landed on the landing zone (on a first run, the
	// backfill's first day), so that a range before 2024 lands too and
	// every run on a landing zone uses the same calendar.
	Generator generate.Generator
	// Injector corrupts each day's orders with labelled record-level
	// chaos; nil lands them clean, with no label files.
	Injector chaos.ChaosInjector
	// Dataset applies dataset-level chaos to each day's orders (volume,
	// late partitions, schema changes, malformed lines); nil applies none.
	// With it, the load checks each orders file's header first
	// (quality.CheckHeaders) and leaves drifted files, and their labels,
	// unloaded.
	Dataset DatasetChaos
	// Format is the format of the data files landed; "" means FormatCSV.
	// With FormatParquet, dataset chaos that rewrites CSV text (a schema
	// change, malformed lines) has no meaning and is refused, wrapping
	// ErrInvalidOptions (see [FormatParquet]).
	Format Format
	// Clock gives the run's time: the watermark's and the report's
	// timestamps, and the run's day when Day is zero. nil means the
	// system clock.
	Clock edqm.Clock
	// Day is the run's day: the last day landed. Zero means the Clock's
	// day (UTC).
	Day time.Time
	// Days is the length of a first run's backfill, and the span the
	// monitors score; 0 means DefaultDays.
	Days int
	// Project holds the models; nil means the built-in ones
	// (transform.Builtin).
	Project *transform.Project
	// Tests run with each report; nil means quality.DefaultTests().
	Tests []quality.Test
	// Monitors run with each report; nil means quality.DefaultMonitors()
	// with a detection window of Days days (at least 2), so that the
	// monitors score the whole span whatever this run landed.
	Monitors []quality.Monitor
	// History is the results history; nil means the default table
	// (quality.DefaultHistoryTable).
	History *quality.History
	// RunID names the run in the report and the history; empty means the
	// run's day, YYYY-MM-DD.
	RunID string
	// SnapshotKey is where the JSON report lands; empty means
	// quality.SnapshotKey of the run's day. HTMLKey is where the HTML
	// report lands; empty means SnapshotKey with .html for .json.
	SnapshotKey, HTMLKey string
	// Progress, when set, is called at the start and the end of each
	// stage, after each day landed, each request of files loaded (then
	// of at least 256 files, so that the count moves within a table) and
	// each model built; never concurrently. It must not keep or change
	// p.Result.
	Progress func(p Progress)
	// Logger gets a record per stage; nil logs nothing.
	Logger *slog.Logger
	// Reland lists days to land again from the options, byte for byte as
	// their manifests record: the remedy for a landed file deleted, cut
	// short or changed before it was loaded. A file the warehouse loaded
	// keeps its bytes, and options that would give other bytes than the
	// manifest records stop the run with nothing landed (wrapping
	// [ErrLoadedFileChanged]). Run with the options the day was landed
	// with; a day the run lands anyway is left to it.
	Reland []time.Time
	// Verify, when set, reads every table of the warehouse first ([Verify])
	// and stops the run, changing nothing, when one cannot be read.
	Verify bool
}

// Stage is a stage of a run, in the order they run.
type Stage string

// The stages of a run (see the package documentation).
const (
	StagePlan     Stage = "plan"
	StageLand     Stage = "land"
	StageAdvance  Stage = "advance"
	StageLoad     Stage = "load"
	StageBuild    Stage = "build"
	StageQuality  Stage = "quality"
	StageSnapshot Stage = "snapshot"
	StageHistory  Stage = "history"
	// StageVerify runs first, when Options.Verify is set.
	StageVerify Stage = "verify"
	// StageCheckpoint runs last: the warehouse writes its changes back to
	// its database file ([warehouse.Checkpointer]), so that the run ends
	// only when its data is durable.
	StageCheckpoint Stage = "checkpoint"
)

// Progress reports how far a run is.
type Progress struct {
	// Stage is the stage running.
	Stage Stage
	// Done and Total count the stage's work: days for StageLand, files
	// (those the load ledger does not hold) for StageLoad, models for
	// StageBuild, 0 and 1 for the others. A stage's first call has Done 0
	// and Total 1; StageLand, StageLoad and StageBuild then report their
	// count as it moves, up to Total on their last call (End), where both
	// are 0 when the stage had nothing to do.
	Done, Total int
	// End is true on the stage's last call: the stage's figures and its
	// Timing are in Result. A stage with nothing to do (no day to land,
	// models current, snapshot present) still ends.
	End bool
	// Result is the run's result so far.
	Result *Result
}

// Timing is how long a stage took (wall time).
type Timing struct {
	Stage    Stage
	Duration time.Duration
}

// Result is what a run did. Fields of stages not reached are zero.
type Result struct {
	// Day is the run's day; RunID its id in the report and history.
	Day   time.Time
	RunID string
	// Backfill is true on a first run (no watermark): its first day
	// lands with the product catalogue and every earlier customer.
	Backfill bool
	// Rebuilt is true when the watermark was missing and the run rebuilt
	// it from the manifests landed: it landed only the days without one
	// (Days), and no file twice.
	Rebuilt bool
	// Relanded are the days of Options.Reland landed again.
	Relanded []time.Time
	// TempRemoved counts the temporary files of killed runs removed from
	// the landing zone ([landing.TempRemover]) as the run started.
	TempRemoved int
	// Days are the days landed, in order; empty when up to date.
	Days []time.Time
	// Watermark is the last day landed after the run; zero when no day
	// ever landed.
	Watermark time.Time
	// Orders are the order rows landed (duplicates included); OrderIDs
	// the distinct order ids among them (summed over the days: a day's
	// order ids are its own); Labels the record-level chaos labels;
	// DatasetLabels the dataset-level ones.
	Orders, OrderIDs, Labels, DatasetLabels int64
	// Files, Rows and Rejected count what the load added: files loaded,
	// rows loaded and rows rejected (kept in the rejects table).
	Files          int
	Rows, Rejected int64
	// LeftOut are the landed files the load left out (see [ErrLeftOut]);
	// the run goes on to the report, records no history, and returns an
	// error naming them.
	LeftOut []LeftOut
	// Verified is the check of Options.Verify; nil when not asked.
	Verified *Verified
	// ModelsBuilt is the number of models built; 0 when they were current.
	ModelsBuilt int
	// Report is the quality report: its Tests and Monitors are the
	// results of this run.
	Report *quality.Report
	// HistoryRows is the number of rows appended to the results history;
	// 0 when the history already held the run id.
	HistoryRows int
	// SnapshotKey and HTMLKey are the keys written; empty when the
	// snapshot was current.
	SnapshotKey, HTMLKey string
	// FiguresKey is the key of the figures file written beside the JSON
	// snapshot (dashboard.WriteFigures, at dashboard.FiguresKey of
	// SnapshotKey), with which the dashboard's demo mode shows every view;
	// empty when it was current. It is written at the end of the history
	// stage, since it holds the results history's latest runs.
	FiguresKey string
	// Checkpointed is true when the warehouse wrote the run's changes back
	// to its database file (warehouse.Checkpointer); false for a
	// warehouse without checkpoints.
	Checkpointed bool
	// Timings holds each stage's duration, in the order they ran.
	Timings []Timing
}

// UpToDate reports whether the run landed no day.
func (r *Result) UpToDate() bool { return len(r.Days) == 0 }

// Duration returns the stage's duration, 0 when it did not run.
func (r *Result) Duration(s Stage) time.Duration {
	for _, t := range r.Timings {
		if t.Stage == s {
			return t.Duration
		}
	}
	return 0
}

// settings are the options with their defaults filled in.
type settings struct {
	Options
	progressMu sync.Mutex
}

// newSettings validates opts and fills in the defaults.
func newSettings(opts *Options) (*settings, error) {
	s := &settings{}
	if opts != nil {
		s.Options = *opts
	}
	if s.Days < 0 || s.Days > 100*366 {
		return nil, fmt.Errorf("%w: Days %d: want 0 to 36600", ErrInvalidOptions, s.Days)
	}
	if s.Days == 0 {
		s.Days = DefaultDays
	}
	if err := checkFormat(s.Format, s.Dataset); err != nil {
		return nil, err
	}
	if s.Clock == nil {
		s.Clock = edqm.ClockFunc(time.Now)
	}
	if s.Day.IsZero() {
		s.Day = s.Clock.Now().UTC()
	}
	s.Day = edqm.Day(s.Day)
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.History == nil {
		s.History = &quality.History{}
	}
	if s.RunID == "" {
		s.RunID = s.Day.Format(edqm.DateLayout)
	}
	if s.SnapshotKey == "" {
		s.SnapshotKey = quality.SnapshotKey(s.Day)
	}
	if s.HTMLKey == "" {
		s.HTMLKey = strings.TrimSuffix(s.SnapshotKey, ".json") + ".html"
	}
	for _, k := range []string{s.SnapshotKey, s.HTMLKey, dashboard.FiguresKey(s.SnapshotKey)} {
		if err := landing.ValidateKey(k); err != nil {
			return nil, fmt.Errorf("%w: snapshot key: %w", ErrInvalidOptions, err)
		}
	}
	s.Reland = slices.Clone(s.Reland) // the caller's slice stays as it is
	for i, d := range s.Reland {
		if s.Reland[i] = edqm.Day(d); s.Reland[i].After(s.Day) {
			return nil, fmt.Errorf("%w: Reland %s is after the run's day %s: a day is landed before it is re-landed",
				ErrInvalidOptions, s.Reland[i].Format(edqm.DateLayout), s.Day.Format(edqm.DateLayout))
		}
	}
	if s.Monitors == nil {
		s.Monitors = quality.DefaultMonitors()
		for i := range s.Monitors {
			s.Monitors[i].Detection.DetectionDays = max(2, s.Days)
		}
	}
	return s, nil
}

// project returns the models to build.
func (s *settings) project() (*transform.Project, error) {
	if s.Project != nil {
		return s.Project, nil
	}
	return builtinProject()
}

// report calls the Progress callback, one call at a time.
func (s *settings) report(p Progress) {
	if s.Progress == nil {
		return
	}
	s.progressMu.Lock()
	defer s.progressMu.Unlock()
	s.Progress(p)
}

// runner is one run's state.
type runner struct {
	s    *settings
	land landing.Lander
	wh   warehouse.Warehouse
	res  *Result
	// headers is the load's check of the orders files' headers, if made.
	headers *quality.MonitorResult
	// stale is set when this run built the models.
	stale bool
	// guard holds the ledger's files and the manifests, read by plan.
	guard *landGuard
	// upTo is the day the watermark advances to; zero when it stays.
	upTo time.Time
	// leftOut is the load's error when it left files out.
	leftOut error
	// work is the load's files to load, then the build's models (0 when
	// the models are current), for the stage's last Progress.
	work int
	// writeFigures is set by snapshot when the figures file is to be
	// written (by history, once the run's results are in the history).
	writeFigures bool
}

// stage runs f as stage st: it reports the start and the end, records the
// timing and logs the end.
func (r *runner) stage(ctx context.Context, st Stage, f func() error) error {
	r.s.report(Progress{Stage: st, Total: 1, Result: r.res})
	r.work = 0
	start := time.Now()
	if err := f(); err != nil {
		r.s.Logger.LogAttrs(ctx, slog.LevelError, "pipeline: stage failed", slog.String("stage", string(st)))
		return err
	}
	d := time.Since(start)
	r.res.Timings = append(r.res.Timings, Timing{Stage: st, Duration: d})
	r.s.Logger.LogAttrs(ctx, slog.LevelInfo, "pipeline: stage done", slog.String("stage", string(st)), slog.Duration("duration", d))
	total := 1
	switch st {
	case StageLand:
		total = len(r.res.Days)
	case StageLoad, StageBuild:
		total = r.work
	}
	r.s.report(Progress{Stage: st, Done: total, Total: total, End: true, Result: r.res})
	return nil
}

// Run runs the whole flow once on land and wh (see the package
// documentation for the stages) and returns what it did. opts may be nil.
//
// On error, Run returns the result so far with the error: the stages that
// ended are in it. An error from the watermark's compare-and-swap wraps
// [landing.ErrConflict]: another runner advanced it first; this run's files
// are landed, and the next run loads them. Run never closes land or wh.
func Run(ctx context.Context, land landing.Lander, wh warehouse.Warehouse, opts *Options) (*Result, error) {
	s, err := newSettings(opts)
	if err != nil {
		return nil, err
	}
	if land == nil || wh == nil {
		return nil, fmt.Errorf("%w: nil Lander or Warehouse", ErrInvalidOptions)
	}
	r := &runner{s: s, land: land, wh: wh, res: &Result{Day: s.Day, RunID: s.RunID}}
	var mark landing.Mark
	type step struct {
		stage Stage
		f     func() error
	}
	var steps []step
	if s.Verify {
		steps = append(steps, step{StageVerify, func() error { return r.verify(ctx) }})
	}
	steps = append(steps, []step{
		{StagePlan, func() error { mark, err = r.plan(ctx); return err }},
		{StageLand, func() error { return r.landDays(ctx) }},
		{StageAdvance, func() error { return r.advance(ctx, mark) }},
		{StageLoad, func() error { return r.load(ctx) }},
		{StageBuild, func() error { return r.build(ctx) }},
		{StageQuality, func() error { return r.quality(ctx) }},
		{StageSnapshot, func() error { return r.snapshot(ctx) }},
		{StageHistory, func() error { return r.history(ctx) }},
		{StageCheckpoint, func() error { return r.checkpoint(ctx) }},
	}...)
	for _, st := range steps {
		if err := r.stage(ctx, st.stage, st.f); err != nil {
			return r.res, err
		}
	}
	return r.res, r.leftOut
}

// plan reads the watermark, the ledger and the manifests, and lists the
// days to land: after the watermark; or, with no watermark, the Days days
// ending on the run's day (a backfill) when no manifest landed, else
// every day without a manifest from the first one landed (see
// planRebuild).
func (r *runner) plan(ctx context.Context) (landing.Mark, error) {
	mark, marked, err := landing.NewWatermark(r.land).Load(ctx)
	if err != nil {
		return mark, fmt.Errorf("pipeline: %w", err)
	}
	if r.guard, err = newLandGuard(ctx, r.land, r.wh); err != nil {
		return mark, err
	}
	if tr, ok := r.land.(landing.TempRemover); ok {
		if r.res.TempRemoved, err = tr.RemoveTemp(ctx); err != nil {
			return mark, fmt.Errorf("pipeline: %w", err)
		}
	}
	first := r.s.Day.AddDate(0, 0, -(r.s.Days - 1))
	switch {
	case marked:
		first = mark.LastDay.AddDate(0, 0, 1)
		r.res.Watermark = mark.LastDay
	case len(r.guard.manifests) > 0:
		r.planRebuild(first)
		return mark, nil
	case len(r.guard.loaded) > 0:
		return mark, fmt.Errorf("pipeline: the landing zone has no watermark (%s) and no manifest (%s), but the warehouse has loaded %d files: a backfill would land and load its days again. Restore the watermark: write {\"last_day\":\"YYYY-MM-DD\"} with the last day landed to %s",
			landing.WatermarkKey, landing.ManifestPrefix, len(r.guard.loaded), landing.WatermarkKey)
	default:
		r.res.Backfill = true
	}
	for d := first; !d.After(r.s.Day); d = d.AddDate(0, 0, 1) {
		r.res.Days = append(r.res.Days, d)
	}
	if len(r.res.Days) > 0 {
		r.upTo = r.res.Days[len(r.res.Days)-1]
	}
	return mark, nil
}

// planRebuild plans a run whose watermark is missing while manifests
// landed: the days to land are those without a manifest, from the first
// day landed (the backfill's, its manifest says First) to the run's day;
// when no manifest says First (a backfill interrupted before its first
// day's manifest), from windowStart too, the first of them landing as a
// backfill's first day. The watermark then moves to the run's day, or to
// the last manifest's day when later.
func (r *runner) planRebuild(windowStart time.Time) {
	ms := r.guard.sortedManifests()
	r.res.Rebuilt = true
	start := ms[0].Day
	hasFirst := slices.ContainsFunc(ms, func(m *landing.Manifest) bool { return m.First })
	if !hasFirst && windowStart.Before(start) {
		start = windowStart
		r.res.Backfill = true
	}
	for d := start; !d.After(r.s.Day); d = d.AddDate(0, 0, 1) {
		if r.guard.manifest(d) == nil {
			r.res.Days = append(r.res.Days, d)
		}
	}
	r.upTo = r.s.Day
	if last := ms[len(ms)-1].Day; last.After(r.upTo) {
		r.upTo = last
	}
}

// landDays lands the planned days, reporting each one.
func (r *runner) landDays(ctx context.Context) error {
	if len(r.res.Days) > 0 || len(r.s.Reland) > 0 {
		if err := withGenerator(ctx, r.land, &r.s.Options, append(slices.Clone(r.res.Days), r.s.Reland...)); err != nil {
			return err
		}
	}
	if err := r.relandDays(ctx, r.guard, r.res.Days); err != nil {
		return err
	}
	if len(r.res.Days) == 0 {
		return nil
	}
	done := 0
	got, err := landDays(ctx, r.land, r.res.Days, r.res.Backfill, &r.s.Options, r.guard, func() {
		if r.s.Progress == nil {
			return
		}
		r.s.progressMu.Lock()
		defer r.s.progressMu.Unlock()
		done++
		r.s.Progress(Progress{Stage: StageLand, Done: done, Total: len(r.res.Days), Result: r.res})
	})
	if err != nil {
		return err
	}
	r.res.Orders, r.res.OrderIDs, r.res.Labels, r.res.DatasetLabels = got.Orders, got.OrderIDs, got.Labels, got.DatasetLabels
	return nil
}
