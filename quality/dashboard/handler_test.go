package dashboard_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/quality/dashboard"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// newHandler returns a handler or fails the test.
func newHandler(t testing.TB, o *dashboard.Options) *dashboard.Handler {
	t.Helper()
	h, err := dashboard.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// get serves one request.
func get(t testing.TB, h http.Handler, target string) (int, string, http.Header) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, target, nil))
	return rec.Code, rec.Body.String(), rec.Header()
}

// mustGet serves one request that must answer 200.
func mustGet(t testing.TB, h http.Handler, target string) string {
	t.Helper()
	code, body, _ := get(t, h, target)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", target, code, body)
	}
	return body
}

var kpiRE = regexp.MustCompile(`data-testid="(kpi-[a-z]+)" data-value="([^"]*)">\s*<div class="label">[^<]*</div>\s*<div class="value">([^<]*)</div>`)

// kpisOf returns each KPI's data-value and text.
func kpisOf(t testing.TB, body string) map[string][2]string {
	t.Helper()
	out := map[string][2]string{}
	for _, m := range kpiRE.FindAllStringSubmatch(body, -1) {
		out[m[1]] = [2]string{html.UnescapeString(m[2]), html.UnescapeString(m[3])}
	}
	if len(out) != 6 {
		t.Fatalf("found %d KPIs, want 6: %v", len(out), out)
	}
	return out
}

// wantKPIs are the KPIs a report must show: data-value and text.
func wantKPIs(rep *quality.Report) map[string][2]string {
	c := func(m quality.Money) [2]string { return [2]string{strconv.FormatInt(int64(m), 10), m.String()} }
	return map[string][2]string{
		"kpi-health":    {strconv.FormatFloat(rep.HealthScore, 'g', -1, 64), fmt.Sprintf("%.2f%%", rep.HealthScore)},
		"kpi-raw":       c(rep.RawRevenue),
		"kpi-clean":     c(rep.CleanRevenue),
		"kpi-risk":      c(rep.RevenueAtRisk),
		"kpi-orders":    {strconv.FormatInt(rep.Orders, 10), quality.FormatCount(rep.Orders)},
		"kpi-incidents": {strconv.Itoa(len(rep.Incidents)), quality.FormatCount(int64(len(rep.Incidents)))},
	}
}

func checkKPIs(t *testing.T, got, want map[string][2]string) {
	t.Helper()
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s = %q, want %q", id, got[id], w)
		}
	}
}

