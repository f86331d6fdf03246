package dashboard_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/pipeline"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/quality/dashboard"
	"github.com/edqm/edqm/transform"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// axisInfo is what a person sees of one chart's axes.
type axisInfo struct {
	ID     string   `json:"id"`
	Unit   string   `json:"unit"`
	YTicks int      `json:"yTicks"`
	XTicks []string `json:"xTicks"`
	// Overlap names two x tick labels drawn over each other ("" if none).
	Overlap string `json:"overlap"`
	Legend  int    `json:"legend"`
}

// readAxesJS reads every chart's y unit, tick labels and legend entries,
// and checks, from their drawn boxes, that no two x tick labels overlap.
const readAxesJS = `[...document.querySelectorAll('figure.chart')].map(f => {
  const xs = [...f.querySelectorAll('[data-testid="x-tick"]')];
  let overlap = "";
  const boxes = xs.map(x => x.getBoundingClientRect());
  for (let i = 1; i < boxes.length; i++) if (boxes[i].left < boxes[i-1].right) overlap = xs[i-1].textContent + " / " + xs[i].textContent;
  return {id: f.dataset.testid, unit: ((f.querySelector('[data-testid="y-unit"]') || {}).textContent || "").trim(),
    yTicks: f.querySelectorAll('line.grid').length, xTicks: xs.map(x => x.textContent), overlap,
    legend: f.querySelectorAll('.legend span').length};
})`

func readAxes(t *testing.T, ctx context.Context) []axisInfo {
	t.Helper()
	axes, err := chromedp.Run(ctx, chromedp.Evaluate[[]axisInfo](readAxesJS))
	require.NoError(t, err)
	return axes
}

// yearMonitors are the default monitors judging every day of a year, as
// examples/dashboard runs them.
func yearMonitors() []quality.Monitor {
	ms := quality.DefaultMonitors()
	for i := range ms {
		ms[i].Detection.DetectionDays = 365
	}
	return ms
}

// TestBrowserMonitorChartsReadable opens the dashboard over a year of data
// in live mode (the monitors run over the year) and in demo mode (the same
// report from memory): each monitor chart has at least 4 readable date
// ticks, every chart with a y axis names its unit, every chart has a
// legend, and no two tick labels overlap.
func TestBrowserMonitorChartsReadable(t *testing.T) {
	ctx := tab(t)
	wo := getWorld(t, defaultWorld)
	r, err := quality.NewReporter(&quality.Options{Clock: wo.clock, Monitors: yearMonitors(), History: &quality.History{}})
	require.NoError(t, err)
	yearRep, err := r.Report(t.Context(), wo.w)
	require.NoError(t, err)
	for _, tc := range []struct {
		mode string
		o    *dashboard.Options
	}{
		{dashboard.ModeLive, &dashboard.Options{Warehouse: wo.w, Clock: wo.clock, Monitors: yearMonitors()}},
		{dashboard.ModeDemo, &dashboard.Options{Report: yearRep, Demo: true}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1400, 900)))
			navigate(t, ctx, serve(t, tc.o)+"/")
			axes := readAxes(t, ctx)
			monitors := 0
			for _, a := range axes {
				if a.YTicks > 0 {
					assert.NotEmpty(t, a.Unit, "%s: a y axis without a unit", a.ID)
				}
				assert.Positive(t, a.Legend, "%s: no legend", a.ID)
				assert.Empty(t, a.Overlap, "%s: x tick labels overlap", a.ID)
				if strings.HasPrefix(a.ID, "chart-monitor-") {
					monitors++
					assert.GreaterOrEqual(t, len(a.XTicks), 4, "%s over a year: ticks %v", a.ID, a.XTicks)
				}
			}
			assert.GreaterOrEqual(t, monitors, 3, "monitor charts (volume, freshness, malformed lines)")
			units := map[string]string{}
			for _, a := range axes {
				units[a.ID] = a.Unit
			}
			assert.Equal(t, "USD per day", units["chart-revenue"])
			assert.Contains(t, slices.Collect(mapValues(units)), "rows per day", "the volume monitor counts rows")
			assert.Contains(t, slices.Collect(mapValues(units)), "hours", "the freshness monitor counts hours")
		})
	}
}

