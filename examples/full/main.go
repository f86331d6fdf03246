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
//	go run ./examples/full -days 1500 -orders-per-day 1000  # years of history
//	go run ./examples/full -storage-faults 0.2              # a flaky store
//
// Everything goes under one folder (-data, default ./edqm-data): landing/
// and warehouse.duckdb. -landing and -warehouse take URLs instead
// (landing.Open, warehouse.Open). On s3://, each call retries transient
// faults with exponential back-off for up to -s3-retry-time in total
// (default 2m, so an outage of a minute is ridden out), and -s3-attempts
// times at most when set; a permanent fault stops the run naming the key.
// -log debug,
// info, warn or error writes the libraries' logs (stages, S3 retries, the
// Snowflake driver's lines) to stderr as text records of that level and
// above; the default, off, writes none. No credential is logged.
//
// -days is the first run's backfill, ending on -now; it may reach back
// before 2024: the data's calendar starts on the first day ever landed
// when that day is before 2024-01-01 (or a century after it), and on
// 2024-01-01 otherwise (generate.EpochFor), so every run on a landing zone
// agrees on it. -orders-per-day sets the volume: a day holds between half
// and one and a half times it. -storage-faults fails that share of the
// landing zone's calls with seeded transient faults (landing/faultlanding)
// and retries each, as a client of a flaky store does: the run lands the
// same bytes as without faults, and prints how many calls failed.
//
// On a terminal, the work within each stage is shown on a line rewritten
// in place (days landed, files loaded...); to a file or a pipe, only the
// stage lines are written.
//
// Every flag is checked, alone and against the others, before anything
// is written: a date that does not exist, a rate outside [0, 1], a URL
// that does not parse or has no opener (a plain path gets the file:// URL
// to write), a -data folder whose name DuckDB cannot take, a run day so
// late that chaos's dates would pass 9999-12-31, a backfill over a
// billion orders.
//
// Exit codes: 0 done (or up to date); 1 the pipeline failed, with an error
// naming what failed, or was interrupted (Ctrl+C: running again resumes);
// 2 a bad command line; 3 another run got in the way
// and this one stopped, changing nothing ("another run is using the
// warehouse …") or with its files landed ("another run advanced the
// watermark …"): run again later. A run killed at any point is repaired by
// running it again.
package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/faultlanding"
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

// config is the parsed command line: the URLs, and the run's options but
// its Generator (made once the first day landed is known, see
// runPipeline) and Progress. httpClient (S3 requests) and beforeAdvance
// (between landing and the watermark's advance) are set by tests only.
type config struct {
	dataDir, landingURL, warehouseURL string
	s3Attempts                        int
	s3RetryTime                       time.Duration
	verify                            bool             // -verify: read every table, nothing else
	storageFaults                     float64          // -storage-faults: the share of landing calls that fail
	gen                               generate.Config  // Epoch set by runPipeline
	opts                              pipeline.Options // with Logger: -log, on stderr
	httpClient                        *http.Client
	beforeAdvance                     func()
}

// Exit codes: ok; the pipeline failed; bad command line; another run held
// the warehouse or moved the watermark (run again later).
const exitOK, exitFailed, exitUsage, exitConflict = 0, 1, 2, 3

// Limits of the flags, each with its reason in the error that cites it.
const (
	maxDays          = 100 * 366
	maxOrdersPerDay  = 1_000_000
	maxOrdersPerRun  = 1_000_000_000 // about 100 GB of CSV
	maxStorageFaults = 0.5
	futureDays       = 365 // chaos's "future" variant moves a date up to a year past its batch day
)

// lastDate is the last date written as YYYY-MM-DD.
var lastDate = time.Date(9999, time.December, 31, 0, 0, 0, 0, time.UTC)

// usageError is a bad command line found after the flags were parsed (a
// URL no opener takes): exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

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
	err = runPipeline(ctx, cfg, stdout)
	if err != nil && ctx.Err() != nil {
		err = ctx.Err() // interrupted: whatever failed, the signal is the cause
	}
	return finish(err, stderr)
}

