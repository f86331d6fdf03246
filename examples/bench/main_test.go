package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// runBench runs the command in-process and returns its exit code and output.
func runBench(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(t.Context(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestTinyScales(t *testing.T) {
	dir := t.TempDir()
	jsonPath := filepath.Join(t.TempDir(), "bench.json")
	args := []string{"-orders", "1.5e3,3000", "-days", "10", "-python", "", "-dd", "1",
		"-memory-limit", "256MB", "-threads", "3", "-dir", dir, "-json", jsonPath}
	code, out, errOut := runBench(t, args...)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "DuckDB memory_limit 256MB, threads 3") {
		t.Errorf("no settings line in:\n%s", out)
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var res Results
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("JSON: %v\n%s", err, b)
	}
	if res.Machine.NProc < 1 || res.Machine.GoVersion == "" || res.Days != 10 {
		t.Errorf("machine %+v, days %d", res.Machine, res.Days)
	}
	if len(res.Scales) != 2 || res.Scales[0].Orders != 1500 || res.Scales[1].Orders != 3000 {
		t.Fatalf("scales %+v, want 1500 and 3000 orders", res.Scales)
	}
	want := []string{stageLand, stageLoad, stageTransform, stageReport, stageIncremental, stageIncReport}
	for _, s := range res.Scales {
		if len(s.Stages) != len(want) {
			t.Fatalf("%d orders: %d stages, want %v", s.Orders, len(s.Stages), want)
		}
		for i, st := range s.Stages {
			if st.Stage != want[i] {
				t.Errorf("%d orders: stage %d is %q, want %q", s.Orders, i, st.Stage, want[i])
			}
			if st.Rows <= 0 || st.Wall <= 0 || st.RowsPerS <= 0 {
				t.Errorf("%d orders: stage %+v has no rows or time", s.Orders, st)
			}
		}
		// Every generated order is landed, loaded and reported; the
		// duplication chaos adds rows beyond the orders per day.
		perDay := int(s.Orders / 10)
		if s.OrdersPerDay != perDay || s.Landed < s.Orders {
			t.Errorf("%d orders: %d a day, %d landed", s.Orders, s.OrdersPerDay, s.Landed)
		}
		if s.RawOrders != s.Landed || s.ReportOrders != s.Landed || s.Stages[0].Rows != s.Landed {
			t.Errorf("%d orders: landed %d, raw_orders %d, report %d", s.Orders, s.Landed, s.RawOrders, s.ReportOrders)
		}
		if s.Rejected != 0 || s.Labels == 0 || s.HealthScore <= 0 || s.HealthScore >= 100 {
			t.Errorf("%d orders: %d rejected, %d labels, health %.2f", s.Orders, s.Rejected, s.Labels, s.HealthScore)
		}
		// customers, products, orders and labels for each of the days.
		if s.Files != 1+3*10 {
			t.Errorf("%d orders: %d files loaded, want 31", s.Orders, s.Files)
		}
		inc := s.Stages[4]
		if inc.Rows < int64(perDay) || inc.Rows > int64(perDay)*2 {
			t.Errorf("%d orders: the incremental day landed %d orders, want about %d", s.Orders, inc.Rows, perDay)
		}
		if got := s.Stages[5].Rows; got != s.Landed+inc.Rows {
			t.Errorf("%d orders: incremental report has %d orders, want %d", s.Orders, got, s.Landed+inc.Rows)
		}
		if s.EndToEndWall <= 0 || s.NsPerOrder <= 0 {
			t.Errorf("%d orders: end to end %+v", s.Orders, s)
		}
		if _, err := os.Stat(filepath.Join(dir, "orders-"+strconv.FormatInt(s.Orders, 10), "warehouse.duckdb")); err != nil {
			t.Errorf("-dir is kept: %v", err)
		}
	}
	if res.CostRatio <= 0 {
		t.Errorf("cost ratio %v with two scales", res.CostRatio)
	}
	if res.Python != nil {
		t.Errorf("python %+v, want skipped", res.Python)
	}
	if res.DD == nil || (res.DD.Unavailable == "" && (res.DD.Ratio <= 0 || res.DD.LandFiles != 11)) {
		t.Errorf("dd %+v", res.DD)
	}
	// 7 targets, and the load against read_csv at each of the 2 scales.
	if len(res.Targets) != 9 {
		t.Errorf("%d targets, want 9", len(res.Targets))
	}
	for _, s := range res.Scales {
		if r := s.Reference; r == nil || r.Stage != "read_csv reference" || r.Rows != s.RowsLoaded+s.Rejected || s.LoadRatio <= 0 {
			t.Errorf("%d orders: reference %+v, load ratio %v; want read_csv of the %d rows loaded", s.Orders, r, s.LoadRatio, s.RowsLoaded)
		}
		if st := s.Stages[1]; st.Cores <= 0 {
			t.Errorf("%d orders: load stage %+v has no CPU over wall", s.Orders, st)
		}
	}
	if !strings.Contains(out, "load vs DuckDB's read_csv") || !strings.Contains(out, "cores") {
		t.Errorf("no load ratio or cores column in:\n%s", out)
	}
	for _, tg := range res.Targets {
		switch tg.Status {
		case "met", "MISSED", "not run", "unavailable":
		default:
			t.Errorf("target %+v: unknown status", tg)
		}
		if !strings.Contains(out, tg.Name) {
			t.Errorf("target %q not printed", tg.Name)
		}
	}
	for _, s := range want {
		if !strings.Contains(out, s) {
			t.Errorf("stage %q not printed:\n%s", s, out)
		}
	}

	// The same -dir again refuses to overwrite a scale's folder.
	if code, _, errOut := runBench(t, args...); code != 1 || !strings.Contains(errOut, "exists") {
		t.Errorf("second run in the same -dir: exit %d, %s", code, errOut)
	}
}

func TestPythonUnavailable(t *testing.T) {
	code, out, errOut := runBench(t, "-orders", "200", "-days", "2", "-dd", "0",
		"-python", "/nonexistent/python3")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "ratio unavailable") {
		t.Errorf("no 'ratio unavailable' in:\n%s", out)
	}
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-orders", "1e6x"},
		{"-orders", "1.5"},
		{"-orders", "0"},
		{"-orders", "100", "-days", "365"},
		{"-days", "1"},
		{"-dd", "-1"},
		{"-memory-limit", "1GB; DROP TABLE x"},
		{"-threads", "-1"},
		{"-threads", "two"},
		{"-last", "yesterday"},
		{"extra"},
	} {
		if code, _, errOut := runBench(t, args...); code != 2 || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a message", args, code, errOut)
		}
	}
	if code, _, _ := runBench(t, "-h"); code != 0 {
		t.Errorf("-h: exit %d", code)
	}
	for s, want := range map[string]int64{"1e6": 1e6, "1000000": 1e6, "2.5e7": 25e6, "1E3": 1000} {
		if got, err := parseCount(s); err != nil || got != want {
			t.Errorf("parseCount(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
}
