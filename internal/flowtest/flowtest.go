// Package flowtest builds warehouses for the benchmarks of library packages
// (quality, transform) with the steps of package pipeline: generated days
// corrupted by chaos, landed in memory and loaded into an in-memory DuckDB,
// then optionally built with the built-in models.
package flowtest

import (
	"context"
	"testing"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/pipeline"
	"github.com/edqm/edqm/transform"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// Config sets the world's size. The zero value of each field selects its
// default.
type Config struct {
	// Days of history; default 30.
	Days int
	// OrdersPerDay fixes each day's volume; default the generator's own
	// (50 to 150 with seasonality).
	OrdersPerDay int
	// Seed for the data and the chaos; default 1.
	Seed uint64
	// Last is the last day of the history; default 2026-03-10.
	Last time.Time
	// Rate is each chaos kind's probability; default 0.02.
	Rate float64
}

// World is a loaded warehouse and what produced it.
type World struct {
	Warehouse *duckdbwarehouse.Warehouse
	Landing   *memlanding.Lander
	Generator generate.Generator
	Injector  chaos.ChaosInjector
	// Days landed, in order; Orders the order rows landed.
	Days   []time.Time
	Orders int64
	// Project holds the built-in models.
	Project *transform.Project
	// Clock is fixed at the last day.
	Clock edqm.Clock
}

// New lands cfg.Days days and loads them (the models are not built; see
// Build). The warehouse is closed when the test ends.
func New(tb testing.TB, cfg Config) *World {
	tb.Helper()
	ctx := tb.Context()
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
	gen, err := generate.New(generate.Config{Seed: cfg.Seed, MinOrders: cfg.OrdersPerDay, MaxOrders: cfg.OrdersPerDay})
	if err != nil {
		tb.Fatal(err)
	}
	inj, err := chaos.New(chaos.Config{Seed: cfg.Seed, Rates: chaos.Uniform(cfg.Rate)})
	if err != nil {
		tb.Fatal(err)
	}
	wh, err := duckdbwarehouse.Open(ctx, "", &duckdbwarehouse.Options{Clock: edqm.FixedClock(cfg.Last)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = wh.Close() })
	models, err := transform.Builtin()
	if err != nil {
		tb.Fatal(err)
	}
	proj, err := transform.NewProject(models, nil)
	if err != nil {
		tb.Fatal(err)
	}
	w := &World{Warehouse: wh, Landing: memlanding.New(), Generator: gen, Injector: inj, Project: proj,
		Clock: edqm.FixedClock(cfg.Last)}
	for i := range cfg.Days {
		w.Days = append(w.Days, cfg.Last.AddDate(0, 0, i-cfg.Days+1))
	}
	got, err := pipeline.LandDays(ctx, w.Landing, w.Days, true, w.options())
	if err != nil {
		tb.Fatal(err)
	}
	w.Orders = got.Orders
	if _, err := pipeline.LoadAll(ctx, wh, w.Landing, false); err != nil {
		tb.Fatal(err)
	}
	return w
}

// Build runs the built-in models.
func (w *World) Build(tb testing.TB) {
	tb.Helper()
	if _, err := w.Project.Run(tb.Context(), w.Warehouse, nil); err != nil {
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
	_, err = pipeline.LoadAll(ctx, w.Warehouse, w.Landing, false)
	return got.Orders, err
}

// options are the pipeline options of the world's generator and chaos.
func (w *World) options() *pipeline.Options {
	return &pipeline.Options{Generator: w.Generator, Injector: w.Injector, Clock: w.Clock}
}
