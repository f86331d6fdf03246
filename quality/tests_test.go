package quality_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// memWarehouse opens an in-memory DuckDB and runs stmts.
func memWarehouse(t testing.TB, stmts ...string) warehouse.Warehouse {
	t.Helper()
	ctx := t.Context()
	w, err := duckdbwarehouse.Open(ctx, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	for _, s := range stmts {
		if err := w.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return w
}

// ordersTable has 10 orders: o1..o10, two of them sharing id o9; amounts
// from -5 to 80; one NULL status; one unknown customer.
var ordersTable = []string{
	`CREATE TABLE customers AS SELECT * FROM (VALUES ('c1'), ('c2')) AS t(customer_id)`,
	`CREATE TABLE orders AS SELECT * FROM (VALUES
		('o1', 'c1', 1, 10.00, 10.00, 'COMPLETED', DATE '2026-03-01'),
		('o2', 'c1', 2, 20.00, 10.00, 'PENDING',   DATE '2026-03-01'),
		('o3', 'c2', 3, 30.00, 10.00, 'SHIPPED',   DATE '2026-03-02'),
		('o4', 'c2', 1, 0.00,  10.00, 'COMPLETED', DATE '2026-03-02'),
		('o5', 'c9', 1, 10.00, 10.00, 'COMPLETED', DATE '2026-03-03'),
		('o6', 'c1', 1, -5.00, 10.00, 'Shipped!',  DATE '2026-03-03'),
		('o7', 'c1', 2, 80.00, 10.00, NULL,        DATE '2026-03-04'),
		('o8', 'c1', 1, 10.00, 10.00, 'CANCELLED', DATE '2026-03-04'),
		('o9', 'c1', 1, 10.00, 10.00, 'COMPLETED', DATE '2026-03-05'),
		('o9', 'c1', 1, 10.00, 10.00, 'COMPLETED', DATE '2026-03-05')
	) AS t(order_id, customer_id, quantity, total_amount, unit_price, status, order_date)`,
}

func f(v float64) *float64 { return &v }

func TestEveryTestType(t *testing.T) {
	w := memWarehouse(t, ordersTable...)
	now := time.Date(2026, 3, 6, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		test     quality.Test
		failures int64
		rows     int64
	}{
		{quality.Test{Type: quality.TypeNotNull, Model: "orders", Column: "status"}, 1, 10},
		{quality.Test{Type: quality.TypeUnique, Model: "orders", Column: "order_id"}, 1, 10},
		{quality.Test{Type: quality.TypeAcceptedValues, Model: "orders", Column: "status", Values: []string{"COMPLETED", "PENDING", "SHIPPED", "CANCELLED"}}, 1, 10},
		{quality.Test{Type: quality.TypeRelationships, Model: "orders", Column: "customer_id", To: "customers", Field: "customer_id"}, 1, 10},
		{quality.Test{Type: quality.TypeBetween, Model: "orders", Column: "total_amount", Min: f(0), Max: f(50)}, 2, 10},
		{quality.Test{Type: quality.TypeBetween, Model: "orders", Column: "total_amount", Min: f(0), Max: f(80), Exclusive: true}, 3, 10},
		{quality.Test{Type: quality.TypePositive, Model: "orders", Column: "total_amount"}, 2, 10},
		{quality.Test{Type: quality.TypeNonNegative, Model: "orders", Column: "total_amount"}, 1, 10},
		{quality.Test{Type: quality.TypeExpression, Model: "orders", Expression: "total_amount = quantity * unit_price"}, 3, 10},
		{quality.Test{Type: quality.TypeRecency, Model: "orders", Column: "order_date", MaxAge: 48 * time.Hour}, 0, 1},
		{quality.Test{Type: quality.TypeRecency, Model: "orders", Column: "order_date", MaxAge: 24 * time.Hour}, 1, 1},
		{quality.Test{Type: quality.TypeRowCount, Model: "orders", To: "customers"}, 8, 10},
		{quality.Test{Type: quality.TypeCustomSQL, Model: "orders", SQL: "SELECT * FROM orders WHERE status = 'Shipped!';"}, 1, 10},
		{quality.Test{Type: quality.TypeNotNull, Model: "orders", Column: "status", Where: "order_date < DATE '2026-03-04'"}, 0, 6},
	} {
		t.Run(c.test.Name(), func(t *testing.T) {
			res, err := quality.RunTests(t.Context(), w, []quality.Test{c.test}, &quality.RunOptions{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			r := res[0]
			if r.Failures != c.failures || r.Rows != c.rows {
				t.Fatalf("%d failures of %d rows, want %d of %d\n%s", r.Failures, r.Rows, c.failures, c.rows, r.SQL)
			}
			wantStatus := quality.Pass
			if c.failures > 0 {
				wantStatus = quality.Fail
			}
			if r.Status != wantStatus || r.Severity != quality.Error {
				t.Errorf("status %s severity %s", r.Status, r.Severity)
			}
			if (r.Sample != nil) != (c.failures > 0) {
				t.Errorf("sample %+v with %d failures", r.Sample, r.Failures)
			}
			if strings.Contains(strings.ToUpper(r.SQL), "FILTER") || strings.Contains(r.SQL, "::") {
				t.Errorf("non-portable SQL: %s", r.SQL)
			}
		})
	}
}

// dbt's rule: severity error fails when error_if holds, warns when only
// warn_if holds; severity warn only warns. Counts and percentages.
func TestThresholdsAndSeverity(t *testing.T) {
	w := memWarehouse(t, ordersTable...) // total_amount < 20: 7 of 10 rows
	base := quality.Test{Type: quality.TypeBetween, Model: "orders", Column: "total_amount", Min: f(20)}
	for _, c := range []struct {
		sev             quality.Severity
		warnIf, errorIf string
		want            quality.Status
	}{
		{"", "", "", quality.Fail},
		{quality.Warn, "", "", quality.Warned},
		{quality.Error, ">0", ">1000", quality.Warned},
		{quality.Error, ">0", ">5", quality.Fail},
		{quality.Error, ">10", ">1000", quality.Pass},
		{quality.Error, ">5%", ">50%", quality.Fail},
		{quality.Error, ">5%", ">70%", quality.Warned},
		{quality.Error, ">= 70 %", "> 70%", quality.Warned},
		{quality.Warn, ">0", ">1", quality.Warned},
		{quality.Warn, ">70%", ">1", quality.Pass},
		{quality.Error, "!=7", "<7", quality.Pass},
	} {
		tc := base
		tc.Severity, tc.WarnIf, tc.ErrorIf = c.sev, c.warnIf, c.errorIf
		res, err := quality.RunTests(t.Context(), w, []quality.Test{tc}, nil)
		if err != nil {
			t.Fatal(err)
		}
		r := res[0]
		if r.Status != c.want {
			t.Errorf("severity %q warn_if %q error_if %q: %s, want %s", c.sev, c.warnIf, c.errorIf, r.Status, c.want)
		}
		// The count and the sample are kept whatever the status.
		if r.Failures != 7 || r.Percent != 70 || r.Sample == nil || len(r.Sample.Rows) != quality.DefaultSampleSize {
			t.Errorf("%+v", r)
		}
	}
}

func TestParseThreshold(t *testing.T) {
	for in, want := range map[string]quality.Threshold{
		"> 1000": {Op: ">", Value: 1000},
		">0":     {Op: ">", Value: 0},
		">5%":    {Op: ">", Value: 5, Percent: true},
		"!=0":    {Op: "!=", Value: 0},
		"<= 2.5": {Op: "<=", Value: 2.5},
		" = 3":   {Op: "=", Value: 3},
	} {
		got, err := quality.ParseThreshold(in)
		if err != nil || got != want {
			t.Errorf("ParseThreshold(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1000", "> x", ">-1", ">101%", "=> 3", ">NaN"} {
		if _, err := quality.ParseThreshold(in); !errors.Is(err, quality.ErrBadTest) {
			t.Errorf("ParseThreshold(%q): err = %v, want ErrBadTest", in, err)
		}
	}
	th, _ := quality.ParseThreshold(">5%")
	if !th.Match(1, 5.5) || th.Match(1000, 5) || th.String() != ">5%" {
		t.Errorf("Match/String of %+v", th)
	}
}

func TestSampleIsOrderedAndBounded(t *testing.T) {
	w := memWarehouse(t, ordersTable...)
	tc := quality.Test{Type: quality.TypeBetween, Model: "orders", Column: "total_amount", Min: f(20), Severity: quality.Warn}
	res, err := quality.RunTests(t.Context(), w, []quality.Test{tc}, &quality.RunOptions{SampleSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	s := res[0].Sample
	if s == nil || len(s.Rows) != 2 || s.Columns[0] != "order_id" || s.Rows[0][0] != "o1" || s.Rows[1][0] != "o4" {
		t.Fatalf("sample %+v", s)
	}
	if s.Rows[0][3] != "10" || s.Rows[0][6] != "2026-03-01" || s.Rows[0][2] != int64(1) {
		t.Errorf("values not JSON-friendly: %#v", s.Rows[0])
	}
	res, err = quality.RunTests(t.Context(), w, []quality.Test{tc}, &quality.RunOptions{SampleSize: -1})
	if err != nil || res[0].Sample != nil || res[0].Failures != 7 {
		t.Fatalf("SampleSize -1: %+v, %v", res, err)
	}
}

func TestBadTests(t *testing.T) {
	for _, tc := range []quality.Test{
		{Type: quality.TypeRecency, Model: "m", Column: "c"},
		{Type: quality.TypeExpression, Model: "m"},
		{Type: quality.TypeCustomSQL, Model: "m"},
		{Type: quality.TypeRowCount, Model: "m", To: "x y"},
		{Type: quality.TypeNotNull, Model: "m", Column: "c", Severity: "fatal"},
		{Type: quality.TypeNotNull, Model: "m", Column: "c", WarnIf: "lots"},
		{Type: quality.TypeBetween, Model: "m", Column: "c", Max: f(math.NaN())},
	} {
		if err := tc.Validate(); !errors.Is(err, quality.ErrBadTest) {
			t.Errorf("%+v: err = %v, want ErrBadTest", tc, err)
		}
	}
	// Recency needs the run's time.
	w := memWarehouse(t, ordersTable...)
	_, err := quality.RunTests(t.Context(), w, []quality.Test{{Type: quality.TypeRecency, Model: "orders", Column: "order_date", MaxAge: time.Hour}}, nil)
	if !errors.Is(err, quality.ErrBadTest) || !strings.Contains(err.Error(), "RunOptions.Now") {
		t.Errorf("recency without Now: %v", err)
	}
	// A test on a missing model is an error naming the test.
	_, err = quality.RunTests(t.Context(), w, []quality.Test{{Type: quality.TypeNotNull, Model: "nope", Column: "c"}}, nil)
	if err == nil || !strings.Contains(err.Error(), "not_null_nope_c") {
		t.Errorf("missing model: %v", err)
	}
}

// TestUniqueCountAndSampleInOneQuery: a unique test counts and samples its
// failing rows in one query; the count equals that of a run without a
// sample (the two-query path), and the sample carries no extra column.
func TestUniqueCountAndSampleInOneQuery(t *testing.T) {
	w := memWarehouse(t, "CREATE TABLE u (k VARCHAR, v INTEGER)",
		"INSERT INTO u VALUES ('a', 1), ('b', 2), ('b', 3), ('c', 4), ('c', 5), ('c', 6), ('d', 7), ('d', 8), (NULL, 9), (NULL, 10)")
	tc := quality.Test{Type: quality.TypeUnique, Model: "u", Column: "k", Severity: quality.Warn}
	one, err := quality.RunTests(t.Context(), w, []quality.Test{tc}, &quality.RunOptions{SampleSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	two, err := quality.RunTests(t.Context(), w, []quality.Test{tc}, &quality.RunOptions{SampleSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	if one[0].Failures != 3 || two[0].Failures != 3 {
		t.Errorf("failures %d with a sample, %d without; want 3 (b, c, d)", one[0].Failures, two[0].Failures)
	}
	s := one[0].Sample
	if s == nil || len(s.Rows) != 2 || len(s.Columns) != 2 || s.Columns[0] != "k" || s.Rows[0][0] != "b" || s.Rows[1][0] != "c" {
		t.Fatalf("sample %+v, want the first 2 duplicated keys (b, c) with their counts only", s)
	}
	if len(s.Rows[0]) != len(s.Columns) {
		t.Errorf("sample row %v has %d values for %d columns", s.Rows[0], len(s.Rows[0]), len(s.Columns))
	}
	// No failure: no sample.
	none, err := quality.RunTests(t.Context(), w, []quality.Test{{Type: quality.TypeUnique, Model: "u", Column: "v"}}, nil)
	if err != nil || none[0].Failures != 0 || none[0].Sample != nil {
		t.Errorf("unique v: %+v, %v; want no failure and no sample", none, err)
	}
}
