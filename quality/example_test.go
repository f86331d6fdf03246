package quality_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// The Example functions have no *testing.T: they use the background context,
// as a program would.

// A data test is a query for failing rows; RunTests counts them and keeps
// the count even when the severity is only a warning.
func ExampleRunTests() {
	ctx := context.Background()
	w, err := duckdbwarehouse.Open(ctx, "", nil)
	if err != nil {
		panic(err)
	}
	defer w.Close()
	if err := w.Exec(ctx, "CREATE TABLE orders AS SELECT * FROM (VALUES ('a', 'COMPLETED'), ('b', 'Shipped!'), ('b', NULL)) AS t(order_id, status)"); err != nil {
		panic(err)
	}
	results, err := quality.RunTests(ctx, w, []quality.Test{
		{Type: "unique", Model: "orders", Column: "order_id", Severity: quality.Warn},
		{Type: "accepted_values", Model: "orders", Column: "status", Values: []string{"COMPLETED", "SHIPPED"}},
		{Type: "not_null", Model: "orders", Column: "order_id"},
	}, nil)
	if err != nil {
		panic(err)
	}
	for _, r := range results {
		fmt.Printf("%s: %s, %d of %d rows\n", r.Name, r.Status, r.Failures, r.Rows)
	}
	// Output:
	// unique_orders_order_id: warn, 1 of 3 rows
	// accepted_values_orders_status: fail, 1 of 3 rows
	// not_null_orders_order_id: pass, 0 of 3 rows
}

// Money is kept in cents and printed for people.
func ExampleMoney() {
	fmt.Println(quality.Money(123456789), quality.Money(-250))
	// Output: $1,234,567.89 -$2.50
}

// A schema.yml in dbt's shape loads into tests and monitors; thresholds can
// be counts or percentages.
func ExampleParseSchema() {
	suite, err := quality.ParseSchema("models/schema.yml", []byte(`
version: 2
models:
  - name: fct_orders
    columns:
      - name: customer_id
        tests:
          - relationships:
              to: ref('stg_customers')
              field: customer_id
              config:
                severity: warn
                error_if: ">1000"
                warn_if: ">0"
      - name: status
        tests:
          - not_null:
              config:
                error_if: ">5%"
    tests:
      - elementary.volume_anomalies:
          timestamp_column: batch_date
          anomaly_sensitivity: 3
`), nil)
	if err != nil {
		panic(err)
	}
	for _, t := range suite.Tests {
		fmt.Printf("%s (%s) severity=%q warn_if=%q error_if=%q\n", t.Name(), t.Origin, t.Severity, t.WarnIf, t.ErrorIf)
	}
	for _, m := range suite.Monitors {
		fmt.Printf("%s (%s)\n", m.Name(), m.Origin)
	}
	_, err = quality.ParseSchema("models/schema.yml", []byte("models:\n  - name: m\n    columns:\n      - name: c\n        tests: [uniq]\n"), nil)
	fmt.Println(strings.SplitN(err.Error(), " (known", 2)[0])
	// Output:
	// relationships_fct_orders_customer_id (schema.yml:8) severity="warn" warn_if=">0" error_if=">1000"
	// not_null_fct_orders_status (schema.yml:17) severity="" warn_if="" error_if=">5%"
	// volume_anomalies_fct_orders (schema.yml:21)
	// models/schema.yml:5:17: unknown test "uniq"
}