// finish prints a pipeline's error and returns its exit code.
func finish(err error, stderr io.Writer) int {
	var usage usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "edqm: interrupted: what was landed and loaded is kept; run the same command again to resume")
		return exitFailed
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "edqm: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stderr, "edqm: %v\n", err)
	if errors.Is(err, warehouse.ErrLocked) || errors.Is(err, landing.ErrConflict) {
		return exitConflict
	}
	return exitFailed
}

// flagValues are the flags parsed into something other than config.
type flagValues struct {
	now, mode, logLevel string
	cc                  chaos.Config
	perDay              int
}

// defineFlags declares the flags on fs, into cfg and the returned values.
func defineFlags(fs *flag.FlagSet, cfg *config) *flagValues {
	f := &flagValues{}
	r, o := &f.cc.Rates, &cfg.opts
	fs.StringVar(&cfg.dataDir, "data", "edqm-data", "data `folder`: landing files, watermark and the DuckDB warehouse go here")
	fs.StringVar(&cfg.landingURL, "landing", "", "landing `URL` (file:///path, s3://bucket/prefix?region=..., mem://); default the folder landing/ under -data")
	fs.StringVar(&cfg.warehouseURL, "warehouse", "", "warehouse `URL` (duckdb:///path/file.duckdb, duckdb://memory, snowflake://user@account/db/schema?warehouse=...); default warehouse.duckdb under -data")
	fs.StringVar(&f.now, "now", "", "the run's `day` (YYYY-MM-DD); default today (UTC). A later day lands only the days since the last run")
	fs.IntVar(&o.Days, "days", 365, "days to backfill on the first run, ending on -now (any years: the data's calendar starts on the first day landed when that is before 2024)")
	fs.IntVar(&f.perDay, "orders-per-day", 100, "orders on an average day (a day lies between half and one and a half times it, by weekday, season and growth)")
	fs.Uint64Var(&f.cc.Seed, "seed", 42, "random seed: the same seed gives the same data, the same chaos and the same storage faults")
	fs.Float64Var(&r.Calculation, "calculation", 0.02, "share of orders with a Calculation error (total ≠ quantity × price)")
	fs.Float64Var(&r.Temporal, "temporal", 0.02, "share of orders with a Temporal error (future date, before signup)")
	fs.Float64Var(&r.Integrity, "integrity", 0.02, "share of orders with an Integrity error (ghost or NULL key)")
	fs.Float64Var(&r.Domain, "domain", 0.02, "share of orders with a Domain error (negative amount, bad status, bad quantity)")
	fs.Float64Var(&r.Duplication, "duplication", 0.02, "share of orders duplicated (exact or conflicting)")
	fs.StringVar(&f.mode, "mode", "exclusive", "chaos `mode`: exclusive (at most one kind per order) or stacked")
	fs.Float64Var(&cfg.storageFaults, "storage-faults", 0, "share of landing calls that fail with a seeded transient fault (0 to 0.5), each retried: watch the run ride out a faulty store")
	fs.IntVar(&cfg.s3Attempts, "s3-attempts", 0, "most attempts per S3 call, the first included (s3:// landing only); 0: as many as -s3-retry-time allows")
	fs.DurationVar(&cfg.s3RetryTime, "s3-retry-time", 2*time.Minute, "how long each S3 call retries transient faults, in total, before the run stops naming the key (s3:// landing only)")
	fs.Func("reland", "`days` (YYYY-MM-DD, comma-separated) to land again from the seed, byte for byte as their manifests record: the remedy for a landed file missing, cut short or changed; loaded files keep their bytes", func(v string) error {
		for d := range strings.SplitSeq(v, ",") {
			day, err := parseDay(strings.TrimSpace(d))
			if err != nil {
				return err
			}
			o.Reland = append(o.Reland, day)
		}
		return nil
	})
	fs.Func("format", "`format` of the landed data files: csv (the default) or parquet; the same report either way. Use one format per landing zone", func(v string) (err error) {
		o.Format, err = pipeline.ParseFormat(v)
		return err
	})
	fs.BoolVar(&cfg.verify, "verify", false, "read every table of the warehouse and report damage with its remedy; nothing is landed or loaded")
	fs.StringVar(&f.logLevel, "log", "off", "log `level` on stderr: off, debug, info, warn or error")
	return f
}

