package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/quality"
)

// DefaultMetricsTTL is how long /metrics serves the figures it read
// before it reads the sources again.
const DefaultMetricsTTL = time.Minute

// metricsCache holds the figures /metrics serves, read at most once per
// TTL: a scrape never recomputes the report, and in live mode it reads the
// warehouse only when the TTL has passed (the report itself is recomputed
// only when the warehouse's content or its history changed).
type metricsCache struct {
	mu   sync.Mutex
	at   time.Time // monotonic: when the figures were read
	mode string
	sum  *summary
	// loads counts the reads of the sources, for tests.
	loads int
}

// newMetricsRegistry returns the registry /metrics serves: the report's
// figures, and the Go runtime's and the process's collectors.
func newMetricsRegistry(h *Handler) (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	for _, c := range []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		reportCollector{h},
	} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return reg, nil
}

// reportCollector exposes the cached figures. It describes nothing up
// front (an unchecked collector): its label values follow the report.
type reportCollector struct{ h *Handler }

// Describe sends no description: the collector is unchecked.
func (reportCollector) Describe(chan<- *prometheus.Desc) {}

// Collect sends the cached figures, if any.
func (c reportCollector) Collect(ch chan<- prometheus.Metric) {
	mc := &c.h.metrics
	mc.mu.Lock()
	mode, sum := mc.mode, mc.sum
	mc.mu.Unlock()
	if sum != nil {
		writeMetrics(promWriter{ch: ch}, &data{mode: mode, sum: sum})
	}
}

// refreshMetrics reads the sources when the cached figures are older than
// the TTL. Only the age of the cache reads the clock (the monotonic one):
// the figures themselves never depend on it.
func (h *Handler) refreshMetrics(ctx context.Context) error {
	mc := &h.metrics
	mc.mu.Lock()
	defer mc.mu.Unlock()
	if mc.sum != nil && time.Since(mc.at) < h.o.MetricsTTL {
		return nil
	}
	d, err := h.load(ctx, query{Page: 1}, false)
	if err != nil {
		return err
	}
	d.close()
	mc.mode, mc.sum, mc.at = d.mode, d.sum, time.Now()
	mc.loads++
	return nil
}

func (h *Handler) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if r.URL.RawQuery != "" {
		v, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil || len(v) == 0 {
			http.Error(w, "bad query string: /metrics takes no parameters", http.StatusBadRequest)
			return
		}
		var names []string
		for n := range v {
			names = append(names, n)
		}
		sort.Strings(names)
		http.Error(w, fmt.Sprintf("bad query parameter %q: /metrics takes no parameters (it always covers the whole report)", names[0]), http.StatusBadRequest)
		return
	}
	if err := h.refreshMetrics(r.Context()); err != nil {
		h.log.Warn("dashboard: /metrics", "err", err)
		http.Error(w, publicMessage(err), statusOf(err))
		return
	}
	h.promHTTP.ServeHTTP(w, r)
}

// promWriter sends metric families as constant gauges.
type promWriter struct {
	ch   chan<- prometheus.Metric
	help map[string]string
}

// family starts a metric family (every family here is a gauge).
func (p promWriter) family(name, _, help string) {
	p.help[name] = help
}

// sample sends one sample; labels alternate names and values.
func (p promWriter) sample(name string, v float64, labels ...string) {
	var names, values []string
	for i := 0; i+1 < len(labels); i += 2 {
		names, values = append(names, labels[i]), append(values, labels[i+1])
	}
	desc := prometheus.NewDesc(name, p.help[name], names, nil)
	p.ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, values...)
}

// gauge sends a family of one unlabelled sample.
func (p promWriter) gauge(name, help string, v float64) {
	p.family(name, "gauge", help)
	p.sample(name, v)
}

// dollars converts cents to dollars.
func dollars(m quality.Money) float64 { return float64(m) / 100 }

// writeMetrics writes the report's figures in the Prometheus text format.
// Every figure is a gauge: each scrape gives the latest report's values.
func writeMetrics(p promWriter, d *data) {
	if p.help == nil {
		p.help = map[string]string{}
	}
	s := d.sum
	writeTotalMetrics(p, d)
	p.family("edqm_quality_incidents", "gauge", "Incidents of the report (failing or warning tests and monitors), by severity.")
	p.sample("edqm_quality_incidents", float64(s.Incidents.Errors), "severity", string(quality.Error))
	p.sample("edqm_quality_incidents", float64(s.Incidents.Warnings), "severity", string(quality.Warn))

	p.family("edqm_flag_rows", "gauge", "Order rows each quality flag marks.")
	for _, k := range chaos.Kinds {
		for _, f := range quality.KindFlags[k] {
			p.sample("edqm_flag_rows", float64(s.FlagRows[f]), "flag", f, "kind", string(k))
		}
	}
	if len(s.Kinds) > 0 {
		writeKindMetrics(p, s)
	}
	writeStatusMetrics(p, s)
}

