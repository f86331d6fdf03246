package main

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/faultlanding"
	"github.com/edqm/edqm/landing/s3landing/s3test"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// runWith runs the command in-process like runFull, with set changing the
// parsed configuration first (the tests' hooks).
func runWith(t *testing.T, set func(*config), args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	cfg, err := parseFlags(args, &errOut, wall)
	if err != nil {
		t.Fatalf("flags %v: %v", args, err)
	}
	if set != nil {
		set(&cfg)
	}
	code := finish(runPipeline(t.Context(), cfg, &out), &errOut)
	return code, out.String(), errOut.String()
}

// ledgerDuplicates counts the files the load ledger holds more than once.
func ledgerDuplicates(t *testing.T, dir string) int64 {
	t.Helper()
	return count(t, dir, "SELECT COUNT(*) FROM (SELECT file FROM _edqm_loads GROUP BY file HAVING COUNT(*) > 1)")
}

// TestTwoRunnersAtOnce starts two incremental runs of the real program on
// the same landing folder and warehouse, at once or a seeded moment apart,
// for 5 rounds of one more day each. In each round one runner lands and
// loads; the other stops with exit code 3 and a message naming the
// conflict, or finds nothing to do. No file is loaded twice, and the
// tables end equal to those of runs made one at a time.
func TestTwoRunnersAtOnce(t *testing.T) {
	if raceEnabled {
		t.Skip("drives a separate, uninstrumented binary: runs in the plain go test pass")
	}
	bin := buildBinary(t)
	dir, ref := t.TempDir(), t.TempDir()
	args := func(d string, day time.Time) []string {
		return []string{"-data", d, "-now", day.Format(edqm.DateLayout), "-days", "20", "-seed", "5"}
	}
	first := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, d := range []string{dir, ref} {
		if out, err := exec.Command(bin, args(d, first)...).CombinedOutput(); err != nil {
			t.Fatalf("backfill: %v\n%s", err, out)
		}
	}
	rng := rand.New(rand.NewPCG(9, 9))
	for round := 1; round <= 5; round++ {
		day := first.AddDate(0, 0, round)
		stagger := time.Duration(rng.IntN(4)) * 150 * time.Millisecond
		if round == 1 {
			stagger = 0 // at once
		}
		type result struct {
			code int
			out  string
		}
		var (
			wg      sync.WaitGroup
			results [2]result
		)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(time.Duration(i) * stagger)
				out, err := exec.Command(bin, args(dir, day)...).CombinedOutput()
				var ee *exec.ExitError
				switch {
				case err == nil:
				case errors.As(err, &ee):
					results[i].code = ee.ExitCode()
				default:
					results[i].code = -1
				}
				results[i].out = string(out)
			}()
		}
		wg.Wait()
		landed := 0
		for i, r := range results {
			switch {
			case r.code == 0 && strings.Contains(r.out, "Landed 1 day"):
				landed++
			case r.code == 0 && strings.Contains(r.out, "Up to date"):
			case r.code == exitConflict && strings.Contains(r.out, "another run"):
			default:
				t.Fatalf("round %d (stagger %s), runner %d: exit %d\n%s", round, stagger, i, r.code, r.out)
			}
		}
		if landed != 1 {
			t.Fatalf("round %d (stagger %s): %d runners landed the day, want 1:\n%s\n---\n%s", round, stagger, landed, results[0].out, results[1].out)
		}
		t.Logf("round %d, stagger %s: exits %d and %d", round, stagger, results[0].code, results[1].code)
		out, err := exec.Command(bin, args(dir, day)...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Up to date") {
			t.Fatalf("round %d: a third run: %v\n%s", round, err, out)
		}
		if out, err := exec.Command(bin, args(ref, day)...).CombinedOutput(); err != nil {
			t.Fatalf("reference run: %v\n%s", err, out)
		}
	}
	if n := ledgerDuplicates(t, dir); n != 0 {
		t.Errorf("%d files are in the ledger more than once", n)
	}
	if a, b := tableHashes(t, dir), tableHashes(t, ref); !equalMaps(a, b) {
		t.Errorf("the tables differ from runs made one at a time:\n%v\nvs\n%v", a, b)
	}
}

