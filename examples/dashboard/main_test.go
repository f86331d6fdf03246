package main

import (
	"bytes"
	"context"
	"html"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/internal/syncbuf"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/filelanding"
	"github.com/edqm/edqm/pipeline"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

func wall() time.Time { return time.Date(2026, 3, 10, 15, 4, 5, 0, time.UTC) }

// buildData leaves what examples/full leaves in its folder, for a few
// days, with pipeline.Run: landing/ with a report snapshot, and
// warehouse.duckdb with the models and the results history.
func buildData(t *testing.T, dir string) *quality.Report {
	t.Helper()
	ctx := t.Context()
	land, err := filelanding.Open(ctx, filepath.Join(dir, "landing"), nil)
	require.NoError(t, err)
	defer land.Close()
	w, err := duckdbwarehouse.Open(ctx, filepath.Join(dir, "warehouse.duckdb"), nil)
	require.NoError(t, err)
	defer w.Close()
	gen, err := generate.New(generate.Config{Seed: 3})
	require.NoError(t, err)
	inj, err := chaos.New(chaos.Config{Seed: 3, Rates: chaos.Uniform(0.05)})
	require.NoError(t, err)
	// The monitors judge the last 3 days, each against the days before it
	// (5 are enough for a band here).
	monitors := quality.DefaultMonitors()
	for i := range monitors {
		monitors[i].Detection.DetectionDays, monitors[i].Detection.MinTrainingPoints = 3, 5
	}
	res, err := pipeline.Run(ctx, land, w, &pipeline.Options{Generator: gen, Injector: inj, Clock: edqm.FixedClock(wall()),
		Days: 10, Monitors: monitors})
	require.NoError(t, err)
	require.Positive(t, res.HistoryRows)
	return res.Report
}

var sharedData struct {
	once sync.Once
	dir  string
	rep  *quality.Report
}

func TestMain(m *testing.M) {
	if path := os.Getenv("EDQM_TEST_HOLD_DUCKDB"); path != "" {
		os.Exit(holdDuckDB(path))
	}
	code := m.Run()
	if sharedData.dir != "" {
		os.RemoveAll(sharedData.dir)
	}
	os.Exit(code)
}

// data returns a folder built once for the tests that only read it.
func data(t *testing.T) (string, *quality.Report) {
	t.Helper()
	sharedData.once.Do(func() {
		dir, err := os.MkdirTemp("", "edqm-dashboard-")
		if err != nil {
			t.Fatal(err)
		}
		sharedData.dir = dir
		sharedData.rep = buildData(t, dir)
	})
	if sharedData.rep == nil {
		t.Fatal("building the test data failed")
	}
	return sharedData.dir, sharedData.rep
}

// server runs the command in-process until the test ends, and returns the
// address it prints.
func server(t *testing.T, args ...string) (base string, stdout, stderr *syncbuf.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	stdout, stderr = &syncbuf.Buffer{}, &syncbuf.Buffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), stdout, stderr, wall) }()
	t.Cleanup(func() {
		cancel() // what SIGINT does
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("exit %d after the interrupt\n%s", code, stderr)
			}
			if !strings.Contains(stdout.String(), "Stopped.") {
				t.Errorf("no goodbye: %s", stdout)
			}
		case <-time.After(20 * time.Second):
			t.Error("the server did not stop after the interrupt")
		}
	})
	addrRE := regexp.MustCompile(`EDQM dashboard on (http://127\.0\.0\.1:\d+)/`)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := addrRE.FindStringSubmatch(stdout.String()); m != nil {
			return m[1], stdout, stderr
		}
		select {
		case code := <-done:
			done <- code
			t.Fatalf("exit %d before serving\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		default:
		}
	}
	t.Fatalf("no address printed\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	return "", nil, nil
}

