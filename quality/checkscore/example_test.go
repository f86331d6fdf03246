package checkscore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/quality/checkscore"
	_ "github.com/edqm/edqm/warehouse/duckdbwarehouse" // duckdb://memory, the default warehouse
)

// paymentsSchema is a team's schema.yml for its own payments table.
const paymentsSchema = `version: 2
models:
  - name: payments
    tests:
      - dbt_utils.expression_is_true:
          expression: "TRY_CAST(amount AS DECIMAL(18, 2)) >= 0"
    columns:
      - name: payment_id
        tests: [unique, not_null]
      - name: customer_id
        tests: [not_null]
      - name: status
        tests:
          - accepted_values:
              values: ['PAID', 'REFUNDED']
`

// payments returns a team's clean payments table, its spec and its
// customers' ids.
func payments() (*edqm.Table, chaos.TableSpec) {
	customers := []string{"c1", "c2", "c3", "c4", "c5"}
	t := &edqm.Table{Name: "payments", Columns: []string{"payment_id", "customer_id", "amount", "paid_on", "status"}}
	for i := range 200 {
		status := "PAID"
		if i%7 == 0 {
			status = "REFUNDED"
		}
		t.Rows = append(t.Rows, []string{fmt.Sprintf("p%03d", i), customers[i%len(customers)],
			fmt.Sprintf("%d.%02d", 5+i%90, i%100), time.Date(2026, 3, 1+i%9, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), status})
	}
	spec := chaos.TableSpec{Table: "payments", Key: "payment_id", Amount: "amount", Date: "paid_on",
		Status: "status", Accepted: []string{"PAID", "REFUNDED"},
		ForeignKeys: []chaos.ForeignKey{{Column: "customer_id", Keys: customers}}}
	return t, spec
}

// Score scores a team's own schema.yml on its own table: each variant the
// table can take is injected alone, over two seeds, and the gaps are the
// variants none of the tests fails on. The table has no quantity and no
// signup date, so before_signup and bad_quantity are not injected; the
// one bad_status row missed is a NULL status, which accepted_values lets
// through (as dbt's does).
func ExampleScore() {
	rows, spec := payments()
	suite, err := quality.ParseSchema("schema.yml", []byte(paymentsSchema), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	target := &checkscore.Table{Spec: spec, Rows: rows, Day: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)}
	sc, err := checkscore.Score(context.Background(), target, &checkscore.Options{Tests: suite.Tests, Seeds: []uint64{1, 2}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range sc.Variants {
		fmt.Printf("%-24s caught %2d of %2d  killed by %v\n", v.Name(), v.Caught, v.Injected, v.KilledBy)
	}
	fmt.Printf("mutation score: %d of %d (%.0f %%)\n", sc.Killed, sc.Mutants, 100*sc.Score)
	for _, g := range sc.Gaps {
		fmt.Println(g)
	}
	// Output:
	// calculation/scaled       caught  0 of 24  killed by []
	// calculation/drifted      caught  0 of 21  killed by []
	// temporal/future          caught  0 of 24  killed by []
	// temporal/before_signup   caught  0 of  0  killed by []
	// integrity/ghost          caught  0 of 24  killed by []
	// integrity/null           caught 24 of 24  killed by [not_null_payments_customer_id]
	// domain/negative_amount   caught 24 of 24  killed by [dbt_utils_expression_is_true_payments]
	// domain/bad_status        caught 23 of 24  killed by [accepted_values_payments_status]
	// domain/bad_quantity      caught  0 of  0  killed by []
	// domain/bad_format        caught  0 of 21  killed by []
	// duplication/exact        caught 24 of 24  killed by [unique_payments_payment_id]
	// duplication/conflicting  caught 24 of 24  killed by [unique_payments_payment_id]
	// mutation score: 5 of 10 (50 %)
	// calculation/scaled: no test fails on it
	// calculation/drifted: no test fails on it
	// temporal/future: no test fails on it
	// integrity/ghost: no test fails on it
	// domain/bad_format: no test fails on it
}
