package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/quality/dashboard"
	"github.com/edqm/edqm/warehouse"
)

// advance moves the watermark past the days landed (or, rebuilding it,
// to the day plan chose).
func (r *runner) advance(ctx context.Context, mark landing.Mark) error {
	if r.upTo.IsZero() {
		return nil
	}
	last := r.upTo
	if _, err := landing.NewWatermark(r.land).Advance(ctx, mark, last, r.s.Clock.Now()); err != nil {
		if errors.Is(err, landing.ErrConflict) {
			return fmt.Errorf("pipeline: another run advanced the watermark at the same time; its files are landed, run again to load them: %w", err)
		}
		return fmt.Errorf("pipeline: %w", err)
	}
	r.res.Watermark = last
	return nil
}

// load loads every landed file the ledger does not hold yet. Files left
// out (ErrLeftOut) do not stop the run: it goes on to the report, which
// shows them, and returns the error at its end.
func (r *runner) load(ctx context.Context) error {
	got, err := loadAll(ctx, r.wh, r.land, r.s.Dataset != nil, r.guard, func(done, total int) {
		r.work = total
		r.s.report(Progress{Stage: StageLoad, Done: done, Total: total, Result: r.res})
	})
	if got != nil {
		r.res.Files, r.res.Rows, r.res.Rejected = got.Files, got.Rows, got.Rejected
		r.headers, r.res.LeftOut = got.Headers, got.LeftOut
	}
	if errors.Is(err, ErrLeftOut) {
		r.leftOut, err = err, nil
	}
	return err
}

// leftOutResult shows the files left out in the report, as a failed
// check of error severity with a bucket per file.
func leftOutResult(files []LeftOut) quality.MonitorResult {
	r := quality.MonitorResult{Name: "landed_files_left_out", Type: quality.SchemaMonitor, Model: "landing", Severity: quality.Error,
		Status: quality.Fail, SQL: "-- each landed file against its manifest and its table's header", Anomalies: len(files)}
	parts := make([]string, len(files))
	for i, f := range files {
		r.Buckets = append(r.Buckets, quality.Bucket{Day: partitionDay(f.Key), Value: 1, HasValue: true, Trained: true, Anomalous: true})
		parts[i] = f.String()
	}
	r.Message = fmt.Sprintf("%d landed file(s) not loaded: %s", len(files), strings.Join(parts, " | "))
	return r
}

// build builds the models when the ledger moved since their last build
// (also after a crash between a load and a build).
func (r *runner) build(ctx context.Context) error {
	_, stale, err := modelsStale(ctx, r.wh)
	if err != nil || !stale {
		return err
	}
	p, err := r.s.project()
	if err != nil {
		return err
	}
	r.res.ModelsBuilt, err = build(ctx, r.wh, p, func(done, total int) {
		r.work = total
		r.s.report(Progress{Stage: StageBuild, Done: done, Total: total, Result: r.res})
	})
	r.stale = true
	return err
}

// quality runs the tests and monitors and computes the report. The
// monitors score the last Days days whatever this run landed, so a re-run
// after a crash reports the same.
func (r *runner) quality(ctx context.Context) error {
	opts := &quality.Options{Clock: r.s.Clock, RunID: r.s.RunID, Tests: r.s.Tests, Monitors: r.s.Monitors, History: r.s.History}
	if r.headers != nil {
		opts.MonitorResults = []quality.MonitorResult{*r.headers}
	}
	if len(r.res.LeftOut) > 0 {
		opts.MonitorResults = append(opts.MonitorResults, leftOutResult(r.res.LeftOut))
	}
	rep, err := quality.NewReporter(opts)
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	r.res.Report, err = rep.Report(ctx, r.wh)
	return err
}

// snapshot writes the report as JSON and HTML when something changed
// (this run landed, built or left files out), and otherwise each of the
// two a run interrupted before writing it left missing. It also decides
// whether the figures file is written (at the end of the history stage,
// see figures): on the same terms.
func (r *runner) snapshot(ctx context.Context) error {
	writeJSON, writeHTML := true, true
	r.writeFigures = true
	if !r.stale && len(r.res.Days) == 0 && len(r.res.LeftOut) == 0 {
		var err error
		if writeJSON, err = r.missing(ctx, r.s.SnapshotKey); err != nil {
			return err
		}
		if writeHTML, err = r.missing(ctx, r.s.HTMLKey); err != nil {
			return err
		}
		if r.writeFigures, err = r.missing(ctx, dashboard.FiguresKey(r.s.SnapshotKey)); err != nil {
			return err
		}
	}
	if writeJSON {
		if err := quality.WriteSnapshot(ctx, r.land, r.s.SnapshotKey, r.res.Report); err != nil {
			return fmt.Errorf("pipeline: %w", err)
		}
		r.res.SnapshotKey = r.s.SnapshotKey
	}
	if writeHTML {
		// The same views as the dashboard, as one self-contained page.
		var page bytes.Buffer
		if err := dashboard.WriteHTML(ctx, &page, &dashboard.Options{Warehouse: r.wh, Report: r.res.Report, Clock: r.s.Clock}); err != nil {
			return fmt.Errorf("pipeline: HTML report: %w", err)
		}
		if err := put(ctx, r.land, r.s.HTMLKey, page.Bytes()); err != nil {
			return err
		}
		r.res.HTMLKey = r.s.HTMLKey
	}
	return nil
}

// missing reports whether the landing zone lacks key.
func (r *runner) missing(ctx context.Context, key string) (bool, error) {
	rc, err := r.land.Get(ctx, key)
	switch {
	case errors.Is(err, landing.ErrNotFound):
		return true, nil
	case err != nil:
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return false, ctx.Err()
		}
		return false, fmt.Errorf("pipeline: read %s: %w", key, err)
	}
	return false, rc.Close()
}

// history appends the report's results to the results history unless it
// already holds the run id (quality.History.Append adds a run whole or not
// at all), then writes the figures file, which holds the history's latest
// runs.
func (r *runner) history(ctx context.Context) error {
	if r.leftOut == nil { // else recorded by the run that loads every file
		n, err := r.s.History.Append(ctx, r.wh, r.res.Report)
		switch {
		case errors.Is(err, quality.ErrRunExists):
			// recorded by an earlier run
		case err != nil:
			return fmt.Errorf("pipeline: %w", err)
		default:
			r.res.HistoryRows = n
		}
	}
	return r.figures(ctx)
}

// figures writes, when snapshot asked for it, the figures file beside the
// JSON snapshot (dashboard.WriteFigures): what the dashboard's demo mode
// needs, besides the snapshot, to show every view.
func (r *runner) figures(ctx context.Context) error {
	if !r.writeFigures {
		return nil
	}
	if err := dashboard.WriteFigures(ctx, r.land, r.s.SnapshotKey, r.wh, r.s.History.Table); err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return ctx.Err()
		}
		return fmt.Errorf("pipeline: %w", err)
	}
	r.res.FiguresKey = dashboard.FiguresKey(r.s.SnapshotKey)
	return nil
}

// checkpoint has the warehouse write the run's changes back to its
// database file, when it can ([warehouse.Checkpointer]): a run ends only
// once its data is durable, and says so when it cannot be.
func (r *runner) checkpoint(ctx context.Context) error {
	c, ok := r.wh.(warehouse.Checkpointer)
	if !ok {
		return nil
	}
	if err := c.Checkpoint(ctx); err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return ctx.Err()
		}
		return fmt.Errorf("pipeline: the run's changes are not yet durable: %w (free disk space, then run again: the run is repeated from what is landed)", err)
	}
	r.res.Checkpointed = true
	return nil
}