// mapValues yields a map's values.
func mapValues(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

// TestBrowserTicksEverySpan: over a month and over a day, the time charts
// still have readable ticks (4 or more over a month, one over a day).
func TestBrowserTicksEverySpan(t *testing.T) {
	ctx := tab(t)
	wo := getWorld(t, testWorld)
	url := serve(t, &dashboard.Options{Warehouse: wo.w, Clock: wo.clock})
	from, to := wo.dayRange(0, 31)
	for _, tc := range []struct {
		from, to string
		min      int
	}{{from, to, 4}, {from, from, 1}} {
		navigate(t, ctx, url+"/?from="+tc.from+"&to="+tc.to)
		for _, a := range readAxes(t, ctx) {
			if a.ID == "chart-revenue" || a.ID == "chart-risk" || a.ID == "chart-kind-days" {
				assert.GreaterOrEqual(t, len(a.XTicks), tc.min, "%s from %s to %s: %v", a.ID, tc.from, tc.to, a.XTicks)
				assert.Empty(t, a.Overlap, "%s: x tick labels overlap", a.ID)
			}
		}
	}
}

// drillLayout is where a drill-down's columns are drawn.
type drillLayout struct {
	Window  float64            `json:"window"`
	Rights  map[string]float64 `json:"rights"`
	Scroll  [2]float64         `json:"scroll"` // the table's scroll and client widths
	CSV     string             `json:"csv"`
	Keys    [][2]string        `json:"keys"`
	Status  []string           `json:"status"`
	SQL     string             `json:"sql"`
	SQLShow bool               `json:"sqlShown"`
}

const readDrillJS = `(() => {
  const d = document.querySelector('[data-testid="drill"]'), rights = {};
  for (const th of d.querySelectorAll('th[data-col]')) rights[th.dataset.col] = th.getBoundingClientRect().right;
  const sc = d.querySelector('.scroll'), cols = [...d.querySelectorAll('th')].map(th => th.dataset.col || "");
  const si = cols.indexOf('status');
  const det = d.querySelector('details.sql');
  if (det) det.open = true;
  const pre = d.querySelector('pre.sql');
  return {window: window.innerWidth, rights, scroll: [sc.scrollWidth, sc.clientWidth],
    csv: d.querySelector('[data-testid="drill-csv"]').href,
    keys: [...d.querySelectorAll('tbody tr')].map(r => [r.dataset.key, r.dataset.occurrence]),
    status: [...d.querySelectorAll('tbody tr')].map(r => r.children[si].textContent),
    sql: pre ? pre.textContent : "", sqlShown: pre ? pre.getBoundingClientRect().height > 0 : false};
})()`

// TestBrowserDrillDownFitsAndExports opens a flag's and a test's rows in a
// 1400 px window: the status, flags and label columns are on screen, the
// table does not scroll sideways, the CSV link returns the rows shown, and
// the SQL behind them is shown on demand.
func TestBrowserDrillDownFitsAndExports(t *testing.T) {
	ctx := tab(t)
	wo := getWorld(t, testWorld)
	url := serve(t, &dashboard.Options{Warehouse: wo.w, Clock: wo.clock})
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1400, 900)))
	for _, tc := range []struct {
		target string
	}{
		{"?flag=has_bad_status"},
		{"?test=accepted_values_fct_orders_status"},
	} {
		navigate(t, ctx, url+"/"+tc.target)
		lay, err := chromedp.Run(ctx, chromedp.Evaluate[drillLayout](readDrillJS))
		require.NoError(t, err)
		for _, col := range []string{"status", "labels", "flags"} {
			right, ok := lay.Rights[col]
			if assert.True(t, ok, "%s: no %s column (%v)", tc.target, col, lay.Rights) {
				assert.LessOrEqual(t, right, lay.Window, "%s: the %s column ends at %v px in a %v px window", tc.target, col, right, lay.Window)
			}
		}
		assert.LessOrEqual(t, lay.Scroll[0], lay.Scroll[1], "%s: the table scrolls sideways", tc.target)
		assert.True(t, lay.SQLShow, "%s: the SQL is not shown", tc.target)
		assert.Contains(t, lay.SQL, "SELECT", tc.target)

		// The CSV has the rows shown, in order, with their status.
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, lay.CSV, nil)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		recs, err := csv.NewReader(resp.Body).ReadAll()
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, 200, resp.StatusCode)
		require.Len(t, recs, len(lay.Keys)+1, "%s: CSV rows", tc.target)
		head := recs[0]
		ki, oi, si := slices.Index(head, "order_id"), slices.Index(head, "occurrence"), slices.Index(head, "status")
		require.True(t, ki >= 0 && oi >= 0 && si >= 0, "CSV header %v", head)
		assert.Contains(t, head, "chaos_labels")
		for i, k := range lay.Keys {
			assert.Equal(t, k, [2]string{recs[i+1][ki], recs[i+1][oi]}, "%s: CSV row %d", tc.target, i+1)
			want := lay.Status[i]
			if want == "NULL" {
				want = ""
			}
			assert.Equal(t, want, recs[i+1][si], "%s: CSV row %d status", tc.target, i+1)
		}
	}
}

