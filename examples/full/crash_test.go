package main

import (
	"bufio"
	"encoding/json"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// The crash suite kills the real program with SIGKILL at seeded points of a
// backfill, runs it again to completion, and checks that the warehouse and
// the report equal those of a run that was never interrupted.

// crashArgs is the backfill every crash test runs.
var crashArgs = []string{"-now", "2026-03-10", "-days", "30", "-seed", "11"}

// stageMarkers are the output lines that open each stage: the process is
// killed a seeded delay after one of them, so kills land in every stage.
var stageMarkers = []string{
	"",            // from the start: opening, generating, landing
	"EDQM data",   // landing under way
	"Backfilled",  // watermark advanced; loading
	"Loaded ",     // building the models
	"Built ",      // testing and reporting
	"Report snap", // printing
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "edqm-full")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// tableHashes fingerprints every table of a warehouse file: an MD5 of its
// rows, sorted, so two warehouses compare row for row (the results
// history without its durations).
func tableHashes(t *testing.T, dir string) map[string]string {
	t.Helper()
	ctx := t.Context()
	w, err := duckdbwarehouse.Open(ctx, filepath.Join(dir, "warehouse.duckdb"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	rows, err := w.Query(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	hashes := map[string]string{}
	for _, n := range names {
		from := n
		if n == quality.DefaultHistoryTable {
			from = "(SELECT * EXCLUDE (duration_ms) FROM " + n + ")" // timings differ from run to run
		}
		q := "SELECT COUNT(*) || ':' || COALESCE(md5(string_agg(CAST(t AS VARCHAR), chr(10) ORDER BY CAST(t AS VARCHAR))), '') FROM " + from + " AS t"
		r, err := w.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var h string
		if !r.Next() {
			t.Fatalf("%s: no row", q)
		}
		if err := r.Scan(&h); err != nil {
			t.Fatal(err)
		}
		r.Close()
		hashes[n] = h
	}
	return hashes
}

// reportWithoutTimings is the run's JSON report with every duration
// removed: timings are the only part of a report that may differ.
func reportWithoutTimings(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "landing", "_reports", "report-2026-03-10.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	var strip func(any)
	strip = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			delete(x, "duration_ns")
			for _, e := range x {
				strip(e)
			}
		case []any:
			for _, e := range x {
				strip(e)
			}
		}
	}
	strip(v)
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// killAt starts the program and kills it with SIGKILL delay after the line
// starting with marker was printed (or after delay from the start). It
// reports whether the kill came before the program ended by itself.
func killAt(t *testing.T, bin string, args []string, marker string, delay time.Duration) bool {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	seen := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		fired := marker == ""
		if fired {
			close(seen)
		}
		for sc.Scan() {
			if !fired && strings.HasPrefix(sc.Text(), marker) {
				fired = true
				close(seen)
			}
		}
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-seen:
	case <-done:
		return false
	}
	select {
	case <-time.After(delay):
		_ = cmd.Process.Kill() // SIGKILL
		<-done
		return true
	case <-done:
		return false
	}
}

// timedRun runs the program to completion and returns when each stage
// marker was printed, and the whole run's duration.
func timedRun(t *testing.T, bin string, args []string) ([]time.Duration, time.Duration) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	offsets := make([]time.Duration, len(stageMarkers))
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		for i, m := range stageMarkers {
			if m != "" && offsets[i] == 0 && strings.HasPrefix(sc.Text(), m) {
				offsets[i] = time.Since(start)
			}
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("reference run: %v", err)
	}
	span := time.Since(start)
	for i, m := range stageMarkers {
		if m != "" && offsets[i] == 0 {
			t.Fatalf("reference run never printed %q", m)
		}
	}
	return offsets, span
}

func TestCrashAnywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("crash suite: builds the program and runs it about 50 times")
	}
	if raceEnabled {
		// The program under test is a separate, uninstrumented binary: under
		// -race the suite would repeat the plain run and add nothing.
		t.Skip("crash suite: runs in the plain go test pass, not under -race")
	}
	bin := buildBinary(t)

	// The reference: a run never interrupted, timed stage by stage so that
	// each kill falls inside the stage it aims at.
	ref := t.TempDir()
	offsets, span := timedRun(t, bin, append([]string{"-data", ref}, crashArgs...))
	wantTables, wantReport := tableHashes(t, ref), reportWithoutTimings(t, ref)
	if len(wantTables) < 8 {
		t.Fatalf("reference warehouse has only %v", wantTables)
	}

	const points = 24
	// EDQM_CRASH_SEED picks other kill points, for longer runs than CI's.
	seed := uint64(2026)
	if v := os.Getenv("EDQM_CRASH_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("EDQM_CRASH_SEED=%q: %v", v, err)
		}
		seed = n
	}
	r := rand.New(rand.NewPCG(seed, 3))
	killed := 0
	for i := range points {
		m := i % len(stageMarkers)
		marker := stageMarkers[m]
		stage := span - offsets[m]
		if m+1 < len(stageMarkers) {
			stage = offsets[m+1] - offsets[m]
		}
		delay := time.Duration(r.Int64N(int64(stage)*9/10 + 1))
		dir := t.TempDir()
		args := append([]string{"-data", dir}, crashArgs...)
		if killAt(t, bin, args, marker, delay) {
			killed++
		}
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("point %d (after %q + %v): re-run failed: %v\n%s", i, marker, delay, err, out)
		}
		got := tableHashes(t, dir)
		for name, h := range wantTables {
			if got[name] != h {
				t.Errorf("point %d (after %q + %v): table %s differs from the uninterrupted run", i, marker, delay, name)
			}
		}
		if len(got) != len(wantTables) {
			t.Errorf("point %d: %d tables, want %d", i, len(got), len(wantTables))
		}
		if rep := reportWithoutTimings(t, dir); rep != wantReport {
			t.Errorf("point %d (after %q + %v): the report differs from the uninterrupted run", i, marker, delay)
		}
		if _, err := os.Stat(filepath.Join(dir, "landing", "_reports", "report-2026-03-10.html")); err != nil {
			t.Errorf("point %d (after %q + %v): the HTML report is missing after the re-run: %v", i, marker, delay, err)
		}
		if left := tempFiles(t, filepath.Join(dir, "landing")); len(left) > 0 {
			t.Errorf("point %d (after %q + %v): temporary files left after the re-run: %v", i, marker, delay, left)
		}
	}
	t.Logf("crash suite: %d of %d seeded points killed the program mid-run (reference run %v)", killed, points, span.Round(time.Millisecond))
	if killed < 20 {
		t.Errorf("only %d kills landed before the program ended; want at least 20", killed)
	}
}

// tempFiles lists the temporary files (".<name>.tmp-<hex>") under root.
func tempFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), ".") && strings.Contains(d.Name(), ".tmp-") {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
