package transform_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/transform"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

const (
	day1 = "2024-01-10"
	day2 = "2024-01-11"
)

// Hand-written raw files. Customers: C1 (signed up 2024-01-01; a later file
// moves them to region EU), C2 (signed up 2024-01-09). Products: P1 at
// 10.00, P2 at 25.50.
var rawFiles = map[string]map[string]string{
	"raw_customers": {
		"customers/date=2024-01-01/customers-2024-01-01.csv": "customer_id,name,email,signup_date,region\n" +
			"C1,Ann,ann@example.com,2024-01-01,US\n",
		"customers/date=2024-01-09/customers-2024-01-09.csv": "customer_id,name,email,signup_date,region\n" +
			"C2,Bob,bob@example.com,2024-01-09,APAC\n" +
			"C1,Ann,ann@example.com,2024-01-01,EU\n",
	},
	"raw_products": {
		"products/date=2024-01-01/products-2024-01-01.csv": "product_id,product_name,category,price,stock_level\n" +
			"P1,Pen,Office,10.00,100\n" +
			"P2,Lamp,Home,25.50,7\n",
	},
	"raw_orders": {
		"orders/date=" + day1 + "/orders-" + day1 + ".csv": "order_id,customer_id,product_id,quantity,total_amount,order_date,status\n" +
			"O01,C1,P1,2,20.00,2024-01-10,COMPLETED\n" + // clean
			"O02,C1,P2,2,60.00,2024-01-10,PENDING\n" + // math error: 2 x 25.50 = 51.00
			"O03,C1,P1,1,10.00,2024-01-15,SHIPPED\n" + // future
			"O04,C2,P1,1,10.00,2024-01-05,COMPLETED\n" + // before C2's signup
			"O05,C99,P1,1,10.00,2024-01-10,COMPLETED\n" + // ghost customer
			"O06,C1,,1,10.00,2024-01-10,COMPLETED\n" + // null product
			"O07,C1,P1,1,-10.00,2024-01-10,COMPLETED\n" + // negative
			"O08,C1,P1,1,10.00,2024-01-10,Shipped!\n" + // bad status
			"O09,C1,P1,9,10.00,2024-01-10,COMPLETED\n" + // bad quantity
			"O10,C2,P1,3,30.00,2024-01-10,CANCELLED\n" + // clean...
			"O10,C2,P1,3,30.00,2024-01-10,CANCELLED\n" + // ...and its duplicate
			"O11,C1,P1,1,n/a,2024-01-10,COMPLETED\n" + // bad amount
			"O12,C1,P1,1,10.00,2024-02-30,COMPLETED\n", // bad date
		"orders/date=" + day2 + "/orders-" + day2 + ".csv": "order_id,customer_id,product_id,quantity,total_amount,order_date,status\n" +
			"O13,C1,P2,1,25.50,2024-01-11,COMPLETED\n",
	},
}

