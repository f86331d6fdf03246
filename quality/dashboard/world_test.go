package dashboard_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/internal/flowtest"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/quality/dashboard"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// world is the pipeline's output, as examples/full leaves it: a warehouse
// with its models built, chaos labels, the results history of one run, and
// a report snapshot in a landing.
type world struct {
	cfg  worldConfig
	w    *duckdbwarehouse.Warehouse
	land *memlanding.Lander
	// rep is the report the pipeline wrote (with monitors); live is the
	// one the dashboard computes live (default tests, monitors from the
	// history), for the same data and Clock.
	rep, live *quality.Report
	snapKey   string
	clock     edqm.Clock
}

type worldConfig struct {
	days int
	seed uint64
	rate float64
	last time.Time
}

// testWorld is the world most tests share: 40 days, enough for monitor
// bands over the last 12.
var testWorld = worldConfig{days: 40, seed: 7, rate: 0.03, last: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)}

// defaultWorld is examples/full's default data (365 days, seed 42, 2 % per
// kind), for the README's screenshot.
var defaultWorld = worldConfig{days: 365, seed: 42, rate: 0.02, last: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)}

var (
	worldsMu sync.Mutex
	worlds   = map[worldConfig]*world{}
)

// getWorld builds a world once per test binary; tests only read it.
func getWorld(t testing.TB, cfg worldConfig) *world {
	t.Helper()
	worldsMu.Lock()
	defer worldsMu.Unlock()
	if wo, ok := worlds[cfg]; ok {
		return wo
	}
	wo, err := buildWorld(t, cfg)
	if err != nil {
		t.Fatalf("building the test data: %v", err)
	}
	worlds[cfg] = wo
	return wo
}

// monitors are the default monitors with a detection window long enough
// to draw.
func monitors() []quality.Monitor {
	ms := quality.DefaultMonitors()[:2] // volume and freshness of stg_orders
	for i := range ms {
		ms[i].Detection.DetectionDays = 12
	}
	return ms
}

// buildWorld runs the pipeline once over cfg (flowtest.Run: the models,
// the default tests, monitors(), the history and the snapshot) at 06:00 on
// the last day, and computes the live report. The world is shared by the
// binary's tests, so its warehouse stays open.
func buildWorld(t testing.TB, cfg worldConfig) (*world, error) {
	ctx := t.Context()
	clock := edqm.FixedClock(cfg.last.Add(6 * time.Hour))
	fw := flowtest.Run(t, flowtest.Config{Days: cfg.days, Seed: cfg.seed, Rate: cfg.rate, Last: cfg.last,
		Clock: clock, Monitors: monitors(), Shared: true})
	wo := &world{cfg: cfg, w: fw.Warehouse, land: fw.Landing, rep: fw.Result.Report, snapKey: fw.Result.SnapshotKey, clock: clock}
	// What the pipeline should write beside the snapshot: the figures
	// demo mode needs for every view.
	if err := dashboard.WriteFigures(ctx, wo.land, wo.snapKey, wo.w, ""); err != nil {
		return nil, err
	}
	// What live mode computes: the default tests, and the monitors as the
	// history recorded them.
	r, err := quality.NewReporter(&quality.Options{Clock: wo.clock, MonitorResults: wo.rep.Monitors})
	if err != nil {
		return nil, err
	}
	if wo.live, err = r.Report(ctx, wo.w); err != nil {
		return nil, err
	}
	if len(wo.rep.Monitors) == 0 || len(wo.rep.Monitors[0].Buckets) == 0 {
		return nil, fmt.Errorf("the world has no monitor buckets: %+v", wo.rep.Monitors)
	}
	return wo, nil
}

// dayRange returns n of the report's days from the from-th, as a
// from/to range.
func (wo *world) dayRange(from, n int) (string, string) {
	days := wo.rep.Days
	return days[from].Day, days[min(from+n, len(days))-1].Day
}
