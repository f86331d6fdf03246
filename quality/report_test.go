package quality_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos/chaosdataset"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/quality"
)

func TestSnapshotRoundTrip(t *testing.T) {
	ctx := t.Context()
	w := fixture(t)
	day := time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)
	r, err := quality.NewReporter(&quality.Options{Clock: edqm.FixedClock(day), Tests: []quality.Test{
		{Type: quality.TypeUnique, Model: "fct_orders", Column: "order_id", Severity: quality.Warn},
	}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.Report(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	l := memlanding.New()
	key := quality.SnapshotKey(day)
	if key != "_reports/report-2026-01-03.json" {
		t.Fatalf("key %q", key)
	}
	if err := quality.WriteSnapshot(ctx, l, key, rep); err != nil {
		t.Fatal(err)
	}
	back, err := quality.ReadSnapshot(ctx, l, key)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(rep)
	b, _ := json.Marshal(back)
	if !bytes.Equal(a, b) {
		t.Errorf("round trip changed the report:\n%s\n%s", a, b)
	}
	// The JSON names examples/full and the dashboard read.
	rc, _ := l.Get(ctx, key)
	raw, _ := io.ReadAll(rc)
	rc.Close()
	var generic map[string]any
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"health_score", "raw_revenue_cents", "true_revenue_at_risk_cents", "first_day", "last_day", "flagged",
		"kinds", "tests", "days", "incidents", "top_failing_tests", "schema_version", "run_id"} {
		if _, ok := generic[k]; !ok {
			t.Errorf("snapshot lacks %q", k)
		}
	}
	kind := generic["kinds"].([]any)[0].(map[string]any)
	for _, k := range []string{"labelled", "precision", "recall"} {
		if _, ok := kind[k]; !ok {
			t.Errorf("kinds[] lacks %q", k)
		}
	}
	if _, ok := generic["tests"].([]any)[0].(map[string]any)["status"]; !ok {
		t.Error("tests[] lacks status")
	}

	// The previous snapshot of a later day is this one.
	later := quality.SnapshotKey(day.AddDate(0, 0, 1))
	prev, prevKey, err := quality.PreviousSnapshot(ctx, l, later)
	if err != nil || prevKey != key || prev == nil || prev.RunID != rep.RunID {
		t.Errorf("previous of %s: %q, %v", later, prevKey, err)
	}
	if p, k, err := quality.PreviousSnapshot(ctx, l, key); p != nil || k != "" || err != nil {
		t.Errorf("previous of the first: %v %q %v", p, k, err)
	}
	if _, err := quality.ReadSnapshot(ctx, l, "_reports/none.json"); !errors.Is(err, landing.ErrNotFound) {
		t.Errorf("missing snapshot: %v", err)
	}
}

// TestSnapshotVersions: a snapshot of an earlier schema version is read as
// written; one without a version, or of a newer one, is refused by name.
func TestSnapshotVersions(t *testing.T) {
	ctx := t.Context()
	l := memlanding.New()
	put := func(key, body string) {
		t.Helper()
		if err := l.Put(ctx, key, strings.NewReader(body)); err != nil {
			t.Fatal(err)
		}
	}
	put("_reports/v2.json", `{"schema_version": 2, "run_id": "old", "kinds": [{"kind": "calculation", "labelled": 7, "recall": 0.5}]}`)
	put("_reports/none.json", `{"run_id": "x"}`)
	put("_reports/future.json", fmt.Sprintf(`{"schema_version": %d}`, quality.ReportSchemaVersion+1))
	old, err := quality.ReadSnapshot(ctx, l, "_reports/v2.json")
	if err != nil {
		t.Fatal(err)
	}
	if old.SchemaVersion != 2 || old.RunID != "old" || old.Kinds[0].Labelled != 7 || old.Kinds[0].Masked != 0 {
		t.Errorf("version 2 snapshot read as %+v", old)
	}
	for key, want := range map[string]string{"_reports/none.json": "has no schema_version", "_reports/future.json": "newer than"} {
		_, err := quality.ReadSnapshot(ctx, l, key)
		if !errors.Is(err, quality.ErrSnapshotVersion) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: %v", key, err)
		}
	}
}