func parseFlags(args []string, stderr io.Writer, wall func() time.Time) (cfg config, err error) {
	fs := flag.NewFlagSet("full", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := defineFlags(fs, &cfg)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./examples/full [flags]\n\nRuns the whole EDQM pipeline on a local folder and an embedded DuckDB.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	o := &cfg.opts
	o.Clock, o.Day = edqm.ClockFunc(wall), edqm.Day(wall().UTC())
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q (flags start with -)", fs.Arg(0))
	}
	if err := f.check(&cfg); err != nil {
		return cfg, err
	}
	if f.now != "" {
		if o.Day, err = parseDay(f.now); err != nil {
			return cfg, fmt.Errorf("invalid value %q for -now: %w", f.now, err)
		}
		o.Clock = edqm.FixedClock(o.Day)
	}
	if err := checkSpan(o.Day, o.Days, f.perDay, f.now != ""); err != nil {
		return cfg, err
	}
	level, _ := logLevels[f.logLevel]
	o.Logger = slog.New(slog.DiscardHandler) // not nil: the Snowflake driver logs to the last Logger given
	if f.logLevel != "off" {
		o.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	}
	f.cc.Mode = map[string]chaos.Mode{"exclusive": chaos.Exclusive, "stacked": chaos.Stacked}[f.mode]
	if o.Injector, err = chaos.New(f.cc); err != nil {
		return cfg, fmt.Errorf("invalid chaos flags: %w", err)
	}
	cfg.gen = generate.Config{Seed: f.cc.Seed}
	if cfg.gen.MinOrders, cfg.gen.MaxOrders, err = generate.OrderBand(f.perDay); err != nil {
		return cfg, err
	}
	return cfg, cfg.gen.Validate()
}

// logLevels are -log's values but off.
var logLevels = map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}

// check refuses a flag out of its range, naming the flag.
func (f *flagValues) check(cfg *config) error {
	_, logOn := logLevels[f.logLevel]
	switch {
	case f.mode != "exclusive" && f.mode != "stacked":
		return fmt.Errorf("invalid value %q for -mode: want exclusive or stacked", f.mode)
	case cfg.opts.Days < 1 || cfg.opts.Days > maxDays:
		return fmt.Errorf("invalid value %d for -days: want 1 to %d", cfg.opts.Days, maxDays)
	case f.perDay < 1 || f.perDay > maxOrdersPerDay:
		return fmt.Errorf("invalid value %d for -orders-per-day: want 1 to %s", f.perDay, quality.FormatCount(maxOrdersPerDay))
	case !(cfg.storageFaults >= 0 && cfg.storageFaults <= maxStorageFaults):
		return fmt.Errorf("invalid value %v for -storage-faults: want a share of calls from 0 to %v", cfg.storageFaults, maxStorageFaults)
	case cfg.dataDir == "":
		return errors.New("invalid value for -data: empty folder name")
	case cfg.warehouseURL == "" && strings.ContainsRune(cfg.dataDir, '?'):
		return fmt.Errorf("invalid value %q for -data: the folder's name holds \"?\", which the DuckDB warehouse under it would read as the start of its settings; choose a folder without \"?\" (or give -warehouse)", cfg.dataDir)
	case cfg.s3Attempts < 0 || cfg.s3Attempts > 100:
		return fmt.Errorf("invalid value %d for -s3-attempts: want 0 (no bound but -s3-retry-time) to 100", cfg.s3Attempts)
	case cfg.s3RetryTime <= 0:
		return fmt.Errorf("invalid value %s for -s3-retry-time: want a positive duration such as 90s or 5m", cfg.s3RetryTime)
	case !logOn && f.logLevel != "off":
		return fmt.Errorf("invalid value %q for -log: want off, debug, info, warn or error", f.logLevel)
	}
	r := f.cc.Rates
	for _, rate := range []struct {
		flag string
		v    float64
	}{{"calculation", r.Calculation}, {"temporal", r.Temporal}, {"integrity", r.Integrity}, {"domain", r.Domain}, {"duplication", r.Duplication}} {
		if !(rate.v >= 0 && rate.v <= 1) {
			return fmt.Errorf("invalid value %v for -%s: want a share of orders from 0 to 1", rate.v, rate.flag)
		}
	}
	return nil
}

