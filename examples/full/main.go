// Command full runs the whole EDQM pipeline: it generates a year of
// e-commerce orders, corrupts them with labelled chaos, lands them as CSV
// files, loads them into a warehouse, builds the SQL models, tests them,
// and prints the Data Health Score, Revenue at Risk and how well each chaos
// kind was caught. The flow is pipeline.Run: this program is flags and
// printing over public packages only, so it can be copied.
//
//	go run ./examples/full                 # first run: backfill 365 days
//	go run ./examples/full                 # same day again: up to date
//	go run ./examples/full -now 2026-12-01 # later: only the new days
//
// Everything goes under one folder (-data, default ./edqm-data): landing/
// and warehouse.duckdb. -landing and -warehouse take URLs instead
// (landing.Open, warehouse.Open). On s3://, each call is tried up to
// -s3-attempts times (default 10) with exponential back-off. -log debug,
// info, warn or error writes the libraries' logs (stages, S3 retries, the
// Snowflake driver's lines) to stderr as text records of that level and
// above; the default, off, writes none. No credential is logged.
//
// Exit codes: 0 done (or up to date); 1 the pipeline failed, with an error
// naming what failed; 2 a bad command line; 3 another run got in the way
// and this one stopped, changing nothing ("another run is using the
// warehouse …") or with its files landed ("another run advanced the
// watermark …"): run again later. A run killed at any point is repaired by
// running it again.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
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
	"github.com/edqm/edqm/warehouse"
	_ "github.com/edqm/edqm/warehouse/duckdbwarehouse"    // duckdb://
	_ "github.com/edqm/edqm/warehouse/snowflakewarehouse" // snowflake://
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, time.Now))
}