func TestAlertsOpenAndResolve(t *testing.T) {
	failing := quality.Incident{ID: "test:not_null_x", Source: "test", Name: "not_null_x", Severity: quality.Error, Message: "3 failing rows"}
	warning := quality.Incident{ID: "monitor:volume", Source: "monitor", Name: "volume", Severity: quality.Warn, Message: "spike"}
	health := quality.Incident{ID: "health", Source: "health", Name: "health_score", Severity: quality.Error, Message: "low"}
	r1 := &quality.Report{RunID: "d1", HealthScore: 80, Incidents: []quality.Incident{failing, warning, health}}
	r2 := &quality.Report{RunID: "d2", HealthScore: 97, Incidents: []quality.Incident{failing, warning}}
	r3 := &quality.Report{RunID: "d3", HealthScore: 99, Incidents: []quality.Incident{}}

	a := quality.Alerts(nil, r1, quality.AlertPolicy{})
	if a == nil || len(a.Opened) != 2 || len(a.Resolved) != 0 {
		t.Fatalf("first run: %+v", a)
	}
	if a.Title() != "EDQM run d1: 2 incidents opened" {
		t.Errorf("title %q", a.Title())
	}
	a = quality.Alerts(r1, r2, quality.AlertPolicy{})
	if a == nil || len(a.Opened) != 0 || len(a.Resolved) != 1 || a.Resolved[0].ID != "health" || len(a.Ongoing) != 1 {
		t.Fatalf("health recovered: %+v", a)
	}
	if !strings.Contains(a.Text(), "RESOLVED [error] health_score") || !strings.Contains(a.Text(), "ONGOING [error] not_null_x") {
		t.Errorf("text:\n%s", a.Text())
	}
	if a := quality.Alerts(r2, r2, quality.AlertPolicy{}); a != nil {
		t.Errorf("nothing changed, yet: %+v", a)
	}
	a = quality.Alerts(r2, r3, quality.AlertPolicy{Warnings: true})
	if a == nil || len(a.Resolved) != 2 {
		t.Fatalf("all resolved, warnings included: %+v", a)
	}
}

