// Package flowtest builds the test world of this module's tests and
// benchmarks (quality, quality/dashboard, transform) with package pipeline:
// generated days corrupted by record-level and, optionally, dataset-level
// chaos, landed in memory and loaded into an in-memory DuckDB. [New] lands
// and loads (and, with Config.Build, builds the built-in models); [Run]
// runs the whole flow as examples/full does (models, tests, monitors,
// results history, snapshot).
package flowtest

import (
	"context"
	"testing"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/chaos/chaosdataset"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/pipeline"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/transform"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// Config sets the world. The zero value of each field selects its default.
type Config struct {
	// Days of history; default 30.
	Days int
	// OrdersPerDay fixes each day's volume; default the generator's own
	// (50 to 150 with seasonality).
	OrdersPerDay int
	// Seed for the data and both kinds of chaos; default 1.
	Seed uint64
	// Last is the last day of the history; default 2026-03-10.
	Last time.Time
	// Rate is each record-level chaos kind's probability; default 0.02.
	Rate float64
	// DatasetRate is each dataset-level chaos kind's probability per day
	// (chaosdataset.Uniform); default 0, no dataset chaos. With it, the
	// load checks the orders files' headers and leaves drifted files and
	// their labels unloaded (World.Headers is the check).
	DatasetRate float64
	// Build runs the built-in models after the load (New; Run always
	// builds them).
	Build bool
	// Clock is the world's time (the warehouse's, the run's and the
	// report's); default fixed at Last.
	Clock edqm.Clock
	// Monitors are the monitors Run runs; nil means the pipeline's default
	// (every default monitor over Days days).
	Monitors []quality.Monitor
	// Shared keeps the warehouse open when the test that built the world
	// ends, for a world that the tests of a binary share; otherwise it is
	// closed when the test ends.
	Shared bool
}

// World is a loaded warehouse and what produced it.
type World struct {
	Warehouse *duckdbwarehouse.Warehouse
	Landing   *memlanding.Lander
	Generator generate.Generator
	Injector  chaos.ChaosInjector
	// Dataset is the dataset-level chaos; nil without Config.DatasetRate.
	Dataset *chaosdataset.Injector
	// Days landed, in order; Orders the order rows landed.
	Days   []time.Time
	Orders int64
	// Project holds the built-in models.
	Project *transform.Project
	// Clock is the world's time: Config.Clock, or fixed at the last day.
	Clock edqm.Clock
	// Headers is the load's check of the orders files' headers; nil
	// without dataset chaos.
	Headers *quality.MonitorResult
	// Result is what Run did (its Report is the run's report); nil for a
	// world made by New.
	Result *pipeline.Result

	days     int
	monitors []quality.Monitor
}

// New lands cfg.Days days and loads them; with cfg.Build it also builds
// the models (otherwise see Build).
func New(tb testing.TB, cfg Config) *World {
	tb.Helper()
	ctx := tb.Context()
	w := setup(tb, cfg)
	got, err := pipeline.LandDays(ctx, w.Landing, w.Days, true, w.options())
	if err != nil {
		tb.Fatal(err)
	}
	w.Orders = got.Orders
	loaded, err := pipeline.LoadAll(ctx, w.Warehouse, w.Landing, w.Dataset != nil)
	if err != nil {
		tb.Fatal(err)
	}
	w.Headers = loaded.Headers
	if cfg.Build {
		w.Build(tb)
	}
	return w
}

// Run runs the whole flow once, as examples/full does (pipeline.Run): a
// first run that backfills cfg.Days days, loads, builds the models, runs
// the default tests and cfg.Monitors, appends the results history and
// writes the snapshot. The result is in World.Result.
func Run(tb testing.TB, cfg Config) *World {
	tb.Helper()
	w := setup(tb, cfg)
	opts := w.options()
	opts.Days, opts.Monitors, opts.Project = w.days, w.monitors, w.Project
	res, err := pipeline.Run(tb.Context(), w.Landing, w.Warehouse, opts)
	if err != nil {
		tb.Fatal(err)
	}
	w.Result, w.Orders = res, res.Orders
	return w
}

// setup fills in cfg's defaults and opens the world's parts, empty.
func setup(tb testing.TB, cfg Config) *World {
	tb.Helper()
	if cfg.Days == 0 {
		cfg.Days = 30
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.Last.IsZero() {
		cfg.Last = time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	}
	if cfg.Rate == 0 {
		cfg.Rate = 0.02
	}
	if cfg.Clock == nil {
		cfg.Clock = edqm.FixedClock(cfg.Last)
	}
	gen, err := generate.New(generate.Config{Seed: cfg.Seed, MinOrders: cfg.OrdersPerDay, MaxOrders: cfg.OrdersPerDay})
	if err != nil {
		tb.Fatal(err)
	}
	inj, err := chaos.New(chaos.Config{Seed: cfg.Seed, Rates: chaos.Uniform(cfg.Rate)})
	if err != nil {
		tb.Fatal(err)
	}
	w := &World{Landing: memlanding.New(), Generator: gen, Injector: inj, Clock: cfg.Clock,
		days: cfg.Days, monitors: cfg.Monitors}
	if cfg.DatasetRate > 0 {
		if w.Dataset, err = chaosdataset.New(chaosdataset.Config{Seed: cfg.Seed, Rates: chaosdataset.Uniform(cfg.DatasetRate)}); err != nil {
			tb.Fatal(err)
		}
	}
	if w.Warehouse, err = duckdbwarehouse.Open(tb.Context(), "", &duckdbwarehouse.Options{Clock: cfg.Clock}); err != nil {
		tb.Fatal(err)
	}
	if !cfg.Shared {
		tb.Cleanup(func() { _ = w.Warehouse.Close() })
	}
	models, err := transform.Builtin()
	if err != nil {
		tb.Fatal(err)
	}
	if w.Project, err = transform.NewProject(models, nil); err != nil {
		tb.Fatal(err)
	}
	for i := range cfg.Days {
		w.Days = append(w.Days, cfg.Last.AddDate(0, 0, i-cfg.Days+1))
	}
	return w
}

// First is the first day of the world.
func (w *World) First() time.Time { return w.Days[0] }

// Last is the last day of the world.
func (w *World) Last() time.Time { return w.Days[len(w.Days)-1] }

// Build runs the built-in models.
func (w *World) Build(tb testing.TB) {
	tb.Helper()
	if _, err := pipeline.Build(tb.Context(), w.Warehouse, w.Project); err != nil {
		tb.Fatal(err)
	}
}

// AddDay lands and loads the day after the last one (it does not build)
// and returns the orders landed.
func (w *World) AddDay(ctx context.Context) (int64, error) {
	next := w.Days[len(w.Days)-1].AddDate(0, 0, 1)
	got, err := pipeline.LandDays(ctx, w.Landing, []time.Time{next}, false, w.options())
	if err != nil {
		return 0, err
	}
	w.Days = append(w.Days, next)
	w.Orders += got.Orders
	w.Clock = edqm.FixedClock(next)
	_, err = pipeline.LoadAll(ctx, w.Warehouse, w.Landing, w.Dataset != nil)
	return got.Orders, err
}

// options are the pipeline options of the world's generator, chaos and
// clock.
func (w *World) options() *pipeline.Options {
	o := &pipeline.Options{Generator: w.Generator, Injector: w.Injector, Clock: w.Clock}
	if w.Dataset != nil {
		o.Dataset = w.Dataset
	}
	return o
}
