// Command dashboard serves the EDQM dashboard: the Data Health Score,
// Revenue at Risk, the Quarantine Zone with its drill-down, and the
// detection scorecard, live from the warehouse that examples/full builds,
// or from its latest report snapshot.
//
//	go run ./examples/full        # build the data (./edqm-data)
//	go run ./examples/dashboard   # then open the printed address
//
// By default it reads the folder examples/full writes (-data, default
// ./edqm-data): warehouse.duckdb for live mode and landing/_reports/ for
// demo mode. -warehouse and -landing take the URLs examples/full takes
// (warehouse.Open, landing.Open): file://, s3:// and mem:// landings,
// duckdb:// and snowflake:// warehouses. -demo never touches the warehouse;
// -snapshot names the snapshot to show, and one that does not exist or does
// not parse stops the dashboard at start.
//
// Live mode runs the default monitors (quality.DefaultMonitors) over the
// last -monitor-days days and shows the results history the pipeline
// records: each test's and monitor's runs.
//
// The DuckDB file is only opened while a page renders, so examples/full can
// run at the same time: while it holds the file, pages say so and show the
// latest snapshot. /metrics serves the figures to Prometheus, and
// /report.html the static report.
//
// It answers only to the addresses it serves: a request whose Host header
// is another name (a web page re-pointing its own name at this machine, a
// DNS-rebinding attack) is refused with 421. By default these are the
// -addr host with the port it listens on; localhost, 127.0.0.1 and [::1]
// with that port when it is a loopback address; and, when it is all of
// the machine's addresses (0.0.0.0, [::] or no host), localhost, the
// machine's name and its addresses with that port. -allowed-hosts replaces
// the list (e.g. -allowed-hosts dashboard.example.com:8080,localhost:8080;
// an entry without a port allows every port). Pages never show local
// paths or process ids; the log on stderr has the full errors.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/landing"
	_ "github.com/edqm/edqm/landing/filelanding" // file://
	_ "github.com/edqm/edqm/landing/memlanding"  // mem://
	_ "github.com/edqm/edqm/landing/s3landing"   // s3://
	"github.com/edqm/edqm/pipeline"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/quality/dashboard"
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
	dataDir                  string
	landingURL, warehouseURL string
	addr                     string
	demo                     bool
	snapshot                 string
	monitorDays              int
	allowedHosts             []string // -allowed-hosts; nil: the default (allowedHosts)
}

// usageError is a bad command line found after parsing (a -snapshot that
// cannot be read): exit code 2.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// run is main without the process: it serves until ctx is done and returns
// the exit code (0 stopped cleanly, 1 could not serve, 2 bad command line).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, wall func() time.Time) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "dashboard: %v\n", err)
		return 2
	}
	if err := serve(ctx, cfg, stdout, stderr, wall); err != nil {
		fmt.Fprintf(stderr, "dashboard: %v\n", err)
		var ue usageError
		if errors.As(err, &ue) {
			return 2
		}
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("dashboard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.StringVar(&cfg.dataDir, "data", "edqm-data", "data `folder` written by examples/full: warehouse.duckdb (live) and landing/ (snapshots)")
	fs.StringVar(&cfg.landingURL, "landing", "", "landing `URL` holding report snapshots (file:///path, s3://bucket/prefix?region=..., mem://); default the folder landing/ under -data")
	fs.StringVar(&cfg.warehouseURL, "warehouse", "", "warehouse `URL` (duckdb:///path/file.duckdb, snowflake://user@account/db/schema?warehouse=...); default warehouse.duckdb under -data")
	fs.IntVar(&cfg.monitorDays, "monitor-days", pipeline.DefaultDays, "`days` the live monitors judge and draw (the latest ones)")
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8080", "`address` to listen on (port 0 picks a free port)")
	fs.BoolVar(&cfg.demo, "demo", false, "demo mode only: show the latest report snapshot, never the warehouse")
	fs.StringVar(&cfg.snapshot, "snapshot", "", "snapshot `key` to show in demo mode; default the latest under _reports/")
	hosts := fs.String("allowed-hosts", "", "comma-separated `hosts` (host:port, or host for any port) the dashboard answers to; others are refused (421); default the -addr host and, for a loopback or all-addresses -addr, localhost and the machine's addresses, with the listening port")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./examples/dashboard [flags]\n\nServes the EDQM dashboard (live from the warehouse, or from a report snapshot).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q (flags start with -)", fs.Arg(0))
	}
	if cfg.dataDir == "" && (cfg.landingURL == "" || cfg.warehouseURL == "") {
		return cfg, errors.New("invalid value for -data: empty folder name")
	}
	if cfg.snapshot != "" {
		if err := landing.ValidateKey(cfg.snapshot); err != nil {
			return cfg, fmt.Errorf("invalid value for -snapshot: %w", err)
		}
	}
	for _, h := range strings.Split(*hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			cfg.allowedHosts = append(cfg.allowedHosts, h)
		}
	}
	if strings.TrimSpace(*hosts) != "" && len(cfg.allowedHosts) == 0 {
		return cfg, fmt.Errorf("invalid value %q for -allowed-hosts: no host", *hosts)
	}
	if cfg.monitorDays < 1 || cfg.monitorDays > 3660 {
		return cfg, fmt.Errorf("invalid value %d for -monitor-days: want 1 to 3660", cfg.monitorDays)
	}
	return cfg, nil
}

