package duckdbwarehouse_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// The Example functions have no *testing.T: they use the background context,
// as a program would.

func Example() {
	ctx := context.Background()
	w, err := duckdbwarehouse.Open(ctx, "", nil) // in memory
	if err != nil {
		panic(err)
	}
	defer w.Close()

	l := memlanding.New() // any landing.Lander
	_ = l.Put(ctx, "orders/date=2024-01-01/orders-2024-01-01.csv", strings.NewReader(
		"order_id,total_amount\nO1,10.00\nO2,oops,extra\nO3,\n"))

	req := warehouse.LoadRequest{
		Table:   "raw_orders",
		Columns: []string{"order_id", "total_amount"},
		Source:  l,
		Keys:    []string{"orders/date=2024-01-01/orders-2024-01-01.csv"},
	}
	res, err := w.Load(ctx, req)
	if err != nil {
		panic(err)
	}
	f := res.Files[0]
	fmt.Printf("parsed %d, loaded %d, rejected %d\n", f.Parsed, f.Loaded, f.Rejected)

	res, _ = w.Load(ctx, req) // loads are idempotent
	fmt.Println("skipped on reload:", res.Files[0].Skipped)

	rows, err := w.Query(ctx, "SELECT order_id, total_amount IS NULL, _line FROM raw_orders ORDER BY _line")
	if err != nil {
		panic(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var null bool
		var line int64
		_ = rows.Scan(&id, &null, &line)
		fmt.Println(id, null, line)
	}
	// Output:
	// parsed 3, loaded 2, rejected 1
	// skipped on reload: true
	// O1 false 2
	// O3 true 4
}
