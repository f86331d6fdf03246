package chaos_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/generate"
)

// The Example functions have no *testing.T: they use the background context,
// as a program would.

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
	// 100 clean rows, 105 dirty rows
	// calculation 7 rows, 7 labels
	// temporal    3 rows, 3 labels
	// integrity   4 rows, 4 labels
	// domain      3 rows, 4 labels
	// duplication 5 rows, 7 labels
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

// Invoice is a Go team's own row type. The edqm tags name its columns.
type Invoice struct {
	ID       string    `edqm:"invoice_id"`
	Customer string    `edqm:"customer_id"`
	Units    int       `edqm:"units"`
	Price    float64   `edqm:"unit_price"`
	Total    float64   `edqm:"total"`
	Issued   time.Time `edqm:"issued_on"`
	State    string    `edqm:"state"`
}

// validate is the code under test: the team's own check of an invoice.
func validate(inv Invoice, customers []string, today time.Time) error {
	switch {
	case !slices.Contains(customers, inv.Customer):
		return errors.New("unknown customer")
	case inv.Units < 1 || inv.Units > 20:
		return errors.New("units out of range")
	case inv.Total < 0 || inv.Total-float64(inv.Units)*inv.Price > 0.005 || float64(inv.Units)*inv.Price-inv.Total > 0.005:
		return errors.New("total is not units × price")
	case inv.Issued.After(today):
		return errors.New("issued in the future")
	case inv.State != "OPEN" && inv.State != "PAID":
		return errors.New("bad state")
	}
	return nil
}

// Inject chaos into a slice of the team's own structs and check that its
// validation rejects exactly the rows the labels name. In a test file the
// same lines sit in a func TestValidate(t *testing.T), with t.Fatal in
// place of panic; the chaostest sub-package makes it one call.
func ExampleInjectSlice() {
	customers := []string{"c1", "c2", "c3"}
	day := time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	var clean []Invoice
	for i := range 200 {
		units, price := 1+i%5, float64(10+i%7)
		clean = append(clean, Invoice{
			ID: fmt.Sprintf("inv-%03d", i), Customer: customers[i%3], Units: units, Price: price,
			Total: float64(units) * price, Issued: day.AddDate(0, 0, -i%20), State: "OPEN",
		})
	}
	spec := chaos.TableSpec{
		Table: "invoices", Key: "invoice_id", Amount: "total", Quantity: "units", MaxQuantity: 20,
		UnitPrice: "unit_price", Date: "issued_on", Status: "state", Accepted: []string{"OPEN", "PAID"},
		ForeignKeys: []chaos.ForeignKey{{Column: "customer_id", Keys: customers}},
	}
	inj, err := chaos.New(chaos.Config{Seed: 7, Rates: chaos.Rates{Calculation: 0.05, Temporal: 0.05, Integrity: 0.05, Domain: 0.05}})
	if err != nil {
		panic(err)
	}
	dirty, labels, err := chaos.InjectSlice(context.Background(), inj, day, spec, clean)
	if err != nil {
		panic(err)
	}
	bad := map[string]bool{}
	for _, l := range labels {
		bad[l.Key] = true
	}
	missed, wrong := 0, 0
	for _, inv := range dirty {
		rejected := validate(inv, customers, day) != nil
		if rejected && !bad[inv.ID] {
			wrong++
		}
		if !rejected && bad[inv.ID] {
			missed++
		}
	}
	fmt.Println(len(bad), "invoices corrupted,", missed, "missed,", wrong, "wrongly rejected")
	// Output:
	// 41 invoices corrupted, 0 missed, 0 wrongly rejected
}

// Name each row of a corrupted slice as its labels do, by key and
// occurrence: the added copy of a duplicated invoice is "key#2", and its
// clean first copy has no label. Integer foreign keys go in IntKeys.
func ExampleSliceRows() {
	type invoice struct {
		ID       int64  `edqm:"invoice_id"`
		Customer int64  `edqm:"customer_id"`
		State    string `edqm:"state"`
	}
	invoices := make([]invoice, 40)
	for i := range invoices {
		invoices[i] = invoice{ID: int64(100 + i), Customer: int64(1 + i%3), State: "OPEN"}
	}
	spec := chaos.TableSpec{Table: "invoices", Key: "invoice_id", Status: "state", Accepted: []string{"OPEN", "PAID"},
		ForeignKeys: []chaos.ForeignKey{{Column: "customer_id", IntKeys: []int64{1, 2, 3}}}}
	inj, err := chaos.New(chaos.Config{Seed: 3, VariantRates: chaos.VariantRates{Ghost: 0.05, Exact: 0.05}})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	dirty, labels, err := chaos.InjectSlice(ctx, inj, time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC), spec, invoices)
	if err != nil {
		panic(err)
	}
	rows, err := chaos.SliceRows(spec, dirty)
	if err != nil {
		panic(err)
	}
	labelled := map[chaos.RowKey]chaos.Label{}
	for _, l := range labels {
		labelled[l.Row()] = l
	}
	for i, r := range rows {
		if l, ok := labelled[r]; ok {
			fmt.Printf("row %d %s: %s/%s %s %q → %q\n", i, r, l.Kind, l.Variant, l.Column, l.Original, l.Injected)
		}
	}
	// Output:
	// row 17 116#2: duplication/exact * "" → "116"
	// row 20 119: integrity/ghost customer_id "2" → "448"
	// row 39 137#2: duplication/exact * "" → "137"
}