// TestWatermarkMovedUnderTheRun moves the watermark between this run's
// landing and its advance, as a runner on another warehouse would: the run
// stops with exit code 3 and says why; the next run loads what was landed
// and ends as a run never disturbed.
func TestWatermarkMovedUnderTheRun(t *testing.T) {
	dir, ref := t.TempDir(), t.TempDir()
	args := []string{"-now", "2026-03-10", "-days", "5"}
	moved := func(cfg *config) {
		cfg.beforeAdvance = func() {
			ctx := t.Context()
			l, err := landing.Open(ctx, "file://"+filepath.ToSlash(filepath.Join(dir, "landing")), nil)
			if err != nil {
				t.Error(err)
				return
			}
			defer l.Close()
			wm := landing.NewWatermark(l)
			mark, _, err := wm.Load(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := wm.Advance(ctx, mark, time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), wall()); err != nil {
				t.Error(err)
			}
		}
	}
	code, _, errOut := runWith(t, moved, append([]string{"-data", dir}, args...)...)
	if code != exitConflict || !strings.Contains(errOut, "another run advanced the watermark") {
		t.Fatalf("exit %d, stderr %q: want exit 3 and a message about the watermark", code, errOut)
	}
	out := mustRun(t, append([]string{"-data", dir}, args...)...)
	if !strings.Contains(out, "Up to date") || !strings.Contains(out, "Loaded 16 files") {
		t.Errorf("the next run:\n%s", out)
	}
	mustRun(t, append([]string{"-data", ref}, args...)...)
	if a, b := tableHashes(t, dir), tableHashes(t, ref); !equalMaps(a, b) {
		t.Errorf("the tables differ from an undisturbed run:\n%v\nvs\n%v", a, b)
	}
}

