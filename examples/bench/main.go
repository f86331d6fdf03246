// Command bench runs the whole EDQM pipeline at a given scale on the
// embedded default (a local landing folder and a DuckDB file) and prints,
// for each stage, the wall time, the CPU time, rows per second and the peak
// resident memory; then the ratios against two references measured in the
// same run (the original-style Python generator and dd to the same disk)
// and whether each performance target is met.
//
//	go run ./examples/bench                          # 1 M orders over 365 days
//	go run ./examples/bench -orders 1e6,1e7 -json bench.json
//	go run ./examples/bench -orders 1e5 -python "" -dd 0   # no references
//
// For each scale it measures, in order, on a fresh folder:
//
//   - land: generate, corrupt and land every day as CSV, or Parquet with
//     -format parquet (pipeline.LandDays, as examples/full does: days in
//     parallel, each released once landed);
//   - load: load every landed file into the raw tables;
//   - read_csv reference: DuckDB's own read_csv (read_parquet for
//     Parquet) of the same landed files into the same kind of database
//     file (a new one beside the warehouse), one statement per table, with
//     no line numbers, rejects or ledger; the load's rows/s over its
//     rows/s is the "load vs read_csv" target;
//   - transform: build the built-in models (transform.Builtin);
//   - report: run the tests and monitors and compute the report, then
//     checkpoint the warehouse, as pipeline.Run ends a run (so that the
//     next stage does not write this run's changes back to the file);
//   - incremental: land, load and build one more day on that history;
//   - incremental report: the report after that day, and its checkpoint.
//
// Each stage's figures are printed as one line when it ends. On a
// terminal, the work within the stage shows until then on a line
// rewritten in place (days landed, files read by the load); to a file or
// a pipe, only the figures are written.
//
// Peak memory is the process's VmHWM (Linux), reset before each stage by
// writing 5 to /proc/self/clear_refs; CPU time is the process's user and
// system time (DuckDB's threads included), and "cores" is CPU time over
// wall time: how many cores the stage kept busy on average.
//
// -orders takes a comma-separated list (1e6 notation accepted); each day
// gets orders/days orders (generate.Config's MinOrders = MaxOrders). -python
// names the interpreter for ../shared/bench/original_style.py (-script);
// when the interpreter, the script or its modules are missing the ratio is
// reported unavailable. -dd is the size in MiB of the dd reference; 0 skips
// it. -memory-limit and -threads set DuckDB's memory_limit and threads
// (-threads 16 on a small machine gives a 16-core machine's memory
// pressure). -json writes the figures as one JSON object, to compare runs.
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
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
	"github.com/edqm/edqm/pipeline"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/transform"
	"github.com/edqm/edqm/warehouse"
	_ "github.com/edqm/edqm/warehouse/duckdbwarehouse" // duckdb://
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// Stage names, in the order they run.
const (
	stageLand        = "generate+inject+land"
	stageLoad        = "load"
	stageTransform   = "transform"
	stageReport      = "quality+report"
	stageIncremental = "incremental day"
	stageIncReport   = "incremental report"
)

// config is the parsed command line.
type config struct {
	orders      []int64
	days        int
	dir         string
	jsonPath    string
	python      string
	script      string
	ddMiB       int
	memoryLimit string
	threads     int // DuckDB's threads setting; 0 keeps its default (the cores)
	cpuProfile  string
	seed        uint64
	last        time.Time // the last day of the history
	live        bool      // show the work within each stage (the output is a terminal)
	format      pipeline.Format
}

// Results is the JSON the program writes with -json.
type Results struct {
	Machine Machine       `json:"machine"`
	Args    []string      `json:"args"`
	Days    int           `json:"days"`
	Scales  []ScaleResult `json:"scales"`
	// Python is the original-style script's figure, nil when skipped.
	Python *PythonResult `json:"python,omitempty"`
	// DD compares landing with dd, nil when skipped.
	DD *DDResult `json:"dd,omitempty"`
	// CostRatio is the wall time per order at the largest scale over that
	// at the smallest (land to report); 0 with one scale.
	CostRatio float64  `json:"cost_ratio_largest_over_smallest,omitempty"`
	Targets   []Target `json:"targets"`
}

// Machine describes where the figures were measured.
type Machine struct {
	NProc      int    `json:"nproc"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	CPU        string `json:"cpu"`
	GoVersion  string `json:"go_version"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	Load       string `json:"load_before,omitempty"` // /proc/loadavg before the run
}

// ScaleResult holds one scale's figures.
type ScaleResult struct {
	// Orders is the requested number of orders; Landed the dirty order
	// rows actually landed (duplicates included).
	Orders       int64 `json:"orders"`
	OrdersPerDay int   `json:"orders_per_day"`
	Landed       int64 `json:"landed_orders"`
	Labels       int64 `json:"chaos_labels"`
	Files        int   `json:"files_loaded"`
	// Format is the data files' format; BytesLanded their total size.
	Format      pipeline.Format `json:"format"`
	BytesLanded int64           `json:"bytes_landed"`
	RowsLoaded  int64           `json:"rows_loaded"`
	Rejected    int64           `json:"rows_rejected"`
	// RawOrders counts raw_orders after the load, ReportOrders the orders
	// of the report (fct_orders).
	RawOrders    int64         `json:"raw_orders"`
	ReportOrders int64         `json:"report_orders"`
	HealthScore  float64       `json:"health_score"`
	Stages       []StageResult `json:"stages"`
	// EndToEnd sums the stages from nothing to the report (land, load,
	// transform, report): wall and CPU seconds, the largest peak RSS, and
	// wall nanoseconds per landed order.
	EndToEndWall float64 `json:"end_to_end_wall_s"`
	EndToEndCPU  float64 `json:"end_to_end_cpu_s"`
	PeakRSSMiB   float64 `json:"end_to_end_peak_rss_mib"`
	NsPerOrder   float64 `json:"ns_per_order"`
	// PythonRatio is the land stage's orders/s over the Python script's.
	PythonRatio float64 `json:"python_ratio,omitempty"`
	// Reference is DuckDB's own reader (read_csv or read_parquet) on the
	// same landed files; LoadRatio the load's rows/s over its rows/s.
	Reference *StageResult `json:"reference,omitempty"`
	LoadRatio float64      `json:"load_over_reference,omitempty"`
}

