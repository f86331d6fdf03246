package chaos_test

import (
	"context"
	"fmt"
	"time"

	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/generate"
)

// Corrupt one day of generated orders at 4% per kind, and count the labels
// (the ground truth) per kind.
func Example() {
	gen, err := generate.New(generate.Config{Seed: 1})
	if err != nil {
		panic(err)
	}
	inj, err := chaos.New(chaos.Config{Seed: 1, Rates: chaos.Uniform(0.04)})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	day := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	clean, err := gen.Orders(ctx, day)
	if err != nil {
		panic(err)
	}
	dirty, labels, err := inj.Inject(ctx, day, chaos.OrdersSpec(gen.SignupDate), clean)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(clean.Rows), "clean rows,", len(dirty.Rows), "dirty rows")
	// A change can need two labels (bad_quantity rescales the amount too; a
	// conflicting duplicate is a row plus its changed status), so count both.
	type row struct {
		key string
		occ int
	}
	nLabels := map[chaos.Kind]int{}
	rows := map[chaos.Kind]map[row]bool{}
	for _, l := range labels {
		nLabels[l.Kind]++
		if rows[l.Kind] == nil {
			rows[l.Kind] = map[row]bool{}
		}
		rows[l.Kind][row{l.Key, l.Occurrence}] = true
	}
	for _, k := range chaos.Kinds {
		fmt.Printf("%-11s %d rows, %d labels\n", k, len(rows[k]), nLabels[k])
	}
	// Output:
	// 92 clean rows, 97 dirty rows
	// calculation 7 rows, 7 labels
	// temporal    1 rows, 1 labels
	// integrity   8 rows, 8 labels
	// domain      8 rows, 11 labels
	// duplication 5 rows, 9 labels
}

// The labels land beside the data as a table of their own.
func ExampleLabelsTable() {
	labels := []chaos.Label{{
		Table: "orders", Day: "2025-06-01", Key: "o-1", Occurrence: 1,
		Kind: chaos.Domain, Variant: "negative_amount", Column: "total_amount",
		Original: "129.99", Injected: "-129.99",
	}}
	t := chaos.LabelsTable(labels)
	fmt.Println(t.Name, t.Columns)
	fmt.Println(t.Rows[0])
	// Output:
	// chaos_labels [table_name day key occurrence kind variant column_name original injected]
	// [orders 2025-06-01 o-1 1 domain negative_amount total_amount 129.99 -129.99]
}