// faultClient returns an HTTP client whose transport injects faults with
// opts between the AWS SDK and the server.
func faultClient(t *testing.T, opts *faultlanding.Options) (*http.Client, *faultlanding.Transport) {
	t.Helper()
	tr, err := faultlanding.NewTransport(awshttp.NewBuildableClient().GetTransport(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: tr}, tr
}

// TestTwentyPercentS3Faults runs the pipeline on a real S3-compatible
// server with 20 % of the S3 calls failing (server errors, resets, lost
// answers, timeouts; seeded): the run succeeds, and the tables and the
// report equal those of a run on a local folder.
func TestTwentyPercentS3Faults(t *testing.T) {
	srv := s3test.ForTest(t)
	srv.SetEnv(t)
	args := []string{"-now", "2026-03-10", "-days", "8"}
	ref := t.TempDir()
	clean := mustRun(t, append([]string{"-data", ref}, args...)...)
	for _, seed := range []uint64{1, 2} {
		dir := t.TempDir()
		hc, tr := faultClient(t, &faultlanding.Options{Rate: 0.2, Seed: seed})
		code, out, errOut := runWith(t, func(c *config) { c.httpClient = hc },
			append([]string{"-data", dir, "-landing", srv.URL(srv.NewBucket(t), "edqm")}, args...)...)
		st := tr.Stats()
		t.Logf("seed %d: %s", seed, st)
		if code != 0 {
			t.Fatalf("seed %d: exit %d\n%s\n%s", seed, code, out, errOut)
		}
		if st.Injected == 0 || float64(st.Injected) < 0.1*float64(st.Calls) {
			t.Errorf("seed %d: only %d of %d calls failed", seed, st.Injected, st.Calls)
		}
		if a, b := summary(t, out), summary(t, clean); a != b {
			t.Errorf("seed %d: the report differs from a clean run:\n%s\nvs\n%s", seed, a, b)
		}
		if a, b := tableHashes(t, dir), tableHashes(t, ref); !equalMaps(a, b) {
			t.Errorf("seed %d: the tables differ from a clean run:\n%v\nvs\n%v", seed, a, b)
		}
	}
}

// TestPermanentS3Fault makes every attempt of one S3 call fail: a Put of
// one landed file, then, in another bucket, the Get of one file at load.
// The run stops with exit code 1 and an error naming the object; a Put
// that never succeeded leaves the watermark unwritten. Run again without
// the fault, each ends equal to a clean run.
func TestPermanentS3Fault(t *testing.T) {
	srv := s3test.ForTest(t)
	srv.SetEnv(t)
	args := []string{"-now", "2026-03-10", "-days", "4", "-s3-attempts", "3"}
	ref := t.TempDir()
	mustRun(t, append([]string{"-data", ref}, args...)...)
	const key = "orders/date=2026-03-08/orders-2026-03-08.csv"
	for _, method := range []string{http.MethodPut, http.MethodGet} {
		t.Run(method, func(t *testing.T) {
			dir := t.TempDir()
			u := srv.URL(srv.NewBucket(t), "edqm")
			hc, tr := faultClient(t, &faultlanding.Options{Rate: 1, Faults: []faultlanding.Fault{faultlanding.ServerError},
				Match: func(c faultlanding.Call) bool { return c.Op == method && strings.HasSuffix(c.Key, "/"+key) }})
			code, out, errOut := runWith(t, func(c *config) { c.httpClient = hc }, append([]string{"-data", dir, "-landing", u}, args...)...)
			if code != exitFailed || !strings.Contains(errOut, key) {
				t.Fatalf("exit %d, stderr %q: want exit 1 and an error naming %s\n%s", code, errOut, key, out)
			}
			if n := tr.Stats().Injected; n != 3 {
				t.Errorf("%d attempts failed, want the 3 of -s3-attempts", n)
			}
			l, err := landing.Open(t.Context(), u, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			_, marked, err := landing.NewWatermark(l).Load(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if method == http.MethodPut && marked {
				t.Error("the watermark moved although a file failed to land")
			}
			mustRun(t, append([]string{"-data", dir, "-landing", u}, args...)...)
			if a, b := tableHashes(t, dir), tableHashes(t, ref); !equalMaps(a, b) {
				t.Errorf("after the re-run, the tables differ from a clean run:\n%v\nvs\n%v", a, b)
			}
		})
	}
}

// tamper returns a hook that runs f on the landing folder of dir, for
// config.beforeAdvance: the day's files are landed, nothing is loaded.
func tamper(t *testing.T, dir string, f func(root string)) func(*config) {
	return func(c *config) { c.beforeAdvance = func() { f(filepath.Join(dir, "landing")) } }
}

// TestLandedFileLostThenRelanded deletes one orders file and cuts another
// at a line end before they are loaded: the run exits 1, naming each file,
// what is missing and the remedy (-reland), having loaded every other
// file. The remedy makes the warehouse and the landing equal to a clean
// run's.
func TestLandedFileLostThenRelanded(t *testing.T) {
	args := []string{"-now", "2026-03-10", "-days", "5"}
	ref, dir := t.TempDir(), t.TempDir()
	mustRun(t, append([]string{"-data", ref}, args...)...)
	const gone, cut = "orders/date=2026-03-08/orders-2026-03-08.csv", "orders/date=2026-03-09/orders-2026-03-09.csv"
	code, out, errOut := runWith(t, tamper(t, dir, func(root string) {
		if err := os.Remove(filepath.Join(root, gone)); err != nil {
			t.Error(err)
		}
		p := filepath.Join(root, cut)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Error(err)
			return
		}
		lines := bytes.SplitAfter(b, []byte("\n"))
		if err := os.WriteFile(p, bytes.Join(lines[:len(lines)/3], nil), 0o644); err != nil {
			t.Error(err)
		}
	}), append([]string{"-data", dir}, args...)...)
	if code != exitFailed {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{gone + ": missing: its manifest", cut + ": cut short:", "-reland 2026-03-08", "-reland 2026-03-09"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if n := count(t, dir, "SELECT COUNT(*) FROM _edqm_quarantine"); n != 2 {
		t.Errorf("%d files recorded as left out, want 2", n)
	}
	mustRun(t, append([]string{"-data", dir, "-reland", "2026-03-08,2026-03-09"}, args...)...)
	if a, b := tableHashes(t, dir), tableHashes(t, ref); !equalMaps(a, b) {
		t.Errorf("after -reland, the tables differ from a clean run:\n%v\nvs\n%v", a, b)
	}
	if a, b := landedHashes(t, dir), landedHashes(t, ref); !equalMaps(a, b) {
		t.Errorf("after -reland, the landed files differ from a clean run")
	}
}

// TestUnloadableFileQuarantined gives a customers file a byte order mark
// and empties an orders file: the run loads every other file, exits 1
// naming both with the reason and the remedy, and records them in
// _edqm_quarantine; re-landed, they load on the next run, which ends equal
// to a clean run.
func TestUnloadableFileQuarantined(t *testing.T) {
	args := []string{"-now", "2026-03-10", "-days", "5"}
	ref, dir := t.TempDir(), t.TempDir()
	mustRun(t, append([]string{"-data", ref}, args...)...)
	const bom, empty = "customers/date=2026-03-07/customers-2026-03-07.csv", "orders/date=2026-03-08/orders-2026-03-08.csv"
	code, out, errOut := runWith(t, tamper(t, dir, func(root string) {
		p := filepath.Join(root, bom)
		b, err := os.ReadFile(p)
		if err == nil {
			err = os.WriteFile(p, append([]byte("\xEF\xBB\xBF"), b...), 0o644)
		}
		if err == nil {
			err = os.WriteFile(filepath.Join(root, empty), nil, 0o644)
		}
		if err != nil {
			t.Error(err)
		}
	}), append([]string{"-data", dir}, args...)...)
	if code != exitFailed {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{bom + ": cannot be loaded: line 1 starts with a byte order mark", empty + ": cannot be loaded: empty file", "remedy: re-land day 2026-03-07"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if n := count(t, dir, "SELECT COUNT(*) FROM _edqm_quarantine WHERE problem = 'quarantined'"); n != 2 {
		t.Errorf("%d files quarantined, want 2", n)
	}
	if n := count(t, dir, "SELECT COUNT(*) FROM _edqm_loads WHERE file = 'orders/date=2026-03-10/orders-2026-03-10.csv'"); n != 1 {
		t.Error("a later file was not loaded")
	}
	mustRun(t, append([]string{"-data", dir, "-reland", "2026-03-07", "-reland", "2026-03-08"}, args...)...)
	if a, b := tableHashes(t, dir), tableHashes(t, ref); !equalMaps(a, b) {
		t.Errorf("after the fix, the tables differ from a clean run:\n%v\nvs\n%v", a, b)
	}
}

// TestLostWatermarkRebuilt follows the corrupt watermark's remedy (delete
// it) and runs three days later: the watermark is rebuilt from the
// manifests, no landed byte changes, the product catalogue is loaded once,
// and the warehouse equals that of runs never disturbed.
func TestLostWatermarkRebuilt(t *testing.T) {
	ref, dir := t.TempDir(), t.TempDir()
	for _, d := range []string{ref, dir} {
		for _, day := range []string{"2026-03-10", "2026-03-11"} {
			mustRun(t, "-data", d, "-now", day, "-days", "5")
		}
	}
	wm := filepath.Join(dir, "landing", filepath.FromSlash(landing.WatermarkKey))
	if err := os.WriteFile(wm, []byte("{garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runFull(t, "-data", dir, "-now", "2026-03-14", "-days", "5")
	if code != exitFailed || !strings.Contains(errOut, "delete it: the next run rebuilds it from the manifests") {
		t.Fatalf("exit %d, stderr %q: want the corrupt watermark's remedy", code, errOut)
	}
	before := landedHashes(t, dir)
	if err := os.Remove(wm); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "-data", dir, "-now", "2026-03-14", "-days", "5")
	after := landedHashes(t, dir)
	for k, h := range before {
		if k != landing.WatermarkKey && after[k] != h {
			t.Errorf("%s changed", k)
		}
	}
	mustRun(t, "-data", ref, "-now", "2026-03-14", "-days", "5")
	if n := count(t, dir, "SELECT COUNT(*) FROM raw_products"); n != 200 {
		t.Errorf("%d products, want the catalogue's 200 once", n)
	}
	if a, b := tableHashes(t, dir), tableHashes(t, ref); !equalMaps(a, b) {
		t.Errorf("the tables differ from undisturbed runs:\n%v\nvs\n%v", a, b)
	}
}

// TestReportRepairedOnRerun removes the HTML report (a run killed between
// the JSON snapshot and the HTML page) and a run's history rows: the same
// day's next run writes both back.
func TestReportRepairedOnRerun(t *testing.T) {
	dir := t.TempDir()
	args := []string{"-data", dir, "-now", "2026-03-10", "-days", "3"}
	mustRun(t, args...)
	html := filepath.Join(dir, "landing", "_reports", "report-2026-03-10.html")
	if err := os.Remove(html); err != nil {
		t.Fatal(err)
	}
	rows := count(t, dir, "SELECT COUNT(*) FROM _edqm_quality_results")
	w, err := duckdbwarehouse.Open(t.Context(), filepath.Join(dir, "warehouse.duckdb"), nil)
	if err != nil {
		t.Fatal(err)
	}
	err = w.Exec(t.Context(), "DELETE FROM _edqm_quality_results")
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	mustRun(t, args...)
	if _, err := os.Stat(html); err != nil {
		t.Errorf("the HTML report was not written again: %v", err)
	}
	if n := count(t, dir, "SELECT COUNT(*) FROM _edqm_quality_results"); n != rows || n == 0 {
		t.Errorf("%d history rows after the re-run, want %d", n, rows)
	}
}

// TestVerifyFlag: -verify reads a sound warehouse back whole (exit 0);
// after a few bytes are flipped in the file, it exits 1 naming the table
// and the remedy.
func TestVerifyFlag(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "-data", dir, "-now", "2026-03-10", "-days", "20")
	if out := mustRun(t, "-data", dir, "-verify"); !strings.Contains(out, "rows read back whole") {
		t.Errorf("-verify on a sound warehouse:\n%s", out)
	}
	p := filepath.Join(dir, "warehouse.duckdb")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		b[len(b)/2+i] ^= 0xFF
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runFull(t, "-data", dir, "-verify")
	if code != exitFailed || !strings.Contains(errOut, "warehouse: corrupt") || !strings.Contains(errOut, "remedy: restore the warehouse from a backup, or delete it and run again") {
		t.Errorf("exit %d, want 1 naming the damage and the remedy\n%s\n%s", code, out, errOut)
	}
}

// TestS3OutageRiddenOut fails every S3 call for a while at the start of a
// run (the first 12 attempts, all of the watermark's first read: more than
// the 10 attempts a call used to get): with the default -s3-retry-time the
// run rides it out and ends equal to a run on a folder. With a short
// -s3-retry-time and no recovery, the run stops naming the key.
func TestS3OutageRiddenOut(t *testing.T) {
	srv := s3test.ForTest(t)
	srv.SetEnv(t)
	args := []string{"-now", "2026-03-10", "-days", "3"}
	ref := t.TempDir()
	mustRun(t, append([]string{"-data", ref}, args...)...)
	var calls atomic.Int64
	hc, tr := faultClient(t, &faultlanding.Options{Rate: 1, Faults: []faultlanding.Fault{faultlanding.ServerError},
		Match: func(faultlanding.Call) bool { return calls.Add(1) <= 12 }})
	dir := t.TempDir()
	code, out, errOut := runWith(t, func(c *config) { c.httpClient = hc },
		append([]string{"-data", dir, "-landing", srv.URL(srv.NewBucket(t), "edqm")}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if n := tr.Stats().Injected; n != 12 {
		t.Errorf("%d calls failed, want 12", n)
	}
	if a, b := tableHashes(t, dir), tableHashes(t, ref); !equalMaps(a, b) {
		t.Errorf("the tables differ from a run on a folder:\n%v\nvs\n%v", a, b)
	}

	down, _ := faultClient(t, &faultlanding.Options{Rate: 1, Faults: []faultlanding.Fault{faultlanding.ServerError}})
	code, _, errOut = runWith(t, func(c *config) { c.httpClient = down },
		append([]string{"-data", t.TempDir(), "-landing", srv.URL(srv.NewBucket(t), "edqm"), "-s3-retry-time", "1s"}, args...)...)
	if code != exitFailed || !strings.Contains(errOut, landing.WatermarkKey) || !strings.Contains(errOut, "retry time of 1s") {
		t.Errorf("exit %d, stderr %q: want exit 1 naming the key and the retry time", code, errOut)
	}
}