// StageResult holds one stage's figures.
type StageResult struct {
	Stage      string  `json:"stage"`
	Rows       int64   `json:"rows"`
	Wall       float64 `json:"wall_s"`
	CPU        float64 `json:"cpu_s"`
	RowsPerS   float64 `json:"rows_per_s"`
	PeakRSSMiB float64 `json:"peak_rss_mib"`
	// Cores is CPU over wall: the cores kept busy on average.
	Cores float64 `json:"cpu_over_wall"`
}

// PythonResult is the original-style script's run.
type PythonResult struct {
	Interpreter string  `json:"interpreter"`
	Orders      int     `json:"orders"`
	OrdersPerS  float64 `json:"orders_per_s,omitempty"`
	// Unavailable says why there is no figure.
	Unavailable string `json:"unavailable,omitempty"`
}

// DDResult compares rewriting the landed orders files (fsync each, 8 in
// flight) with dd to the same disk.
type DDResult struct {
	MiB         int     `json:"dd_mib"`
	DDMBPerS    float64 `json:"dd_mb_per_s"`
	LandBytes   int64   `json:"land_bytes"`
	LandFiles   int     `json:"land_files"`
	LandMBPerS  float64 `json:"land_mb_per_s"`
	Ratio       float64 `json:"ratio"`
	Unavailable string  `json:"unavailable,omitempty"`
	ScaleOrders int64   `json:"scale_orders"`
	LandSeconds float64 `json:"land_s"`
	DDSeconds   float64 `json:"dd_s"`
	InFlight    int     `json:"in_flight"`
}

// Target is one performance target and its outcome.
type Target struct {
	Name string `json:"name"`
	Want string `json:"want"`
	Got  string `json:"got"`
	// Status is "met", "MISSED", or "not run" / "unavailable".
	Status string `json:"status"`
}

// run is main without the process: it returns the exit code (0 ok, 1 a
// stage failed, 2 bad command line).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	cfg.live = pipeline.IsTerminal(stdout)
	res, err := bench(ctx, cfg, args, stdout)
	if err == nil && cfg.jsonPath != "" {
		err = writeJSON(cfg.jsonPath, res)
	}
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfg    config
		orders string
		last   string
	)
	fs.StringVar(&orders, "orders", "1e6", "comma-separated `scales` in orders (1e6 notation accepted), e.g. 1e6,1e7")
	fs.IntVar(&cfg.days, "days", 365, "days of history per scale; each day gets orders/days orders")
	fs.StringVar(&cfg.dir, "dir", "", "work `folder` (a subfolder orders-N per scale, kept); default a temporary folder, removed after")
	fs.StringVar(&cfg.jsonPath, "json", "", "write the results as JSON to this `file` (- for standard output)")
	fs.StringVar(&cfg.python, "python", "/usr/bin/python3", "`interpreter` for the original-style script; empty skips the ratio")
	fs.StringVar(&cfg.script, "script", "", "the original-style `script`; default ../shared/bench/original_style.py from the module's folder")
	fs.IntVar(&cfg.ddMiB, "dd", 1024, "`MiB` written by the dd reference for landing throughput (1 GiB by default: a smaller file is absorbed by the disk's cache); 0 skips it")
	fs.Func("format", "`format` of the landed data files: csv (default) or parquet", func(v string) (err error) {
		cfg.format, err = pipeline.ParseFormat(v)
		return err
	})
	fs.StringVar(&cfg.memoryLimit, "memory-limit", "1GB", "DuckDB memory_limit (e.g. 512MB, 2GB); empty keeps DuckDB's default")
	fs.IntVar(&cfg.threads, "threads", 0, "DuckDB `threads` setting; 0 keeps DuckDB's default, the machine's cores (16 on a 2-core machine reproduces a 16-core machine's memory pressure)")
	fs.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this `file`")
	fs.Uint64Var(&cfg.seed, "seed", 42, "random seed for the data and the chaos")
	fs.StringVar(&last, "last", "2026-11-26", "the history's last `day` (YYYY-MM-DD); the incremental day is the one after")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./examples/bench [flags]\n\nRuns the EDQM pipeline at each scale and prints per-stage figures and targets.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q (flags start with -)", fs.Arg(0))
	}
	for _, s := range strings.Split(orders, ",") {
		n, err := parseCount(strings.TrimSpace(s))
		if err != nil {
			return cfg, fmt.Errorf("invalid value %q for -orders: %w", orders, err)
		}
		cfg.orders = append(cfg.orders, n)
	}
	if cfg.days < 2 || cfg.days > 100*366 {
		return cfg, fmt.Errorf("invalid value %d for -days: want 2 to 36600", cfg.days)
	}
	for _, n := range cfg.orders {
		if n < int64(cfg.days) {
			return cfg, fmt.Errorf("invalid value %d for -orders: want at least one order a day (-days %d)", n, cfg.days)
		}
	}
	if cfg.ddMiB < 0 {
		return cfg, fmt.Errorf("invalid value %d for -dd: want MiB ≥ 0", cfg.ddMiB)
	}
	if cfg.memoryLimit != "" && !memLimitRE.MatchString(cfg.memoryLimit) {
		return cfg, fmt.Errorf("invalid value %q for -memory-limit: want a size such as 512MB or 2GB", cfg.memoryLimit)
	}
	if cfg.threads < 0 || cfg.threads > 1024 {
		return cfg, fmt.Errorf("invalid value %d for -threads: want 0 (DuckDB's default) to 1024", cfg.threads)
	}
	d, err := time.Parse(edqm.DateLayout, last)
	if err != nil {
		return cfg, fmt.Errorf("invalid value %q for -last: want a date as YYYY-MM-DD", last)
	}
	cfg.last = d
	return cfg, nil
}

