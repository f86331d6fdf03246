package quality_test

import (
	"context"
	"fmt"

	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

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
	})
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