// parseDay parses a YYYY-MM-DD day, telling a date that does not exist
// (2026-02-30) from one in another form.
func parseDay(s string) (time.Time, error) {
	d, err := time.Parse(edqm.DateLayout, s)
	if err == nil {
		return d, nil
	}
	var y, m, day int
	if n, _ := fmt.Sscanf(s, "%4d-%2d-%2d", &y, &m, &day); n != 3 || len(s) != len(edqm.DateLayout) {
		return time.Time{}, errors.New("want a date as YYYY-MM-DD")
	}
	if m < 1 || m > 12 {
		return time.Time{}, fmt.Errorf("there is no month %d", m)
	}
	last := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return time.Time{}, fmt.Errorf("the date does not exist: %s %d has %d days", time.Month(m), y, last)
}

// checkSpan checks -now, -days and -orders-per-day against each other:
// every date of the run, chaos's included, must be written as YYYY-MM-DD,
// and the backfill must stay under maxOrdersPerRun orders. nowGiven says
// whether the day came from -now (else it is today).
func checkSpan(day time.Time, days, perDay int, nowGiven bool) error {
	name := "today"
	if nowGiven {
		name = "-now " + day.Format(edqm.DateLayout)
	}
	if latest := lastDate.AddDate(0, 0, -futureDays); day.After(latest) {
		return fmt.Errorf("%s is too late: chaos moves an order's date up to %d days past its day, and a date after %s cannot be written as YYYY-MM-DD; want -now on or before %s",
			name, futureDays, lastDate.Format(edqm.DateLayout), latest.Format(edqm.DateLayout))
	}
	if first := day.AddDate(0, 0, -(days - 1)); first.Year() < 1 {
		return fmt.Errorf("-days %d from %s starts before the year 1, which YYYY-MM-DD cannot write; want fewer days or a later -now", days, name)
	}
	if total := int64(days) * int64(perDay); total > maxOrdersPerRun {
		return fmt.Errorf("-days %d with -orders-per-day %d is about %s orders (%s GB of CSV); want at most %s on a first run: fewer days or orders per day",
			days, perDay, quality.FormatCount(total), quality.FormatCount(total/10_000_000), quality.FormatCount(maxOrdersPerRun))
	}
	return nil
}

// checkURLs refuses a -landing or -warehouse URL that does not parse or
// whose scheme this program does not import: landing.Open and
// warehouse.Open refuse such a URL without calling an opener, so nothing is
// created, and their error says what is wrong (a bad character, a path
// given for a URL). The error is a usageError.
func checkURLs(ctx context.Context, cfg config) error {
	if cfg.landingURL != "" && !openable(cfg.landingURL, "file", "mem", "s3") {
		l, err := landing.Open(ctx, cfg.landingURL, nil)
		if err != nil {
			return usageError{fmt.Errorf("invalid value for -landing: %w", err)}
		}
		return l.Close()
	}
	if cfg.warehouseURL != "" && !openable(cfg.warehouseURL, "duckdb", "snowflake") {
		w, err := warehouse.Open(ctx, cfg.warehouseURL, nil)
		if err != nil {
			return usageError{fmt.Errorf("invalid value for -warehouse: %w", err)}
		}
		return w.Close()
	}
	return nil
}

// openable reports whether raw parses as a URL of one of the schemes.
func openable(raw string, schemes ...string) bool {
	u, err := url.Parse(raw)
	return err == nil && slices.Contains(schemes, u.Scheme)
}

// firstDay returns the first day landed in l: the earliest day of its
// product catalogue (which a backfill lands on its first day) and of its
// day manifests (one per day landed), so that a lost file does not move
// it; ok is false when no day is landed.
func firstDay(ctx context.Context, l landing.Lander) (day time.Time, ok bool, err error) {
	for _, prefix := range []string{"products/", "_manifest/"} {
		objs, err := l.List(ctx, prefix)
		if err != nil {
			return time.Time{}, false, fmt.Errorf("find the first day landed: %w", err)
		}
		for _, o := range objs {
			_, rest, found := strings.Cut(o.Key, "/date=")
			d, err := time.Parse(edqm.DateLayout, rest[:min(len(rest), len(edqm.DateLayout))])
			if found && err == nil && (!ok || d.Before(day)) {
				day, ok = d, true
			}
		}
	}
	return day, ok, nil
}

