package dashboard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/transform"
	"github.com/edqm/edqm/warehouse"
)

// Modes, as shown on the page and in the mode query parameter.
const (
	// ModeLive reads the warehouse.
	ModeLive = "live"
	// ModeDemo reads a report snapshot (or Options.Report).
	ModeDemo = "demo"
)

// DefaultPageSize is the number of rows per drill-down page.
const DefaultPageSize = 25

// DefaultLabelsTable is the raw table of record-level chaos labels, as
// examples/full loads it.
const DefaultLabelsTable = "raw_chaos_labels"

// Options configure a [Handler]. A nil *Options is refused: the dashboard
// needs at least one source.
//
// Sources: Warehouse or OpenWarehouse make live mode possible; Lander (a
// snapshot) or Report make demo mode possible. With both, the dashboard
// goes live and falls back to demo, saying why, when the warehouse fails.
type Options struct {
	// Warehouse is the live source, used as it is by every request and
	// never closed by the dashboard. Its models must be built (fct_orders;
	// mart_daily_revenue is read when it exists).
	Warehouse warehouse.Warehouse
	// OpenWarehouse, instead of Warehouse, opens the live source when a
	// request needs it; the dashboard shares it between concurrent
	// requests and closes it when the last one ends. Use it for an embedded
	// DuckDB file that a pipeline also writes: the file is only held while
	// a page renders, and while the pipeline holds it, pages fall back to
	// demo mode and say so.
	OpenWarehouse func(ctx context.Context) (warehouse.Warehouse, error)

	// Lander holds report snapshots (quality.WriteSnapshot) for demo mode.
	Lander landing.Lander
	// SnapshotKey is the snapshot to read; empty means the latest JSON
	// object under quality.SnapshotPrefix (by key, so the latest day for
	// quality.SnapshotKey names).
	SnapshotKey string
	// Report, when set, is the report to show: demo mode shows it instead
	// of reading a snapshot, and live mode takes it as the warehouse's
	// current report (the caller has just computed it) instead of
	// computing one. Its tests' SQL is trusted for drill-down.
	Report *quality.Report
	// Demo forces demo mode, even with a warehouse.
	Demo bool

	// Tests and Monitors are run by live mode when it computes the report
	// (with quality.NewReporter); nil Tests means quality.DefaultTests(),
	// nil Monitors none. Monitors the pipeline recorded in the results
	// history are shown as well (its latest run), except those Monitors
	// names, which are run again.
	Tests    []quality.Test
	Monitors []quality.Monitor
	// HistoryTable is the results history table; empty means
	// quality.DefaultHistoryTable. A missing table is not an error.
	HistoryTable string
	// LabelsTable is the chaos labels table shown beside drill-down rows;
	// empty means DefaultLabelsTable. A missing table is not an error.
	LabelsTable string

	// Project holds the models drawn as lineage (and whose SQL is shown);
	// nil means the built-in ones (transform.Builtin).
	Project *transform.Project

	// MetricsTTL is how long /metrics serves the figures it read before
	// reading the sources again; 0 means DefaultMetricsTTL. In live mode
	// the report is recomputed only when the warehouse's content or its
	// results history changed since.
	MetricsTTL time.Duration

	// PageSize is the number of rows per drill-down page; 0 means
	// DefaultPageSize (at most 1000).
	PageSize int
	// Title heads the page; empty means "EDQM · Revenue at Risk".
	Title string
	// Clock gives live mode its run time (recency tests, the report's
	// GeneratedAt) and stamps pages "rendered at"; nil leaves both out.
	// The dashboard never reads the wall clock.
	Clock edqm.Clock
	// Logger receives live-mode failures and render errors, with their
	// full text; nil discards. Pages and response bodies never show that
	// text: they say what happened without local paths, process ids or
	// user names (see the package documentation, # Errors).
	Logger *slog.Logger

	// AllowedHosts are the addresses the dashboard serves, as a browser
	// sends them in the Host header: "host:port", or "host" for any port
	// (IPv6 addresses in brackets when with a port: "[::1]:8080"), matched
	// without regard to case. A request for any other Host is refused with
	// 421 Misdirected Request, so that a web page whose name an attacker
	// re-points at this machine (DNS rebinding) cannot read the dashboard.
	// Empty means no check: set it when the handler is the whole server
	// (examples/dashboard sets it to the address it listens on), and leave
	// it to the server's own routing when it mounts the handler among
	// others.
	AllowedHosts []string
}

