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
// so the same run can land elsewhere with nothing else changed.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/generate"
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
}

// run is main without the process: it returns the exit code (0 ok, 1 the
// pipeline failed, 2 bad command line).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, wall func() time.Time) int {
	cfg, err := parseFlags(args, stderr, wall)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "edqm: %v\n", err)
		return 2
	}
	if err := pipeline(ctx, cfg, stdout); err != nil {
		fmt.Fprintf(stderr, "edqm: %v\n", err)
		return 1
	}
	return 0
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

// tables landed per day, with their columns.
var tables = []struct {
	name    string
	columns []string
}{
	{"customers", generate.CustomerColumns},
	{"products", generate.ProductColumns},
	{"orders", generate.OrderColumns},
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
	land, err := landing.Open(ctx, landURL, nil)
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
		orders, labels, err := landDays(ctx, gen, inj, land, days, backfill)
		if err != nil {
			return err
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
	files, rows, rejected, err := loadAll(ctx, wh, land)
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
	ledger, stale, err := modelsStale(ctx, wh)
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
		if err := markBuilt(ctx, wh, ledger); err != nil {
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

// landDays generates, corrupts and lands days in parallel. Each day's files
// depend only on the seed and the day, so the order does not matter and a
// re-run writes the same bytes.
func landDays(ctx context.Context, gen generate.Generator, inj chaos.ChaosInjector, land landing.Lander,
	days []time.Time, backfill bool) (orders, labels int64, err error) {
	spec := chaos.OrdersSpec(gen.SignupDate)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	var nOrders, nLabels atomic.Int64
	for i, day := range days {
		g.Go(func() error {
			var tabs []*edqm.Table
			if backfill && i == 0 {
				// The first day of a backfill carries the catalogue and every
				// customer who signed up before it.
				p, err := gen.Products(gctx)
				if err != nil {
					return err
				}
				c, err := gen.Customers(gctx, time.Time{}, day)
				if err != nil {
					return err
				}
				tabs = append(tabs, p, c)
			} else {
				c, err := gen.Customers(gctx, day, day)
				if err != nil {
					return err
				}
				tabs = append(tabs, c)
			}
			clean, err := gen.Orders(gctx, day)
			if err != nil {
				return err
			}
			dirty, lbls, err := inj.Inject(gctx, day, spec, clean)
			if err != nil {
				return err
			}
			tabs = append(tabs, dirty)
			for _, t := range tabs {
				if err := putCSV(gctx, land, landing.DataKey(t.Name, day, "csv"), t); err != nil {
					return err
				}
			}
			if err := putCSV(gctx, land, landing.LabelsKey(dirty.Name, day), chaos.LabelsTable(lbls)); err != nil {
				return err
			}
			nOrders.Add(int64(len(dirty.Rows)))
			nLabels.Add(int64(len(lbls)))
			return nil
		})
	}
	err = g.Wait()
	return nOrders.Load(), nLabels.Load(), err
}

func putCSV(ctx context.Context, land landing.Lander, key string, t *edqm.Table) error {
	var buf bytes.Buffer
	if err := edqm.WriteCSV(&buf, t); err != nil {
		return err
	}
	if err := land.Put(ctx, key, &buf); err != nil {
		return fmt.Errorf("land %s: %w", key, err)
	}
	return nil
}

// loadAll loads every landed data and label file into its raw table.
func loadAll(ctx context.Context, wh warehouse.Warehouse, land landing.Lander) (files int, rows, rejected int64, err error) {
	type source struct {
		prefix, table string
		columns       []string
	}
	var sources []source
	for _, t := range tables {
		sources = append(sources, source{t.name + "/", "raw_" + t.name, t.columns})
	}
	sources = append(sources, source{"_chaos/orders/", "raw_chaos_labels", chaos.LabelColumns})
	for _, s := range sources {
		objs, err := land.List(ctx, s.prefix)
		if err != nil {
			return files, rows, rejected, err
		}
		keys := make([]string, 0, len(objs))
		for _, o := range objs {
			if strings.HasSuffix(o.Key, ".csv") {
				keys = append(keys, o.Key)
			}
		}
		res, err := wh.Load(ctx, warehouse.LoadRequest{Table: s.table, Columns: s.columns, Source: land, Keys: keys})
		if err != nil {
			return files, rows, rejected, err
		}
		f, _, l, r := res.Totals()
		files += f
		rows += l
		rejected += r
	}
	return files, rows, rejected, nil
}

// buildTable records how many ledger entries the models were last built
// from; a different count means they are stale.
const buildTable = "_edqm_build"

// modelsStale reports the ledger's size and whether the models were built
// from a smaller (or unknown) ledger.
func modelsStale(ctx context.Context, wh warehouse.Warehouse) (ledger int64, stale bool, err error) {
	if err := warehouse.QueryRow(ctx, wh, "SELECT COUNT(*) FROM "+warehouse.LedgerTable, nil, &ledger); err != nil {
		return 0, false, fmt.Errorf("read the load ledger: %w", err)
	}
	ok, err := wh.TableExists(ctx, buildTable)
	if err != nil || !ok {
		return ledger, true, err
	}
	var built int64 = -1
	if err := warehouse.QueryRow(ctx, wh, "SELECT COALESCE(MAX(ledger_files), -1) FROM "+buildTable, nil, &built); err != nil {
		return 0, false, fmt.Errorf("read %s: %w", buildTable, err)
	}
	return ledger, built != ledger, nil
}

// markBuilt records that the models are built from a ledger of n files.
func markBuilt(ctx context.Context, wh warehouse.Warehouse, n int64) error {
	for _, q := range []string{
		"CREATE TABLE IF NOT EXISTS " + buildTable + " (ledger_files BIGINT)",
		"DELETE FROM " + buildTable,
		fmt.Sprintf("INSERT INTO %s VALUES (%d)", buildTable, n),
	} {
		if err := wh.Exec(ctx, q); err != nil {
			return fmt.Errorf("record the build: %w", err)
		}
	}
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
	if u.User != nil {
		return u.Redacted()
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
