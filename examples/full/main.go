// Command full runs the whole EDQM pipeline on the embedded default: it
// generates a year of e-commerce orders, corrupts them with labelled chaos,
// lands them as CSV files in a local folder, loads them into an embedded
// DuckDB warehouse, builds the SQL models, tests them, and prints the Data
// Health Score, Revenue at Risk and how well each chaos kind was caught.
//
//	go run ./examples/full                 # first run: backfill 365 days
//	go run ./examples/full                 # same day again: up to date
//	go run ./examples/full -now 2026-12-01 # later: only the new days
//
// Everything goes under one folder (-data, default ./edqm-data): landing/
// for the files and the watermark, warehouse.duckdb for the warehouse.
// -landing and -warehouse take URLs instead (landing.Open, warehouse.Open),
// so the same run can land elsewhere with nothing else changed. On s3://,
// each S3 call is tried up to -s3-attempts times (default 10) with
// exponential back-off. The flow itself is pipeline.Run: this program is
// flags and printing over public packages only, so it can be copied.
//
// Exit codes: 0 done (or up to date); 1 the pipeline failed, with an error
// naming what failed (a file that could not land names its key); 2 a bad
// command line; 3 another run got in the way and this one stopped: it holds
// the embedded warehouse file ("another run is using the warehouse …;
// nothing was changed"), or it advanced the watermark first ("another run
// advanced the watermark …"). After exit 3, run again later. A run killed
// at any point is repaired by running it again.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing"
	_ "github.com/edqm/edqm/landing/filelanding" // file://
	_ "github.com/edqm/edqm/landing/memlanding"  // mem://
	_ "github.com/edqm/edqm/landing/s3landing"   // s3://
	"github.com/edqm/edqm/pipeline"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/warehouse"
	_ "github.com/edqm/edqm/warehouse/duckdbwarehouse"    // duckdb://
	_ "github.com/edqm/edqm/warehouse/snowflakewarehouse" // snowflake://
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, time.Now))
}

// config is the parsed command line; httpClient (S3 requests) and
// beforeAdvance (between landing and the watermark's advance) are set by
// tests only.
type config struct {
	dataDir, landingURL, warehouseURL string
	now                               time.Time // the run's day, midnight UTC
	clock                             edqm.Clock
	days, s3Attempts                  int
	seed                              uint64
	chaos                             chaos.Config
	httpClient                        *http.Client
	beforeAdvance                     func()
}

// Exit codes: ok; the pipeline failed; bad command line; another run held
// the warehouse or moved the watermark (run again later).
const exitOK, exitFailed, exitUsage, exitConflict = 0, 1, 2, 3

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, wall func() time.Time) int {
	cfg, err := parseFlags(args, stderr, wall)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "edqm: %v\n", err)
		return exitUsage
	}
	return finish(runPipeline(ctx, cfg, stdout), stderr)
}

// finish prints a pipeline's error and returns its exit code.
func finish(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "edqm: %v\n", err)
	if errors.Is(err, warehouse.ErrLocked) || errors.Is(err, landing.ErrConflict) {
		return exitConflict
	}
	return exitFailed
}

