package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/internal/syncbuf"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/s3landing/s3test"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

func wall() time.Time { return time.Date(2026, 3, 10, 15, 4, 5, 0, time.UTC) }

// runFull runs the command in-process and returns its exit code and output.
// stderr is safe for concurrent writes: with -log, a driver's goroutine may
// log while the run prints.
func runFull(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut syncbuf.Buffer
	code := run(t.Context(), args, &out, &errOut, wall)
	return code, out.String(), errOut.String()
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := runFull(t, args...)
	if code != 0 {
		t.Fatalf("run %v: exit %d\nstdout:\n%s\nstderr:\n%s", args, code, out, errOut)
	}
	return out
}

// landedHashes maps each landed file (reports aside: they hold timings) to
// the SHA-256 of its bytes.
func landedHashes(t *testing.T, dir string) map[string]string {
	t.Helper()
	root := filepath.Join(dir, "landing")
	hashes := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if strings.HasPrefix(rel, "_reports") || strings.HasSuffix(rel, ".lock") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s := sha256.Sum256(b)
		hashes[filepath.ToSlash(rel)] = hex.EncodeToString(s[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hashes
}

func readReport(t *testing.T, dir, day string) quality.Report {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "landing", "_reports", "report-"+day+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var r quality.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// count runs a COUNT query on the run's warehouse file.
func count(t *testing.T, dir, query string) int64 {
	t.Helper()
	ctx := t.Context()
	w, err := duckdbwarehouse.Open(ctx, filepath.Join(dir, "warehouse.duckdb"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	rows, err := w.Query(ctx, query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var n int64
	if !rows.Next() {
		t.Fatalf("%s: no row", query)
	}
	if err := rows.Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBackfillThenUpToDateThenNextDay(t *testing.T) {
	dir := t.TempDir()
	out := mustRun(t, "-data", dir, "-now", "2026-03-10", "-days", "20")
	for _, want := range []string{"Backfilled 20 days (2026-02-19 to 2026-03-10)", " orders in ", " rows, ", "masked", "Loaded ", "Built ", "Data Health Score", "Revenue at Risk", dir} {
		if !strings.Contains(out, want) {
			t.Errorf("first run output lacks %q:\n%s", want, out)
		}
	}
	before := landedHashes(t, dir)
	rawRows := count(t, dir, "SELECT COUNT(*) FROM raw_orders")
	ledger := count(t, dir, "SELECT COUNT(*) FROM _edqm_loads")
	if rawRows < 20*50 || ledger != 20*3+1 { // customers, orders, labels per day, products once
		t.Fatalf("after backfill: %d raw orders, %d ledger entries", rawRows, ledger)
	}

	// Same day again: nothing changes.
	out = mustRun(t, "-data", dir, "-now", "2026-03-10", "-days", "20")
	if !strings.Contains(out, "Up to date") || !strings.Contains(out, "Loaded 0 new files") || !strings.Contains(out, "nothing rebuilt") {
		t.Errorf("second run output:\n%s", out)
	}
	if after := landedHashes(t, dir); !equalMaps(before, after) {
		t.Errorf("second run changed landed files")
	}
	if n := count(t, dir, "SELECT COUNT(*) FROM raw_orders"); n != rawRows {
		t.Errorf("second run: raw_orders %d rows, want %d", n, rawRows)
	}
	if n := count(t, dir, "SELECT COUNT(*) FROM _edqm_loads"); n != ledger {
		t.Errorf("second run: ledger %d entries, want %d", n, ledger)
	}

	// A later day: only that day is landed and loaded.
	out = mustRun(t, "-data", dir, "-now", "2026-03-11", "-days", "20")
	if !strings.Contains(out, "Landed 1 day (2026-03-11 to 2026-03-11)") || !strings.Contains(out, "Loaded 3 files") {
		t.Errorf("third run output:\n%s", out)
	}
	after := landedHashes(t, dir)
	for k, h := range before {
		if after[k] != h && k != "_state/watermark.json" {
			t.Errorf("third run changed %s", k)
		}
	}
	var added []string
	for k := range after {
		if _, ok := before[k]; !ok {
			added = append(added, k)
		}
	}
	sort.Strings(added)
	want := []string{
		"_chaos/orders/date=2026-03-11/labels-2026-03-11.csv",
		"_manifest/date=2026-03-11/manifest-2026-03-11.json",
		"customers/date=2026-03-11/customers-2026-03-11.csv",
		"orders/date=2026-03-11/orders-2026-03-11.csv",
	}
	if strings.Join(added, " ") != strings.Join(want, " ") {
		t.Errorf("third run added %v, want %v", added, want)
	}
	newRows := count(t, dir, "SELECT COUNT(*) FROM raw_orders WHERE _file LIKE '%2026-03-11%'")
	if n := count(t, dir, "SELECT COUNT(*) FROM raw_orders"); n != rawRows+newRows || newRows < 50 {
		t.Errorf("third run: raw_orders %d rows, want %d + %d new", n, rawRows, newRows)
	}
	rep := readReport(t, dir, "2026-03-11")
	if rep.LastDay != "2026-03-11" || rep.FirstDay != "2026-02-19" {
		t.Errorf("report spans %s to %s", rep.FirstDay, rep.LastDay)
	}
}

func TestSameSeedSameBytes(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	args := []string{"-now", "2026-03-10", "-days", "7", "-seed", "7"}
	mustRun(t, append([]string{"-data", a}, args...)...)
	mustRun(t, append([]string{"-data", b}, args...)...)
	ha, hb := landedHashes(t, a), landedHashes(t, b)
	if len(ha) != 7*4+2 || !equalMaps(ha, hb) { // per day: customers, orders, labels, manifest

		t.Fatalf("same seed gave different files (%d vs %d files)", len(ha), len(hb))
	}
	c := t.TempDir()
	mustRun(t, "-data", c, "-now", "2026-03-10", "-days", "7", "-seed", "8")
	if equalMaps(ha, landedHashes(t, c)) {
		t.Fatal("a different seed gave the same files")
	}
}

func TestZeroRatesAreClean(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "-data", dir, "-now", "2026-03-10", "-days", "10",
		"-calculation", "0", "-temporal", "0", "-integrity", "0", "-domain", "0", "-duplication", "0")
	rep := readReport(t, dir, "2026-03-10")
	if rep.HealthScore != 100 || rep.Flagged != 0 || rep.RevenueAtRisk != 0 || rep.RawRevenue <= 0 {
		t.Fatalf("clean data: health %v, flagged %d, at risk %v, raw %v", rep.HealthScore, rep.Flagged, rep.RevenueAtRisk, rep.RawRevenue)
	}
	for _, k := range rep.Kinds {
		if k.Labelled != 0 || k.Flagged != 0 {
			t.Errorf("clean data: %+v", k)
		}
	}
	for _, tr := range rep.Tests {
		if tr.Status != quality.Pass {
			t.Errorf("clean data: test %s %s with %d failures", tr.Name, tr.Status, tr.Failures)
		}
	}
}

func TestEachKindIsCaughtByItsFlags(t *testing.T) {
	for _, kind := range chaos.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"-data", dir, "-now", "2026-03-10", "-days", "5"}
			for _, k := range chaos.Kinds {
				rate := "0"
				if k == kind {
					rate = "0.2"
				}
				args = append(args, "-"+string(k), rate)
			}
			mustRun(t, args...)
			rep := readReport(t, dir, "2026-03-10")
			for _, ks := range rep.Kinds {
				if ks.Kind == kind {
					if ks.Labelled == 0 || ks.Precision != 1 || ks.Recall != 1 {
						t.Errorf("%s: %+v, want labels caught with precision and recall 1", kind, ks)
					}
				} else if ks.Labelled != 0 || ks.Flagged != 0 {
					t.Errorf("%s run: other kind %+v", kind, ks)
				}
			}
			if rep.HealthScore >= 100 || rep.Flagged == 0 {
				t.Errorf("%s: health %v with %d flagged", kind, rep.HealthScore, rep.Flagged)
			}
			if kind == chaos.Duplication && rep.RevenueAtRisk <= 0 {
				t.Errorf("duplicates put no revenue at risk: %v", rep.RevenueAtRisk)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-mode", "chaotic"}, 2, `invalid value "chaotic" for -mode`},
		{[]string{"-calculation", "1.5"}, 2, "invalid value 1.5 for -calculation: want a share of orders from 0 to 1"},
		{[]string{"-temporal", "-0.1"}, 2, "invalid value -0.1 for -temporal"},
		{[]string{"-now", "2026-13-01"}, 2, `invalid value "2026-13-01" for -now`},
		{[]string{"-days", "0"}, 2, "invalid value 0 for -days"},
		{[]string{"-nosuchflag"}, 2, "flag provided but not defined: -nosuchflag"},
		{[]string{"extra"}, 2, `unexpected argument "extra"`},
	} {
		data := filepath.Join(dir, "never-created")
		code, _, errOut := runFull(t, append([]string{"-data", data}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, errOut, c.code, c.want)
		}
		if _, err := os.Stat(data); !os.IsNotExist(err) {
			t.Errorf("%v: the data folder was created", c.args)
		}
	}

	// A data folder that cannot be created: a path under a regular file.
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runFull(t, "-data", filepath.Join(file, "data"), "-now", "2026-03-10", "-days", "2")
	if code != 1 || !strings.Contains(errOut, filepath.Join(file, "data")) {
		t.Errorf("unwritable folder: exit %d, stderr %q", code, errOut)
	}

	// A corrupt watermark stops the run before anything is written.
	data := filepath.Join(dir, "corrupt")
	if err := os.MkdirAll(filepath.Join(data, "landing", "_state"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "landing", "_state", "watermark.json"), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runFull(t, "-data", data, "-now", "2026-03-10", "-days", "2")
	if code != 1 || !strings.Contains(errOut, "_state/watermark.json") || !strings.Contains(errOut, "corrupt watermark") {
		t.Errorf("corrupt watermark: exit %d, stderr %q", code, errOut)
	}
	if h := landedHashes(t, data); len(h) != 1 {
		t.Errorf("corrupt watermark: files were landed: %v", h)
	}
	if _, err := os.Stat(filepath.Join(data, "warehouse.duckdb")); !os.IsNotExist(err) {
		t.Errorf("corrupt watermark: the warehouse was created")
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// summary is the report part of the output.
func summary(t *testing.T, out string) string {
	t.Helper()
	i := strings.Index(out, "\nOrders ")
	if i < 0 {
		t.Fatalf("no report in output:\n%s", out)
	}
	return out[i:]
}

func TestURLsSwapBackEnds(t *testing.T) {
	args := []string{"-now", "2026-03-10", "-days", "5"}
	onDisk := mustRun(t, append([]string{"-data", t.TempDir()}, args...)...)
	inMemory := mustRun(t, append([]string{"-landing", "mem://", "-warehouse", "duckdb://memory"}, args...)...)
	if !strings.Contains(inMemory, "landing   mem://") || !strings.Contains(inMemory, "warehouse duckdb://memory") {
		t.Errorf("in-memory run does not say where it wrote:\n%s", inMemory)
	}
	if a, b := summary(t, onDisk), summary(t, inMemory); a != b {
		t.Errorf("the same run on other back ends reports differently:\n%s\nvs\n%s", a, b)
	}
	code, _, errOut := runFull(t, "-landing", "ftp://host/x", "-now", "2026-03-10", "-days", "2")
	if code != exitUsage || !strings.Contains(errOut, `invalid value for -landing: landing.Open: unknown scheme "ftp"`) {
		t.Errorf("unknown landing scheme: exit %d, stderr %q", code, errOut)
	}
}

// A run that stopped between the load and the build leaves the ledger ahead
// of the models: the next run must build them, even with nothing new.
func TestStaleModelsAreRebuilt(t *testing.T) {
	dir := t.TempDir()
	args := []string{"-data", dir, "-now", "2026-03-10", "-days", "3"}
	mustRun(t, args...)
	ctx := t.Context()
	w, err := duckdbwarehouse.Open(ctx, filepath.Join(dir, "warehouse.duckdb"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"DELETE FROM _edqm_build", "DROP TABLE fct_orders"} {
		if err := w.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	out := mustRun(t, args...)
	if !strings.Contains(out, "Up to date") || !strings.Contains(out, "Built ") || !strings.Contains(out, "Report snapshot") {
		t.Fatalf("rerun after an interrupted build:\n%s", out)
	}
	if n := count(t, dir, "SELECT COUNT(*) FROM fct_orders"); n < 3*50 {
		t.Fatalf("fct_orders has %d rows", n)
	}
}

// TestS3LandingGivesTheSameReport lands on a real S3-compatible server
// (versitygw on loopback; skipped without it unless EDQM_REQUIRE_S3=1) with
// only -landing changed, and checks that the report and the landed bytes
// are those of a run on a local folder.
func TestS3LandingGivesTheSameReport(t *testing.T) {
	srv := s3test.ForTest(t)
	srv.SetEnv(t) // credentials through the standard AWS chain, as a user's
	s3URL := srv.URL(srv.NewBucket(t), "edqm")
	args := []string{"-now", "2026-03-10", "-days", "5"}
	dir := t.TempDir()
	onDisk := mustRun(t, append([]string{"-data", dir}, args...)...)
	onS3 := mustRun(t, append([]string{"-data", t.TempDir(), "-landing", s3URL}, args...)...)
	if !strings.Contains(onS3, "landing   "+s3URL) || !strings.Contains(onS3, "_reports/report-2026-03-10.json in "+s3URL) {
		t.Errorf("the S3 run does not say where it landed:\n%s", onS3)
	}
	if a, b := summary(t, onDisk), summary(t, onS3); a != b {
		t.Errorf("file:// and s3:// landing report differently:\n%s\nvs\n%s", a, b)
	}

	ctx := t.Context()
	l, err := landing.Open(ctx, s3URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	objs, err := l.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	onBucket := map[string]string{}
	for _, o := range objs {
		if strings.HasPrefix(o.Key, "_reports/") {
			continue
		}
		data, _, err := l.ReadVersioned(ctx, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		s := sha256.Sum256(data)
		onBucket[o.Key] = hex.EncodeToString(s[:])
	}
	if local := landedHashes(t, dir); len(local) < 5*3 || !equalMaps(local, onBucket) {
		t.Errorf("the bucket holds other bytes than the folder: %d files vs %d", len(onBucket), len(local))
	}

	again := mustRun(t, append([]string{"-data", t.TempDir(), "-landing", s3URL}, args...)...)
	if !strings.Contains(again, "Up to date") {
		t.Errorf("second run on S3:\n%s", again)
	}
}

// TestLogFlag: -log writes the libraries' text records to stderr at its
// level and above, and nothing by default; stdout is the same either way;
// a level it does not know is a bad command line.
func TestLogFlag(t *testing.T) {
	args := []string{"-landing", "mem://", "-warehouse", "duckdb://memory", "-now", "2026-03-10", "-days", "3"}
	code, quiet, errOut := runFull(t, args...)
	require.Equal(t, exitOK, code, errOut)
	assert.Empty(t, errOut, "no -log: nothing on stderr")

	code, out, errOut := runFull(t, append([]string{"-log", "info"}, args...)...)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, errOut, `level=INFO msg="pipeline: stage done" stage=plan`)
	assert.Contains(t, errOut, "stage=history")
	assert.NotContains(t, errOut, "level=DEBUG")
	assert.Equal(t, stageLines(quiet), stageLines(out), "-log changes no line of stdout")

	code, _, errOut = runFull(t, append([]string{"-log", "error"}, args...)...)
	require.Equal(t, exitOK, code, errOut)
	assert.Empty(t, errOut, "-log error: a run that succeeds logs nothing")

	for _, bad := range []string{"verbose", "INFO", "warning", ""} {
		code, _, errOut = runFull(t, "-log", bad, "-data", filepath.Join(t.TempDir(), "never-created"))
		assert.Equal(t, exitUsage, code, "-log %q", bad)
		assert.Contains(t, errOut, fmt.Sprintf("invalid value %q for -log: want off, debug, info, warn or error", bad))
	}
}

// stageLines is the output without its durations, which differ run to run.
func stageLines(out string) string {
	return regexp.MustCompile(`\(\d[\d.hmsµn]*\)`).ReplaceAllString(out, "(…)")
}