// lineageInfo is the lineage as drawn, and the panel a click opened.
type lineageInfo struct {
	Nodes []string `json:"nodes"`
	Edges int      `json:"edges"`
	Open  string   `json:"open"`
	Tests []string `json:"tests"`
	SQL   bool     `json:"sql"`
}

const readLineageJS = `(() => {
  const open = [...document.querySelectorAll('[data-testid="node-panel"]')].filter(p => getComputedStyle(p).display !== 'none');
  return {nodes: [...document.querySelectorAll('[data-testid="lineage-node"]')].map(n => n.dataset.node),
    edges: document.querySelectorAll('svg.lineage path.edge').length,
    open: open.map(p => p.dataset.node).join(","),
    tests: open.length ? [...open[0].querySelectorAll('tr[data-test]')].map(r => r.dataset.test) : [],
    sql: open.length ? !!open[0].querySelector('pre.sql') : false};
})()`

// TestBrowserLineage: in live and demo mode, the lineage draws every
// built-in model and raw table, and clicking stg_orders shows its tests
// and its SQL.
func TestBrowserLineage(t *testing.T) {
	ctx := tab(t)
	wo := getWorld(t, testWorld)
	models, err := transform.Builtin()
	require.NoError(t, err)
	for _, tc := range []struct {
		mode string
		o    *dashboard.Options
		rep  *quality.Report
	}{
		{dashboard.ModeLive, &dashboard.Options{Warehouse: wo.w, Clock: wo.clock}, wo.live},
		{dashboard.ModeDemo, &dashboard.Options{Lander: wo.land}, wo.rep},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			navigate(t, ctx, serve(t, tc.o)+"/")
			l, err := chromedp.Run(ctx, chromedp.Evaluate[lineageInfo](readLineageJS))
			require.NoError(t, err)
			for _, m := range models {
				assert.Contains(t, l.Nodes, m.Name)
			}
			for _, raw := range []string{"raw_orders", "raw_customers", "raw_products"} {
				assert.Contains(t, l.Nodes, raw)
			}
			assert.GreaterOrEqual(t, l.Edges, len(models))
			assert.Empty(t, l.Open, "a node panel is open before any click")
			_, err = chromedp.Run(ctx, chromedp.Click(chromedp.CSS(`a[data-node="stg_orders"]`)))
			require.NoError(t, err)
			l, err = chromedp.Run(ctx, chromedp.Evaluate[lineageInfo](readLineageJS))
			require.NoError(t, err)
			assert.Equal(t, "stg_orders", l.Open)
			var want []string
			for _, tr := range tc.rep.Tests {
				if tr.Model == "stg_orders" {
					want = append(want, tr.Name)
				}
			}
			assert.ElementsMatch(t, want, l.Tests)
			assert.True(t, l.SQL, "no SQL in the stg_orders panel")
		})
	}
}