// Handler serves the dashboard (see the package documentation for its
// routes). Create it with [New]; it is safe for concurrent use.
type Handler struct {
	o    Options
	log  *slog.Logger
	page *template.Template

	whMu   sync.Mutex
	wh     warehouse.Warehouse // opened by OpenWarehouse while requests use it
	whRefs int

	repMu  sync.Mutex
	repKey string
	rep    *quality.Report

	project *transform.Project

	metrics  metricsCache
	promHTTP http.Handler

	hosts []hostPort // parsed Options.AllowedHosts; empty: no check
}

var _ http.Handler = (*Handler)(nil)

// New validates opts and returns a Handler.
func New(opts *Options) (*Handler, error) {
	if opts == nil {
		return nil, errors.New("dashboard.New: nil options: set Warehouse, OpenWarehouse, Lander or Report")
	}
	o := *opts
	if o.Warehouse == nil && o.OpenWarehouse == nil && o.Lander == nil && o.Report == nil {
		return nil, errors.New("dashboard.New: no source: set Warehouse, OpenWarehouse, Lander or Report")
	}
	if o.Warehouse != nil && o.OpenWarehouse != nil {
		return nil, errors.New("dashboard.New: set Warehouse or OpenWarehouse, not both")
	}
	if o.Demo && o.Lander == nil && o.Report == nil {
		return nil, errors.New("dashboard.New: Demo needs a Lander or a Report")
	}
	if o.SnapshotKey != "" {
		if err := landing.ValidateKey(o.SnapshotKey); err != nil {
			return nil, fmt.Errorf("dashboard.New: SnapshotKey: %w", err)
		}
	}
	if o.HistoryTable == "" {
		o.HistoryTable = quality.DefaultHistoryTable
	}
	if o.LabelsTable == "" {
		o.LabelsTable = DefaultLabelsTable
	}
	for _, t := range []string{o.HistoryTable, o.LabelsTable} {
		if err := warehouse.ValidIdent(t); err != nil {
			return nil, fmt.Errorf("dashboard.New: %w", err)
		}
	}
	if o.PageSize == 0 {
		o.PageSize = DefaultPageSize
	}
	if o.PageSize < 1 || o.PageSize > 1000 {
		return nil, fmt.Errorf("dashboard.New: PageSize %d: want 1 to 1000", o.PageSize)
	}
	if o.Tests == nil {
		o.Tests = quality.DefaultTests()
	}
	for _, t := range o.Tests {
		if err := t.Validate(); err != nil {
			return nil, fmt.Errorf("dashboard.New: %w", err)
		}
	}
	for _, m := range o.Monitors {
		if err := m.Validate(); err != nil {
			return nil, fmt.Errorf("dashboard.New: %w", err)
		}
	}
	if o.Title == "" {
		o.Title = "EDQM · Revenue at Risk"
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	page, err := parseTemplates()
	if err != nil {
		return nil, fmt.Errorf("dashboard.New: %w", err)
	}
	project := o.Project
	if project == nil {
		models, err := transform.Builtin()
		if err == nil {
			project, err = transform.NewProject(models, nil)
		}
		if err != nil {
			return nil, fmt.Errorf("dashboard.New: the built-in models: %w", err)
		}
	}
	if o.MetricsTTL == 0 {
		o.MetricsTTL = DefaultMetricsTTL
	}
	if o.MetricsTTL < 0 {
		return nil, fmt.Errorf("dashboard.New: MetricsTTL %v: want 0 (the default) or more", o.MetricsTTL)
	}
	var hosts []hostPort
	for _, a := range o.AllowedHosts {
		hp, err := parseAllowedHost(a)
		if err != nil {
			return nil, fmt.Errorf("dashboard.New: %w", err)
		}
		hosts = append(hosts, hp)
	}
	h := &Handler{o: o, log: log, page: page, project: project, hosts: hosts}
	reg, err := newMetricsRegistry(h)
	if err != nil {
		return nil, fmt.Errorf("dashboard.New: metrics: %w", err)
	}
	h.promHTTP = promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)})
	return h, nil
}

// csp forbids every fetch but inline styles and data: images: the page
// works offline and cannot call anything.
const csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'self'"

