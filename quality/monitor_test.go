package quality_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/warehouse"
)

var monDay0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// eventsTable creates table name with counts[i] rows on day monDay0+i;
// each row has an amount (NULL every tenth row when nullDay is that day)
// and a channel.
func eventsTable(t *testing.T, w warehouse.Warehouse, name string, counts []int, nullDay int) {
	t.Helper()
	var vals []string
	for i, n := range counts {
		vals = append(vals, fmt.Sprintf("(DATE '%s', %d, %d)", monDay0.AddDate(0, 0, i).Format(edqm.DateLayout), n, i))
	}
	q := `CREATE TABLE ` + name + ` AS SELECT batch_date, d,
		CASE WHEN d = ` + fmt.Sprint(nullDay) + ` AND i % 2 = 0 THEN NULL ELSE 10.0 + i % 7 END AS amount,
		CASE WHEN i % 3 = 0 THEN 'web' ELSE 'app' END AS channel
		FROM (SELECT batch_date, d, unnest(range(n)) AS i FROM (VALUES ` + strings.Join(vals, ", ") + `) AS t(batch_date, n, d))`
	if err := w.Exec(t.Context(), q); err != nil {
		t.Fatal(err)
	}
}

func noisyCounts(n int, seed uint64) []int {
	r := rand.New(rand.NewPCG(seed, 9))
	c := make([]int, n)
	for i := range c {
		c[i] = 80 + r.IntN(41)
	}
	return c
}

