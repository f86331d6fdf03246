package generate_test

import (
	"context"
	"fmt"
	"time"

	"github.com/edqm/edqm/generate"
)

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
	// 92 orders
	// first order: 5 for 436.25 COMPLETED
	// its customer signed up on 2024-02-01
}

func ExampleFormatCents() {
	fmt.Println(generate.FormatCents(12999), generate.FormatCents(5), generate.FormatCents(-250))
	c, err := generate.ParseCents("436.25")
	fmt.Println(c, err)
	// Output:
	// 129.99 0.05 -2.50
	// 43625 <nil>
}
