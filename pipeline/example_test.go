package pipeline_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing"
	_ "github.com/edqm/edqm/landing/filelanding" // file://
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/pipeline"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse" // and duckdb://
)

// The Example functions have no *testing.T: they use the background context,
// as a program would.

// Run a week's backfill on an in-memory landing zone and an in-memory
// DuckDB, then the same day again: the second run lands nothing, builds
// nothing and records nothing twice.
func Example() {
	ctx := context.Background()
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	land := memlanding.New()
	wh, err := duckdbwarehouse.Open(ctx, "", nil) // "": in memory
	if err != nil {
		panic(err)
	}
	defer wh.Close()
	gen, _ := generate.New(generate.Config{Seed: 7})
	inj, _ := chaos.New(chaos.Config{Seed: 7, Rates: chaos.Uniform(0.02)})
	opts := &pipeline.Options{Generator: gen, Injector: inj, Clock: edqm.FixedClock(day), Days: 7}

	for range 2 {
		res, err := pipeline.Run(ctx, land, wh, opts)
		if err != nil {
			panic(err)
		}
		fmt.Printf("run %s: %d days landed, %d orders, %d labels, %d files loaded, %d models built, %d history rows\n",
			res.RunID, len(res.Days), res.Orders, res.Labels, res.Files, res.ModelsBuilt, res.HistoryRows)
	}
	// Output:
	// run 2026-03-10: 7 days landed, 716 orders, 80 labels, 22 files loaded, 5 models built, 51 history rows
	// run 2026-03-10: 0 days landed, 0 orders, 0 labels, 0 files loaded, 0 models built, 0 history rows
}

// The README's example: a folder and a DuckDB file, opened by URL, and a
// 30-day backfill with 2 % of each chaos kind.
func ExampleRun() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "edqm")
	defer os.RemoveAll(dir)
	fileURL := func(scheme, name string) string {
		return (&url.URL{Scheme: scheme, Path: filepath.ToSlash(filepath.Join(dir, name))}).String()
	}

	land, err := landing.Open(ctx, fileURL("file", "landing"), nil)
	if err != nil {
		panic(err)
	}
	defer land.Close()
	wh, err := warehouse.Open(ctx, fileURL("duckdb", "warehouse.duckdb"), nil)
	if err != nil {
		panic(err)
	}
	defer wh.Close()
	inj, err := chaos.New(chaos.Config{Seed: 42, Rates: chaos.Uniform(0.02)})
	if err != nil {
		panic(err)
	}
	res, err := pipeline.Run(ctx, land, wh, &pipeline.Options{
		Injector: inj,
		Days:     30,
		Clock:    edqm.FixedClock(time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)),
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d days, %d orders, Health Score %.1f, snapshot %s\n",
		len(res.Days), res.Orders, res.Report.HealthScore, res.SnapshotKey)
	// Output:
	// 30 days, 3100 orders, Health Score 90.0, snapshot _reports/report-2026-03-10.json
}

// A progress callback prints each stage as it ends.
func ExampleOptions_progress() {
	ctx := context.Background()
	wh, err := duckdbwarehouse.Open(ctx, "", nil)
	if err != nil {
		panic(err)
	}
	defer wh.Close()
	opts := &pipeline.Options{
		Days:  3,
		Clock: edqm.FixedClock(time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)),
		Progress: func(p pipeline.Progress) {
			if p.End {
				fmt.Printf("%s done (%d/%d)\n", p.Stage, p.Done, p.Total)
			}
		},
	}
	if _, err := pipeline.Run(ctx, memlanding.New(), wh, opts); err != nil {
		panic(err)
	}
	// Output:
	// plan done (1/1)
	// land done (3/3)
	// advance done (1/1)
	// load done (7/7)
	// build done (5/5)
	// quality done (1/1)
	// snapshot done (1/1)
	// history done (1/1)
	// checkpoint done (1/1)
}