// A volume monitor learns the usual rows per day and flags a day outside
// the expected band; the band is kept with every bucket.
func ExampleRunMonitors() {
	ctx := context.Background()
	w, err := duckdbwarehouse.Open(ctx, "", nil)
	if err != nil {
		panic(err)
	}
	defer w.Close()
	// 40 days of 90 to 110 events a day, then 600 on the last day.
	err = w.Exec(ctx, `CREATE TABLE events AS
		SELECT DATE '2026-01-01' + CAST(d AS INTEGER) AS batch_date
		FROM (SELECT d, unnest(range(CASE WHEN d = 39 THEN 600 ELSE 90 + (d * 7) % 21 END)) AS i FROM range(40) AS t(d))`)
	if err != nil {
		panic(err)
	}
	res, err := quality.RunMonitors(ctx, w, []quality.Monitor{{Type: quality.VolumeMonitor, Model: "events"}},
		&quality.RunOptions{Now: time.Date(2026, 2, 9, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		panic(err)
	}
	r := res[0]
	fmt.Println(r.Name, r.Status)
	for _, b := range r.Buckets {
		fmt.Printf("%s %4.0f rows, expected %.0f (%.0f to %.0f), anomalous: %v\n", b.Day, b.Value, b.Expected, b.Lower, b.Upper, b.Anomalous)
	}
	// Output:
	// volume_anomalies_events warn
	// 2026-02-08  104 rows, expected 97 (71 to 132), anomalous: false
	// 2026-02-09  600 rows, expected 97 (71 to 132), anomalous: true
}

// The report is written as a JSON snapshot to the landing zone, where the
// dashboard's demo mode reads it.
func ExampleWriteSnapshot() {
	ctx := context.Background()
	l := memlanding.New()
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	rep := &quality.Report{RunID: "2026-03-10", HealthScore: 91.25, RawRevenue: 1000000, CleanRevenue: 900000, RevenueAtRisk: 100000}
	if err := quality.WriteSnapshot(ctx, l, quality.SnapshotKey(day), rep); err != nil {
		panic(err)
	}
	back, err := quality.ReadSnapshot(ctx, l, "_reports/report-2026-03-10.json")
	if err != nil {
		panic(err)
	}
	fmt.Println(back.RunID, back.HealthScore, back.RevenueAtRisk)
	// Output: 2026-03-10 91.25 $1,000.00
}

// Alerts say what a run opened and what it resolved, compared with the
// previous report.
func ExampleAlerts() {
	failing := quality.Incident{ID: "test:not_null_fct_orders_order_id", Name: "not_null_fct_orders_order_id", Severity: quality.Error, Message: "12 failing rows"}
	yesterday := &quality.Report{RunID: "2026-03-09", Incidents: []quality.Incident{failing}}
	today := &quality.Report{RunID: "2026-03-10", HealthScore: 99.5, Incidents: []quality.Incident{}}
	a := quality.Alerts(yesterday, today, quality.AlertPolicy{})
	fmt.Print(a.Text())
	fmt.Println(quality.Alerts(today, today, quality.AlertPolicy{}) == nil)
	// Output:
	// *EDQM run 2026-03-10: 1 resolved*
	// Data Health Score 99.50%, Revenue at Risk $0.00
	// :large_green_circle: RESOLVED [error] not_null_fct_orders_order_id: 12 failing rows
	// true
}

// Every run appends all its results, passes too, to one history table.
func ExampleHistory() {
	ctx := context.Background()
	w, err := duckdbwarehouse.Open(ctx, "", nil)
	if err != nil {
		panic(err)
	}
	defer w.Close()
	if err := w.Exec(ctx, "CREATE TABLE orders AS SELECT * FROM (VALUES ('a'), ('b'), (NULL)) AS t(order_id)"); err != nil {
		panic(err)
	}
	h := quality.History{}
	for range 2 {
		runID, err := h.NextRunID(ctx, w, "2026-03-10")
		if err != nil {
			panic(err)
		}
		results, err := quality.RunTests(ctx, w, []quality.Test{
			{Type: quality.TypeNotNull, Model: "orders", Column: "order_id"},
			{Type: quality.TypeUnique, Model: "orders", Column: "order_id"},
		}, nil)
		if err != nil {
			panic(err)
		}
		if _, err := h.Append(ctx, w, &quality.Report{RunID: runID, Tests: results}); err != nil {
			panic(err)
		}
	}
	recs, err := h.Records(ctx, w, "")
	if err != nil {
		panic(err)
	}
	for _, r := range recs {
		fmt.Println(r.RunID, r.Name, r.Status, r.Failures)
	}
	// Output:
	// 2026-03-10 not_null_orders_order_id fail 1
	// 2026-03-10 unique_orders_order_id pass 0
	// 2026-03-10#2 not_null_orders_order_id fail 1
	// 2026-03-10#2 unique_orders_order_id pass 0
}

// Landed files whose header changed are found before the load, which would
// refuse them.
func ExampleCheckHeaders() {
	ctx := context.Background()
	l := memlanding.New()
	_ = l.Put(ctx, "orders/date=2026-03-09/orders-2026-03-09.csv", strings.NewReader("order_id,status\no1,PENDING\n"))
	_ = l.Put(ctx, "orders/date=2026-03-10/orders-2026-03-10.csv", strings.NewReader("order_id,order_status\no2,SHIPPED\n"))
	keys := []string{"orders/date=2026-03-09/orders-2026-03-09.csv", "orders/date=2026-03-10/orders-2026-03-10.csv"}
	ok, res, err := quality.CheckHeaders(ctx, l, "raw_orders", keys, []string{"order_id", "status"})
	if err != nil {
		panic(err)
	}
	fmt.Println(ok)
	fmt.Println(res.Status, res.AnomalousDays(), res.Changes[0])
	// Output:
	// [orders/date=2026-03-09/orders-2026-03-09.csv]
	// fail [2026-03-10] renamed status -> order_status
}