func fetch(t *testing.T, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestServesLiveAndDemo(t *testing.T) {
	dir, rep := data(t)
	base, stdout, _ := server(t, "-data", dir)
	for _, want := range []string{filepath.Join(dir, "warehouse.duckdb"), filepath.Join(dir, "landing"), base + "/metrics", "Ctrl+C"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("the banner lacks %q:\n%s", want, stdout)
		}
	}
	code, body := fetch(t, base+"/")
	if code != 200 || !strings.Contains(body, `<body data-mode="live"`) {
		t.Fatalf("GET /: %d, not live", code)
	}
	if !strings.Contains(body, `data-testid="kpi-risk" data-value="`+itoa(int64(rep.RevenueAtRisk))+`"`) {
		t.Error("live Revenue at Risk differs from the pipeline's report")
	}
	code, body = fetch(t, base+"/?mode=demo")
	if code != 200 || !strings.Contains(body, `<body data-mode="demo"`) || !strings.Contains(body, "snapshot _reports/report-2026-03-10.json") {
		t.Fatalf("GET /?mode=demo: %d, not the snapshot", code)
	}
	code, body = fetch(t, base+"/metrics")
	if code != 200 || !strings.Contains(body, "edqm_orders "+itoa(rep.Orders)+"\n") || !strings.Contains(body, "edqm_dashboard_live 1\n") {
		t.Fatalf("GET /metrics: %d\n%s", code, body)
	}
	if code, body = fetch(t, base+"/?flag=has_math_error"); code != 200 || !strings.Contains(body, `<span class="lbl">calculation`) {
		t.Errorf("drill-down: %d, no calculation label", code)
	}
	// The monitors the run recorded in the results history, with their band.
	code, body = fetch(t, base+"/")
	require.Equal(t, 200, code)
	require.False(t, strings.Contains(body, `data-testid="monitors-note"`), "live mode shows no monitor")
	for _, m := range rep.Monitors {
		assert.True(t, strings.Contains(body, `data-monitor="`+m.Name+`"`), "live mode lacks monitor %s", m.Name)
	}
	assert.True(t, strings.Contains(body, `class="band"`), "no monitor band")
	assert.Contains(t, body, `data-testid="chart-monitor-0-0"`, "no monitor chart")
	assert.Contains(t, body, `data-testid="y-unit">rows per day<`, "the volume monitor's axis has no unit")
	assert.Contains(t, body, `data-testid="history" data-runs="1"`, "no run history")
	if code, _ = fetch(t, base+"/report.html"); code != 200 {
		t.Errorf("GET /report.html: %d", code)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestDemoFlag(t *testing.T) {
	dir, rep := data(t)
	base, stdout, _ := server(t, "-data", dir, "-demo")
	if strings.Contains(stdout.String(), "live ") {
		t.Errorf("-demo announces live mode:\n%s", stdout)
	}
	code, body := fetch(t, base+"/")
	if code != 200 || !strings.Contains(body, `<body data-mode="demo"`) {
		t.Fatalf("GET /: %d, not demo", code)
	}
	if !strings.Contains(body, `data-testid="kpi-orders" data-value="`+itoa(rep.Orders)+`"`) {
		t.Error("demo orders differ from the snapshot")
	}
	if code, body := fetch(t, base+"/?mode=live"); code != 400 || !strings.Contains(html.UnescapeString(body), `"mode"`) {
		t.Errorf("mode=live with -demo: %d", code)
	}
}

// holdDuckDB is the helper process of TestWarehouseBusyFallsBack: it
// opens the DuckDB file, says so, and holds it until its stdin closes.
func holdDuckDB(path string) int {
	// A helper process, run without a test: no t.Context.
	w, err := duckdbwarehouse.Open(context.Background(), path, nil)
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		return 1
	}
	os.Stdout.WriteString("held\n")
	_, _ = io.Copy(io.Discard, os.Stdin)
	w.Close()
	return 0
}

// TestWarehouseBusyFallsBack: while another process holds the DuckDB file
// (examples/full running), pages fall back to the snapshot and say why;
// when it lets go, they are live again.
func TestWarehouseBusyFallsBack(t *testing.T) {
	dir := t.TempDir()
	buildData(t, dir)
	base, _, stderr := server(t, "-data", dir)
	if code, body := fetch(t, base+"/"); code != 200 || !strings.Contains(body, `<body data-mode="live"`) {
		t.Fatalf("before: %d, not live", code)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "EDQM_TEST_HOLD_DUCKDB="+filepath.Join(dir, "warehouse.duckdb"))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut syncbuf.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(out.String(), "held"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the holder did not open the file: %s", errOut.String())
		}
	}

	code, body := fetch(t, base+"/")
	if code != 200 || !strings.Contains(body, `<body data-mode="demo"`) {
		t.Fatalf("while held: %d, not demo", code)
	}
	notice := regexp.MustCompile(`data-testid="notice">([^<]*)<`).FindStringSubmatch(body)
	if notice == nil || !strings.Contains(notice[1], "Live mode failed") || !strings.Contains(notice[1], "the warehouse is locked by another program") {
		t.Errorf("the page does not say the warehouse is locked: %v", notice)
	}
	// Neither the page nor a 503 shows the file's path, the locking
	// program's, or its PID; the log on stderr has them.
	exe, _ := os.Executable()
	_, live503 := fetch(t, base+"/?mode=live")
	for what, body := range map[string]string{"the page": body, "mode=live": live503} {
		assert.NotContains(t, body, dir, "%s shows the data folder", what)
		assert.NotContains(t, body, os.Args[0], "%s shows the locking program", what)
		assert.NotContains(t, body, filepath.Dir(exe), "%s shows the locking program", what)
		assert.NotContains(t, body, "PID", "%s shows a PID", what)
		// The PID as a number of its own, outside the style sheet (whose
		// colours, such as #182033, may contain a small PID's digits).
		text := regexp.MustCompile(`(?s)<style>.*?</style>`).ReplaceAllString(body, "")
		pid := regexp.MustCompile(`(^|[^0-9#.,])` + strconv.Itoa(cmd.Process.Pid) + `($|[^0-9.,])`)
		assert.False(t, pid.MatchString(text), "%s shows the PID %d", what, cmd.Process.Pid)
	}
	assert.Contains(t, live503, "the warehouse is locked by another program")
	assert.Contains(t, stderr.String(), "Conflicting lock", "the log lacks the full error")

	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("holder: %v %s", err, errOut.String())
	}
	if code, body = fetch(t, base+"/"); code != 200 || !strings.Contains(body, `<body data-mode="live"`) {
		t.Errorf("after the holder let go: %d, not live", code)
	}
}

