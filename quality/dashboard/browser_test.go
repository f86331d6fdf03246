package dashboard_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"math"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/quality/dashboard"
	"github.com/edqm/edqm/warehouse"
)

var update = flag.Bool("update", false, "rewrite the screenshots under docs/ from the default data (365 days, seed 42)")

// screenshotPath is the README's screenshot: the top of the dashboard;
// detectionShotPath shows the monitors, each check's runs and the lineage.
const (
	screenshotPath    = "../../docs/dashboard.png"
	detectionShotPath = "../../docs/dashboard-detection.png"
	lineageShotPath   = "../../docs/dashboard-lineage.png"
)

// The browser is started once per test binary, on first use.
var browser struct {
	once   sync.Once
	ctx    context.Context // has run once: each test opens a tab from it
	cancel func()
	path   string
	err    error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if browser.cancel != nil {
		browser.cancel()
	}
	os.Exit(code)
}

// findChromium returns the browser to drive: $EDQM_CHROMIUM, or the first
// of the usual names on the PATH.
func findChromium() string {
	if p := os.Getenv("EDQM_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// tab opens a new browser tab for the test. Without Chromium it skips,
// unless EDQM_REQUIRE_BROWSER=1, which makes it a failure (CI sets it).
func tab(t *testing.T) context.Context {
	t.Helper()
	browser.once.Do(func() {
		browser.path = findChromium()
		if browser.path == "" {
			browser.err = errors.New("no Chromium on this machine (looked for $EDQM_CHROMIUM, chromium, chromium-browser, google-chrome, headless-shell on the PATH)")
			return
		}
		dir, err := os.MkdirTemp("", "edqm-chromium-")
		if err != nil {
			browser.err = err
			return
		}
		// One browser serves every test of the binary: it must outlive
		// the test that starts it, so not that test's t.Context.
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
			chromedp.ExecPath(browser.path),
			chromedp.Headless,
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.Flag("disable-extensions", true),
			chromedp.Flag("force-color-profile", "srgb"),
			chromedp.UserDataDir(dir),
			chromedp.WindowSize(1280, 900),
		)
		ctx, cancelCtx := chromedp.NewContext(alloc)
		browser.cancel = func() {
			cancelCtx()
			cancelAlloc()
			os.RemoveAll(dir)
		}
		if err := chromedp.Do(ctx); err != nil { // starts the browser
			browser.err = fmt.Errorf("starting %s: %w", browser.path, err)
			return
		}
		browser.ctx = ctx
	})
	if browser.err != nil {
		if os.Getenv("EDQM_REQUIRE_BROWSER") == "1" {
			t.Fatalf("EDQM_REQUIRE_BROWSER=1 but %v", browser.err)
		}
		t.Skipf("skipping the browser test: %v (install chromium, or set EDQM_CHROMIUM; EDQM_REQUIRE_BROWSER=1 makes this a failure)", browser.err)
	}
	ctx, cancel := chromedp.NewContext(browser.ctx)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

// serve starts the handler on loopback.
func serve(t *testing.T, o *dashboard.Options) string {
	t.Helper()
	srv := httptest.NewServer(newHandler(t, o))
	t.Cleanup(srv.Close)
	return srv.URL
}

// navigate loads url in the tab.
func navigate(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("navigate %s: %v", url, err)
	}
}

// pageInfo is what the browser reads from the DOM.
type pageInfo struct {
	Mode   string                       `json:"mode"`
	Notice string                       `json:"notice"`
	KPIs   map[string][2]string         `json:"kpis"`
	Charts map[string]chartInfo         `json:"charts"`
	Drill  *drillInfo                   `json:"drill"`
	Extra  map[string]int               `json:"extra"`
	Issues []map[string]string          `json:"issues"`
	Mons   []map[string]string          `json:"monitors"`
	Sizes  map[string][2]float64        `json:"sizes"`
	Attrs  map[string]map[string]string `json:"attrs"`
}

type chartInfo struct {
	Points  int                 `json:"points"`
	Rects   []map[string]string `json:"rects"`
	Circles []map[string]string `json:"circles"`
	Lines   int                 `json:"lines"`
	Width   float64             `json:"width"`
	Height  float64             `json:"height"`
}

type drillInfo struct {
	What   string     `json:"what"`
	Total  string     `json:"total"`
	Page   string     `json:"page"`
	Pages  string     `json:"pages"`
	Rows   [][]string `json:"rows"` // key, occurrence, label text
	Range  string     `json:"range"`
	HasNxt bool       `json:"hasNext"`
}

// readPageJS reads the page's figures from the DOM, as rendered.
const readPageJS = `(() => {
  const q = (s, r) => [...(r || document).querySelectorAll(s)];
  const data = el => Object.assign({}, el.dataset);
  const out = {mode: document.body.dataset.mode, notice: (document.querySelector('[data-testid="notice"]') || {}).textContent || "",
    kpis: {}, charts: {}, drill: null, extra: {}, issues: [], monitors: [], sizes: {}};
  for (const e of q('[data-testid^="kpi-"]')) out.kpis[e.dataset.testid] = [e.dataset.value, e.querySelector('.value').textContent.trim()];
  for (const f of q('figure.chart')) {
    const svg = f.querySelector('svg'), box = svg.getBoundingClientRect();
    out.charts[f.dataset.testid] = {points: +f.dataset.points, rects: q('rect', svg).map(data), circles: q('circle', svg).map(data),
      lines: q('polyline', svg).length, width: box.width, height: box.height};
  }
  const d = document.querySelector('[data-testid="drill"]');
  if (d) out.drill = {what: d.dataset.what, total: d.dataset.total, page: d.dataset.page, pages: d.dataset.pages,
    range: d.querySelector('[data-testid="drill-range"]').textContent.trim(),
    hasNext: !!d.querySelector('[data-testid="drill-next"]'),
    rows: q('tbody tr', d).map(r => [r.dataset.key, r.dataset.occurrence, ((r.querySelector('[data-testid="label"]') || {}).textContent || "").trim()])};
  for (const r of q('[data-testid="issues"] tbody tr')) out.issues.push(data(r));
  for (const m of q('.monitor')) out.monitors.push(data(m));
  out.extra.external = q('script,link,iframe,img,[src]').length;
  out.extra.resources = performance.getEntriesByType('resource').length;
  out.extra.scrollWidth = document.documentElement.scrollWidth;
  return out;
})()`

func readPage(t *testing.T, ctx context.Context) pageInfo {
	t.Helper()
	p, err := chromedp.Run(ctx, chromedp.Evaluate[pageInfo](readPageJS))
	if err != nil {
		t.Fatalf("reading the page: %v", err)
	}
	return p
}

// sum adds up a data attribute over marks, filtered by another.
func sum(t *testing.T, marks []map[string]string, attr, key, val string) (float64, int) {
	t.Helper()
	var s float64
	n := 0
	for _, m := range marks {
		if key != "" && m[key] != val {
			continue
		}
		v, err := strconv.ParseFloat(m[attr], 64)
		if err != nil {
			t.Fatalf("mark %v: %s: %v", m, attr, err)
		}
		s += v
		n++
	}
	return s, n
}

// checkCharts checks each chart's marks against the report.
func checkCharts(t *testing.T, p pageInfo, rep *quality.Report, live bool) {
	t.Helper()
	days := len(rep.Days)
	for id, c := range p.Charts {
		if c.Width < 100 || c.Height < 50 {
			t.Errorf("%s is drawn %vx%v px", id, c.Width, c.Height)
		}
	}
	rev, ok := p.Charts["chart-revenue"]
	if !ok {
		t.Fatal("no revenue chart")
	}
	if raw, n := sum(t, rev.Circles, "cents", "series", "raw"); n != days || quality.Money(raw) != rep.RawRevenue {
		t.Errorf("revenue chart: %d raw points summing to %v, want %d summing to %v", n, quality.Money(raw), days, rep.RawRevenue)
	}
	if clean, n := sum(t, rev.Circles, "cents", "series", "clean"); n != days || quality.Money(clean) != rep.CleanRevenue {
		t.Errorf("revenue chart: %d clean points summing to %v, want %d summing to %v", n, quality.Money(clean), days, rep.CleanRevenue)
	}
	if rev.Lines != 2 || rev.Points != days {
		t.Errorf("revenue chart: %d lines, %d points", rev.Lines, rev.Points)
	}
	risk := p.Charts["chart-risk"]
	if r, n := sum(t, risk.Rects, "cents", "series", "risk"); n != days || quality.Money(r) != rep.RevenueAtRisk {
		t.Errorf("risk chart: %d bars summing to %v, want %d summing to %v", n, quality.Money(r), days, rep.RevenueAtRisk)
	}
	for i, d := range rep.Days {
		if got := risk.Rects[i]["day"]; got != d.Day || risk.Rects[i]["cents"] != strconv.FormatInt(int64(d.RevenueAtRisk), 10) {
			t.Errorf("risk bar %d: day %s cents %s, want %s %d", i, got, risk.Rects[i]["cents"], d.Day, d.RevenueAtRisk)
			break
		}
	}
	flags := p.Charts["chart-flags"]
	if len(flags.Rects) != len(quality.Flags) {
		t.Errorf("flags chart: %d bars, want %d", len(flags.Rects), len(quality.Flags))
	}
	for _, f := range quality.Flags {
		if n, c := sum(t, flags.Rects, "count", "flag", f); c != 1 || int64(n) != rep.FlagCounts[f] {
			t.Errorf("flags chart %s: %v (%d bars), want %d", f, n, c, rep.FlagCounts[f])
		}
	}
	score := p.Charts["chart-scorecard"]
	if len(score.Rects) != 2*len(rep.Kinds) {
		t.Errorf("scorecard chart: %d bars, want %d", len(score.Rects), 2*len(rep.Kinds))
	}
	for _, k := range rep.Kinds {
		if v, _ := sum(t, score.Rects, "value", "kind", string(k.Kind)); math.Abs(v-(k.Precision+k.Recall)) > 1e-12 {
			t.Errorf("scorecard %s: precision + recall %v, want %v", k.Kind, v, k.Precision+k.Recall)
		}
	}
	kr := p.Charts["chart-kind-risk"]
	for _, k := range rep.Kinds {
		if v, n := sum(t, kr.Rects, "cents", "kind", string(k.Kind)); n != 1 || quality.Money(v) != k.RevenueAtRisk {
			t.Errorf("risk by kind %s: %v, want %v", k.Kind, quality.Money(v), k.RevenueAtRisk)
		}
	}
	// Monitors: one value point per bucket with a value, one band per
	// trained bucket.
	for i, m := range rep.Monitors {
		c, ok := p.Charts[fmt.Sprintf("chart-monitor-%d-0", i)]
		if len(m.Buckets) == 0 {
			continue
		}
		if !ok {
			t.Errorf("no chart for monitor %s", m.Name)
			continue
		}
		var values, trained, anomalous int
		for _, b := range m.Buckets {
			if b.HasValue {
				values++
			}
			if b.Trained {
				trained++
			}
			if b.Anomalous {
				anomalous++
			}
		}
		if _, n := sum(t, c.Circles, "value", "series", "value"); n != values {
			t.Errorf("monitor %s: %d points, want %d", m.Name, n, values)
		}
		if len(c.Rects) != trained {
			t.Errorf("monitor %s: %d band rects, want %d", m.Name, len(c.Rects), trained)
		}
		na := 0
		for _, ci := range c.Circles {
			if ci["anomalous"] == "true" {
				na++
			}
		}
		if na != anomalous {
			t.Errorf("monitor %s: %d anomalous points, want %d", m.Name, na, anomalous)
		}
	}
	if !live {
		return
	}
	// Live only: issues per kind per day, and orders by status.
	kd := p.Charts["chart-kind-days"]
	for _, k := range rep.Kinds {
		if n, _ := sum(t, kd.Rects, "count", "kind", string(k.Kind)); int64(n) != k.Flagged {
			t.Errorf("kind-days chart %s: %v rows, want %d", k.Kind, n, k.Flagged)
		}
	}
	if kd.Points != days {
		t.Errorf("kind-days chart over %d days, want %d", kd.Points, days)
	}
	st := p.Charts["chart-status"]
	if n, _ := sum(t, st.Rects, "count", "", ""); int64(n) != rep.Orders {
		t.Errorf("status chart: %v orders, want %d", n, rep.Orders)
	}
	if d, c := sum(t, st.Rects, "count", "status", "dirty"); c != 1 || int64(d) != rep.FlagCounts["has_bad_status"] {
		t.Errorf("status chart: dirty %v (%d bars), want one bar of %d (has_bad_status)", d, c, rep.FlagCounts["has_bad_status"])
	}
}

func checkBrowserKPIs(t *testing.T, p pageInfo, rep *quality.Report) {
	t.Helper()
	got := map[string][2]string{}
	for k, v := range p.KPIs {
		got[k] = v
	}
	if len(got) != 6 {
		t.Fatalf("%d KPIs in the DOM: %v", len(got), got)
	}
	checkKPIs(t, got, wantKPIs(rep))
}

// checkScreenshot decodes a PNG and checks that it is not blank: enough
// distinct colours and spread in brightness.
func checkScreenshot(t *testing.T, png []byte) image.Image {
	t.Helper()
	img, err := decodePNG(png)
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	b := img.Bounds()
	if b.Dx() < 800 || b.Dy() < 600 {
		t.Fatalf("screenshot of %v", b)
	}
	colours := map[[3]uint32]bool{}
	var n, s, ss float64
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
			l := 0.2126*float64(r>>8) + 0.7152*float64(g>>8) + 0.0722*float64(bl>>8)
			n++
			s += l
			ss += l * l
		}
	}
	sd := math.Sqrt(ss/n - (s/n)*(s/n))
	if len(colours) < 50 || sd < 10 {
		t.Fatalf("the screenshot looks blank: %d colours, brightness deviation %.1f", len(colours), sd)
	}
	t.Logf("screenshot %dx%d: %d colours, brightness deviation %.1f", b.Dx(), b.Dy(), len(colours), sd)
	return img
}