func runOne(t *testing.T, w warehouse.Warehouse, m quality.Monitor, opts *quality.RunOptions) quality.MonitorResult {
	t.Helper()
	res, err := quality.RunMonitors(t.Context(), w, []quality.Monitor{m}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res[0]
}

func TestVolumeMonitorFlagsSpikeNotNormalWeek(t *testing.T) {
	w := memWarehouse(t)
	counts := noisyCounts(60, 1)
	eventsTable(t, w, "normal", counts, -1)
	counts[59] *= 5
	eventsTable(t, w, "spiked", counts, -1)
	last := monDay0.AddDate(0, 0, 59)
	week := quality.Monitor{Type: quality.VolumeMonitor, Model: "normal", Detection: quality.Detection{DetectionDays: 7}}
	r := runOne(t, w, week, &quality.RunOptions{Now: last})
	if r.Status != quality.Pass || r.Anomalies != 0 || len(r.Buckets) != 7 {
		t.Fatalf("normal week: %s, %d anomalies, %d buckets: %s", r.Status, r.Anomalies, len(r.Buckets), r.Message)
	}
	for _, b := range r.Buckets {
		if !b.Trained || !(b.Lower <= b.Value && b.Value <= b.Upper) || b.Expected < 80 || b.Expected > 120 {
			t.Errorf("normal bucket %+v", b)
		}
	}
	week.Model = "spiked"
	r = runOne(t, w, week, &quality.RunOptions{Now: last})
	if r.Status != quality.Warned || r.Anomalies != 1 || !slices.Equal(r.AnomalousDays(), []string{"2026-03-01"}) {
		t.Fatalf("spike: %s, days %v: %s", r.Status, r.AnomalousDays(), r.Message)
	}
	b := r.Buckets[6]
	if b.Day != "2026-03-01" || b.Value != float64(counts[59]) || b.Value <= b.Upper || b.Upper > 200 {
		t.Errorf("spike bucket %+v", b)
	}
	if !strings.Contains(r.Message, "2026-03-01: "+fmt.Sprint(counts[59])+" rows, expected") {
		t.Errorf("message %q", r.Message)
	}
	// A day that never arrived counts 0 rows and is anomalous too.
	r = runOne(t, w, quality.Monitor{Type: quality.VolumeMonitor, Model: "normal", Severity: quality.Error}, &quality.RunOptions{Now: last.AddDate(0, 0, 1)})
	if r.Status != quality.Fail || r.Buckets[1].Value != 0 || !r.Buckets[1].Anomalous {
		t.Errorf("missing day: %s %+v", r.Status, r.Buckets)
	}
}

func TestFreshnessColumnAndDimensionMonitors(t *testing.T) {
	w := memWarehouse(t)
	counts := noisyCounts(45, 2)
	counts[40] = 0 // day 40 is missing
	eventsTable(t, w, "ev", counts, 44)
	if err := w.Exec(t.Context(), "INSERT INTO ev VALUES (DATE '2026-02-14', 44, 10.0, 'kiosk')"); err != nil {
		t.Fatal(err)
	}
	now := &quality.RunOptions{Now: monDay0.AddDate(0, 0, 44)}
	det := quality.Detection{DetectionDays: 5}

	r := runOne(t, w, quality.Monitor{Type: quality.FreshnessMonitor, Model: "ev", Detection: det}, now)
	if got := r.AnomalousDays(); !slices.Equal(got, []string{"2026-02-10"}) {
		t.Fatalf("freshness anomalies %v: %+v", got, r.Buckets)
	}
	if b := r.Buckets[0]; b.Value != 48 || b.Expected != 24 {
		t.Errorf("freshness of the missing day %+v", b)
	}

	r = runOne(t, w, quality.Monitor{Type: quality.ColumnMonitor, Model: "ev", Column: "amount", Metric: quality.NullPercent, Detection: det}, now)
	if got := r.AnomalousDays(); !slices.Equal(got, []string{"2026-02-14"}) {
		t.Fatalf("null %% anomalies %v: %+v", got, r.Buckets)
	}
	if b := r.Buckets[0]; b.HasValue {
		t.Errorf("a column metric on a day without rows has no value: %+v", b)
	}
	r = runOne(t, w, quality.Monitor{Type: quality.ColumnMonitor, Model: "ev", Column: "amount", Metric: quality.Average, Detection: det}, now)
	if r.Anomalies != 0 || r.Status != quality.Pass {
		t.Errorf("average: %s %s", r.Status, r.Message)
	}

	r = runOne(t, w, quality.Monitor{Type: quality.DimensionMonitor, Model: "ev", Dimensions: []string{"channel"}, Detection: det}, now)
	var kiosk []quality.Bucket
	for _, b := range r.Buckets {
		if b.Anomalous && b.Dimension == "kiosk" {
			kiosk = append(kiosk, b)
		}
	}
	if len(kiosk) != 1 || kiosk[0].Day != "2026-02-14" || kiosk[0].Value != 1 {
		t.Errorf("a new dimension value should be anomalous: %+v", r.Buckets)
	}
	if !slices.ContainsFunc(r.Buckets, func(b quality.Bucket) bool { return b.Dimension == "web" && b.Anomalous && b.Day == "2026-02-10" }) {
		t.Errorf("the missing day should be anomalous for each value: %+v", r.Buckets)
	}
}

func TestSchemaMonitor(t *testing.T) {
	ctx := t.Context()
	w := memWarehouse(t, "CREATE TABLE raw (id VARCHAR, amount VARCHAR)")
	h := &quality.History{}
	m := quality.Monitor{Type: quality.SchemaMonitor, Model: "raw"}
	first := runOne(t, w, m, &quality.RunOptions{History: h})
	if first.Status != quality.Pass || !strings.Contains(first.Message, "baseline recorded") || len(first.Columns) != 2 {
		t.Fatalf("first run: %+v", first)
	}
	if _, err := h.Append(ctx, w, &quality.Report{RunID: "r1", Monitors: []quality.MonitorResult{first}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Exec(ctx, "ALTER TABLE raw ADD COLUMN coupon VARCHAR"); err != nil {
		t.Fatal(err)
	}
	second := runOne(t, w, m, &quality.RunOptions{History: h, Now: monDay0})
	if second.Status != quality.Warned || len(second.Changes) != 1 || second.Changes[0] != (quality.SchemaChange{Change: "added", Column: "coupon"}) {
		t.Fatalf("second run: %+v", second)
	}
	if second.Buckets[0].Day != "2026-01-01" || !second.Buckets[0].Anomalous {
		t.Errorf("bucket %+v", second.Buckets)
	}
	// Against expected columns: a rename and a type change.
	m.Columns = []string{"id VARCHAR", "total INTEGER", "coupon"}
	if err := w.Exec(ctx, "ALTER TABLE raw RENAME COLUMN amount TO total"); err != nil {
		t.Fatal(err)
	}
	r := runOne(t, w, m, nil)
	want := []quality.SchemaChange{{Change: "type_changed", Column: "total", From: "INTEGER", To: "VARCHAR"}}
	if !slices.Equal(r.Changes, want) {
		t.Errorf("changes %+v, want %+v", r.Changes, want)
	}
	m.Columns = []string{"id", "amount", "coupon"}
	r = runOne(t, w, m, nil)
	if want := []quality.SchemaChange{{Change: "renamed", Column: "total", From: "amount"}}; !slices.Equal(r.Changes, want) {
		t.Errorf("changes %+v, want %+v", r.Changes, want)
	}
	if !strings.Contains(r.Message, "renamed amount -> total") {
		t.Errorf("message %q", r.Message)
	}
}

func TestMonitorNoDataAndErrors(t *testing.T) {
	w := memWarehouse(t, "CREATE TABLE empty (batch_date DATE)")
	counts := noisyCounts(5, 3)
	eventsTable(t, w, "short", counts, -1)
	if r := runOne(t, w, quality.Monitor{Type: quality.VolumeMonitor, Model: "empty"}, nil); r.Status != quality.NoData {
		t.Errorf("empty table: %+v", r)
	}
	if r := runOne(t, w, quality.Monitor{Type: quality.VolumeMonitor, Model: "short"}, nil); r.Status != quality.NoData || r.Anomalies != 0 {
		t.Errorf("5 days of history: %+v", r)
	}
	for _, m := range []quality.Monitor{
		{Type: "volumes", Model: "short"},
		{Type: quality.VolumeMonitor, Model: "a;b"},
		{Type: quality.ColumnMonitor, Model: "short", Column: "amount", Metric: "median"},
		{Type: quality.DimensionMonitor, Model: "short"},
		{Type: quality.VolumeMonitor, Model: "short", Detection: quality.Detection{Sensitivity: -2}},
		{Type: quality.VolumeMonitor, Model: "short", Severity: "fatal"},
	} {
		if _, err := quality.RunMonitors(t.Context(), w, []quality.Monitor{m}, nil); !errors.Is(err, quality.ErrBadTest) {
			t.Errorf("%+v: err = %v, want ErrBadTest", m, err)
		}
	}
	if _, err := quality.RunMonitors(t.Context(), w, []quality.Monitor{{Type: quality.VolumeMonitor, Model: "missing"}}, nil); err == nil ||
		!strings.Contains(err.Error(), "volume_anomalies_missing") {
		t.Errorf("missing table: %v", err)
	}
}

// The malformed-lines monitor reads the warehouse's ledger, bucketing by
// the date in each file's key.
func TestMonitorTimeFromKey(t *testing.T) {
	var vals []string
	for i := range 30 {
		day := monDay0.AddDate(0, 0, i).Format(edqm.DateLayout)
		rejected := 0
		if i == 29 {
			rejected = 3
		}
		vals = append(vals, fmt.Sprintf("('orders/date=%s/orders-%s.csv', 'raw_orders', %d)", day, day, rejected))
	}
	w := memWarehouse(t, "CREATE TABLE "+warehouse.LedgerTable+" AS SELECT * FROM (VALUES "+strings.Join(vals, ", ")+") AS t(file, table_name, rows_rejected)")
	var m quality.Monitor
	for _, d := range quality.DefaultMonitors() {
		if d.ID == "malformed_lines_raw_orders" {
			m = d
		}
	}
	r := runOne(t, w, m, nil)
	if r.Name != "malformed_lines_raw_orders" || !slices.Equal(r.AnomalousDays(), []string{"2026-01-30"}) || r.Buckets[1].Value != 3 {
		t.Fatalf("%+v", r)
	}
}