// fetchHost is fetch with the Host header of a browser that opened host.
func fetchHost(t *testing.T, url, host string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// TestHostHeaderChecked: the server answers to the address it listens on
// (and localhost with its port); a page whose name was re-pointed at this
// machine (DNS rebinding) gets 421 and nothing else. -allowed-hosts
// replaces the list.
func TestHostHeaderChecked(t *testing.T) {
	dir, _ := data(t)
	base, stdout, _ := server(t, "-data", dir)
	addr := strings.TrimPrefix(base, "http://")
	_, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	assert.Contains(t, stdout.String(), "hosts     "+addr+", localhost:"+port)
	for _, target := range []string{"/", "/metrics", "/rows.csv?flag=has_math_error"} {
		code, body := fetchHost(t, base+target, "evil.example:"+port)
		assert.Equal(t, http.StatusMisdirectedRequest, code, target)
		assert.NotContains(t, body, "Revenue", target)
		assert.NotContains(t, body, "edqm_", target)
	}
	for _, host := range []string{addr, "localhost:" + port, "LOCALHOST:" + port, "[::1]:" + port} {
		code, _ := fetchHost(t, base+"/", host)
		assert.Equal(t, http.StatusOK, code, host)
	}
	code, _ := fetchHost(t, base+"/", "localhost:1")
	assert.Equal(t, http.StatusMisdirectedRequest, code, "another port")

	base, _, _ = server(t, "-data", dir, "-demo", "-allowed-hosts", " dash.example.com , localhost:1 ")
	code, _ = fetchHost(t, base+"/", "dash.example.com:8443")
	assert.Equal(t, http.StatusOK, code, "an allowed name, any port")
	code, _ = fetchHost(t, base+"/", strings.TrimPrefix(base, "http://"))
	assert.Equal(t, http.StatusMisdirectedRequest, code, "-allowed-hosts replaces the default")
}

func TestDefaultAllowedHosts(t *testing.T) {
	tcp := func(ip string, port int) net.Addr { return &net.TCPAddr{IP: net.ParseIP(ip), Port: port} }
	assert.Equal(t, []string{"127.0.0.1:8080", "localhost:8080", "[::1]:8080"}, allowedHosts("127.0.0.1:0", tcp("127.0.0.1", 8080)))
	assert.Equal(t, []string{"localhost:8080", "127.0.0.1:8080", "[::1]:8080"}, allowedHosts("localhost:8080", tcp("127.0.0.1", 8080)))
	assert.Equal(t, []string{"[::1]:9", "localhost:9", "127.0.0.1:9"}, allowedHosts("[::1]:9", tcp("::1", 9)))
	assert.Equal(t, []string{"192.0.2.1:80"}, allowedHosts("192.0.2.1:80", tcp("192.0.2.1", 80)))
	assert.Equal(t, []string{"dash.example.com:80", "192.0.2.1:80"}, allowedHosts("dash.example.com:80", tcp("192.0.2.1", 80)))
	all := allowedHosts(":8080", tcp("::", 8080))
	assert.Subset(t, all, []string{"localhost:8080", "127.0.0.1:8080", "[::1]:8080"})
	if name, err := os.Hostname(); err == nil {
		assert.Contains(t, all, net.JoinHostPort(name, "8080"))
	}
	assert.NotContains(t, all, "[::]:8080")
	assert.NotContains(t, all, "0.0.0.0:8080")
}

func TestCommandLineErrors(t *testing.T) {
	empty := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"-addr"}, 2, "flag needs an argument"},
		{[]string{"extra"}, 2, "unexpected argument"},
		{[]string{"-snapshot", "../x.json"}, 2, "-snapshot"},
		{[]string{"-data", empty}, 1, "nothing to show"},
		{[]string{"-data", empty, "-demo", "-warehouse", "duckdb:///nowhere.duckdb"}, 1, "-demo needs report snapshots"},
		{[]string{"-landing", "ftp://x", "-data", empty}, 1, "unknown scheme"},
		{[]string{"-h"}, 0, "Usage: go run ./examples/dashboard"},
		{[]string{"-allowed-hosts", " , "}, 2, "invalid value \" , \" for -allowed-hosts"},
		{[]string{"-data", empty, "-warehouse", "duckdb:///nowhere.duckdb", "-allowed-hosts", "http://x"}, 2, "invalid value for -allowed-hosts"},
	} {
		var out, errOut bytes.Buffer
		code := run(t.Context(), tc.args, &out, &errOut, wall)
		if code != tc.code || !strings.Contains(errOut.String(), tc.says) {
			t.Errorf("%v: exit %d, stderr %q; want %d saying %q", tc.args, code, errOut.String(), tc.code, tc.says)
		}
	}
	// A port in use is an error, not a hang.
	dir, _ := data(t)
	base, _, _ := server(t, "-data", dir)
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"-data", dir, "-addr", strings.TrimPrefix(base, "http://")}, &out, &errOut, wall); code != 1 {
		t.Errorf("port in use: exit %d, %s", code, errOut.String())
	}
}