func TestReporterIncidentsAndHealthThreshold(t *testing.T) {
	w := fixture(t)
	r, err := quality.NewReporter(&quality.Options{MinHealthScore: 95, RunID: "x", Tests: []quality.Test{
		{Type: quality.TypeNonNegative, Model: "fct_orders", Column: "total_amount", Meta: map[string]string{"owner": "finance"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.Report(t.Context(), w)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Incidents) != 2 || rep.Incidents[0].ID != "test:non_negative_fct_orders_total_amount" || rep.Incidents[0].Owner != "finance" ||
		rep.Incidents[0].Severity != quality.Error || rep.Incidents[1].ID != "health" {
		t.Errorf("incidents %+v", rep.Incidents)
	}
	if k := rep.Kinds; k[3].Tests == nil || k[3].Tests.Recall != 1 || k[3].Kind != "domain" {
		t.Errorf("domain's tests score %+v", k[3])
	}
	if _, err := quality.NewReporter(&quality.Options{Tests: []quality.Test{{Type: "nope", Model: "m", Column: "c"}}}); !errors.Is(err, quality.ErrBadTest) {
		t.Errorf("a bad test is refused at construction: %v", err)
	}
}

func TestCheckHeaders(t *testing.T) {
	ctx := t.Context()
	l := memlanding.New()
	files := map[string]string{
		"orders/date=2026-01-01/orders-2026-01-01.csv": "id,amount\n1,2\n",
		"orders/date=2026-01-02/orders-2026-01-02.csv": "id,total\n1,2\n",
		"orders/date=2026-01-03/orders-2026-01-03.csv": "\ufeffid,amount,coupon\n1,2,\n",
	}
	var keys []string
	for k, v := range files {
		if err := l.Put(ctx, k, strings.NewReader(v)); err != nil {
			t.Fatal(err)
		}
	}
	objs, _ := l.List(ctx, "orders/")
	for _, o := range objs {
		keys = append(keys, o.Key)
	}
	ok, r, err := quality.CheckHeaders(ctx, l, "raw_orders", keys, []string{"id", "amount"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ok) != 1 || ok[0] != keys[0] || r.Status != quality.Fail || r.Anomalies != 2 || len(r.Buckets) != 3 {
		t.Fatalf("ok %v, result %+v", ok, r)
	}
	if got := r.AnomalousDays(); len(got) != 2 || got[0] != "2026-01-02" {
		t.Errorf("days %v", got)
	}
	if !strings.Contains(r.Message, "renamed amount -> total") || !strings.Contains(r.Message, "added coupon") {
		t.Errorf("message %q", r.Message)
	}
	if _, _, err := quality.CheckHeaders(ctx, l, "raw_orders", []string{"orders/missing.csv"}, nil); !errors.Is(err, landing.ErrNotFound) {
		t.Errorf("missing file: %v", err)
	}
}

func TestScoreMonitors(t *testing.T) {
	days := func(first, n int, anomalous ...int) []quality.Bucket {
		var bs []quality.Bucket
		for i := range n {
			d := time.Date(2026, 1, first+i, 0, 0, 0, 0, time.UTC).Format(edqm.DateLayout)
			bs = append(bs, quality.Bucket{Day: d, HasValue: true, Trained: true, Anomalous: slices.Contains(anomalous, first+i)})
		}
		return bs
	}
	volume := quality.MonitorResult{Type: quality.VolumeMonitor, Buckets: append([]quality.Bucket{{Day: "2026-01-01", HasValue: true}}, days(2, 29, 5, 9, 20)...)}
	freshness := quality.MonitorResult{Type: quality.FreshnessMonitor, Buckets: days(3, 28, 9)}
	schema := quality.MonitorResult{Type: quality.SchemaMonitor, Buckets: days(30, 1)} // needs no warm-up
	labels := []chaosdataset.Label{
		{Table: "orders", Day: "2026-01-02", Kind: chaosdataset.VolumeDrop}, // before the warm-up: not scored
		{Table: "orders", Day: "2026-01-05", Kind: chaosdataset.VolumeSpike},
		{Table: "orders", Day: "2026-01-09", Kind: chaosdataset.LatePartition, LandOn: "2026-01-11"},
		{Table: "orders", Day: "2026-01-12", Kind: chaosdataset.MalformedLines, Line: 3},
		{Table: "orders", Day: "2026-01-12", Kind: chaosdataset.MalformedLines, Line: 9}, // the same fault
	}
	sc := quality.ScoreMonitors([]quality.MonitorResult{volume, freshness, schema}, labels)
	if sc.FirstDay != "2026-01-03" || sc.LastDay != "2026-01-30" || sc.Days != 28 {
		t.Fatalf("window %s..%s, %d days", sc.FirstDay, sc.LastDay, sc.Days)
	}
	if sc.Injected != 3 || sc.Caught != 2 || sc.Kinds[4].Missed[0] != "2026-01-12" {
		t.Errorf("faults: %+v", sc)
	}
	// Clean: 28 days less the 5th, 9th, 11th (late landing) and 12th.
	if sc.CleanDays != 24 || sc.FalseAlarms != 1 || sc.FalseAlarmDays[0] != "2026-01-20" {
		t.Errorf("clean days %d, false alarms %v", sc.CleanDays, sc.FalseAlarmDays)
	}
	if quality.ScoreMonitors(nil, labels) != nil {
		t.Error("a scorecard without monitors")
	}
}