// duckDBPath returns the file a duckdb:// URL names, "" for other URLs
// and in-memory databases.
func duckDBPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "duckdb" || u.Host == "memory" {
		return ""
	}
	if u.Opaque != "" {
		return u.Opaque
	}
	return filepath.FromSlash(u.Path)
}

func serve(ctx context.Context, cfg config, stdout, stderr io.Writer, wall func() time.Time) error {
	clock := edqm.ClockFunc(wall)
	opts := &dashboard.Options{
		Demo:        cfg.demo,
		SnapshotKey: cfg.snapshot,
		Clock:       clock,
		Logger:      slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	dir, err := filepath.Abs(cfg.dataDir)
	if err != nil {
		return fmt.Errorf("data folder %q: %w", cfg.dataDir, err)
	}

	// Demo mode: the landing's snapshots. The default folder is only
	// opened when it exists (opening creates it).
	landURL, landShown := cfg.landingURL, pipeline.DescribeURL(cfg.landingURL)
	if landURL == "" {
		p := filepath.Join(dir, "landing")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			landURL = (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String()
			landShown = p
		}
	}
	if landURL != "" {
		land, err := landing.Open(ctx, landURL, nil)
		if err != nil {
			return err
		}
		defer land.Close()
		opts.Lander = land
	}
	if err := checkSnapshot(ctx, cfg, opts.Lander, landShown); err != nil {
		return err
	}
	opts.Monitors = quality.DefaultMonitors()
	for i := range opts.Monitors {
		opts.Monitors[i].Detection.DetectionDays = cfg.monitorDays
	}

	whShown, err := setWarehouse(cfg, dir, clock, opts)
	if err != nil {
		return err
	}
	if cfg.allowedHosts != nil {
		// Checked before listening: a bad entry is a bad command line.
		opts.AllowedHosts = cfg.allowedHosts
		if _, err := dashboard.New(opts); err != nil {
			return usageError{fmt.Errorf("invalid value for -allowed-hosts: %w", err)}
		}
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	if opts.AllowedHosts == nil {
		opts.AllowedHosts = allowedHosts(cfg.addr, ln.Addr())
	}
	h, err := dashboard.New(opts)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return ctx }}
	fmt.Fprintf(stdout, "EDQM dashboard on http://%s/\n", ln.Addr())
	fmt.Fprintf(stdout, "  hosts     %s (others are refused: -allowed-hosts)\n", strings.Join(opts.AllowedHosts, ", "))
	if !cfg.demo {
		fmt.Fprintf(stdout, "  live      %s\n", whShown)
	}
	if opts.Lander != nil {
		fmt.Fprintf(stdout, "  snapshots %s\n", landShown)
	}
	fmt.Fprintf(stdout, "  metrics   http://%s/metrics\nPress Ctrl+C to stop.\n", ln.Addr())
	return serveUntilDone(ctx, srv, ln, stdout)
}