// writeTotalMetrics writes the mode, the report's time and its totals.
func writeTotalMetrics(p promWriter, d *data) {
	s := d.sum
	live := 0.0
	if d.mode == ModeLive {
		live = 1
	}
	p.gauge("edqm_dashboard_live", "1 when the figures come from the warehouse (live mode), 0 when from a report snapshot (demo mode).", live)
	if !s.GeneratedAt.IsZero() {
		p.gauge("edqm_report_generated_timestamp_seconds", "When the report was generated, in seconds since the Unix epoch.",
			float64(s.GeneratedAt.UnixNano())/1e9)
	}
	t := s.Totals
	p.gauge("edqm_health_score_ratio", "Data Health Score as a ratio: orders without any quality flag divided by orders (1 when there are none).", t.Health/100)
	p.gauge("edqm_orders", "Order rows in fct_orders.", float64(t.Orders))
	p.gauge("edqm_flagged_orders", "Order rows with at least one quality flag.", float64(t.Flagged))
	p.gauge("edqm_raw_revenue_dollars", "Revenue over every order row, flagged or not.", dollars(t.Raw))
	p.gauge("edqm_clean_revenue_dollars", "Revenue over the order rows without any flag.", dollars(t.Clean))
	p.gauge("edqm_revenue_at_risk_dollars", "Revenue at Risk: raw revenue minus clean revenue.", dollars(t.Risk))
	if t.Labels {
		p.gauge("edqm_true_revenue_at_risk_dollars", "Revenue at Risk according to the chaos labels (the ground truth).", dollars(t.TrueRisk))
	}
}

// writeKindMetrics writes the figures per chaos kind; those that need the
// chaos labels only when the report has them.
func writeKindMetrics(p promWriter, s *summary) {
	for _, m := range []struct {
		name, help string
		get        func(kindScore) float64
		labelled   bool
	}{
		{"edqm_kind_flagged_rows", "Order rows the flags of each chaos kind mark.", func(k kindScore) float64 { return float64(k.Flagged) }, false},
		{"edqm_kind_revenue_at_risk_dollars", "Revenue of the order rows the flags of each chaos kind mark.", func(k kindScore) float64 { return dollars(k.Risk) }, false},
		{"edqm_kind_labelled_rows", "Order rows the chaos labels say were corrupted with each kind.", func(k kindScore) float64 { return float64(k.Labelled) }, true},
		{"edqm_kind_caught_rows", "Order rows both labelled with each kind and flagged by its flags.", func(k kindScore) float64 { return float64(k.Caught) }, true},
		{"edqm_kind_precision_ratio", "Precision of each kind's flags against the chaos labels.", func(k kindScore) float64 { return k.Precision }, true},
		{"edqm_kind_recall_ratio", "Recall of each kind's flags against the chaos labels.", func(k kindScore) float64 { return k.Recall }, true},
	} {
		if m.labelled && !s.Totals.Labels {
			continue
		}
		p.family(m.name, "gauge", m.help)
		for _, k := range s.Kinds {
			p.sample(m.name, m.get(k), "kind", string(k.Kind))
		}
	}
}

// writeStatusMetrics writes the number of tests and of monitors in each
// status.
func writeStatusMetrics(p promWriter, s *summary) {
	for _, c := range []struct {
		name, help string
		statuses   []string
		get        func() []string
	}{
		{"edqm_tests", "Data tests of the report, by status.", []string{"pass", "warn", "fail"}, func() []string {
			out := make([]string, len(s.Tests))
			for i, t := range s.Tests {
				out[i] = t.Status
			}
			return out
		}},
		{"edqm_monitors", "Anomaly monitors of the report, by status.", []string{"pass", "warn", "fail", "no_data"}, func() []string {
			out := make([]string, len(s.Monitors))
			for i, m := range s.Monitors {
				out[i] = m.Status
			}
			return out
		}},
	} {
		n := map[string]int{}
		for _, st := range c.get() {
			n[st]++
		}
		p.family(c.name, "gauge", c.help)
		for _, st := range c.statuses {
			p.sample(c.name, float64(n[st]), "status", st)
		}
	}
}