// generator makes the run's generator, whose calendar starts where the
// landing zone's first day asks (generate.EpochFor): the first day ever
// landed, or on a first run the backfill's first day, so that every run
// on a landing zone uses the same Epoch.
func generator(ctx context.Context, cfg config, l landing.Lander) (generate.Generator, error) {
	first, ok, err := firstDay(ctx, l)
	if err != nil {
		return nil, err
	}
	if !ok {
		first = cfg.opts.Day.AddDate(0, 0, -(cfg.opts.Days - 1))
	}
	cfg.gen.Epoch = generate.EpochFor(first)
	return generate.New(cfg.gen)
}

// runPipeline opens the landing and the warehouse, runs pipeline.Run and
// prints each stage's line as it ends (with the work within each stage on
// a terminal), then the report's summary.
func runPipeline(ctx context.Context, cfg config, out io.Writer) (err error) {
	if err := checkURLs(ctx, cfg); err != nil {
		return err
	}
	landURL, whURL, err := pipeline.FolderURLs(cfg.dataDir)
	if err != nil {
		return err
	}
	landURL, whURL = cmp.Or(cfg.landingURL, landURL), cmp.Or(cfg.warehouseURL, whURL)
	st, err := pipeline.Open(ctx, landURL, whURL, &landing.OpenOptions{HTTPClient: cfg.httpClient, MaxAttempts: cfg.s3Attempts,
		RetryTime: cfg.s3RetryTime, Logger: cfg.opts.Logger}, &warehouse.OpenOptions{Clock: cfg.opts.Clock, Logger: cfg.opts.Logger})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, st.Close()) }()
	if cfg.verify {
		return verify(ctx, st.Warehouse, whURL, out)
	}
	if cfg.opts.Generator, err = generator(ctx, cfg, st.Lander); err != nil {
		return err
	}
	land, faults, err := withFaults(st.Lander, cfg.storageFaults, cfg.gen.Seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "EDQM data\n  landing   %s\n  warehouse %s\n\n", pipeline.DescribeURL(landURL), pipeline.DescribeURL(whURL))
	show := pipeline.TextProgress(out, &pipeline.TextOptions{Lander: land, LandingURL: landURL, DayName: "-now", Live: pipeline.IsTerminal(out)})
	cfg.opts.Progress = func(p pipeline.Progress) {
		if p.Stage == pipeline.StageAdvance && !p.End && cfg.beforeAdvance != nil && !p.Result.UpToDate() {
			cfg.beforeAdvance() // the tests' hook
		}
		show(p)
	}
	res, err := pipeline.Run(ctx, land, st.Warehouse, &cfg.opts)
	if faults != nil {
		fmt.Fprintf(out, "Storage faults: %s; %s\n", faults.fault.Stats(), faults.summary())
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n%s", res.Report.Summary())
	return nil
}

// verify is -verify: it reads every table of wh (pipeline.Verify) and
// prints what it read, or returns the damage found with its remedy.
func verify(ctx context.Context, wh warehouse.Warehouse, whURL string, out io.Writer) error {
	v, err := pipeline.Verify(ctx, wh)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Verified %s: %s tables, %s rows read back whole.\n", pipeline.DescribeURL(whURL),
		quality.FormatCount(int64(v.Tables)), quality.FormatCount(v.Rows))
	return nil
}

// Retries of a call that met a storage fault: up to faultAttempts
// attempts, the first included, waiting faultDelay, then twice as long
// each time, up to faultMaxDelay. At -storage-faults 0.5 a call fails all
// its attempts once in about a million.
const (
	faultAttempts = 20
	faultDelay    = time.Millisecond
	faultMaxDelay = 50 * time.Millisecond
)

// faultRetry is the landing zone -storage-faults gives the run: a
// faultlanding.Lander that fails a seeded share of the calls, under a
// Lander that retries each failed call, as a client of a flaky store
// does. It implements landing.Lander; Close does nothing, since the
// Stores close the landing zone.
type faultRetry struct {
	fault   *faultlanding.Lander
	retries atomic.Int64 // attempts after a fault
	ownCAS  atomic.Int64 // compare-and-swaps whose lost answer hid a write that took effect
}

