package generate_test

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/edqm/edqm/generate"
)

// The Example functions have no *testing.T: they use the background context,
// as a program would.

// Generate the catalogue, the customers and one day of orders. The same
// seed gives the same rows on every run.
func Example() {
	g, err := generate.New(generate.Config{Seed: 1})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	day := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	products, err := g.Products(ctx)
	if err != nil {
		panic(err)
	}
	customers, err := g.Customers(ctx, time.Time{}, day) // since the first customer
	if err != nil {
		panic(err)
	}
	orders, err := g.Orders(ctx, day)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(products.Rows), "products")
	fmt.Println(len(customers.Rows), "customers")
	fmt.Println(len(orders.Rows), "orders")
	first := orders.Rows[0]
	fmt.Println("first order:", first[orders.MustCol("quantity")], "for", first[orders.MustCol("total_amount")],
		first[orders.MustCol("status")])
	signup, _ := g.SignupDate(first[orders.MustCol("customer_id")])
	fmt.Println("its customer signed up on", signup.Format("2006-01-02"))
	// Output:
	// 200 products
	// 1554 customers
	// 100 orders
	// first order: 2 for 10.98 SHIPPED
	// its customer signed up on 2024-01-21
}

// Typed rows carry the same orders as the string table, with Go types.
func ExampleSeeded_OrderRows() {
	g, err := generate.New(generate.Config{Seed: 1})
	if err != nil {
		panic(err)
	}
	rows, err := g.OrderRows(context.Background(), time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		panic(err)
	}
	o := rows[0]
	fmt.Println(len(rows), "orders")
	fmt.Println(o.Quantity, "units,", o.TotalCents, "cents,", o.Status, "on", o.OrderDate.Format(time.DateOnly))
	// Output:
	// 100 orders
	// 2 units, 1098 cents, SHIPPED on 2025-06-01
}

// Stream a quarter of orders as Arrow record batches: only the batches in
// flight are in memory, whatever the range. Statuses are observed at the
// end of the quarter, so the old orders are settled.
func ExampleSeeded_NewOrderReader() {
	end := time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC)
	g, err := generate.New(generate.Config{Seed: 1, AsOf: end})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	r, err := g.NewOrderReader(ctx, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), end,
		&generate.ReaderOptions{BatchSize: 4096, Parallelism: 2})
	if err != nil {
		panic(err)
	}
	defer r.Release()
	batches, orders, completed := 0, 0, 0
	for r.Next() {
		rec := r.RecordBatch() // valid until the next call to Next
		batches++
		orders += int(rec.NumRows())
		status := rec.Column(6).(*array.String)
		for i := range status.Len() {
			if status.Value(i) == "COMPLETED" {
				completed++
			}
		}
	}
	if err := r.Err(); err != nil {
		panic(err)
	}
	fmt.Println(batches, "batches,", orders, "orders")
	fmt.Printf("%.0f%% completed\n", 100*float64(completed)/float64(orders))
	// Output:
	// 90 batches, 8624 orders
	// 90% completed
}