// ServeHTTP serves the routes described in the package documentation.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if len(h.hosts) > 0 && !h.hostAllowed(r) {
		h.refuseHost(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method "+r.Method+" not allowed: the dashboard is read-only (GET or HEAD)", http.StatusMethodNotAllowed)
		return
	}
	switch r.URL.Path {
	case "/", "":
		h.serveDashboard(w, r)
	case "/metrics":
		h.serveMetrics(w, r)
	case "/report.html":
		h.serveStatic(w, r)
	case "/rows.csv":
		h.serveCSV(w, r)
	default:
		http.Error(w, "404 page not found: the dashboard serves /, /rows.csv, /metrics and /report.html", http.StatusNotFound)
	}
}

// httpError is an error with an HTTP status, shown to the user as it is.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

// badParam is a 400 naming the query parameter.
func badParam(name, format string, a ...any) error {
	return &httpError{http.StatusBadRequest, fmt.Sprintf("bad query parameter %q: ", name) + fmt.Sprintf(format, a...)}
}

// statusOf maps an error to the status to answer with: the status of an
// httpError, else 503 (the sources failed, or the request was cancelled).
func statusOf(err error) int {
	var he *httpError
	if errors.As(err, &he) {
		return he.status
	}
	return http.StatusServiceUnavailable
}