func decodePNG(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }

func TestBrowserLive(t *testing.T) {
	ctx := tab(t)
	wo := getWorld(t, testWorld)
	url := serve(t, &dashboard.Options{Warehouse: wo.w, Lander: wo.land, Clock: wo.clock})
	navigate(t, ctx, url+"/")
	p := readPage(t, ctx)
	if p.Mode != dashboard.ModeLive || p.Notice != "" {
		t.Fatalf("mode %q, notice %q", p.Mode, p.Notice)
	}
	checkBrowserKPIs(t, p, wo.live)
	checkCharts(t, p, wo.live, true)
	if p.Extra["external"] != 0 || p.Extra["resources"] != 0 {
		t.Errorf("the page loads other resources: %v", p.Extra)
	}
	if p.Extra["scrollWidth"] > 1280 {
		t.Errorf("the page is %dpx wide in a 1280px window", p.Extra["scrollWidth"])
	}
	if len(p.Mons) != len(wo.live.Monitors) {
		t.Errorf("%d monitors shown, want %d", len(p.Mons), len(wo.live.Monitors))
	}
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	checkScreenshot(t, shot)
}

func TestBrowserDrillDown(t *testing.T) {
	ctx := tab(t)
	wo := getWorld(t, testWorld)
	url := serve(t, &dashboard.Options{Warehouse: wo.w, Clock: wo.clock})
	navigate(t, ctx, url+"/")
	// Follow the page's own link to the has_math_error rows.
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil,
		chromedp.Click(chromedp.CSS(`tr[data-flag="has_math_error"] a[data-testid="drill-link"]`)))); err != nil {
		t.Fatal(err)
	}
	p1 := readPage(t, ctx)
	total := wo.live.FlagCounts["has_math_error"]
	size := int64(dashboard.DefaultPageSize)
	pages := (total + size - 1) / size
	if p1.Drill == nil || p1.Drill.What != "flag" || p1.Drill.Total != strconv.FormatInt(total, 10) || p1.Drill.Page != "1" ||
		p1.Drill.Pages != strconv.FormatInt(pages, 10) || int64(len(p1.Drill.Rows)) != min(size, total) {
		t.Fatalf("drill-down page 1: %+v, want %d rows in %d pages", p1.Drill, total, pages)
	}
	for _, r := range p1.Drill.Rows {
		if !strings.HasPrefix(r[2], string(chaos.Calculation)) {
			t.Errorf("row %s#%s: label %q, want a calculation label", r[0], r[1], r[2])
		}
	}
	if want := fmt.Sprintf("Rows 1 to %d of %s · page 1 of %d", min(size, total), quality.FormatCount(total), pages); p1.Drill.Range != want {
		t.Errorf("range %q, want %q", p1.Drill.Range, want)
	}
	checkBrowserKPIs(t, p1, wo.live)
	if pages < 2 {
		t.Fatalf("only %d page(s) of has_math_error: the test data is too small", pages)
	}
	// Next: page 2 has other rows.
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil,
		chromedp.Click(chromedp.CSS(`[data-testid="drill-next"]`)))); err != nil {
		t.Fatal(err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(loc, "flag=has_math_error") || !strings.Contains(loc, "page=2") {
		t.Errorf("next went to %s", loc)
	}
	p2 := readPage(t, ctx)
	if p2.Drill == nil || p2.Drill.Page != "2" {
		t.Fatalf("page 2: %+v", p2.Drill)
	}
	seen := map[string]bool{}
	for _, r := range p1.Drill.Rows {
		seen[r[0]+"#"+r[1]] = true
	}
	for _, r := range p2.Drill.Rows {
		if seen[r[0]+"#"+r[1]] {
			t.Errorf("page 2 repeats row %s#%s of page 1", r[0], r[1])
		}
	}
	// The last page has the rest.
	navigate(t, ctx, fmt.Sprintf("%s/?flag=has_math_error&page=%d", url, pages))
	pl := readPage(t, ctx)
	if pl.Drill == nil || int64(len(pl.Drill.Rows)) != total-size*(pages-1) || pl.Drill.HasNxt {
		t.Errorf("last page: %+v, want %d rows and no next", pl.Drill, total-size*(pages-1))
	}
}

func TestBrowserDemoAndFallback(t *testing.T) {
	ctx := tab(t)
	wo := getWorld(t, testWorld)
	dir := t.TempDir()
	locked := func(context.Context) (warehouse.Warehouse, error) {
		return nil, fmt.Errorf("duckdbwarehouse: open %q: %w: Could not set lock on file: Conflicting lock is held in /usr/bin/edqm-full (PID 4242)", dir+"/warehouse.duckdb", warehouse.ErrLocked)
	}
	url := serve(t, &dashboard.Options{OpenWarehouse: locked, Lander: wo.land, Clock: wo.clock})
	navigate(t, ctx, url+"/")
	p := readPage(t, ctx)
	if p.Mode != dashboard.ModeDemo || !strings.Contains(p.Notice, "Live mode failed") || !strings.Contains(p.Notice, "the warehouse is locked by another program (a pipeline run?)") {
		t.Fatalf("mode %q, notice %q", p.Mode, p.Notice)
	}
	if strings.Contains(p.Notice, dir) || strings.Contains(p.Notice, "PID") || strings.Contains(p.Notice, "/usr/bin") {
		t.Errorf("the notice shows a local path or a PID: %q", p.Notice)
	}
	checkBrowserKPIs(t, p, wo.rep)
	// With the snapshot's figures file, demo mode draws every view live
	// mode does: orders by status, issues per kind per day.
	checkCharts(t, p, wo.rep, true)
	if len(p.Mons) != len(wo.rep.Monitors) {
		t.Errorf("%d monitors shown, want %d", len(p.Mons), len(wo.rep.Monitors))
	}
}

func TestBrowserFilterForm(t *testing.T) {
	ctx := tab(t)
	wo := getWorld(t, testWorld)
	url := serve(t, &dashboard.Options{Warehouse: wo.w, Clock: wo.clock})
	navigate(t, ctx, url+"/")
	from, to := wo.dayRange(3, 7)
	var orders int64
	for _, d := range wo.rep.Days {
		if d.Day >= from && d.Day <= to {
			orders += d.Orders
		}
	}
	// Fill the form the way a person would, and submit it.
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`input[name="from"]`), from),
		chromedp.SetValue(chromedp.CSS(`input[name="to"]`), to),
		chromedp.Click(chromedp.CSS(`input[name="kind"][value="temporal"]`)),
	); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil,
		chromedp.Click(chromedp.CSS(`form[data-testid="filter"] button[type="submit"]`)))); err != nil {
		t.Fatal(err)
	}
	p := readPage(t, ctx)
	if got := p.KPIs["kpi-orders"]; got[0] != strconv.FormatInt(orders, 10) {
		t.Errorf("orders from %s to %s: %v, want %d", from, to, got, orders)
	}
	if n := p.Charts["chart-revenue"].Points; n != 7 {
		t.Errorf("revenue chart over %d days, want 7", n)
	}
	for _, r := range p.Issues {
		if r["kind"] != string(chaos.Temporal) {
			t.Errorf("issue row of kind %s with the temporal filter", r["kind"])
		}
	}
	if len(p.Issues) != 2 {
		t.Errorf("%d issue rows, want the 2 temporal flags", len(p.Issues))
	}
}