// configure applies -memory-limit and -threads to a DuckDB warehouse.
func configure(ctx context.Context, wh warehouse.Warehouse, cfg config) error {
	if cfg.memoryLimit != "" {
		if err := wh.Exec(ctx, "SET memory_limit = '"+cfg.memoryLimit+"'"); err != nil {
			return fmt.Errorf("set memory_limit: %w", err)
		}
	}
	if cfg.threads > 0 {
		if err := wh.Exec(ctx, "SET threads = "+strconv.Itoa(cfg.threads)); err != nil {
			return fmt.Errorf("set threads: %w", err)
		}
	}
	return nil
}

var memLimitRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?\s*([KMGT]i?B|B)$`)

// parseCount reads a positive whole count: 1000000, 1e6, 2.5e6.
func parseCount(s string) (int64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || f < 1 || f > 1e12 {
		return 0, fmt.Errorf("%q is not a whole count between 1 and 1e12", s)
	}
	return int64(f), nil
}

func writeJSON(path string, res *Results) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	b = append(b, '\n')
	if path == "-" {
		_, err = os.Stdout.Write(b)
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

func bench(ctx context.Context, cfg config, args []string, out io.Writer) (res *Results, err error) {
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return nil, fmt.Errorf("CPU profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, fmt.Errorf("CPU profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	work, remove, err := workFolder(cfg.dir)
	defer remove()
	if err != nil {
		return nil, err
	}

	res = &Results{Machine: machine(), Args: args, Days: cfg.days}
	m := res.Machine
	fmt.Fprintf(out, "EDQM bench: %d CPUs (%s), GOMAXPROCS %d, %s %s/%s, load %s\n", m.NProc, m.CPU, m.GOMAXPROCS, m.GoVersion, m.OS, m.Arch, m.Load)
	threads := "(default)"
	if cfg.threads > 0 {
		threads = strconv.Itoa(cfg.threads)
	}
	fmt.Fprintf(out, "work folder %s, %d days, DuckDB memory_limit %s, threads %s\n", work, cfg.days, orDefault(cfg.memoryLimit, "(default)"), threads)

	if cfg.python != "" {
		res.Python = runPython(ctx, cfg, work)
		if res.Python.Unavailable != "" {
			fmt.Fprintf(out, "original-style Python: ratio unavailable (%s)\n", res.Python.Unavailable)
		} else {
			fmt.Fprintf(out, "original-style Python (%s, %d orders, --lookup loc): %s orders/s\n",
				res.Python.Interpreter, res.Python.Orders, rate(res.Python.OrdersPerS))
		}
	}

	for i, n := range cfg.orders {
		if err := benchOrders(ctx, cfg, res, i == 0, n, work, out); err != nil {
			return res, err
		}
	}
	if len(res.Scales) > 1 {
		lo := slices.MinFunc(res.Scales, func(a, b ScaleResult) int { return cmp.Compare(a.Orders, b.Orders) })
		hi := slices.MaxFunc(res.Scales, func(a, b ScaleResult) int { return cmp.Compare(a.Orders, b.Orders) })
		if lo.NsPerOrder > 0 {
			res.CostRatio = hi.NsPerOrder / lo.NsPerOrder
		}
		fmt.Fprintf(out, "\ncost per order: %.0f ns at %s orders, %.0f ns at %s: %.2f×\n",
			lo.NsPerOrder, quality.FormatCount(lo.Orders), hi.NsPerOrder, quality.FormatCount(hi.Orders), res.CostRatio)
	}
	res.Targets = targets(res, cfg)
	fmt.Fprintln(out, "\nTargets:")
	for _, t := range res.Targets {
		fmt.Fprintf(out, "  %-11s %s: want %s, got %s\n", t.Status, t.Name, t.Want, t.Got)
	}
	return res, nil
}

// workFolder returns the absolute path of dir, made if missing, or of a new
// temporary folder when dir is empty; remove removes that temporary folder
// (and does nothing otherwise), also when err is not nil.
func workFolder(dir string) (work string, remove func(), err error) {
	remove = func() {}
	work = dir
	if work == "" {
		if work, err = os.MkdirTemp("", "edqm-bench-*"); err != nil {
			return "", remove, fmt.Errorf("work folder: %w", err)
		}
		tmp := work
		remove = func() { os.RemoveAll(tmp) }
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		return "", remove, fmt.Errorf("work folder: %w", err)
	}
	if work, err = filepath.Abs(work); err != nil {
		return "", remove, fmt.Errorf("work folder: %w", err)
	}
	return work, remove, nil
}

// benchOrders benchmarks n orders in a new folder of work and adds the
// scale to res, with its ratio to the Python reference and, at the first
// scale (first), the landing's comparison with dd.
func benchOrders(ctx context.Context, cfg config, res *Results, first bool, n int64, work string, out io.Writer) error {
	dir := filepath.Join(work, fmt.Sprintf("orders-%d", n))
	if _, err := os.Stat(dir); err == nil {
		return fmt.Errorf("%s exists: remove it or choose another -dir", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("work folder: %w", err)
	}
	sr, err := benchScale(ctx, cfg, n, dir, out)
	if err != nil {
		return fmt.Errorf("%d orders: %w", n, err)
	}
	if res.Python != nil && res.Python.OrdersPerS > 0 {
		sr.PythonRatio = sr.Stages[0].RowsPerS / res.Python.OrdersPerS
		fmt.Fprintf(out, "  generate+inject+land vs original-style Python: %.0f×\n", sr.PythonRatio)
	}
	if first && cfg.ddMiB > 0 {
		res.DD = compareDD(ctx, cfg, dir, n)
		if res.DD.Unavailable != "" {
			fmt.Fprintf(out, "  landing vs dd: unavailable (%s)\n", res.DD.Unavailable)
		} else {
			fmt.Fprintf(out, "  landing vs dd: %d files, %.0f MB at %.0f MB/s (fsync each, %d in flight); dd %d MiB at %.0f MB/s: %.0f%%\n",
				res.DD.LandFiles, float64(res.DD.LandBytes)/1e6, res.DD.LandMBPerS, res.DD.InFlight, res.DD.MiB, res.DD.DDMBPerS, 100*res.DD.Ratio)
		}
	}
	res.Scales = append(res.Scales, sr)
	if cfg.dir == "" {
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("remove %s: %w", dir, err)
		}
	}
	return nil
}

// benchScale runs every stage at one scale in dir.
func benchScale(ctx context.Context, cfg config, n int64, dir string, out io.Writer) (sr ScaleResult, err error) {
	perDay := int(math.Round(float64(n) / float64(cfg.days)))
	sr = ScaleResult{Orders: n, OrdersPerDay: perDay}
	fmt.Fprintf(out, "\n%s orders: %d days × %s orders\n", quality.FormatCount(n), cfg.days, quality.FormatCount(int64(perDay)))

	gen, err := generate.New(generate.Config{Seed: cfg.seed, MinOrders: perDay, MaxOrders: perDay})
	if err != nil {
		return sr, err
	}
	inj, err := chaos.New(chaos.Config{Seed: cfg.seed, Rates: chaos.Rates{
		Calculation: 0.02, Temporal: 0.02, Integrity: 0.02, Domain: 0.02, Duplication: 0.02}})
	if err != nil {
		return sr, err
	}
	opened, err := landing.Open(ctx, fileURL("file", filepath.Join(dir, "landing")), nil)
	if err != nil {
		return sr, err
	}
	defer opened.Close()
	land := &progressLander{Lander: opened, live: &liveLine{w: out, on: cfg.live}}
	clock := edqm.FixedClock(cfg.last)
	wh, err := warehouse.Open(ctx, fileURL("duckdb", filepath.Join(dir, "warehouse.duckdb")), &warehouse.OpenOptions{Clock: clock})
	if err != nil {
		return sr, err
	}
	defer func() {
		if cerr := wh.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close the warehouse: %w", cerr)
		}
	}()
	if err := configure(ctx, wh, cfg); err != nil {
		return sr, err
	}
	days := make([]time.Time, cfg.days)
	for i := range days {
		days[i] = cfg.last.AddDate(0, 0, i-cfg.days+1)
	}
	models, err := transform.Builtin()
	if err != nil {
		return sr, err
	}
	proj, err := transform.NewProject(models, nil)
	if err != nil {
		return sr, err
	}
	r := &scaleRun{cfg: cfg, dir: dir, out: out, sr: &sr, land: land, wh: wh, proj: proj,
		flow: &pipeline.Options{Generator: gen, Injector: inj, Format: cfg.format}, days: days, clock: clock}
	if err := r.endToEnd(ctx); err != nil {
		return sr, err
	}
	if err := r.incremental(ctx); err != nil {
		return sr, err
	}
	return sr, nil
}

// scaleRun is one scale's pipeline, whose stages benchScale measures into
// sr.
type scaleRun struct {
	cfg   config
	dir   string // the scale's folder
	out   io.Writer
	sr    *ScaleResult
	land  *progressLander
	wh    warehouse.Warehouse
	proj  *transform.Project
	flow  *pipeline.Options
	days  []time.Time
	clock edqm.Clock
}

// build runs the models.
func (r *scaleRun) build(ctx context.Context) error {
	_, err := pipeline.Build(ctx, r.wh, r.proj)
	return err
}

// report reports on the warehouse at clock, detecting over all the days,
// then checkpoints it, as pipeline.Run ends a run: the writes of the run
// go from DuckDB's write-ahead log to its file here, not in the next
// run's stages.
func (r *scaleRun) report(ctx context.Context, clock edqm.Clock) (*quality.Report, error) {
	monitors := quality.DefaultMonitors()
	for i := range monitors {
		monitors[i].Detection.DetectionDays = r.cfg.days
	}
	rep, err := quality.NewReporter(&quality.Options{Clock: clock, Monitors: monitors})
	if err != nil {
		return nil, err
	}
	got, err := rep.Report(ctx, r.wh)
	if err != nil {
		return nil, err
	}
	if c, ok := r.wh.(warehouse.Checkpointer); ok {
		if err := c.Checkpoint(ctx); err != nil {
			return nil, err
		}
	}
	return got, nil
}

// stage measures f as the stage name, which lands days days (0 for a
// stage that lands none), adds it to the results and prints it; on a
// terminal, the work within the stage shows until then.
func (r *scaleRun) stage(name string, days int, f func() (int64, error)) error {
	r.land.start(name, days)
	st, err := measure(name, f)
	r.land.live.clear()
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	r.sr.Stages = append(r.sr.Stages, st)
	row(r.out, st.Stage, st.Wall, st.CPU, st.Rows, st.RowsPerS, st.PeakRSSMiB)
	return nil
}

// endToEnd measures the stages from nothing to a report (land, load,
// transform, report) and prints their total.
func (r *scaleRun) endToEnd(ctx context.Context) error {
	sr := r.sr
	fmt.Fprintf(r.out, rowFormat, "stage", "wall", "CPU", "cores", "rows", "rows/s", "peak RSS")
	if err := r.stage(stageLand, len(r.days), func() (int64, error) {
		got, err := pipeline.LandDays(ctx, r.land, r.days, true, r.flow)
		if err != nil {
			return 0, err
		}
		sr.Landed, sr.Labels = got.Orders, got.Labels
		return got.Orders, nil
	}); err != nil {
		return err
	}
	if err := r.bytesLanded(ctx); err != nil {
		return err
	}
	if err := r.stage(stageLoad, 0, func() (int64, error) {
		got, err := pipeline.LoadAll(ctx, r.wh, r.land, false)
		if err != nil {
			return 0, err
		}
		sr.Files, sr.RowsLoaded, sr.Rejected = got.Files, got.Rows, got.Rejected
		return got.Rows, nil
	}); err != nil {
		return err
	}
	if err := warehouse.QueryRow(ctx, r.wh, "SELECT COUNT(*) FROM raw_orders", nil, &sr.RawOrders); err != nil {
		return fmt.Errorf("count raw_orders: %w", err)
	}
	if err := r.reference(ctx); err != nil {
		return err
	}
	if err := r.stage(stageTransform, 0, func() (int64, error) { return sr.RawOrders, r.build(ctx) }); err != nil {
		return err
	}
	if err := r.stage(stageReport, 0, func() (int64, error) {
		rep, err := r.report(ctx, r.clock)
		if err != nil {
			return 0, err
		}
		sr.ReportOrders, sr.HealthScore = rep.Orders, rep.HealthScore
		return rep.Orders, nil
	}); err != nil {
		return err
	}
	for _, st := range sr.Stages {
		sr.EndToEndWall += st.Wall
		sr.EndToEndCPU += st.CPU
		sr.PeakRSSMiB = max(sr.PeakRSSMiB, st.PeakRSSMiB)
	}
	if sr.Landed > 0 {
		sr.NsPerOrder = sr.EndToEndWall * 1e9 / float64(sr.Landed)
	}
	row(r.out, "nothing to report", sr.EndToEndWall, sr.EndToEndCPU, sr.Landed, float64(sr.Landed)/sr.EndToEndWall, sr.PeakRSSMiB)
	return nil
}

// bytesLanded sums the sizes of the data files landed and prints it.
func (r *scaleRun) bytesLanded(ctx context.Context) error {
	r.sr.Format = pipeline.Format(orDefault(string(r.cfg.format), string(pipeline.FormatCSV)))
	for _, prefix := range []string{"customers/", "products/", "orders/"} {
		objs, err := r.land.List(ctx, prefix)
		if err != nil {
			return err
		}
		for _, o := range objs {
			r.sr.BytesLanded += o.Size
		}
	}
	fmt.Fprintf(r.out, "  landed %s data files: %.1f MiB\n", r.sr.Format, float64(r.sr.BytesLanded)/(1<<20))
	return nil
}

// reference measures DuckDB's own reader (read_csv, or read_parquet for
// Parquet) on the landed data files, into tables of a new database file
// beside the warehouse, one INSERT … SELECT per table folder and format
// (labels stay CSV beside Parquet data files; all VARCHAR
// for CSV, with the file name), and prints it with the load's ratio to
// it. It is not a stage: the totals leave it out.
func (r *scaleRun) reference(ctx context.Context) error {
	reader := "read_csv"
	if r.sr.Format == pipeline.FormatParquet {
		reader = "read_parquet"
	}
	tables := map[string][]string{} // folder → local paths
	var folders []string
	objs, err := r.land.List(ctx, "")
	if err != nil {
		return fmt.Errorf("reference: %w", err)
	}
	lp, ok := r.land.Lander.(landing.LocalPather)
	if !ok {
		return fmt.Errorf("reference: the landing is not a local folder")
	}
	for _, o := range objs {
		dir, _, ok := strings.Cut(o.Key, "/date=")
		ext := path.Ext(o.Key)
		if !ok || (ext != ".csv" && ext != ".parquet") {
			continue
		}
		dir += ext // labels stay CSV when the data files are Parquet
		p, err := lp.LocalPath(o.Key)
		if err != nil {
			return fmt.Errorf("reference: %w", err)
		}
		if tables[dir] == nil {
			folders = append(folders, dir)
		}
		tables[dir] = append(tables[dir], p)
	}
	path := filepath.Join(r.dir, "reference.duckdb")
	wh, err := warehouse.Open(ctx, fileURL("duckdb", path), nil)
	if err != nil {
		return fmt.Errorf("reference: %w", err)
	}
	defer func() { _ = wh.Close(); _ = os.Remove(path); _ = os.Remove(path + ".wal") }()
	if err := configure(ctx, wh, r.cfg); err != nil {
		return fmt.Errorf("reference: %w", err)
	}
	st, err := measure(reader+" reference", func() (int64, error) {
		var rows int64
		for i, dir := range folders {
			reader := "read_csv"
			if strings.HasSuffix(dir, ".parquet") {
				reader = "read_parquet"
			}
			quoted := make([]string, len(tables[dir]))
			for j, p := range tables[dir] {
				quoted[j] = "'" + strings.ReplaceAll(p, "'", "''") + "'"
			}
			src := reader + "([" + strings.Join(quoted, ", ") + "]"
			if reader == "read_csv" {
				src += ", header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', strict_mode = true, filename = true)"
			} else {
				src += ", filename = true)"
			}
			q := fmt.Sprintf("CREATE TABLE ref_%d AS SELECT * FROM %s", i, src)
			if err := wh.Exec(ctx, q); err != nil {
				return rows, fmt.Errorf("reference %s: %w", dir, err)
			}
			var n int64
			if err := warehouse.QueryRow(ctx, wh, fmt.Sprintf("SELECT COUNT(*) FROM ref_%d", i), nil, &n); err != nil {
				return rows, fmt.Errorf("reference %s: %w", dir, err)
			}
			rows += n
		}
		return rows, nil
	})
	if err != nil {
		return err
	}
	r.sr.Reference = &st
	row(r.out, st.Stage, st.Wall, st.CPU, st.Rows, st.RowsPerS, st.PeakRSSMiB)
	if load := r.sr.Stages[len(r.sr.Stages)-1]; st.RowsPerS > 0 && load.Wall > 0 {
		// The same files: compare the load's rows (loaded + rejected)
		// per second of its wall time with the reader's.
		loadRate := float64(r.sr.RowsLoaded+r.sr.Rejected) / load.Wall
		r.sr.LoadRatio = loadRate / st.RowsPerS
		fmt.Fprintf(r.out, "  load vs DuckDB's %s of the same files: %.2f× (%s vs %s rows/s)\n", reader, r.sr.LoadRatio, rate(loadRate), rate(st.RowsPerS))
	}
	return nil
}

// incremental measures the next day's land, load and transform, then its
// report.
func (r *scaleRun) incremental(ctx context.Context) error {
	next := r.cfg.last.AddDate(0, 0, 1)
	if err := r.stage(stageIncremental, 1, func() (int64, error) {
		got, err := pipeline.LandDays(ctx, r.land, []time.Time{next}, false, r.flow)
		if err != nil {
			return 0, err
		}
		if _, err := pipeline.LoadAll(ctx, r.wh, r.land, false); err != nil {
			return got.Orders, err
		}
		return got.Orders, r.build(ctx)
	}); err != nil {
		return err
	}
	return r.stage(stageIncReport, 0, func() (int64, error) {
		rep, err := r.report(ctx, edqm.FixedClock(next))
		if err != nil {
			return 0, err
		}
		return rep.Orders, nil
	})
}

// rowFormat lays out a stage's line.
const rowFormat = "  %-22s %9s %9s %6s %12s %9s %10s\n"

// row prints a stage's figures, with CPU over wall (the cores busy).
func row(out io.Writer, name string, wall, cpu float64, rows int64, perS, rssMiB float64) {
	cores := "-"
	if wall > 0 {
		cores = fmt.Sprintf("%.2f", cpu/wall)
	}
	fmt.Fprintf(out, rowFormat, name, seconds(wall), seconds(cpu), cores, quality.FormatCount(rows), rate(perS), fmt.Sprintf("%.0f MiB", rssMiB))
}

// measure runs f as one stage: wall and CPU time, and the peak RSS from a
// reset high-water mark.
func measure(name string, f func() (int64, error)) (StageResult, error) {
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS()
	cpu0 := cpuTime()
	t0 := time.Now()
	rows, err := f()
	wall := time.Since(t0).Seconds()
	st := StageResult{Stage: name, Rows: rows, Wall: wall, CPU: cpuTime() - cpu0, PeakRSSMiB: peakRSSMiB()}
	if wall > 0 {
		st.RowsPerS = float64(rows) / wall
		st.Cores = st.CPU / wall
	}
	return st, err
}

// cpuTime is the process's user + system time in seconds.
func cpuTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// resetPeakRSS resets VmHWM to the current RSS (Linux ≥ 4.0); elsewhere it
// does nothing and the peak is the process's.
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSSMiB reads VmHWM from /proc/self/status; 0 when unavailable.
func peakRSSMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, err := strconv.ParseFloat(f[0], 64)
				if err == nil {
					return kb / 1024
				}
			}
		}
	}
	return 0
}

// runPython runs the original-style script and reads its orders/s.
func runPython(ctx context.Context, cfg config, work string) *PythonResult {
	const orders = 20000
	pr := &PythonResult{Interpreter: cfg.python, Orders: orders}
	script := cfg.script
	if script == "" {
		script = findScript()
	}
	if script == "" {
		pr.Unavailable = "../shared/bench/original_style.py not found from the module's folder (use -script)"
		return pr
	}
	if _, err := os.Stat(script); err != nil {
		pr.Unavailable = fmt.Sprintf("script: %v", err)
		return pr
	}
	if _, err := exec.LookPath(cfg.python); err != nil {
		pr.Unavailable = fmt.Sprintf("interpreter: %v", err)
		return pr
	}
	outDir := filepath.Join(work, "python")
	defer os.RemoveAll(outDir)
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, cfg.python, script, "--orders", strconv.Itoa(orders), "--lookup", "loc", "--out", outDir)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:] // the exception, e.g. ModuleNotFoundError: No module named 'faker'
		}
		pr.Unavailable = fmt.Sprintf("%s: %v: %s", filepath.Base(script), err, msg)
		return pr
	}
	var line string
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		if t := strings.TrimSpace(sc.Text()); strings.HasPrefix(t, "{") {
			line = t
		}
	}
	var v struct {
		OrdersPerS float64 `json:"orders_per_s"`
	}
	if err := json.Unmarshal([]byte(line), &v); err != nil || v.OrdersPerS <= 0 {
		pr.Unavailable = "no orders_per_s in the script's output"
		return pr
	}
	pr.OrdersPerS = v.OrdersPerS
	return pr
}

// findScript looks for ../shared/bench/original_style.py beside the module
// folder (the nearest parent of the working folder holding go.mod).
func findScript() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", "bench", "original_style.py")
			if _, err := os.Stat(p); err == nil {
				return filepath.Clean(p)
			}
			return ""
		}
		up := filepath.Dir(dir)
		if up == dir {
			return ""
		}
		dir = up
	}
}

// compareDD rewrites the landed orders files of the scale in dir into a new
// landing folder (fsync each, 8 in flight) and compares the throughput with
// dd writing -dd MiB to the same folder.
func compareDD(ctx context.Context, cfg config, dir string, orders int64) *DDResult {
	const inFlight = 8
	r := &DDResult{MiB: cfg.ddMiB, ScaleOrders: orders, InFlight: inFlight}
	src, err := landing.Open(ctx, fileURL("file", filepath.Join(dir, "landing")), nil)
	if err != nil {
		r.Unavailable = err.Error()
		return r
	}
	defer src.Close()
	dstDir := filepath.Join(dir, "reland")
	defer os.RemoveAll(dstDir)
	dst, err := landing.Open(ctx, fileURL("file", dstDir), nil)
	if err != nil {
		r.Unavailable = err.Error()
		return r
	}
	defer dst.Close()
	objs, err := src.List(ctx, "orders/")
	if err != nil {
		r.Unavailable = err.Error()
		return r
	}
	var bytesOut atomic.Int64
	t0 := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(inFlight)
	for _, o := range objs {
		g.Go(func() error {
			rc, err := src.Get(gctx, o.Key)
			if err != nil {
				return err
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				return fmt.Errorf("read %s: %w", o.Key, err)
			}
			bytesOut.Add(int64(len(b)))
			return dst.Put(gctx, o.Key, bytes.NewReader(b))
		})
	}
	if err := g.Wait(); err != nil {
		r.Unavailable = err.Error()
		return r
	}
	r.LandSeconds = time.Since(t0).Seconds()
	r.LandFiles, r.LandBytes = len(objs), bytesOut.Load()
	r.LandMBPerS = float64(r.LandBytes) / 1e6 / r.LandSeconds

	ddPath := filepath.Join(dir, "dd.bin")
	defer os.Remove(ddPath)
	cmd := exec.CommandContext(ctx, "dd", "if=/dev/zero", "of="+ddPath, "bs=1M", fmt.Sprintf("count=%d", cfg.ddMiB), "conv=fsync")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	t0 = time.Now()
	if err := cmd.Run(); err != nil {
		r.Unavailable = fmt.Sprintf("dd: %v: %s", err, strings.TrimSpace(stderr.String()))
		return r
	}
	r.DDSeconds = time.Since(t0).Seconds()
	r.DDMBPerS = float64(cfg.ddMiB) * (1 << 20) / 1e6 / r.DDSeconds
	r.Ratio = r.LandMBPerS / r.DDMBPerS
	return r
}

// targets evaluates the performance targets.
func targets(res *Results, cfg config) []Target {
	return append(throughputTargets(res), timeTargets(res, cfg)...)
}

// targetStatus says whether a target was met.
func targetStatus(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// throughputTargets evaluates the landing targets: orders per second, and
// the ratios to the original-style Python and to dd.
func throughputTargets(res *Results) []Target {
	var ts []Target
	// Land throughput, at every scale.
	format := string(pipeline.FormatCSV)
	if len(res.Scales) > 0 {
		format = string(res.Scales[0].Format)
	}
	t := Target{Name: "generate+inject+land " + strings.ToUpper(format), Want: "≥ 3 M orders/s at every scale"}
	worst := math.Inf(1)
	for _, s := range res.Scales {
		worst = min(worst, s.Stages[0].RowsPerS)
	}
	t.Got = rate(worst) + " orders/s (slowest scale)"
	t.Status = targetStatus(worst >= 3e6)
	ts = append(ts, t)

	t = Target{Name: "generate+inject+land vs original-style Python", Want: "≥ 400× at every scale"}
	switch {
	case res.Python == nil:
		t.Got, t.Status = "skipped (-python \"\")", "not run"
	case res.Python.Unavailable != "":
		t.Got, t.Status = res.Python.Unavailable, "unavailable"
	default:
		w := math.Inf(1)
		for _, s := range res.Scales {
			w = min(w, s.PythonRatio)
		}
		t.Got = fmt.Sprintf("%.0f× (Python %s orders/s)", w, rate(res.Python.OrdersPerS))
		t.Status = targetStatus(w >= 400)
	}
	ts = append(ts, t)

	t = Target{Name: "landing throughput vs dd to the same disk", Want: "≥ 50 %"}
	switch {
	case res.DD == nil:
		t.Got, t.Status = "skipped (-dd 0)", "not run"
	case res.DD.Unavailable != "":
		t.Got, t.Status = res.DD.Unavailable, "unavailable"
	default:
		t.Got = fmt.Sprintf("%.0f %% (%.0f vs %.0f MB/s)", 100*res.DD.Ratio, res.DD.LandMBPerS, res.DD.DDMBPerS)
		t.Status = targetStatus(res.DD.Ratio >= 0.5)
	}
	ts = append(ts, t)
	return append(ts, loadTargets(res)...)
}

// loadTargets evaluates, at each scale, the load's rows/s against DuckDB's
// own reader of the same files, measured in the same run.
func loadTargets(res *Results) []Target {
	var ts []Target
	for _, s := range res.Scales {
		if s.Reference == nil {
			continue
		}
		reader, _, _ := strings.Cut(s.Reference.Stage, " ")
		t := Target{Name: fmt.Sprintf("load vs DuckDB's %s at %s orders", reader, quality.FormatCount(s.Orders)), Want: "≥ 0.8×"}
		t.Got = fmt.Sprintf("%.2f× (%s vs %s rows/s)", s.LoadRatio, rate(s.LoadRatio*s.Reference.RowsPerS), rate(s.Reference.RowsPerS))
		t.Status = targetStatus(s.LoadRatio >= 0.8)
		ts = append(ts, t)
	}
	return ts
}

// timeTargets evaluates the wall-time targets: from nothing to a report at
// 10 M and 1 M orders, the cost per order across scales, and the
// incremental day.
func timeTargets(res *Results, cfg config) []Target {
	var ts []Target
	scaleOf := func(n int64) *ScaleResult {
		for i := range res.Scales {
			if res.Scales[i].Orders == n {
				return &res.Scales[i]
			}
		}
		return nil
	}
	t := Target{Name: "10 M orders from nothing to report", Want: "≤ 30 s, peak RSS ≤ 2 GB"}
	if s := scaleOf(1e7); s == nil {
		t.Got, t.Status = "no 1e7 scale in -orders", "not run"
	} else {
		t.Got = fmt.Sprintf("%s, %.0f MiB", seconds(s.EndToEndWall), s.PeakRSSMiB)
		t.Status = targetStatus(s.EndToEndWall <= 30 && s.PeakRSSMiB*(1<<20) <= 2e9)
	}
	ts = append(ts, t)

	t = Target{Name: "1 M orders from nothing to report", Want: "≤ 4 s"}
	if s := scaleOf(1e6); s == nil {
		t.Got, t.Status = "no 1e6 scale in -orders", "not run"
	} else {
		t.Got = seconds(s.EndToEndWall)
		t.Status = targetStatus(s.EndToEndWall <= 4)
	}
	ts = append(ts, t)

	t = Target{Name: "time per order at the largest scale over the smallest", Want: "≤ 1.5× (10 M vs 1 M)"}
	if len(res.Scales) < 2 {
		t.Got, t.Status = "one scale only", "not run"
	} else {
		t.Got = fmt.Sprintf("%.2f×", res.CostRatio)
		t.Status = targetStatus(res.CostRatio <= 1.5)
	}
	ts = append(ts, t)

	t = Target{Name: fmt.Sprintf("incremental day (land, load, build) on a %d-day history", cfg.days), Want: "≤ 1 s at every scale"}
	slowest := 0.0
	for _, s := range res.Scales {
		for _, st := range s.Stages {
			if st.Stage == stageIncremental {
				slowest = max(slowest, st.Wall)
			}
		}
	}
	t.Got = seconds(slowest) + " (slowest scale)"
	t.Status = targetStatus(slowest <= 1)
	return append(ts, t)
}

// machine describes this machine.
func machine() Machine {
	m := Machine{NProc: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.Load = strings.Join(f[:3], " ")
		}
	}
	return m
}

func fileURL(scheme, path string) string {
	return (&url.URL{Scheme: scheme, Path: filepath.ToSlash(path)}).String()
}

func seconds(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond).String()
}

// rate renders a per-second figure: 812 k, 3.21 M.
func rate(r float64) string {
	switch {
	case r >= 1e6:
		return fmt.Sprintf("%.2f M", r/1e6)
	case r >= 1e3:
		return fmt.Sprintf("%.0f k", r/1e3)
	default:
		return fmt.Sprintf("%.0f", r)
	}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