// TestBrowserHistoryOnePointPerRun runs the pipeline on three days, then
// opens the dashboard: the monitors the runs recorded are drawn, and every
// test's and monitor's sparkline has one bar per run, the same three runs.
func TestBrowserHistoryOnePointPerRun(t *testing.T) {
	ctx := tab(t)
	land := memlanding.New()
	wh, err := duckdbwarehouse.Open(t.Context(), "", nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = wh.Close() })
	first := time.Date(2026, 3, 8, 6, 0, 0, 0, time.UTC)
	for i := range 3 {
		gen, err := generate.New(generate.Config{Seed: 5})
		require.NoError(t, err)
		inj, err := chaos.New(chaos.Config{Seed: 5, Rates: chaos.Uniform(0.03)})
		require.NoError(t, err)
		res, err := pipeline.Run(t.Context(), land, wh, &pipeline.Options{Generator: gen, Injector: inj,
			Clock: edqm.FixedClock(first.AddDate(0, 0, i)), Days: 20})
		require.NoError(t, err)
		require.Positive(t, res.HistoryRows, "run %d recorded nothing", i+1)
	}
	navigate(t, ctx, serve(t, &dashboard.Options{Warehouse: wh, Clock: edqm.FixedClock(first.AddDate(0, 0, 2))})+"/")
	type hist struct {
		Runs  string   `json:"runs"`
		IDs   []string `json:"ids"`
		Where string   `json:"where"`
	}
	hs, err := chromedp.Run(ctx, chromedp.Evaluate[[]hist](`[...document.querySelectorAll('[data-testid="tests"] [data-testid="history"], .monitor [data-testid="history"]')].map(h => ({runs: h.dataset.runs,
  ids: [...h.querySelectorAll('rect.run')].map(r => r.dataset.run), where: (h.closest('[data-test],[data-monitor]') || {dataset: {}}).dataset.test || h.closest('[data-monitor]').dataset.monitor}))`))
	require.NoError(t, err)
	require.NotEmpty(t, hs)
	// The monitors the pipeline recorded are drawn, though the dashboard
	// runs none itself.
	charts := 0
	for _, a := range readAxes(t, ctx) {
		if strings.HasPrefix(a.ID, "chart-monitor-") {
			charts++
			assert.NotEmpty(t, a.Unit, "%s: no unit", a.ID)
		}
	}
	assert.GreaterOrEqual(t, charts, 3, "monitor charts from the recorded history")
	wantIDs := []string{"2026-03-08", "2026-03-09", "2026-03-10"}
	for _, h := range hs {
		assert.Equal(t, "3", h.Runs, "%s", h.Where)
		assert.Equal(t, wantIDs, h.IDs, "%s: one bar per run, oldest first", h.Where)
	}
}

// TestBrowserEmptyRange: a range without orders says so in every chart's
// place, and the incidents card follows the range.
func TestBrowserEmptyRange(t *testing.T) {
	ctx := tab(t)
	wo := getWorld(t, testWorld)
	navigate(t, ctx, serve(t, &dashboard.Options{Warehouse: wo.w, Clock: wo.clock})+"/?from=2030-01-01&to=2030-01-31")
	type empty struct {
		Empties  []string `json:"empties"`
		Incident string   `json:"incidents"`
	}
	e, err := chromedp.Run(ctx, chromedp.Evaluate[empty](`({empties: [...document.querySelectorAll('#overview .empty, #quarantine .empty')].map(e => e.textContent.trim()),
  incidents: document.querySelector('[data-testid="kpi-incidents"]').dataset.value})`))
	require.NoError(t, err)
	assert.Equal(t, "0", e.Incident)
	n := 0
	for _, s := range e.Empties {
		if s == "No orders in this range." {
			n++
		}
	}
	assert.GreaterOrEqual(t, n, 4, "revenue, risk, status and kinds per day say there are no orders: %v", e.Empties)
}

// TestBrowserStaticReportLinksOpen: in the static report, the badge says
// Report, and a "rows →" link opens the drill-down it points to.
func TestBrowserStaticReportLinksOpen(t *testing.T) {
	ctx := tab(t)
	wo := getWorld(t, testWorld)
	var buf bytes.Buffer
	require.NoError(t, dashboard.WriteHTML(t.Context(), &buf, &dashboard.Options{Warehouse: wo.w, Report: wo.rep, Clock: wo.clock}))
	path := filepath.Join(t.TempDir(), "report.html")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	navigate(t, ctx, "file://"+path)
	visible := `getComputedStyle(document.querySelector('#drill-flag-has_math_error .drill-body')).display !== 'none'`
	badge, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="mode"]').textContent`))
	require.NoError(t, err)
	assert.Equal(t, "Report", badge)
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](visible))
	require.NoError(t, err)
	assert.False(t, shown, "the drill-down is open before its link is followed")
	_, err = chromedp.Run(ctx, chromedp.Click(chromedp.CSS(`tr[data-flag="has_math_error"] a[data-testid="drill-link"]`)))
	require.NoError(t, err)
	shown, err = chromedp.Run(ctx, chromedp.Evaluate[bool](visible))
	require.NoError(t, err)
	assert.True(t, shown, "rows → did not open the drill-down")
}