func modeOf(body string) string {
	m := regexp.MustCompile(`<body data-mode="([a-z]+)"`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

func TestLiveKPIsEqualTheReport(t *testing.T) {
	wo := getWorld(t, testWorld)
	h := newHandler(t, &dashboard.Options{Warehouse: wo.w, Lander: wo.land, Clock: wo.clock})
	body := mustGet(t, h, "/")
	if m := modeOf(body); m != dashboard.ModeLive {
		t.Fatalf("mode %q, want live", m)
	}
	checkKPIs(t, kpisOf(t, body), wantKPIs(wo.live))
	if wo.live.Orders < 1000 || wo.live.Flagged == 0 || len(wo.live.Incidents) == 0 {
		t.Fatalf("the test data is too clean to test anything: %+v", wo.live.Summary())
	}
}

func TestDemoKPIsEqualTheSnapshot(t *testing.T) {
	wo := getWorld(t, testWorld)
	h := newHandler(t, &dashboard.Options{Lander: wo.land, Clock: wo.clock})
	body := mustGet(t, h, "/")
	if m := modeOf(body); m != dashboard.ModeDemo {
		t.Fatalf("mode %q, want demo", m)
	}
	checkKPIs(t, kpisOf(t, body), wantKPIs(wo.rep))
	// With the snapshot's figures file (dashboard.WriteFigures), every view.
	for _, want := range []string{"snapshot " + wo.snapKey, `data-testid="chart-status"`, `data-testid="chart-kind-days"`, `data-testid="history"`} {
		assert.Contains(t, body, want, "demo page with figures")
	}
	// The same page from a report in memory: the notes say what needs a
	// warehouse.
	h = newHandler(t, &dashboard.Options{Report: wo.rep})
	body = mustGet(t, h, "/")
	checkKPIs(t, kpisOf(t, body), wantKPIs(wo.rep))
	for _, want := range []string{`data-testid="status-note"`, `data-testid="kind-days-note"`} {
		assert.Contains(t, body, want, "demo page without figures")
	}
}

func TestDateRangeSumsTheDays(t *testing.T) {
	wo := getWorld(t, testWorld)
	from, to := wo.dayRange(5, 10)
	var orders, flagged int64
	var raw, clean quality.Money
	for _, d := range wo.rep.Days {
		if d.Day >= from && d.Day <= to {
			orders, flagged, raw, clean = orders+d.Orders, flagged+d.Flagged, raw+d.RawRevenue, clean+d.CleanRevenue
		}
	}
	health := 100 * float64(orders-flagged) / float64(orders)
	for _, o := range []*dashboard.Options{
		{Warehouse: wo.w, Clock: wo.clock},
		{Lander: wo.land},
	} {
		body := mustGet(t, newHandler(t, o), "/?from="+from+"&to="+to)
		got := kpisOf(t, body)
		want := map[string][2]string{
			"kpi-orders": {strconv.FormatInt(orders, 10), quality.FormatCount(orders)},
			"kpi-raw":    {strconv.FormatInt(int64(raw), 10), raw.String()},
			"kpi-clean":  {strconv.FormatInt(int64(clean), 10), clean.String()},
			"kpi-risk":   {strconv.FormatInt(int64(raw-clean), 10), (raw - clean).String()},
			"kpi-health": {strconv.FormatFloat(health, 'g', -1, 64), fmt.Sprintf("%.2f%%", health)},
		}
		checkKPIs(t, got, want)
		// One revenue point per day of the range, for both series.
		if n := strings.Count(body, `data-series="raw" data-cents=`); n != 10 {
			t.Errorf("%s mode: %d raw revenue points, want 10", modeOf(body), n)
		}
	}
}

func TestKindFilter(t *testing.T) {
	wo := getWorld(t, testWorld)
	h := newHandler(t, &dashboard.Options{Warehouse: wo.w, Clock: wo.clock})
	body := mustGet(t, h, "/?kind=temporal&kind=duplication")
	issues := regexp.MustCompile(`<tr data-flag="([a-z_]+)" data-kind="([a-z]+)"`).FindAllStringSubmatch(body, -1)
	var flags []string
	for _, m := range issues {
		flags = append(flags, m[1])
	}
	if got, want := strings.Join(flags, ","), "is_future_order,is_before_signup,is_duplicate"; got != want {
		t.Errorf("issues %s, want %s", got, want)
	}
	// Only the tests of those kinds.
	kindOf := map[string]chaos.Kind{}
	for _, tr := range wo.live.Tests {
		kindOf[tr.Name] = tr.Kind
	}
	tests := regexp.MustCompile(`<tr data-test="([^"]*)" data-status`).FindAllStringSubmatch(body, -1)
	if len(tests) == 0 {
		t.Error("no test shown for temporal and duplication")
	}
	for _, m := range tests {
		if k := kindOf[m[1]]; k != chaos.Temporal && k != chaos.Duplication {
			t.Errorf("test %s of kind %q shown with the filter", m[1], k)
		}
	}
	if strings.Contains(body, `data-kind="calculation" data-precision`) {
		t.Error("the scorecard shows calculation, filtered out")
	}
	// The KPIs still count every flag.
	checkKPIs(t, kpisOf(t, body), wantKPIs(wo.live))
	// Comma-separated kinds are the same filter.
	if b2 := mustGet(t, h, "/?kind=temporal,duplication"); b2 != body {
		t.Error("kind=a,b and kind=a&kind=b give different pages")
	}
}

func TestBadParameters(t *testing.T) {
	wo := getWorld(t, testWorld)
	h := newHandler(t, &dashboard.Options{Warehouse: wo.w, Lander: wo.land, Clock: wo.clock})
	for _, tc := range []struct{ query, param, says string }{
		{"from=2026-13-01", "from", "not a date"},
		{"to=yesterday", "to", "YYYY-MM-DD"},
		{"from=2026-03-01&to=2026-02-01", "from", "after to"},
		{"kind=weather", "kind", "not a chaos kind"},
		{"flag=is_flagged%3BDROP%20TABLE%20fct_orders", "flag", "not a quality flag"},
		{"flag=is_flagged;DROP", "", "semicolon"},
		{"flag=has_math_error&page=0", "page", "from 1"},
		{"flag=has_math_error&page=-2", "page", "not a page number"},
		{"flag=has_math_error&page=two", "page", "not a page number"},
		{"page=2", "page", "give flag or test"},
		{"flag=has_math_error&test=unique_fct_orders_order_id", "test", "not both"},
		{"test=no_such_test", "test", "no test named"},
		{"mode=turbo", "mode", "live or demo"},
		{"from=2026-01-01&from=2026-01-02", "from", "2 times"},
		{"colour=red", "colour", "unknown parameter"},
	} {
		code, body, hd := get(t, h, "/?"+tc.query)
		if code != http.StatusBadRequest {
			t.Errorf("?%s: status %d, want 400", tc.query, code)
			continue
		}
		msg := html.UnescapeString(body)
		if (tc.param != "" && !strings.Contains(msg, fmt.Sprintf("bad query parameter %q", tc.param))) || !strings.Contains(msg, tc.says) {
			t.Errorf("?%s: the message does not name %q or say %q:\n%s", tc.query, tc.param, tc.says, msg)
		}
		if ct := hd.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("?%s: Content-Type %q", tc.query, ct)
		}
	}
	// A page past the last is not found.
	n := wo.live.FlagCounts["has_math_error"]
	code, body, _ := get(t, h, fmt.Sprintf("/?flag=has_math_error&page=%d", n/dashboard.DefaultPageSize+2))
	if code != http.StatusNotFound || !strings.Contains(body, "page(s)") {
		t.Errorf("page past the last: %d %s", code, body)
	}
	// An empty value is no value (HTML forms send empty fields).
	if code, _, _ := get(t, h, "/?from=&to=&mode="); code != http.StatusOK {
		t.Errorf("empty parameters: %d", code)
	}
}

func TestRoutesAndMethods(t *testing.T) {
	h := newHandler(t, &dashboard.Options{Report: getWorld(t, testWorld).rep})
	for _, tc := range []struct {
		method, target string
		code           int
	}{
		{http.MethodGet, "/", 200},
		{http.MethodHead, "/", 200},
		{http.MethodGet, "/metrics", 200},
		{http.MethodGet, "/report.html", 200},
		{http.MethodGet, "/report.html?flag=has_math_error", 400},
		{http.MethodGet, "/metrics?from=2026-01-01", 400},
		{http.MethodGet, "/favicon.ico", 404},
		{http.MethodPost, "/", 405},
		{http.MethodDelete, "/metrics", 405},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), tc.method, tc.target, nil))
		if rec.Code != tc.code {
			t.Errorf("%s %s: %d, want %d: %s", tc.method, tc.target, rec.Code, tc.code, rec.Body)
		}
		if tc.method == http.MethodHead && rec.Body.Len() != 0 {
			t.Errorf("HEAD %s has a body", tc.target)
		}
		if tc.code == 405 && rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("%s %s: Allow %q", tc.method, tc.target, rec.Header().Get("Allow"))
		}
	}
	_, _, hd := get(t, h, "/")
	if csp := hd.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
}