// newLoadedWarehouse loads rawFiles into an in-memory DuckDB.
func newLoadedWarehouse(t *testing.T) *duckdbwarehouse.Warehouse {
	t.Helper()
	ctx := t.Context()
	w, err := duckdbwarehouse.Open(ctx, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	l := memlanding.New()
	for _, rt := range transform.RawTables {
		files, ok := rawFiles[rt.Name]
		if !ok {
			continue
		}
		var keys []string
		for k, v := range files {
			if err := l.Put(ctx, k, strings.NewReader(v)); err != nil {
				t.Fatal(err)
			}
			keys = append(keys, k)
		}
		slices.Sort(keys)
		res, err := w.Load(ctx, warehouse.LoadRequest{Table: rt.Name, Columns: rt.Columns, Source: l, Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, _, rejected := res.Totals(); rejected != 0 {
			t.Fatalf("%s: %d rows rejected", rt.Name, rejected)
		}
	}
	return w
}

func builtinProject(t *testing.T, extra ...*transform.Model) *transform.Project {
	t.Helper()
	models, err := transform.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	p, err := transform.NewProject(append(models, extra...), nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func strs(t *testing.T, w warehouse.Warehouse, q string) [][]string {
	t.Helper()
	rows, err := w.Query(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = "NULL"
			if v.Valid {
				row[i] = v.String
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBuiltinEndToEnd(t *testing.T) {
	w := newLoadedWarehouse(t)
	p := builtinProject(t)
	for run := range 2 { // the second run replaces everything
		res, err := p.Run(t.Context(), w, &transform.RunOptions{Parallelism: 3})
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if len(res.Models) != 5 || len(res.Skipped) != 0 {
			t.Fatalf("run %d: %+v", run, res)
		}
	}

	// Each flag fires on its row and on no other.
	wantFlags := map[string][]string{
		"has_math_error":      {"O02/1"},
		"is_future_order":     {"O03/1"},
		"is_before_signup":    {"O04/1"},
		"is_orphan_order":     {"O05/1", "O06/1"},
		"has_negative_amount": {"O07/1"},
		"has_bad_status":      {"O08/1"},
		"has_bad_quantity":    {"O09/1"},
		"is_duplicate":        {"O10/2"},
		"has_bad_amount":      {"O11/1"},
		"has_bad_date":        {"O12/1"},
		"is_flagged":          {"O02/1", "O03/1", "O04/1", "O05/1", "O06/1", "O07/1", "O08/1", "O09/1", "O10/2", "O11/1", "O12/1"},
	}
	for flag, want := range wantFlags {
		got := strs(t, w, `SELECT order_id || '/' || CAST(occurrence AS VARCHAR) FROM fct_orders WHERE `+flag+` ORDER BY 1`)
		var ids []string
		for _, r := range got {
			ids = append(ids, r[0])
		}
		if !reflect.DeepEqual(ids, want) {
			t.Errorf("%s fires on %v, want %v", flag, ids, want)
		}
		if n := strs(t, w, `SELECT count(*) FROM fct_orders WHERE `+flag+` IS NULL`)[0][0]; n != "0" {
			t.Errorf("%s is NULL on %s rows", flag, n)
		}
	}

	// One row per raw order row; dimensions joined from the latest version.
	got := strs(t, w, `SELECT count(*), count(DISTINCT order_id) FROM fct_orders`)
	if !reflect.DeepEqual(got, [][]string{{"14", "13"}}) {
		t.Errorf("fct_orders rows, distinct orders = %v, want 14, 13", got)
	}
	got = strs(t, w, `SELECT region, CAST(signup_date AS VARCHAR), category, CAST(unit_price AS VARCHAR), CAST(batch_date AS VARCHAR), _line
FROM fct_orders WHERE order_id = 'O01'`)
	if !reflect.DeepEqual(got, [][]string{{"EU", "2024-01-01", "Office", "10.00", day1, "2"}}) {
		t.Errorf("O01 = %v", got)
	}
	got = strs(t, w, `SELECT customer_id, region FROM stg_customers ORDER BY 1`)
	if !reflect.DeepEqual(got, [][]string{{"C1", "EU"}, {"C2", "APAC"}}) {
		t.Errorf("stg_customers = %v", got)
	}

	// The mart, computed by hand. Day 1 has 13 rows, 11 flagged. Raw
	// revenue adds every parseable amount (O11's "n/a" is NULL):
	// 20+60+10+10+10+10-10+10+10+30+30+10 = 200.00. Clean revenue counts
	// O01 (20.00) and the first O10 (30.00) only: 50.00. At risk: 150.00.
	got = strs(t, w, `SELECT CAST(batch_date AS VARCHAR), CAST(orders AS VARCHAR), CAST(flagged_orders AS VARCHAR),
	CAST(raw_revenue AS VARCHAR), CAST(clean_revenue AS VARCHAR), CAST(revenue_at_risk AS VARCHAR)
FROM mart_daily_revenue ORDER BY batch_date`)
	want := [][]string{
		{day1, "13", "11", "200.00", "50.00", "150.00"},
		{day2, "1", "0", "25.50", "25.50", "0.00"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("mart_daily_revenue =\n%v\nwant\n%v", got, want)
	}

	for name, want := range map[string]string{"stg_orders": "BASE TABLE", "fct_orders": "BASE TABLE", "mart_daily_revenue": "BASE TABLE"} {
		got := strs(t, w, `SELECT table_type FROM information_schema.tables WHERE table_name = '`+name+`'`)
		if len(got) != 1 || got[0][0] != want {
			t.Errorf("%s is %v, want %s", name, got, want)
		}
	}
}

func TestRunStopsAtFailingModel(t *testing.T) {
	w := newLoadedWarehouse(t)
	bad, err := transform.ParseModel("bad_model", `SELECT no_such_column FROM {{ ref "fct_orders" }}`)
	if err != nil {
		t.Fatal(err)
	}
	sibling, _ := transform.ParseModel("good_sibling", `SELECT count(*) AS n FROM {{ ref "fct_orders" }}`)
	after, _ := transform.ParseModel("after_bad", `SELECT * FROM {{ ref "bad_model" }}`)
	p := builtinProject(t, bad, sibling, after)
	res, err := p.Run(t.Context(), w, nil)
	if err == nil {
		t.Fatal("Run succeeded")
	}
	if !strings.Contains(err.Error(), "bad_model") {
		t.Errorf("error %q does not name bad_model", err)
	}
	var de *duckdb.Error
	if !errors.As(err, &de) {
		t.Errorf("error %v does not wrap the engine's error", err)
	}
	var ran []string
	for _, m := range res.Models {
		ran = append(ran, m.Name)
		if (m.Err != nil) != (m.Name == "bad_model") {
			t.Errorf("%s: Err = %v", m.Name, m.Err)
		}
	}
	// Level 2 runs in name order with parallelism 1: bad_model fails first,
	// so good_sibling is skipped too.
	if want := []string{"stg_customers", "stg_orders", "stg_products", "fct_orders", "bad_model"}; !reflect.DeepEqual(ran, want) {
		t.Errorf("ran %v, want %v", ran, want)
	}
	if want := []string{"good_sibling", "mart_daily_revenue", "after_bad"}; !reflect.DeepEqual(res.Skipped, want) {
		t.Errorf("skipped %v, want %v", res.Skipped, want)
	}
	if ok, _ := w.TableExists(t.Context(), "after_bad"); ok {
		t.Error("after_bad was created")
	}
}

func TestRunSelect(t *testing.T) {
	w := newLoadedWarehouse(t)
	p := builtinProject(t)
	res, err := p.Run(t.Context(), w, &transform.RunOptions{Select: []string{"stg_orders", "stg_products"}})
	if err != nil {
		t.Fatal(err)
	}
	var ran []string
	for _, m := range res.Models {
		ran = append(ran, m.Name)
	}
	if want := []string{"stg_orders", "stg_products"}; !reflect.DeepEqual(ran, want) {
		t.Errorf("ran %v, want %v", ran, want)
	}
	res, err = p.Run(t.Context(), w, &transform.RunOptions{Select: []string{"fct_orders"}})
	if err != nil || len(res.Models) != 4 {
		t.Errorf("Select fct_orders: %v, %+v; want it and its three upstream models", err, res)
	}
	if _, err := p.Run(t.Context(), w, &transform.RunOptions{Select: []string{"nope"}}); err == nil {
		t.Error("selecting an unknown model succeeded")
	}
}

func TestRunSwitchesMaterialization(t *testing.T) {
	w := newLoadedWarehouse(t)
	ctx := t.Context()
	for i, mat := range []transform.Materialization{transform.View, transform.Table, transform.View} {
		m, _ := transform.ParseModel("switchy", fmt.Sprintf("SELECT %d AS n", i))
		m.Materialized = mat
		p, err := transform.NewProject([]*transform.Model{m}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Run(ctx, w, nil); err != nil {
			t.Fatalf("run as %s: %v", mat, err)
		}
		if got := strs(t, w, `SELECT n FROM switchy`); got[0][0] != fmt.Sprint(i) {
			t.Errorf("run %d: n = %s", i, got[0][0])
		}
	}
}

func TestRunCancelled(t *testing.T) {
	w := newLoadedWarehouse(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	res, err := builtinProject(t).Run(ctx, w, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	if res == nil || len(res.Models) != 0 || len(res.Skipped) != 5 {
		t.Errorf("result = %+v, want nothing run and 5 skipped", res)
	}
}

// TestRunOnModel: OnModel hears of every model run, one call at a time
// (the slice it appends to is not locked: -race checks it), even with
// models of a level running at once.
func TestRunOnModel(t *testing.T) {
	w := newLoadedWarehouse(t)
	p := builtinProject(t)
	var heard []string
	res, err := p.Run(t.Context(), w, &transform.RunOptions{Parallelism: 3, OnModel: func(m transform.ModelResult) {
		heard = append(heard, m.Name)
	}})
	if err != nil {
		t.Fatal(err)
	}
	var ran []string
	for _, m := range res.Models {
		ran = append(ran, m.Name)
	}
	slices.Sort(heard)
	slices.Sort(ran)
	if len(ran) != 5 || !reflect.DeepEqual(heard, ran) {
		t.Errorf("OnModel heard %v, want the models run %v", heard, ran)
	}
}