// localFaultRetry is a faultRetry over a landing zone of local files: it
// still tells their paths (landing.LocalPather), for the report's lines.
type localFaultRetry struct {
	*faultRetry
	landing.LocalPather
}

// withFaults wraps l for -storage-faults rate, seeded with seed; rate 0
// gives l itself and a nil *faultRetry.
func withFaults(l landing.Lander, rate float64, seed uint64) (landing.Lander, *faultRetry, error) {
	if rate == 0 {
		return l, nil, nil
	}
	fl, err := faultlanding.New(l, &faultlanding.Options{Rate: rate, Seed: seed})
	if err != nil {
		return nil, nil, fmt.Errorf("-storage-faults: %w", err)
	}
	r := &faultRetry{fault: fl}
	if lp, ok := l.(landing.LocalPather); ok {
		return localFaultRetry{r, lp}, r, nil
	}
	return r, r, nil
}

// summary tells what the retries did.
func (r *faultRetry) summary() string {
	s := quality.FormatCount(r.retries.Load()) + " retries"
	if n := r.ownCAS.Load(); n > 0 {
		s += fmt.Sprintf(", %d watermark write(s) found done after a lost answer", n)
	}
	return s
}

// transient reports whether err is a fault worth another attempt.
func transient(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// do calls op until it succeeds, fails for good, or has made
// faultAttempts attempts.
func (r *faultRetry) do(ctx context.Context, op func() error) error {
	delay := faultDelay
	for attempt := 1; ; attempt++ {
		err := op()
		if err == nil || attempt == faultAttempts || !transient(err) || ctx.Err() != nil {
			return err
		}
		r.retries.Add(1)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, faultMaxDelay)
	}
}

// Put stores body at key, reading it again from its start on each attempt.
func (r *faultRetry) Put(ctx context.Context, key string, body io.Reader) error {
	rs, ok := body.(io.ReadSeeker)
	if !ok {
		b, err := io.ReadAll(body)
		if err != nil {
			return err
		}
		rs = bytes.NewReader(b)
	}
	start, err := rs.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	return r.do(ctx, func() error {
		if _, err := rs.Seek(start, io.SeekStart); err != nil {
			return err
		}
		return r.fault.Put(ctx, key, rs)
	})
}

// Get opens key.
func (r *faultRetry) Get(ctx context.Context, key string) (rc io.ReadCloser, err error) {
	err = r.do(ctx, func() error { rc, err = r.fault.Get(ctx, key); return err })
	return rc, err
}

// List lists prefix.
func (r *faultRetry) List(ctx context.Context, prefix string) (objs []landing.Object, err error) {
	err = r.do(ctx, func() error { objs, err = r.fault.List(ctx, prefix); return err })
	return objs, err
}

// Delete removes key.
func (r *faultRetry) Delete(ctx context.Context, key string) error {
	return r.do(ctx, func() error { return r.fault.Delete(ctx, key) })
}

// ReadVersioned reads key and its version.
func (r *faultRetry) ReadVersioned(ctx context.Context, key string) (data []byte, version string, err error) {
	err = r.do(ctx, func() error { data, version, err = r.fault.ReadVersioned(ctx, key); return err })
	return data, version, err
}

// WriteIfVersion makes the compare-and-swap. A conflict after an attempt
// whose answer was lost may be this write's own effect: when key then
// holds data, the write is taken as done.
func (r *faultRetry) WriteIfVersion(ctx context.Context, key string, data []byte, version string) (string, error) {
	var v string
	faulted := false
	err := r.do(ctx, func() error {
		var err error
		v, err = r.fault.WriteIfVersion(ctx, key, data, version)
		if faulted && errors.Is(err, landing.ErrConflict) {
			got, cur, rerr := r.ReadVersioned(ctx, key)
			if rerr == nil && bytes.Equal(got, data) {
				r.ownCAS.Add(1)
				v, err = cur, nil
			}
		}
		faulted = faulted || transient(err)
		return err
	})
	return v, err
}

// Close does nothing: the landing zone belongs to the Stores.
func (r *faultRetry) Close() error { return nil }