func TestNewValidates(t *testing.T) {
	land := memlanding.New()
	for _, tc := range []struct {
		name string
		o    *dashboard.Options
		says string
	}{
		{"nil", nil, "nil options"},
		{"no source", &dashboard.Options{}, "no source"},
		{"two warehouses", &dashboard.Options{Warehouse: getWorld(t, testWorld).w, OpenWarehouse: func(context.Context) (warehouse.Warehouse, error) { return nil, nil }}, "not both"},
		{"demo without snapshot", &dashboard.Options{Warehouse: getWorld(t, testWorld).w, Demo: true}, "Demo needs"},
		{"bad key", &dashboard.Options{Lander: land, SnapshotKey: "../x.json"}, "SnapshotKey"},
		{"bad table", &dashboard.Options{Lander: land, LabelsTable: "x; DROP"}, "bad identifier"},
		{"page size", &dashboard.Options{Lander: land, PageSize: 5000}, "PageSize"},
		{"bad test", &dashboard.Options{Lander: land, Tests: []quality.Test{{Type: "nope", Model: "m", Column: "c"}}}, "unknown test type"},
	} {
		_, err := dashboard.New(tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.says) || !strings.HasPrefix(err.Error(), "dashboard.New: ") {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.says)
		}
	}
}

// lockedErr is the error duckdbwarehouse returns when another process
// holds the file: warehouse.ErrLocked, wrapping DuckDB's text, which names
// the file, the locking program, its PID and its user.
func lockedErr(dir string) error {
	path := dir + "/warehouse.duckdb"
	duck := fmt.Errorf(`IO Error: Could not set lock on file "%s": Conflicting lock is held in %s/bin/edqm-full (PID 4242) by user alice. See also https://duckdb.org/docs/stable/connect/concurrency`, path, dir)
	return fmt.Errorf("duckdbwarehouse: open %q: %w: %w", path, warehouse.ErrLocked, duck)
}

// noLocalDetails fails the test when body shows dir (a local path), a PID
// or the locking user.
func noLocalDetails(t *testing.T, what, body, dir string) {
	t.Helper()
	assert.NotContains(t, body, dir, "%s shows a local path", what)
	assert.NotContains(t, body, "PID", "%s shows a PID", what)
	assert.NotContains(t, body, "4242", "%s shows a PID", what)
	assert.NotContains(t, body, "alice", "%s shows the locking user", what)
}