// config is the parsed command line: the URLs, and the run's options but
// its Progress. httpClient (S3 requests) and beforeAdvance (between landing
// and the watermark's advance) are set by tests only.
type config struct {
	dataDir, landingURL, warehouseURL string
	s3Attempts                        int
	opts                              pipeline.Options // with Logger: -log, on stderr
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
	var now, mode, logLevel string
	var cc chaos.Config
	r, o := &cc.Rates, &cfg.opts
	fs.StringVar(&cfg.dataDir, "data", "edqm-data", "data `folder`: landing files, watermark and the DuckDB warehouse go here")
	fs.StringVar(&cfg.landingURL, "landing", "", "landing `URL` (file:///path, s3://bucket/prefix?region=..., mem://); default the folder landing/ under -data")
	fs.StringVar(&cfg.warehouseURL, "warehouse", "", "warehouse `URL` (duckdb:///path/file.duckdb, duckdb://memory, snowflake://user@account/db/schema?warehouse=...); default warehouse.duckdb under -data")
	fs.StringVar(&now, "now", "", "the run's `day` (YYYY-MM-DD); default today (UTC). A later day lands only the days since the last run")
	fs.IntVar(&o.Days, "days", 365, "days to backfill on the first run")
	fs.Uint64Var(&cc.Seed, "seed", 42, "random seed: the same seed gives the same data and the same chaos")
	fs.Float64Var(&r.Calculation, "calculation", 0.02, "share of orders with a Calculation error (total ≠ quantity × price)")
	fs.Float64Var(&r.Temporal, "temporal", 0.02, "share of orders with a Temporal error (future date, before signup)")
	fs.Float64Var(&r.Integrity, "integrity", 0.02, "share of orders with an Integrity error (ghost or NULL key)")
	fs.Float64Var(&r.Domain, "domain", 0.02, "share of orders with a Domain error (negative amount, bad status, bad quantity)")
	fs.Float64Var(&r.Duplication, "duplication", 0.02, "share of orders duplicated (exact or conflicting)")
	fs.StringVar(&mode, "mode", "exclusive", "chaos `mode`: exclusive (at most one kind per order) or stacked")
	fs.IntVar(&cfg.s3Attempts, "s3-attempts", 10, "attempts per S3 call, the first included, with exponential back-off (s3:// landing only)")
	fs.StringVar(&logLevel, "log", "off", "log `level` on stderr: off, debug, info, warn or error")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./examples/full [flags]\n\nRuns the whole EDQM pipeline on a local folder and an embedded DuckDB.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	o.Clock, o.Day = edqm.ClockFunc(wall), edqm.Day(wall().UTC())
	err = fs.Parse(args)
	level, logOn := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[logLevel]
	switch {
	case err != nil:
		return cfg, err
	case fs.NArg() > 0:
		return cfg, fmt.Errorf("unexpected argument %q (flags start with -)", fs.Arg(0))
	case mode != "exclusive" && mode != "stacked":
		return cfg, fmt.Errorf("invalid value %q for -mode: want exclusive or stacked", mode)
	case o.Days < 1 || o.Days > 100*366:
		return cfg, fmt.Errorf("invalid value %d for -days: want 1 to 36600", o.Days)
	case cfg.dataDir == "":
		return cfg, errors.New("invalid value for -data: empty folder name")
	case cfg.s3Attempts < 1 || cfg.s3Attempts > 100:
		return cfg, fmt.Errorf("invalid value %d for -s3-attempts: want 1 to 100", cfg.s3Attempts)
	case !logOn && logLevel != "off":
		return cfg, fmt.Errorf("invalid value %q for -log: want off, debug, info, warn or error", logLevel)
	}
	if now != "" {
		if o.Day, err = time.Parse(edqm.DateLayout, now); err != nil {
			return cfg, fmt.Errorf("invalid value %q for -now: want a date as YYYY-MM-DD", now)
		}
		o.Clock = edqm.FixedClock(o.Day)
	}
	o.Logger = slog.New(slog.DiscardHandler) // not nil: the Snowflake driver logs to the last Logger given
	if logOn {
		o.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	}
	cc.Mode = map[string]chaos.Mode{"exclusive": chaos.Exclusive, "stacked": chaos.Stacked}[mode]
	if o.Injector, err = chaos.New(cc); err != nil {
		return cfg, fmt.Errorf("invalid chaos flags: %w", err)
	}
	o.Generator, err = generate.New(generate.Config{Seed: cc.Seed})
	return cfg, err
}

// runPipeline opens the landing and the warehouse, runs pipeline.Run and
// prints each stage's line as it ends, then the report's summary.
func runPipeline(ctx context.Context, cfg config, out io.Writer) (err error) {
	landURL, whURL, err := pipeline.FolderURLs(cfg.dataDir)
	if err != nil {
		return err
	}
	landURL, whURL = cmp.Or(cfg.landingURL, landURL), cmp.Or(cfg.warehouseURL, whURL)
	st, err := pipeline.Open(ctx, landURL, whURL, &landing.OpenOptions{HTTPClient: cfg.httpClient, MaxAttempts: cfg.s3Attempts,
		Logger: cfg.opts.Logger}, &warehouse.OpenOptions{Clock: cfg.opts.Clock, Logger: cfg.opts.Logger})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, st.Close()) }()
	fmt.Fprintf(out, "EDQM data\n  landing   %s\n  warehouse %s\n\n", pipeline.DescribeURL(landURL), pipeline.DescribeURL(whURL))
	show := pipeline.TextProgress(out, &pipeline.TextOptions{Lander: st.Lander, LandingURL: landURL, DayName: "-now"})
	cfg.opts.Progress = func(p pipeline.Progress) {
		if p.Stage == pipeline.StageAdvance && !p.End && cfg.beforeAdvance != nil && !p.Result.UpToDate() {
			cfg.beforeAdvance() // the tests' hook
		}
		show(p)
	}
	res, err := pipeline.Run(ctx, st.Lander, st.Warehouse, &cfg.opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n%s", res.Report.Summary())
	return nil
}