func parseFlags(args []string, stderr io.Writer, wall func() time.Time) (cfg config, err error) {
	fs := flag.NewFlagSet("full", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var now, mode string
	r := &cfg.chaos.Rates
	fs.StringVar(&cfg.dataDir, "data", "edqm-data", "data `folder`: landing files, watermark and the DuckDB warehouse go here")
	fs.StringVar(&cfg.landingURL, "landing", "", "landing `URL` (file:///path, s3://bucket/prefix?region=..., mem://); default the folder landing/ under -data")
	fs.StringVar(&cfg.warehouseURL, "warehouse", "", "warehouse `URL` (duckdb:///path/file.duckdb, duckdb://memory, snowflake://user@account/db/schema?warehouse=...); default warehouse.duckdb under -data")
	fs.StringVar(&now, "now", "", "the run's `day` (YYYY-MM-DD); default today (UTC). A later day lands only the days since the last run")
	fs.IntVar(&cfg.days, "days", 365, "days to backfill on the first run")
	fs.Uint64Var(&cfg.seed, "seed", 42, "random seed: the same seed gives the same data and the same chaos")
	fs.Float64Var(&r.Calculation, "calculation", 0.02, "share of orders with a Calculation error (total ≠ quantity × price)")
	fs.Float64Var(&r.Temporal, "temporal", 0.02, "share of orders with a Temporal error (future date, before signup)")
	fs.Float64Var(&r.Integrity, "integrity", 0.02, "share of orders with an Integrity error (ghost or NULL key)")
	fs.Float64Var(&r.Domain, "domain", 0.02, "share of orders with a Domain error (negative amount, bad status, bad quantity)")
	fs.Float64Var(&r.Duplication, "duplication", 0.02, "share of orders duplicated (exact or conflicting)")
	fs.StringVar(&mode, "mode", "exclusive", "chaos `mode`: exclusive (at most one kind per order) or stacked")
	fs.IntVar(&cfg.s3Attempts, "s3-attempts", 10, "attempts per S3 call, the first included, with exponential back-off (s3:// landing only)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./examples/full [flags]\n\nRuns the whole EDQM pipeline on a local folder and an embedded DuckDB.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	cfg.clock, cfg.now = edqm.ClockFunc(wall), edqm.Day(wall().UTC())
	switch err := fs.Parse(args); {
	case err != nil:
		return cfg, err
	case fs.NArg() > 0:
		return cfg, fmt.Errorf("unexpected argument %q (flags start with -)", fs.Arg(0))
	case mode != "exclusive" && mode != "stacked":
		return cfg, fmt.Errorf("invalid value %q for -mode: want exclusive or stacked", mode)
	case cfg.days < 1 || cfg.days > 100*366:
		return cfg, fmt.Errorf("invalid value %d for -days: want 1 to 36600", cfg.days)
	case cfg.dataDir == "":
		return cfg, errors.New("invalid value for -data: empty folder name")
	case cfg.s3Attempts < 1 || cfg.s3Attempts > 100:
		return cfg, fmt.Errorf("invalid value %d for -s3-attempts: want 1 to 100", cfg.s3Attempts)
	}
	if now != "" {
		if cfg.now, err = time.Parse(edqm.DateLayout, now); err != nil {
			return cfg, fmt.Errorf("invalid value %q for -now: want a date as YYYY-MM-DD", now)
		}
		cfg.clock = edqm.FixedClock(cfg.now)
	}
	cfg.chaos.Seed, cfg.chaos.Mode = cfg.seed, map[string]chaos.Mode{"exclusive": chaos.Exclusive, "stacked": chaos.Stacked}[mode]
	if err := cfg.chaos.Validate(); err != nil {
		return cfg, fmt.Errorf("invalid chaos flags: %w", err)
	}
	return cfg, nil
}

// runPipeline opens the landing and the warehouse, runs pipeline.Run and
// prints each stage's line as it ends, then the report's summary.
func runPipeline(ctx context.Context, cfg config, out io.Writer) (err error) {
	gen, err := generate.New(generate.Config{Seed: cfg.seed})
	if err != nil {
		return err
	}
	inj, err := chaos.New(cfg.chaos)
	if err != nil {
		return err
	}
	dir, err := filepath.Abs(cfg.dataDir)
	if err != nil {
		return fmt.Errorf("data folder %q: %w", cfg.dataDir, err)
	}
	landURL, whURL := cfg.landingURL, cfg.warehouseURL
	if landURL == "" {
		landURL = (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(dir, "landing"))}).String()
	}
	if whURL == "" {
		whURL = (&url.URL{Scheme: "duckdb", Path: filepath.ToSlash(filepath.Join(dir, "warehouse.duckdb"))}).String()
	}
	land, err := landing.Open(ctx, landURL, &landing.OpenOptions{HTTPClient: cfg.httpClient, MaxAttempts: cfg.s3Attempts})
	if err != nil {
		return err
	}
	defer land.Close()
	// Read the watermark before the warehouse is opened (or created), so
	// that a corrupt one stops the run with nothing written.
	if _, _, err := landing.NewWatermark(land).Load(ctx); err != nil {
		return err
	}
	wh, err := warehouse.Open(ctx, whURL, &warehouse.OpenOptions{Clock: cfg.clock})
	if errors.Is(err, warehouse.ErrLocked) {
		return fmt.Errorf("another run is using the warehouse %s; nothing was changed: %w", where(whURL), err)
	} else if err != nil {
		return err
	}
	defer func() {
		if cerr := wh.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	fmt.Fprintf(out, "EDQM data\n  landing   %s\n  warehouse %s\n\n", where(landURL), where(whURL))
	res, err := pipeline.Run(ctx, land, wh, &pipeline.Options{Generator: gen, Injector: inj, Clock: cfg.clock, Day: cfg.now,
		Days: cfg.days, Progress: func(p pipeline.Progress) { progress(p, cfg, out, land, landURL) }})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n%s", res.Report.Summary())
	return nil
}

// progress prints a stage's line when it ends, and runs the test hook.
func progress(p pipeline.Progress, cfg config, out io.Writer, land landing.Lander, landURL string) {
	r, ms := p.Result, func(s ...pipeline.Stage) time.Duration {
		var d time.Duration
		for _, st := range s {
			d += p.Result.Duration(st)
		}
		return d.Round(time.Millisecond)
	}
	switch {
	case p.Stage == pipeline.StageAdvance && !p.End && cfg.beforeAdvance != nil && !r.UpToDate():
		cfg.beforeAdvance()
	case !p.End:
	case p.Stage == pipeline.StageAdvance && r.UpToDate():
		fmt.Fprintf(out, "Up to date: the watermark is at %s and -now is %s; nothing to land.\n",
			r.Watermark.Format(edqm.DateLayout), r.Day.Format(edqm.DateLayout))
	case p.Stage == pipeline.StageAdvance:
		what := map[bool]string{true: "Backfilled", false: "Landed"}[r.Backfill]
		fmt.Fprintf(out, "%s %s (%s to %s): %s orders, %s chaos labels (%s)\n", what, plural(len(r.Days), "day"),
			r.Days[0].Format(edqm.DateLayout), r.Days[len(r.Days)-1].Format(edqm.DateLayout),
			quality.FormatCount(r.Orders), quality.FormatCount(r.Labels), ms(pipeline.StageLand, pipeline.StageAdvance))
	case p.Stage == pipeline.StageLoad && r.Files == 0:
		fmt.Fprintln(out, "Loaded 0 new files: the warehouse has every landed file.")
	case p.Stage == pipeline.StageLoad:
		fmt.Fprintf(out, "Loaded %s: %s rows, %s rejected (%s)\n", plural(r.Files, "file"), quality.FormatCount(r.Rows),
			quality.FormatCount(r.Rejected), ms(pipeline.StageLoad))
	case p.Stage == pipeline.StageBuild && r.ModelsBuilt == 0:
		fmt.Fprintln(out, "Models are current: nothing rebuilt.")
	case p.Stage == pipeline.StageBuild:
		fmt.Fprintf(out, "Built %d models (%s)\n", r.ModelsBuilt, ms(pipeline.StageBuild))
	case p.Stage == pipeline.StageSnapshot && r.SnapshotKey != "":
		shown := r.SnapshotKey + " in " + where(landURL)
		if lp, ok := land.(landing.LocalPather); ok {
			if path, err := lp.LocalPath(r.SnapshotKey); err == nil {
				shown = path
			}
		}
		fmt.Fprintf(out, "Report snapshot %s\n", shown)
	}
}

// where tells a person where a URL points: a path for local files, the URL
// (without any password) otherwise.
func where(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(malformed URL)"
	}
	if (u.Scheme == "file" || u.Scheme == "duckdb") && u.Opaque == "" && u.Host == "" && u.Path != "" {
		return filepath.FromSlash(u.Path)
	}
	if u.User != nil || u.Opaque != "" {
		return landing.RedactURL(u)
	}
	return raw
}

// plural renders "1 day", "2 days".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return quality.FormatCount(int64(n)) + " " + noun + "s"
}