func TestLiveFailureFallsBackToDemo(t *testing.T) {
	wo := getWorld(t, testWorld)
	dir := t.TempDir()
	var logged bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logged, nil))
	open := func(context.Context) (warehouse.Warehouse, error) { return nil, lockedErr(dir) }
	h := newHandler(t, &dashboard.Options{OpenWarehouse: open, Lander: wo.land, Logger: logger})
	body := mustGet(t, h, "/")
	if modeOf(body) != dashboard.ModeDemo {
		t.Fatalf("mode %q, want demo", modeOf(body))
	}
	notice := regexp.MustCompile(`data-testid="notice">([^<]*)<`).FindStringSubmatch(body)
	require.NotNil(t, notice, "no notice saying why live mode failed")
	text := html.UnescapeString(notice[1])
	assert.Contains(t, text, "Live mode failed")
	assert.Contains(t, text, "the warehouse is locked by another program (a pipeline run?)")
	assert.Contains(t, text, "reload when it ends")
	noLocalDetails(t, "the notice", body, dir)
	checkKPIs(t, kpisOf(t, body), wantKPIs(wo.rep))
	// The operator's log keeps the whole error.
	assert.Contains(t, logged.String(), "Conflicting lock is held")
	assert.Contains(t, logged.String(), "PID 4242")
	// The static report and the CSV export fall back the same way.
	noLocalDetails(t, "/report.html", mustGet(t, h, "/report.html"), dir)
	noLocalDetails(t, "/rows.csv", mustGet(t, h, "/rows.csv?flag=has_math_error"), dir)

	// A warehouse without the models: live fails, the page says why.
	empty, err := duckdbwarehouse.Open(t.Context(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer empty.Close()
	h = newHandler(t, &dashboard.Options{Warehouse: empty, Lander: wo.land})
	if body := mustGet(t, h, "/"); !strings.Contains(body, "no fct_orders table") {
		t.Error("the fallback notice does not say fct_orders is missing")
	}
	// mode=live refuses to fall back.
	code, body, _ := get(t, h, "/?mode=live")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "no fct_orders table") {
		t.Errorf("mode=live on a failing warehouse: %d %s", code, body)
	}
	// Without a snapshot, the failure is the answer: 503 with both reasons,
	// on every route.
	h = newHandler(t, &dashboard.Options{OpenWarehouse: open, Lander: memlanding.New()})
	for _, target := range []string{"/", "/?mode=live", "/metrics", "/rows.csv?flag=has_math_error", "/report.html"} {
		code, body, _ = get(t, h, target)
		assert.Equal(t, http.StatusServiceUnavailable, code, target)
		assert.Contains(t, html.UnescapeString(body), "the warehouse is locked by another program", target)
		if target != "/?mode=live" {
			assert.Contains(t, body, "no report snapshot", target)
		}
		noLocalDetails(t, target, body, dir)
	}
}

// TestLiveFailureWithoutSentinel: an error the dashboard does not know
// (here a custom OpenWarehouse's) is shown without its local paths and
// PIDs, keeping the rest of its words.
func TestLiveFailureWithoutSentinel(t *testing.T) {
	wo := getWorld(t, testWorld)
	dir := t.TempDir()
	open := func(context.Context) (warehouse.Warehouse, error) {
		return nil, fmt.Errorf("no warehouse file at %s/warehouse.duckdb yet (run go run ./examples/full); held by PID 4242", dir)
	}
	h := newHandler(t, &dashboard.Options{OpenWarehouse: open, Lander: wo.land})
	body := mustGet(t, h, "/")
	assert.Contains(t, body, "no warehouse file at …/warehouse.duckdb yet (run go run ./examples/full)")
	noLocalDetails(t, "the notice", body, dir)
	for _, target := range []string{"/?mode=live", "/rows.csv?flag=has_math_error&mode=live"} {
		code, body, _ := get(t, h, target)
		assert.Equal(t, http.StatusServiceUnavailable, code, target)
		assert.Contains(t, body, "no warehouse file at …/warehouse.duckdb", target)
		noLocalDetails(t, target, body, dir)
	}
	// A damaged file: words, not its path.
	corrupt := func(context.Context) (warehouse.Warehouse, error) {
		return nil, fmt.Errorf("duckdbwarehouse: open %q: %w: checksum mismatch", dir+"/warehouse.duckdb", warehouse.ErrCorrupt)
	}
	h = newHandler(t, &dashboard.Options{OpenWarehouse: corrupt, Lander: memlanding.New()})
	code, body, _ := get(t, h, "/metrics")
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Contains(t, body, "the warehouse cannot be read back: it looks damaged")
	noLocalDetails(t, "/metrics", body, dir)
}