func TestBrowserStaticReport(t *testing.T) {
	ctx := tab(t)
	wo := getWorld(t, testWorld)
	var buf bytes.Buffer
	if err := dashboard.WriteHTML(t.Context(), &buf, &dashboard.Options{Warehouse: wo.w, Report: wo.rep, Clock: wo.clock}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	navigate(t, ctx, "file://"+path) // opened as a file, offline
	p := readPage(t, ctx)
	checkBrowserKPIs(t, p, wo.rep)
	checkCharts(t, p, wo.rep, true)
	if p.Extra["external"] != 0 || p.Extra["resources"] != 0 {
		t.Errorf("the static report loads other resources: %v", p.Extra)
	}
}

// TestScreenshot takes the README's screenshots of the dashboard on the
// default data (live, the monitors over the year) with -update: the top of
// the page, the Detection section and the lineage with fct_orders open; it
// checks the committed ones otherwise.
func TestScreenshot(t *testing.T) {
	if !*update {
		for _, p := range []string{screenshotPath, detectionShotPath, lineageShotPath} {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatalf("%v (go test ./quality/dashboard -run TestScreenshot -update writes it)", err)
			}
			checkScreenshot(t, b)
		}
		return
	}
	ctx := tab(t)
	wo := getWorld(t, defaultWorld)
	url := serve(t, &dashboard.Options{Warehouse: wo.w, Lander: wo.land, Clock: wo.clock, Monitors: yearMonitors()})
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1400, 1700), chromedp.Navigate(url+"/")); err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	checkScreenshot(t, shot)
	if err := os.WriteFile(screenshotPath, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	// The monitors, with their runs, and the lineage with stg_orders open.
	if err := chromedp.Do(ctx, chromedp.Navigate(url+"/#lineage-fct_orders")); err != nil {
		t.Fatal(err)
	}
	shot, err = chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(`#detection`)))
	if err != nil {
		t.Fatal(err)
	}
	checkScreenshot(t, shot)
	if err := os.WriteFile(detectionShotPath, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	shot, err = chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(`#lineage`)))
	if err != nil {
		t.Fatal(err)
	}
	checkScreenshot(t, shot)
	if err := os.WriteFile(lineageShotPath, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s, %s and %s", screenshotPath, detectionShotPath, lineageShotPath)
}