// allowedHosts is the default of -allowed-hosts for a server asked to
// listen on addr and listening on ln: addr's host with ln's port; for a
// loopback address, localhost, 127.0.0.1 and [::1] too; for all the
// machine's addresses (0.0.0.0, [::], no host), those, the machine's name
// and its interfaces' addresses.
func allowedHosts(addr string, ln net.Addr) []string {
	port, ip := "", net.IP(nil)
	if tcp, ok := ln.(*net.TCPAddr); ok {
		port, ip = strconv.Itoa(tcp.Port), tcp.IP
	} else if _, p, err := net.SplitHostPort(ln.String()); err == nil {
		port = p
	}
	var hosts []string
	add := func(h string) {
		if h = net.JoinHostPort(h, port); !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	host, _, _ := net.SplitHostPort(addr)
	all := ip == nil || ip.IsUnspecified()
	if host != "" && !all {
		add(host)
	}
	if ip != nil && !all {
		add(ip.String())
	}
	if all || ip.IsLoopback() {
		add("localhost")
		add("127.0.0.1")
		add("::1")
	}
	if all {
		if name, err := os.Hostname(); err == nil && name != "" {
			add(name)
		}
		if addrs, err := net.InterfaceAddrs(); err == nil {
			for _, a := range addrs {
				if n, ok := a.(*net.IPNet); ok && !n.IP.IsLinkLocalUnicast() {
					add(n.IP.String())
				}
			}
		}
	}
	return hosts
}

// checkSnapshot refuses a -snapshot that the landing does not hold or that
// does not parse, before anything is served.
func checkSnapshot(ctx context.Context, cfg config, land landing.Lander, landShown string) error {
	if cfg.snapshot == "" {
		return nil
	}
	if land == nil {
		return usageError{fmt.Errorf("invalid value for -snapshot: no landing to read %s from (pass -landing, or -data with a landing/ folder)", cfg.snapshot)}
	}
	if _, err := quality.ReadSnapshot(ctx, land, cfg.snapshot); err != nil {
		if errors.Is(err, landing.ErrNotFound) {
			return usageError{fmt.Errorf("invalid value for -snapshot: %s is not in %s (snapshots are under %s)", cfg.snapshot, landShown, quality.SnapshotPrefix)}
		}
		return usageError{fmt.Errorf("invalid value for -snapshot: %s: %w", cfg.snapshot, err)}
	}
	return nil
}

// setWarehouse sets opts.OpenWarehouse for live mode: the warehouse,
// opened per request. A DuckDB file must exist: opening a missing one would
// create an empty database. It returns the warehouse as shown to the user.
func setWarehouse(cfg config, dir string, clock edqm.Clock, opts *dashboard.Options) (string, error) {
	whURL, whShown := cfg.warehouseURL, pipeline.DescribeURL(cfg.warehouseURL)
	if whURL == "" {
		p := filepath.Join(dir, "warehouse.duckdb")
		whURL = (&url.URL{Scheme: "duckdb", Path: filepath.ToSlash(p)}).String()
		whShown = p
		if _, err := os.Stat(p); err != nil && opts.Lander == nil {
			return "", fmt.Errorf("nothing to show in %s: no warehouse.duckdb and no landing/ folder; run go run ./examples/full first, or pass -warehouse or -landing", dir)
		}
	}
	if !cfg.demo {
		opts.OpenWarehouse = func(ctx context.Context) (warehouse.Warehouse, error) {
			if p := duckDBPath(whURL); p != "" {
				if _, err := os.Stat(p); err != nil {
					return nil, fmt.Errorf("no warehouse file at %s yet (run go run ./examples/full)", p)
				}
			}
			return warehouse.Open(ctx, whURL, &warehouse.OpenOptions{Clock: clock})
		}
	} else if opts.Lander == nil {
		return "", fmt.Errorf("-demo needs report snapshots: no landing/ folder in %s (run go run ./examples/full first, or pass -landing)", dir)
	}
	return whShown, nil
}

// serveUntilDone serves ln with srv until it fails or ctx is done, then
// shuts it down within 5 seconds.
func serveUntilDone(ctx context.Context, srv *http.Server, ln net.Listener, stdout io.Writer) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(stdout, "Stopped.")
	return nil
}