// TestHostHeaderChecked: with AllowedHosts, a request for another Host
// (a DNS-rebinding page's) is refused with 421 on every route, and the
// served addresses pass; without, every Host passes.
func TestHostHeaderChecked(t *testing.T) {
	rep := getWorld(t, testWorld).rep
	var logged bytes.Buffer
	h := newHandler(t, &dashboard.Options{Report: rep, AllowedHosts: []string{"127.0.0.1:8080", "localhost:8080", "[::1]:8080"},
		Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	serveHost := func(h http.Handler, method, host, target string) *httptest.ResponseRecorder {
		r := httptest.NewRequestWithContext(t.Context(), method, target, nil)
		r.Host = host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	for _, target := range []string{"/", "/metrics", "/rows.csv?flag=has_math_error", "/report.html", "/nope"} {
		for _, host := range []string{"evil.example:8080", "127.0.0.1:9090", "localhost", ""} {
			rec := serveHost(h, http.MethodGet, host, target)
			assert.Equal(t, http.StatusMisdirectedRequest, rec.Code, "Host %q %s", host, target)
			assert.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))
			assert.Contains(t, rec.Body.String(), "does not answer to the host")
			assert.NotContains(t, rec.Body.String(), "Revenue")
		}
	}
	assert.Equal(t, http.StatusMisdirectedRequest, serveHost(h, http.MethodPost, "evil.example:8080", "/").Code, "POST")
	assert.Contains(t, logged.String(), "evil.example:8080", "the refusal is not logged")
	for _, host := range []string{"127.0.0.1:8080", "LocalHost:8080", "[::1]:8080"} {
		assert.Equal(t, http.StatusOK, serveHost(h, http.MethodGet, host, "/").Code, "Host %q", host)
	}
	// Mounted under a prefix, the check is the same.
	mux := http.NewServeMux()
	mux.Handle("/quality/", http.StripPrefix("/quality", h))
	assert.Equal(t, http.StatusMisdirectedRequest, serveHost(mux, http.MethodGet, "evil.example:8080", "/quality/").Code)
	assert.Equal(t, http.StatusOK, serveHost(mux, http.MethodGet, "localhost:8080", "/quality/").Code)
	// Over a real connection, as a browser sends it.
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/", nil)
	require.NoError(t, err)
	req.Host = "evil.example:8080"
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMisdirectedRequest, resp.StatusCode)

	// No AllowedHosts: no check (the embedding server routes by host).
	open := newHandler(t, &dashboard.Options{Report: rep})
	assert.Equal(t, http.StatusOK, serveHost(open, http.MethodGet, "evil.example:8080", "/").Code)

	_, err = dashboard.New(&dashboard.Options{Report: rep, AllowedHosts: []string{"http://localhost:8080"}})
	require.ErrorContains(t, err, "dashboard.New: AllowedHosts entry")
}

// TestOpenWarehouseIsShared checks that OpenWarehouse opens once for
// concurrent requests and closes when the last ends.
func TestOpenWarehouseIsShared(t *testing.T) {
	wo := getWorld(t, testWorld)
	var mu sync.Mutex
	opened, closed := 0, 0
	open := func(context.Context) (warehouse.Warehouse, error) {
		mu.Lock()
		defer mu.Unlock()
		opened++
		return &countingWarehouse{Warehouse: wo.w, close: func() { mu.Lock(); closed++; mu.Unlock() }}, nil
	}
	h := newHandler(t, &dashboard.Options{OpenWarehouse: open, Clock: wo.clock})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if code, body, _ := get(t, h, "/?flag=is_duplicate"); code != 200 {
				t.Errorf("%d %s", code, body)
			}
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if opened == 0 || opened != closed {
		t.Errorf("opened %d times, closed %d times", opened, closed)
	}
	if opened == 4 {
		t.Log("no two requests overlapped; sharing not exercised")
	}
}

// TestMetricsCachedWithRuntime: scrapes within the TTL read the warehouse
// once (a scrape never recomputes the report), and /metrics carries the Go
// runtime's and the process's metrics beside the report's.
func TestMetricsCachedWithRuntime(t *testing.T) {
	wo := getWorld(t, testWorld)
	var mu sync.Mutex
	opened := 0
	open := func(context.Context) (warehouse.Warehouse, error) {
		mu.Lock()
		defer mu.Unlock()
		opened++
		return &countingWarehouse{Warehouse: wo.w, close: func() {}}, nil
	}
	h := newHandler(t, &dashboard.Options{OpenWarehouse: open, Clock: wo.clock, MetricsTTL: time.Hour})
	for range 3 {
		code, body, _ := get(t, h, "/metrics")
		require.Equal(t, 200, code, body)
		m := parseProm(t, body)
		assert.Equal(t, float64(wo.live.Orders), m["edqm_orders"])
		assert.Contains(t, m, "go_goroutines")
		assert.Contains(t, body, "process_")
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, 1, opened, "three scrapes within the TTL opened the warehouse %d times", opened)
}