func (h *Handler) serveDashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q, err := parseRawQuery(r.URL.RawQuery)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	d, err := h.load(ctx, q, true)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	defer d.close()
	var buf bytes.Buffer
	if err := h.render(ctx, &buf, d, q, false); err != nil {
		h.writeError(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Length", strconv.Itoa(buf.Len()))
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

func (h *Handler) serveStatic(w http.ResponseWriter, r *http.Request) {
	q, err := parseRawQuery(r.URL.RawQuery)
	if err == nil && (q.Flag != "" || q.Test != "" || q.Page != 1) {
		err = badParam("flag", "the static report has every drill-down inline: use /report.html without flag, test or page")
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := h.writeHTML(r.Context(), &buf, q); err != nil {
		h.writeError(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Disposition", `inline; filename="edqm-report.html"`)
	hd.Set("Content-Length", strconv.Itoa(buf.Len()))
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// writeError answers with a short page that says what went wrong
// (publicMessage: no local path, process id or user name); the log has
// the full error.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	if status >= 500 {
		h.log.Error("dashboard: request failed", "path", r.URL.Path, "query", r.URL.RawQuery, "err", err)
	}
	msg := publicMessage(err)
	var buf bytes.Buffer
	if terr := h.page.ExecuteTemplate(&buf, "error", errorPage{Title: h.o.Title, Status: status, StatusText: http.StatusText(status), Message: msg}); terr != nil {
		http.Error(w, msg, status)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// WriteHTML writes the static report: the dashboard's views in one
// self-contained HTML file (inline CSS and SVG, no script, no external
// reference), for people who never start a server. Drill-downs are inline:
// the first page of rows of every flag and failing test in live mode, the
// kept samples in demo mode. It reads the sources as a request to "/"
// would, falling back to demo mode in the same way.
func (h *Handler) WriteHTML(ctx context.Context, w io.Writer) error {
	return h.writeHTML(ctx, w, query{Page: 1})
}

// WriteHTML is New(opts) followed by Handler.WriteHTML: the call for a
// program that has just computed its report, e.g.
//
//	dashboard.WriteHTML(ctx, &buf, &dashboard.Options{Warehouse: wh, Report: rep, Clock: clock})
func WriteHTML(ctx context.Context, w io.Writer, opts *Options) error {
	h, err := New(opts)
	if err != nil {
		return err
	}
	return h.WriteHTML(ctx, w)
}

func (h *Handler) writeHTML(ctx context.Context, w io.Writer, q query) error {
	d, err := h.load(ctx, q, true)
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	defer d.close()
	var buf bytes.Buffer
	if err := h.render(ctx, &buf, d, q, true); err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// now returns the Clock's time, or the zero time without a Clock.
func (h *Handler) now() time.Time {
	if h.o.Clock == nil {
		return time.Time{}
	}
	return h.o.Clock.Now()
}

// hasWarehouse reports whether live mode is configured.
func (h *Handler) hasWarehouse() bool { return h.o.Warehouse != nil || h.o.OpenWarehouse != nil }

// hasDemo reports whether demo mode is configured.
func (h *Handler) hasDemo() bool { return h.o.Report != nil || h.o.Lander != nil }

// acquire returns the live warehouse and a function to call when done
// with it.
func (h *Handler) acquire(ctx context.Context) (warehouse.Warehouse, func(), error) {
	if h.o.Warehouse != nil {
		return h.o.Warehouse, func() {}, nil
	}
	h.whMu.Lock()
	defer h.whMu.Unlock()
	if h.wh == nil {
		w, err := h.o.OpenWarehouse(ctx)
		if err != nil {
			return nil, nil, err
		}
		if w == nil {
			return nil, nil, errors.New("OpenWarehouse returned no warehouse")
		}
		h.wh = w
	}
	h.whRefs++
	w := h.wh
	var once sync.Once
	return w, func() {
		once.Do(func() {
			h.whMu.Lock()
			defer h.whMu.Unlock()
			h.whRefs--
			if h.whRefs == 0 {
				if err := h.wh.Close(); err != nil {
					h.log.Warn("dashboard: closing the warehouse", "err", err)
				}
				h.wh = nil
			}
		})
	}, nil
}

// load reads the sources for a request: live when possible, else demo.
// withExtras reads, in live mode, what the report lacks (pages need it,
// /metrics does not).
func (h *Handler) load(ctx context.Context, q query, withExtras bool) (*data, error) {
	switch q.Mode {
	case ModeLive:
		if !h.hasWarehouse() || h.o.Demo {
			return nil, badParam("mode", "live mode needs a warehouse, and this dashboard has none (or is demo-only)")
		}
	case ModeDemo:
		if !h.hasDemo() {
			return nil, badParam("mode", "demo mode needs a snapshot (Options.Lander) or a report, and this dashboard has neither")
		}
	}
	notice := ""
	if h.hasWarehouse() && !h.o.Demo && q.Mode != ModeDemo {
		d, err := h.live(ctx, q, withExtras)
		if err == nil {
			return d, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var he *httpError
		if errors.As(err, &he) {
			return nil, err
		}
		// The log has the error; the page says what it means, without
		// local paths or process ids (reason).
		h.log.Warn("dashboard: live mode failed", "err", err)
		if !h.hasDemo() || q.Mode == ModeLive {
			return nil, &httpError{http.StatusServiceUnavailable, "live mode failed: " + reason(err)}
		}
		notice = "Live mode failed, so this page shows the latest snapshot instead: " + reason(err)
	}
	d, err := h.demo(ctx, q)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		h.log.Warn("dashboard: demo mode failed", "err", err)
		msg := "demo mode failed: " + reason(err)
		if notice != "" {
			msg = strings.TrimSuffix(notice, ".") + "; and " + msg
		}
		return nil, &httpError{http.StatusServiceUnavailable, msg}
	}
	d.notice = notice
	return d, nil
}

// demo reads the report to show without a warehouse, with its figures
// file (WriteFigures) when there is one: over the whole data, it gives
// the views the snapshot lacks, and at any range each check's runs.
func (h *Handler) demo(ctx context.Context, q query) (*data, error) {
	if h.o.Report != nil {
		return &data{mode: ModeDemo, source: "report in memory", sum: fromReport(h.o.Report, false)}, nil
	}
	key := h.o.SnapshotKey
	if key == "" {
		objs, err := h.o.Lander.List(ctx, quality.SnapshotPrefix)
		if err != nil {
			return nil, fmt.Errorf("listing snapshots: %w", err)
		}
		for _, o := range objs {
			if strings.HasSuffix(o.Key, ".json") && !strings.HasSuffix(o.Key, ".figures.json") && o.Key > key {
				key = o.Key
			}
		}
		if key == "" {
			return nil, fmt.Errorf("no report snapshot under %s in the landing (run the pipeline, e.g. go run ./examples/full, to write one)", quality.SnapshotPrefix)
		}
	}
	rep, err := quality.ReadSnapshot(ctx, h.o.Lander, key)
	if err != nil {
		return nil, err
	}
	d := &data{mode: ModeDemo, source: "snapshot " + key, sum: fromReport(rep, false)}
	f, err := readFigures(ctx, h.o.Lander, key)
	if err != nil {
		h.log.Warn("dashboard: the snapshot's figures file", "err", err)
		return d, nil
	}
	if f != nil {
		d.history = f.History
		if q.From == "" && q.To == "" {
			d.extras = f.Extras
		}
	}
	return d, nil
}