// TestSnapshotFlagRefusedAtStart: a -snapshot the landing does not hold, or
// that does not parse, stops the command before it serves (exit 2), instead
// of answering 503 on every page.
func TestSnapshotFlagRefusedAtStart(t *testing.T) {
	dir, _ := data(t)
	broken := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(broken, "landing", "_reports"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(broken, "landing", "_reports", "broken.json"), []byte("{not json"), 0o644))
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"-data", dir, "-snapshot", "_reports/nope.json"}, "_reports/nope.json is not in"},
		{[]string{"-data", broken, "-demo", "-snapshot", "_reports/broken.json"}, "invalid value for -snapshot: _reports/broken.json"},
	} {
		var out, errOut bytes.Buffer
		code := run(t.Context(), tc.args, &out, &errOut, wall)
		assert.Equal(t, 2, code, "%v: stderr %s", tc.args, errOut.String())
		assert.Contains(t, errOut.String(), tc.says, "%v", tc.args)
		assert.NotContains(t, out.String(), "EDQM dashboard on", "%v served", tc.args)
	}
	// The snapshot that exists is shown.
	base, _, _ := server(t, "-data", dir, "-demo", "-snapshot", "_reports/report-2026-03-10.json")
	code, body := fetch(t, base+"/")
	require.Equal(t, 200, code)
	assert.Contains(t, body, "snapshot _reports/report-2026-03-10.json")
}

// TestOpensEveryURLOfFull: the schemes examples/full takes are registered
// here too (an s3:// landing, a snowflake:// warehouse): opening them fails,
// if it does, on their own terms, never on an unknown scheme.
func TestOpensEveryURLOfFull(t *testing.T) {
	ctx := t.Context()
	l, err := landing.Open(ctx, "s3://edqm-bucket/prefix?region=us-east-1&endpoint=http://127.0.0.1:1", nil)
	if err == nil {
		require.NoError(t, l.Close())
	} else {
		assert.NotContains(t, err.Error(), "unknown scheme")
	}
	_, err = warehouse.Open(ctx, "snowflake://user@account/db/schema", nil)
	require.Error(t, err) // no warehouse parameter, no key
	assert.NotContains(t, err.Error(), "unknown scheme")
}