// countingWarehouse counts Close without closing the shared warehouse.
type countingWarehouse struct {
	warehouse.Warehouse
	close func()
}

func (c *countingWarehouse) Close() error { c.close(); return nil }

func TestMetricsFormat(t *testing.T) {
	wo := getWorld(t, testWorld)
	for _, tc := range []struct {
		name string
		o    *dashboard.Options
		rep  *quality.Report
		live float64
	}{
		{"live", &dashboard.Options{Warehouse: wo.w, Clock: wo.clock}, wo.live, 1},
		{"demo", &dashboard.Options{Lander: wo.land}, wo.rep, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body, hd := get(t, newHandler(t, tc.o), "/metrics")
			if code != 200 || !strings.HasPrefix(hd.Get("Content-Type"), "text/plain; version=0.0.4; charset=utf-8") {
				t.Fatalf("%d %q", code, hd.Get("Content-Type"))
			}
			m := parseProm(t, body)
			rep := tc.rep
			want := map[string]float64{
				"edqm_dashboard_live":                     tc.live,
				"edqm_health_score_ratio":                 rep.HealthScore / 100,
				"edqm_orders":                             float64(rep.Orders),
				"edqm_flagged_orders":                     float64(rep.Flagged),
				"edqm_raw_revenue_dollars":                float64(rep.RawRevenue) / 100,
				"edqm_revenue_at_risk_dollars":            float64(rep.RevenueAtRisk) / 100,
				"edqm_true_revenue_at_risk_dollars":       float64(rep.TrueRevenueAtRisk) / 100,
				`edqm_quality_incidents{severity="warn"}`: float64(len(rep.Incidents)),
				"edqm_report_generated_timestamp_seconds": float64(rep.GeneratedAt.UnixNano()) / 1e9,
			}
			for _, f := range quality.Flags {
				k := ""
				for kk, fs := range quality.KindFlags {
					for _, ff := range fs {
						if ff == f {
							k = string(kk)
						}
					}
				}
				want[fmt.Sprintf(`edqm_flag_rows{flag=%q,kind=%q}`, f, k)] = float64(rep.FlagCounts[f])
			}
			for _, k := range rep.Kinds {
				want[fmt.Sprintf(`edqm_kind_flagged_rows{kind=%q}`, k.Kind)] = float64(k.Flagged)
				want[fmt.Sprintf(`edqm_kind_recall_ratio{kind=%q}`, k.Kind)] = k.Recall
				want[fmt.Sprintf(`edqm_kind_revenue_at_risk_dollars{kind=%q}`, k.Kind)] = float64(k.RevenueAtRisk) / 100
			}
			for name, v := range want {
				got, ok := m[name]
				if !ok {
					t.Errorf("no sample %s", name)
				} else if got != v {
					t.Errorf("%s = %v, want %v", name, got, v)
				}
			}
			var tests float64
			for _, st := range []string{"pass", "warn", "fail"} {
				tests += m[`edqm_tests{status="`+st+`"}`]
			}
			if int(tests) != len(rep.Tests) {
				t.Errorf("edqm_tests sums to %v, want %d", tests, len(rep.Tests))
			}
		})
	}
}

