// Package dashboard shows what bad data costs, for people: the Data Health
// Score, Revenue at Risk and where it comes from, live from the warehouse
// or from a report snapshot. It is an [http.Handler] that Go teams mount
// in their own servers, a static HTML report ([WriteHTML]) for people who
// never start one, and a Prometheus endpoint for teams that alert from
// Grafana. examples/dashboard serves it.
//
//	h, err := dashboard.New(&dashboard.Options{Warehouse: wh, Lander: land})
//	...
//	mux.Handle("/quality/", http.StripPrefix("/quality", h))
//
// Everything is drawn on the server: SVG charts from Go templates, inline
// CSS, no script, no web font, no CDN. Pages work offline, and their
// Content-Security-Policy forbids every fetch.
//
// # Modes
//
// Live mode reads the warehouse: its report comes from quality.NewReporter
// run on fct_orders (with [Options.Tests] and [Options.Monitors], plus the
// monitors recorded in the results history's latest run), kept until the
// warehouse's content changes; the daily mart (mart_daily_revenue), the
// status distribution, the counts per flag, per kind and per day, and the
// drill-down rows are read for every request, over its date range.
//
// Demo mode reads a JSON snapshot (quality.WriteSnapshot) from any
// landing.Lander, or shows [Options.Report], and needs no warehouse. A
// snapshot holds the report; the figures file [WriteFigures] writes beside
// it adds what the report lacks (orders by status, issues per kind per day,
// revenue per flag, each check's runs), so that demo mode shows every view
// over the whole data. Without it, or for a date range, demo mode says
// where a view needs the warehouse; the rows behind a flag always do.
//
// When both are configured, pages are live; if the warehouse fails (it is
// locked by a running pipeline, its models are missing...), the page says
// why at the top and shows the snapshot instead, as the original Streamlit
// dashboard did.
//
// # Routes
//
// Paths are relative to where the handler is mounted (use
// http.StripPrefix), and the page's links are relative too.
//
//	/              the dashboard: KPIs, Business Overview, Quarantine Zone, Detection
//	               (scorecard, monitors, each check's runs), Lineage
//	/rows.csv      a drill-down page's rows as CSV (the same query parameters)
//	/metrics       the figures in the Prometheus text format
//	/report.html   the static report, as WriteHTML writes it
//
// Only GET and HEAD are served (405 otherwise); other paths are 404.
//
// # Host check
//
// With [Options.AllowedHosts], a request whose Host header is not one of
// them is refused, on every route, with 421 Misdirected Request and a
// short plain-text message: a web page whose name an attacker re-points at
// the machine (DNS rebinding) reaches the server but reads nothing.
// Entries are "host:port", or "host" for any port, matched without regard
// to case; a Host without a port has the scheme's (80, or 443 over TLS).
// Without AllowedHosts there is no check, for a handler mounted in a
// server that routes by host itself; a server that is only the dashboard
// should set it, as examples/dashboard does (the address it listens on,
// and localhost with its port when that is a loopback address).
//
// # Errors
//
// When the warehouse or the snapshot fails, the page (or the 503 that
// takes its place, on /, /rows.csv, /metrics and /report.html) says what
// happened in words a person can act on, never with local paths, process
// ids or user names: a warehouse wrapping warehouse.ErrLocked is "locked
// by another program (a pipeline run?); reload when it ends", one wrapping
// warehouse.ErrCorrupt "looks damaged"; other errors are shown with each
// absolute path cut to its last element ("…/warehouse.duckdb") and PIDs
// removed. The full error goes to [Options.Logger], the operator's.
//
// # Query parameters
//
//	from, to   batch days, YYYY-MM-DD: the KPIs, the charts and the
//	           drill-downs cover this range (the scorecard is for the whole report)
//	kind       chaos kinds (repeat it, or separate with commas): narrows the
//	           Quarantine Zone and the scorecard; the KPIs always count every flag
//	flag       a quality flag (quality.Flags): its rows, with their chaos labels
//	test       a data test's name: its failing rows
//	page       the drill-down page, from 1 (Options.PageSize rows a page)
//	mode       live or demo: force a mode
//
// An empty value is the same as none (an HTML form sends its empty
// fields). An unknown parameter, a malformed value or an impossible
// combination is answered 400 with a message that names the parameter; a
// page past the last is 404.
//
// # Drill-down
//
// A flag's rows are read from fct_orders, ordered by batch day, order id
// and occurrence; a test's by running its failing-rows query again,
// ordered by every column. Beside each row are its chaos labels (joined on
// key = order_id and occurrence), when the labels table exists. A test's
// query is only run when it comes from the caller (Options.Report,
// Options.Tests) or from the warehouse's own history, never from a
// snapshot file: in demo mode a test shows the sample of rows the report
// kept.
//
// # Metrics
//
// /metrics is served with github.com/prometheus/client_golang: the Go
// runtime's (go_*) and the process's (process_*) collectors, and gauges
// of the latest report: edqm_health_score_ratio (the Health Score ÷ 100),
// edqm_revenue_at_risk_dollars, edqm_raw_revenue_dollars,
// edqm_clean_revenue_dollars, edqm_true_revenue_at_risk_dollars (with
// labels), edqm_orders, edqm_flagged_orders,
// edqm_quality_incidents{severity}, edqm_flag_rows{flag,kind},
// edqm_kind_flagged_rows{kind}, edqm_kind_revenue_at_risk_dollars{kind},
// edqm_kind_labelled_rows{kind}, edqm_kind_caught_rows{kind},
// edqm_kind_precision_ratio{kind}, edqm_kind_recall_ratio{kind},
// edqm_tests{status}, edqm_monitors{status}, edqm_dashboard_live and
// edqm_report_generated_timestamp_seconds. The figures are cached for
// [Options.MetricsTTL] (a minute by default): a scrape within it reads
// nothing, and after it live mode recomputes the report only when the
// warehouse's content or its results history changed.
//
// # Time
//
// The dashboard never reads the wall clock for what it shows:
// [Options.Clock] gives live mode its run time and stamps pages; without
// it, pages carry no rendering time. The same data and Clock give the same
// bytes. Only the age of the /metrics cache is measured, on the monotonic
// clock.
package dashboard
