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
// exponential back-off.
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
	"bytes"
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
	"strings"
	"syscall"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/internal/flow"
	"github.com/edqm/edqm/landing"
	_ "github.com/edqm/edqm/landing/filelanding" // file://
	_ "github.com/edqm/edqm/landing/memlanding"  // mem://
	_ "github.com/edqm/edqm/landing/s3landing"   // s3://
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/quality/dashboard"
	"github.com/edqm/edqm/transform"
	"github.com/edqm/edqm/warehouse"
	_ "github.com/edqm/edqm/warehouse/duckdbwarehouse"    // duckdb://
	_ "github.com/edqm/edqm/warehouse/snowflakewarehouse" // snowflake://
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, time.Now))
}

// config is the parsed command line.
type config struct {
	dataDir string
	// landingURL and warehouseURL override the folders under dataDir.
	landingURL, warehouseURL string
	now                      time.Time // the run's day, midnight UTC
	clock                    edqm.Clock
	days                     int
	seed                     uint64
	chaos                    chaos.Config
	s3Attempts               int // attempts per S3 call

	// Set by tests only.
	httpClient    *http.Client // sends the S3 requests; nil: the SDK's
	beforeAdvance func()       // runs between landing and the watermark's advance
}

// Exit codes.
const (
	exitOK       = 0
	exitFailed   = 1 // the pipeline failed
	exitUsage    = 2 // bad command line
	exitConflict = 3 // another run holds the warehouse or moved the watermark: run again later
)

// run is main without the process: it returns the exit code (0 ok, 1 the
// pipeline failed, 2 bad command line, 3 another run got in the way).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, wall func() time.Time) int {
	cfg, err := parseFlags(args, stderr, wall)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "edqm: %v\n", err)
		return exitUsage
	}
	return finish(pipeline(ctx, cfg, stdout), stderr)
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

func parseFlags(args []string, stderr io.Writer, wall func() time.Time) (config, error) {
	fs := flag.NewFlagSet("full", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfg   config
		now   string
		mode  string
		rates chaos.Rates
	)
	fs.StringVar(&cfg.dataDir, "data", "edqm-data", "data `folder`: landing files, watermark and the DuckDB warehouse go here")
	fs.StringVar(&cfg.landingURL, "landing", "", "landing `URL` (file:///path, s3://bucket/prefix?region=..., mem://); default the folder landing/ under -data")
	fs.StringVar(&cfg.warehouseURL, "warehouse", "", "warehouse `URL` (duckdb:///path/file.duckdb, duckdb://memory, snowflake://user@account/db/schema?warehouse=...); default warehouse.duckdb under -data")
	fs.StringVar(&now, "now", "", "the run's `day` (YYYY-MM-DD); default today (UTC). A later day lands only the days since the last run")
	fs.IntVar(&cfg.days, "days", 365, "days to backfill on the first run")
	fs.Uint64Var(&cfg.seed, "seed", 42, "random seed: the same seed gives the same data and the same chaos")
	fs.Float64Var(&rates.Calculation, "calculation", 0.02, "share of orders with a Calculation error (total ≠ quantity × price)")
	fs.Float64Var(&rates.Temporal, "temporal", 0.02, "share of orders with a Temporal error (future date, before signup)")
	fs.Float64Var(&rates.Integrity, "integrity", 0.02, "share of orders with an Integrity error (ghost or NULL key)")
	fs.Float64Var(&rates.Domain, "domain", 0.02, "share of orders with a Domain error (negative amount, bad status, bad quantity)")
	fs.Float64Var(&rates.Duplication, "duplication", 0.02, "share of orders duplicated (exact or conflicting)")
	fs.StringVar(&mode, "mode", "exclusive", "chaos `mode`: exclusive (at most one kind per order) or stacked")
	fs.IntVar(&cfg.s3Attempts, "s3-attempts", 10, "attempts per S3 call, the first included, with exponential back-off (s3:// landing only)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./examples/full [flags]\n\nRuns the whole EDQM pipeline on a local folder and an embedded DuckDB.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q (flags start with -)", fs.Arg(0))
	}
	switch mode {
	case "exclusive":
		cfg.chaos.Mode = chaos.Exclusive
	case "stacked":
		cfg.chaos.Mode = chaos.Stacked
	default:
		return cfg, fmt.Errorf("invalid value %q for -mode: want exclusive or stacked", mode)
	}
	if cfg.days < 1 || cfg.days > 100*366 {
		return cfg, fmt.Errorf("invalid value %d for -days: want 1 to 36600", cfg.days)
	}
	if cfg.dataDir == "" {
		return cfg, errors.New("invalid value for -data: empty folder name")
	}
	if cfg.s3Attempts < 1 || cfg.s3Attempts > 100 {
		return cfg, fmt.Errorf("invalid value %d for -s3-attempts: want 1 to 100", cfg.s3Attempts)
	}
	if now == "" {
		cfg.now = edqm.Day(wall().UTC())
		cfg.clock = edqm.ClockFunc(wall)
	} else {
		d, err := time.Parse(edqm.DateLayout, now)
		if err != nil {
			return cfg, fmt.Errorf("invalid value %q for -now: want a date as YYYY-MM-DD", now)
		}
		cfg.now = d
		cfg.clock = edqm.FixedClock(d)
	}
	cfg.chaos.Seed = cfg.seed
	cfg.chaos.Rates = rates
	if err := cfg.chaos.Validate(); err != nil {
		return cfg, fmt.Errorf("invalid chaos flags: %w", err)
	}
	return cfg, nil
}