var (
	promName   = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	promSample = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (\S+)$`)
)

// parseProm checks the text exposition format strictly and returns the
// samples by series.
func parseProm(t *testing.T, body string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	help, typ := map[string]bool{}, map[string]bool{}
	done := map[string]bool{} // families already closed by another
	current := ""
	sc := bufio.NewScanner(strings.NewReader(body))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "# HELP "):
			f := strings.Fields(line)
			if len(f) < 4 || !promName.MatchString(f[2]) || help[f[2]] {
				t.Fatalf("line %d: bad or repeated HELP: %q", n, line)
			}
			if current != "" && current != f[2] {
				done[current] = true
			}
			current = f[2]
			help[f[2]] = true
		case strings.HasPrefix(line, "# TYPE "):
			f := strings.Fields(line)
			known := f[len(f)-1] == "gauge" || (!strings.HasPrefix(f[2], "edqm_") && strings.Contains("counter summary histogram untyped", f[len(f)-1]))
			if len(f) != 4 || f[2] != current || !known || typ[f[2]] {
				t.Fatalf("line %d: bad TYPE: %q", n, line)
			}
			typ[f[2]] = true
		case line == "" || strings.HasPrefix(line, "#"):
			t.Fatalf("line %d: unexpected %q", n, line)
		default:
			m := promSample.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("line %d: not a sample: %q", n, line)
			}
			base := m[1]
			for _, suffix := range []string{"_sum", "_count", "_bucket"} {
				if strings.TrimSuffix(base, suffix) == current {
					base = current
				}
			}
			if base != current || !help[base] || !typ[base] || done[base] {
				t.Fatalf("line %d: sample of %s outside its family (HELP and TYPE first, samples together)", n, m[1])
			}
			v, err := strconv.ParseFloat(m[3], 64)
			if err != nil {
				t.Fatalf("line %d: value: %v", n, err)
			}
			key := m[1] + m[2]
			if _, dup := out[key]; dup {
				t.Fatalf("line %d: duplicate series %s", n, key)
			}
			out[key] = v
		}
	}
	if !strings.HasSuffix(body, "\n") {
		t.Fatal("the exposition does not end with a newline")
	}
	return out
}

func TestStaticReportIsSelfContained(t *testing.T) {
	wo := getWorld(t, testWorld)
	for _, tc := range []struct {
		name string
		o    *dashboard.Options
		rep  *quality.Report
	}{
		{"live", &dashboard.Options{Warehouse: wo.w, Report: wo.rep, Clock: wo.clock}, wo.rep},
		{"demo", &dashboard.Options{Lander: wo.land}, wo.rep},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := dashboard.WriteHTML(t.Context(), &buf, tc.o); err != nil {
				t.Fatal(err)
			}
			page := buf.String()
			for _, re := range []string{`(?i)\bsrc\s*=`, `(?i)href\s*=\s*"(https?:|//)`, `(?i)url\(`, `(?i)@import`, `(?i)<script`, `(?i)<link`, `(?i)<iframe`} {
				if loc := regexp.MustCompile(re).FindStringIndex(page); loc != nil {
					t.Errorf("the static report has an external reference (%s): %q", re, page[max(loc[0]-40, 0):min(loc[1]+40, len(page))])
				}
			}
			for _, m := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(page, -1) {
				if !strings.HasPrefix(m[1], "#") && !strings.HasPrefix(m[1], "data:text/csv;") {
					t.Errorf("link %q leaves the file", m[1])
				}
			}
			checkKPIs(t, kpisOf(t, page), wantKPIs(tc.rep))
			if !strings.Contains(page, `data-static="true"`) || !strings.Contains(page, "Content-Security-Policy") {
				t.Error("not marked static, or no CSP")
			}
			// Every in-page drill link has its target.
			for _, m := range regexp.MustCompile(`href="#(drill-[^"]+)"`).FindAllStringSubmatch(page, -1) {
				if !strings.Contains(page, `id="`+m[1]+`"`) {
					t.Errorf("no element %s for its link", m[1])
				}
			}
			drills := strings.Count(page, `data-testid="drill"`)
			if tc.name == "live" {
				// Every flag with rows and every failing test.
				want := 0
				for _, f := range quality.Flags {
					if tc.rep.FlagCounts[f] > 0 {
						want++
					}
				}
				for _, tr := range tc.rep.Tests {
					if tr.Failures > 0 {
						want++
					}
				}
				if drills != want {
					t.Errorf("%d drill-downs, want %d", drills, want)
				}
				if !strings.Contains(page, `class="lbl"`) {
					t.Error("no chaos label beside the rows")
				}
			} else if drills == 0 {
				t.Error("no drill-down (test samples) in the demo report")
			}
		})
	}
	// The handler serves the same bytes.
	h := newHandler(t, &dashboard.Options{Lander: wo.land})
	var buf bytes.Buffer
	if err := h.WriteHTML(t.Context(), &buf); err != nil {
		t.Fatal(err)
	}
	if body := mustGet(t, h, "/report.html"); body != buf.String() {
		t.Error("/report.html differs from WriteHTML")
	}
}

