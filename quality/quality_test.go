package quality_test

import (
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

func TestMoneyAndCounts(t *testing.T) {
	for m, want := range map[quality.Money]string{
		0: "$0.00", 5: "$0.05", 123456: "$1,234.56", -300: "-$3.00", 100000000: "$1,000,000.00",
	} {
		if got := m.String(); got != want {
			t.Errorf("Money(%d) = %q, want %q", int64(m), got, want)
		}
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", -1234567: "-1,234,567"} {
		if got := quality.FormatCount(n); got != want {
			t.Errorf("FormatCount(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestTestDefinitionsAreChecked(t *testing.T) {
	for _, tc := range []quality.Test{
		{Type: "unique", Model: "x; DROP TABLE y", Column: "id"},
		{Type: "not_null", Model: "m", Column: "a b"},
		{Type: "relationships", Model: "m", Column: "c", To: "p--", Field: "c"},
		{Type: "accepted_values", Model: "m", Column: "c"},
		{Type: "between", Model: "m", Column: "c"},
		{Type: "no_such_test", Model: "m", Column: "c"},
	} {
		if _, err := tc.FailingRowsSQL(); !errors.Is(err, quality.ErrBadTest) {
			t.Errorf("%+v: err = %v, want ErrBadTest", tc, err)
		}
	}
}

// fixture builds a hand-made fct_orders and label table with known answers.
func fixture(t *testing.T) warehouse.Warehouse {
	t.Helper()
	ctx := t.Context()
	w, err := duckdbwarehouse.Open(ctx, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	flagCols := strings.Join(quality.Flags, " BOOLEAN, ") + " BOOLEAN"
	stmts := []string{
		"CREATE TABLE fct_orders (order_id VARCHAR, occurrence INTEGER, customer_id VARCHAR, total_amount DECIMAL(14,2), status VARCHAR, batch_date DATE, " + flagCols + ", is_flagged BOOLEAN)",
		"CREATE TABLE raw_chaos_labels (table_name VARCHAR, day VARCHAR, key VARCHAR, occurrence VARCHAR, kind VARCHAR, variant VARCHAR, column_name VARCHAR, original VARCHAR, injected VARCHAR, _file VARCHAR, _line BIGINT)",
		"CREATE TABLE stg_customers AS SELECT 'c1' AS customer_id",
	}
	for _, s := range stmts {
		if err := w.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	// Five orders: o1 clean; o2 math error (labelled calculation); o3
	// negative (labelled domain); o4 flagged as math error but labelled
	// nothing (a false positive); o2 again as a duplicate (labelled).
	type row struct {
		id     string
		occ    int
		amount string
		flag   string
	}
	for _, r := range []row{{"o1", 1, "10.00", ""}, {"o2", 1, "30.00", "has_math_error"}, {"o3", 1, "-5.00", "has_negative_amount"}, {"o4", 1, "7.50", "has_math_error"}, {"o2", 2, "30.00", "is_duplicate"}} {
		vals := []string{"'" + r.id + "'", strconv.Itoa(r.occ), "'c1'", r.amount, "'COMPLETED'", "DATE '2026-01-02'"}
		for _, f := range quality.Flags {
			vals = append(vals, boolSQL(f == r.flag))
		}
		vals = append(vals, boolSQL(r.flag != ""))
		if err := w.Exec(ctx, "INSERT INTO fct_orders VALUES ("+strings.Join(vals, ", ")+")"); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range [][3]string{{"o2", "1", "calculation"}, {"o3", "1", "domain"}, {"o2", "2", "duplication"}, {"o9", "1", "integrity"}} {
		if err := w.Exec(ctx, "INSERT INTO raw_chaos_labels VALUES ('orders', '2026-01-02', ?, ?, ?, 'v', 'c', 'a', 'b', 'f', 2)", l[0], l[1], l[2]); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func boolSQL(b bool) string {
	if b {
		return "TRUE"
	}
	return "FALSE"
}

func TestReporterFigures(t *testing.T) {
	w := fixture(t)
	now := time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)
	r, err := quality.NewReporter(&quality.Options{Clock: edqm.FixedClock(now), Tests: []quality.Test{
		{Type: "unique", Model: "fct_orders", Column: "order_id", Severity: quality.Warn},
		{Type: "relationships", Model: "fct_orders", Column: "customer_id", To: "stg_customers", Field: "customer_id"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.Report(t.Context(), w)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Orders != 5 || rep.Flagged != 4 || rep.RawRevenue != 7250 || rep.CleanRevenue != 1000 || rep.RevenueAtRisk != 6250 {
		t.Errorf("totals: %+v", rep)
	}
	if math.Abs(rep.HealthScore-20) > 1e-9 || !rep.GeneratedAt.Equal(now) || rep.FirstDay != "2026-01-02" {
		t.Errorf("health %v, generated %v, first day %q", rep.HealthScore, rep.GeneratedAt, rep.FirstDay)
	}
	want := map[chaos.Kind]quality.KindScore{
		chaos.Calculation: {Labelled: 1, Flagged: 2, TruePositives: 1, Precision: 0.5, Recall: 1, RevenueAtRisk: 3750, TrueRevenueAtRisk: 3000},
		chaos.Domain:      {Labelled: 1, Flagged: 1, TruePositives: 1, Precision: 1, Recall: 1, RevenueAtRisk: -500, TrueRevenueAtRisk: -500},
		chaos.Duplication: {Labelled: 1, Flagged: 1, TruePositives: 1, Precision: 1, Recall: 1, RevenueAtRisk: 3000, TrueRevenueAtRisk: 3000},
		chaos.Integrity:   {Labelled: 1, Flagged: 0, TruePositives: 0, Precision: 1, Recall: 0},
		chaos.Temporal:    {Labelled: 0, Flagged: 0, TruePositives: 0, Precision: 1, Recall: 1},
	}
	// The tests, scored by order id: the unique test names o2, labelled
	// duplication; the relationships test names nobody, and o9 (labelled
	// integrity, but absent from the mart) is missed.
	wantTests := map[chaos.Kind]*quality.DetectionScore{
		chaos.Duplication: {Labelled: 1, Flagged: 1, TruePositives: 1, Precision: 1, Recall: 1, Tests: []string{"unique_fct_orders_order_id"}},
		chaos.Integrity:   {Labelled: 1, Flagged: 0, TruePositives: 0, Precision: 1, Recall: 0, Tests: []string{"relationships_fct_orders_customer_id"}},
	}
	if len(rep.Kinds) != len(chaos.Kinds) {
		t.Fatalf("%d kinds", len(rep.Kinds))
	}
	for _, ks := range rep.Kinds {
		w := want[ks.Kind]
		w.Kind = ks.Kind
		if !reflect.DeepEqual(ks.Tests, wantTests[ks.Kind]) {
			t.Errorf("%s tests: got %+v, want %+v", ks.Kind, ks.Tests, wantTests[ks.Kind])
		}
		ks.Tests = nil
		if ks != w {
			t.Errorf("%s: got %+v, want %+v", ks.Kind, ks, w)
		}
	}
	if !rep.Labels || rep.LabelledRows != 3 || rep.TrueRevenueAtRisk != 5500 {
		t.Errorf("labels %v, %d labelled rows, true at risk %v", rep.Labels, rep.LabelledRows, rep.TrueRevenueAtRisk)
	}
	if len(rep.Days) != 1 || rep.Days[0] != (quality.DayFigures{Day: "2026-01-02", Orders: 5, Flagged: 4, Labelled: 3, HealthScore: 20,
		RawRevenue: 7250, CleanRevenue: 1000, RevenueAtRisk: 6250, TrueRevenueAtRisk: 5500}) {
		t.Errorf("days %+v", rep.Days)
	}
	if rep.RunID != "2026-01-03T00:00:00Z" || rep.SchemaVersion != quality.ReportSchemaVersion {
		t.Errorf("run id %q, schema version %d", rep.RunID, rep.SchemaVersion)
	}
	if len(rep.Incidents) != 1 || rep.Incidents[0].ID != "test:unique_fct_orders_order_id" || rep.Incidents[0].Severity != quality.Warn {
		t.Errorf("incidents %+v", rep.Incidents)
	}
	if len(rep.TopFailing) != 1 || rep.TopFailing[0].Name != "unique_fct_orders_order_id" || rep.TopFailing[0].Failures != 1 {
		t.Errorf("top failing %+v", rep.TopFailing)
	}
	if rep.FlagCounts["has_math_error"] != 2 || rep.FlagCounts["is_duplicate"] != 1 {
		t.Errorf("flag counts %v", rep.FlagCounts)
	}
	if len(rep.Tests) != 2 {
		t.Fatalf("tests %+v", rep.Tests)
	}
	if u := rep.Tests[0]; u.Status != quality.Warned || u.Failures != 1 || u.Rows != 5 || u.Percent != 20 {
		t.Errorf("unique: %+v", u)
	}
	if r := rep.Tests[1]; r.Status != quality.Pass || r.Failures != 0 {
		t.Errorf("relationships: %+v", r)
	}
	s := rep.Summary()
	for _, want := range []string{"$72.50", "$62.50", "20.00%", "calculation", "50.0%", "1 warned", "labels say $55.00: 13.64% over"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
}

func TestReporterNeedsTheMart(t *testing.T) {
	w, err := duckdbwarehouse.Open(t.Context(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r, _ := quality.NewReporter(nil)
	if _, err := r.Report(t.Context(), w); err == nil || !strings.Contains(err.Error(), "fct_orders") {
		t.Fatalf("err = %v, want one naming fct_orders", err)
	}
	if _, err := quality.NewReporter(&quality.Options{LabelsTable: "x y"}); !errors.Is(err, warehouse.ErrBadIdentifier) {
		t.Fatalf("bad labels table: %v", err)
	}
}