func pipeline(ctx context.Context, cfg config, out io.Writer) (err error) {
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
	landURL := cfg.landingURL
	if landURL == "" {
		landURL = (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(dir, "landing"))}).String()
	}
	whURL := cfg.warehouseURL
	if whURL == "" {
		whURL = (&url.URL{Scheme: "duckdb", Path: filepath.ToSlash(filepath.Join(dir, "warehouse.duckdb"))}).String()
	}
	land, err := landing.Open(ctx, landURL, &landing.OpenOptions{HTTPClient: cfg.httpClient, MaxAttempts: cfg.s3Attempts})
	if err != nil {
		return err
	}
	defer land.Close()

	// Read the watermark before anything is written, so that a corrupt one
	// stops the run with nothing half-done.
	wm := landing.NewWatermark(land)
	mark, marked, err := wm.Load(ctx)
	if err != nil {
		return err
	}
	wh, err := warehouse.Open(ctx, whURL, &warehouse.OpenOptions{Clock: cfg.clock})
	if errors.Is(err, warehouse.ErrLocked) {
		return fmt.Errorf("another run is using the warehouse %s; nothing was changed: %w", where(whURL), err)
	}
	if err != nil {
		return err
	}
	defer func() {
		if cerr := wh.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	fmt.Fprintf(out, "EDQM data\n  landing   %s\n  warehouse %s\n\n", where(landURL), where(whURL))

	// 1. Plan the days to land.
	first := cfg.now.AddDate(0, 0, -(cfg.days - 1))
	backfill := !marked
	if marked {
		first = mark.LastDay.AddDate(0, 0, 1)
	}
	var days []time.Time
	for d := first; !d.After(cfg.now); d = d.AddDate(0, 0, 1) {
		days = append(days, d)
	}

	// 2. Generate, corrupt and land them; then advance the watermark.
	if len(days) == 0 {
		fmt.Fprintf(out, "Up to date: the watermark is at %s and -now is %s; nothing to land.\n",
			mark.LastDay.Format(edqm.DateLayout), cfg.now.Format(edqm.DateLayout))
	} else {
		start := time.Now()
		orders, labels, err := flow.LandDays(ctx, gen, inj, land, days, backfill)
		if err != nil {
			return err
		}
		if cfg.beforeAdvance != nil {
			cfg.beforeAdvance()
		}
		if _, err := wm.Advance(ctx, mark, days[len(days)-1], cfg.clock.Now()); err != nil {
			if errors.Is(err, landing.ErrConflict) {
				return fmt.Errorf("another run advanced the watermark at the same time; its files are landed, run again to load them: %w", err)
			}
			return err
		}
		what := "Landed"
		if backfill {
			what = "Backfilled"
		}
		fmt.Fprintf(out, "%s %s (%s to %s): %s orders, %s chaos labels (%s)\n", what, plural(len(days), "day"),
			days[0].Format(edqm.DateLayout), days[len(days)-1].Format(edqm.DateLayout),
			quality.FormatCount(orders), quality.FormatCount(labels), time.Since(start).Round(time.Millisecond))
	}

	// 3. Load every landed file the warehouse has not loaded yet (the ledger
	// skips the others), so files landed by a run that crashed before its
	// load are not lost.
	start := time.Now()
	files, rows, rejected, err := flow.LoadAll(ctx, wh, land)
	if err != nil {
		return err
	}
	if files == 0 {
		fmt.Fprintln(out, "Loaded 0 new files: the warehouse has every landed file.")
	} else {
		fmt.Fprintf(out, "Loaded %s: %s rows, %s rejected (%s)\n", plural(files, "file"), quality.FormatCount(rows), quality.FormatCount(rejected),
			time.Since(start).Round(time.Millisecond))
	}

	// 4. Build the models when the ledger has moved since the last build
	// (also after a crash between load and build).
	ledger, stale, err := flow.ModelsStale(ctx, wh)
	if err != nil {
		return err
	}
	if stale {
		start = time.Now()
		models, err := transform.Builtin()
		if err != nil {
			return err
		}
		proj, err := transform.NewProject(models, nil)
		if err != nil {
			return err
		}
		res, err := proj.Run(ctx, wh, nil)
		if err != nil {
			return err
		}
		if err := flow.MarkBuilt(ctx, wh, ledger); err != nil {
			return err
		}
		fmt.Fprintf(out, "Built %d models (%s)\n", len(res.Models), time.Since(start).Round(time.Millisecond))
	} else {
		fmt.Fprintln(out, "Models are current: nothing rebuilt.")
	}

	// 5. Test and report.
	// The monitors score the last -days days (a backfill's whole span), each
	// against a training window before it. The span does not depend on what
	// this run landed, so a re-run after a crash reports the same.
	monitors := quality.DefaultMonitors()
	for i := range monitors {
		monitors[i].Detection.DetectionDays = max(2, cfg.days)
	}
	rep, err := quality.NewReporter(&quality.Options{Clock: cfg.clock, Monitors: monitors})
	if err != nil {
		return err
	}
	report, err := rep.Report(ctx, wh)
	if err != nil {
		return err
	}
	// The snapshot is written when something changed, or when a run that
	// was interrupted before writing it left none for this day.
	key := quality.SnapshotKey(cfg.now)
	missing := false
	if !stale && len(days) == 0 {
		rc, err := land.Get(ctx, key)
		switch {
		case errors.Is(err, landing.ErrNotFound):
			missing = true
		case err != nil:
			return fmt.Errorf("read report snapshot: %w", err)
		default:
			rc.Close()
		}
	}
	if stale || len(days) > 0 || missing {
		if err := quality.WriteSnapshot(ctx, land, key, report); err != nil {
			return err
		}
		// The same views as the dashboard, as one self-contained page.
		var page bytes.Buffer
		if err := dashboard.WriteHTML(ctx, &page, &dashboard.Options{Warehouse: wh, Report: report, Clock: cfg.clock}); err != nil {
			return fmt.Errorf("HTML report: %w", err)
		}
		if err := land.Put(ctx, strings.TrimSuffix(key, ".json")+".html", &page); err != nil {
			return fmt.Errorf("write HTML report: %w", err)
		}
		shown := key + " in " + where(landURL)
		if lp, ok := land.(landing.LocalPather); ok {
			if p, err := lp.LocalPath(key); err == nil {
				shown = p
			}
		}
		fmt.Fprintf(out, "Report snapshot %s\n", shown)
	}
	fmt.Fprintf(out, "\n%s", report.Summary())
	return nil
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
