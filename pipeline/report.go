package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/quality/dashboard"
)

// advance moves the watermark past the days landed.
func (r *runner) advance(ctx context.Context, mark landing.Mark) error {
	if len(r.res.Days) == 0 {
		return nil
	}
	last := r.res.Days[len(r.res.Days)-1]
	if _, err := landing.NewWatermark(r.land).Advance(ctx, mark, last, r.s.Clock.Now()); err != nil {
		if errors.Is(err, landing.ErrConflict) {
			return fmt.Errorf("pipeline: another run advanced the watermark at the same time; its files are landed, run again to load them: %w", err)
		}
		return fmt.Errorf("pipeline: %w", err)
	}
	r.res.Watermark = last
	return nil
}

// load loads every landed file the ledger does not hold yet.
func (r *runner) load(ctx context.Context) error {
	got, err := LoadAll(ctx, r.wh, r.land, r.s.Dataset != nil)
	if got != nil {
		r.res.Files, r.res.Rows, r.res.Rejected = got.Files, got.Rows, got.Rejected
		r.headers = got.Headers
	}
	return err
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
	r.res.ModelsBuilt, err = Build(ctx, r.wh, p)
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
	rep, err := quality.NewReporter(opts)
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	r.res.Report, err = rep.Report(ctx, r.wh)
	return err
}

// snapshot writes the report as JSON and HTML when something changed, or
// when a run interrupted before writing it left none for this day.
func (r *runner) snapshot(ctx context.Context) error {
	if !r.stale && len(r.res.Days) == 0 {
		rc, err := r.land.Get(ctx, r.s.SnapshotKey)
		switch {
		case errors.Is(err, landing.ErrNotFound):
		case err != nil:
			return fmt.Errorf("pipeline: read the report snapshot: %w", err)
		default:
			return rc.Close()
		}
	}
	if err := quality.WriteSnapshot(ctx, r.land, r.s.SnapshotKey, r.res.Report); err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	// The same views as the dashboard, as one self-contained page.
	var page bytes.Buffer
	if err := dashboard.WriteHTML(ctx, &page, &dashboard.Options{Warehouse: r.wh, Report: r.res.Report, Clock: r.s.Clock}); err != nil {
		return fmt.Errorf("pipeline: HTML report: %w", err)
	}
	if err := put(ctx, r.land, r.s.HTMLKey, page.Bytes()); err != nil {
		return err
	}
	r.res.SnapshotKey, r.res.HTMLKey = r.s.SnapshotKey, r.s.HTMLKey
	return nil
}

// history appends the report's results to the results history unless it
// already holds the run id; quality.History.Append adds a run whole or not
// at all.
func (r *runner) history(ctx context.Context) error {
	n, err := r.s.History.Append(ctx, r.wh, r.res.Report)
	if errors.Is(err, quality.ErrRunExists) {
		return nil // recorded by an earlier run
	}
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	r.res.HistoryRows = n
	return nil
}