func TestDrillDownPages(t *testing.T) {
	wo := getWorld(t, testWorld)
	h := newHandler(t, &dashboard.Options{Warehouse: wo.w, Clock: wo.clock, PageSize: 10})
	keysRE := regexp.MustCompile(`<tr data-key="([^"]*)" data-occurrence="([^"]*)"`)
	total := wo.live.FlagCounts["is_duplicate"]
	seen := map[string]bool{}
	pages := int((total + 9) / 10)
	for p := 1; p <= pages; p++ {
		body := mustGet(t, h, fmt.Sprintf("/?flag=is_duplicate&page=%d", p))
		rows := keysRE.FindAllStringSubmatch(body, -1)
		want := min(10, int(total)-10*(p-1))
		if len(rows) != want {
			t.Fatalf("page %d: %d rows, want %d", p, len(rows), want)
		}
		for _, r := range rows {
			k := r[1] + "#" + r[2]
			if seen[k] {
				t.Fatalf("page %d repeats %s", p, k)
			}
			seen[k] = true
			if r[2] == "1" {
				t.Errorf("a duplicate with occurrence 1: %s", k)
			}
		}
		if !strings.Contains(body, fmt.Sprintf(`data-total="%d" data-page="%d" data-pages="%d"`, total, p, pages)) {
			t.Errorf("page %d: wrong paging attributes", p)
		}
	}
	if int64(len(seen)) != total {
		t.Errorf("%d distinct rows over the pages, want %d", len(seen), total)
	}
	// The labels match the rows: every duplicate's label is a duplication.
	body := mustGet(t, h, "/?flag=is_duplicate")
	if n := len(regexp.MustCompile(`data-testid="label"><span class="lbl">duplication`).FindAllString(body, -1)); n != 10 {
		t.Errorf("%d duplication labels on the first page, want 10", n)
	}
	// A test's failing rows.
	body = mustGet(t, h, "/?test=not_null_fct_orders_customer_id")
	var failures int64
	for _, tr := range wo.live.Tests {
		if tr.Name == "not_null_fct_orders_customer_id" {
			failures = tr.Failures
		}
	}
	if failures == 0 || !strings.Contains(body, fmt.Sprintf(`data-total="%d"`, failures)) {
		t.Errorf("test drill-down total, want %d", failures)
	}
	if !strings.Contains(body, `<span class="lbl">integrity · null · customer_id`) {
		t.Error("no integrity label beside a NULL customer_id")
	}
	// Demo mode: the sample, and a note.
	h = newHandler(t, &dashboard.Options{Lander: wo.land})
	body = mustGet(t, h, "/?test=not_null_fct_orders_customer_id")
	if n := len(keysRE.FindAllString(body, -1)); n != quality.DefaultSampleSize {
		t.Errorf("demo sample: %d rows, want %d", n, quality.DefaultSampleSize)
	}
	if !strings.Contains(body, `data-testid="drill-note"`) {
		t.Error("demo drill-down without a note")
	}
	if code, _, _ := get(t, h, "/?test=not_null_fct_orders_customer_id&page=2"); code != http.StatusNotFound {
		t.Errorf("demo sample page 2: %d, want 404", code)
	}
}

// TestSameInputSameBytes: no wall clock, no map order in the output.
func TestSameInputSameBytes(t *testing.T) {
	wo := getWorld(t, testWorld)
	h := newHandler(t, &dashboard.Options{Warehouse: wo.w, Lander: wo.land, Clock: wo.clock})
	for _, target := range []string{"/", "/metrics", "/?flag=has_math_error&page=2", "/report.html"} {
		a, b := mustGet(t, h, target), mustGet(t, h, target)
		if target == "/metrics" { // the Go runtime's and the process's figures move
			a, b = edqmLines(a), edqmLines(b)
		}
		if a != b {
			t.Errorf("%s: two requests, two answers", target)
		}
	}
}

// edqmLines keeps the lines of an exposition about the edqm_ families.
func edqmLines(body string) string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if strings.Contains(l, "edqm_") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestCancelledRequest(t *testing.T) {
	wo := getWorld(t, testWorld)
	h := newHandler(t, &dashboard.Options{Warehouse: wo.w, Lander: wo.land})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodGet, "/", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("cancelled request: %d", rec.Code)
	}
	if err := h.WriteHTML(ctx, io.Discard); !errors.Is(err, context.Canceled) {
		t.Errorf("WriteHTML with a cancelled context: %v", err)
	}
}

// TestIncidentsFollowTheRange: over one day, the incidents card counts the
// monitors anomalous that day and the tests with failing rows that day.
func TestIncidentsFollowTheRange(t *testing.T) {
	wo := getWorld(t, testWorld)
	day, _ := wo.dayRange(5, 1)
	want := 0
	for _, inc := range wo.live.Incidents {
		switch inc.Source {
		case "monitor":
			if len(inc.Days) == 0 || slices.Contains(inc.Days, day) {
				want++
			}
		case "test":
			i := slices.IndexFunc(wo.live.Tests, func(tr quality.TestResult) bool { return tr.Name == inc.Name })
			require.GreaterOrEqual(t, i, 0)
			var n int64
			err := warehouse.QueryRow(t.Context(), wo.w, "SELECT COUNT(*) FROM ("+wo.live.Tests[i].SQL+") AS f WHERE f.batch_date = CAST(? AS DATE)", []any{day}, &n)
			if err != nil || n > 0 {
				want++
			}
		}
	}
	h := newHandler(t, &dashboard.Options{Warehouse: wo.w, Clock: wo.clock})
	got := kpisOf(t, mustGet(t, h, "/?from="+day+"&to="+day))["kpi-incidents"][0]
	assert.Equal(t, strconv.Itoa(want), got)
	assert.Less(t, want, len(wo.live.Incidents), "one day should hold fewer incidents than the whole report")
}
