package transform_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/transform"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// The Example functions have no *testing.T: they use the background context,
// as a program would.

func ExampleBuiltin() {
	models, err := transform.Builtin()
	if err != nil {
		panic(err)
	}
	p, err := transform.NewProject(models, nil)
	if err != nil {
		panic(err)
	}
	for i, level := range p.Levels() {
		var names []string
		for _, m := range level {
			names = append(names, m.Name+" ("+string(m.Materialized)+")")
		}
		fmt.Printf("level %d: %s\n", i, strings.Join(names, ", "))
	}
	// Output:
	// level 0: stg_customers (view), stg_orders (incremental), stg_products (view)
	// level 1: fct_orders (incremental)
	// level 2: mart_daily_revenue (table)
}

func ExampleProject_Compile() {
	m, err := transform.ParseModel("daily", `{{ config "materialized" "table" -}}
SELECT {{ batch_date "_file" }} AS day, count(*) AS n
FROM {{ source "raw" "orders" }}
GROUP BY 1`)
	if err != nil {
		panic(err)
	}
	p, err := transform.NewProject([]*transform.Model{m}, nil)
	if err != nil {
		panic(err)
	}
	for _, d := range []string{transform.DuckDB, transform.Snowflake} {
		q, err := p.Compile("daily", d, nil)
		if err != nil {
			panic(err)
		}
		fmt.Printf("-- %s\n%s\n", d, q)
	}
	// Output:
	// -- duckdb
	// SELECT CAST(NULLIF(regexp_extract(_file, 'date=([0-9]{4}-[0-9]{2}-[0-9]{2})', 1), '') AS DATE) AS day, count(*) AS n
	// FROM raw_orders
	// GROUP BY 1
	// -- snowflake
	// SELECT TO_DATE(REGEXP_SUBSTR(_file, 'date=([0-9]{4}-[0-9]{2}-[0-9]{2})', 1, 1, 'e', 1), 'YYYY-MM-DD') AS day, count(*) AS n
	// FROM raw_orders
	// GROUP BY 1
}

func ExampleProject_Run() {
	ctx := context.Background()
	w, err := duckdbwarehouse.Open(ctx, "", nil)
	if err != nil {
		panic(err)
	}
	defer w.Close()
	l := memlanding.New() // any landing.Lander
	key := "orders/date=2024-01-10/orders-2024-01-10.csv"
	_ = l.Put(ctx, key, strings.NewReader("order_id,total_amount\nO1,10.00\nO2,32.50\n"))
	if _, err := w.Load(ctx, warehouse.LoadRequest{
		Table: "raw_orders", Columns: []string{"order_id", "total_amount"}, Source: l, Keys: []string{key},
	}); err != nil {
		panic(err)
	}

	stg, _ := transform.ParseModel("stg", `SELECT {{ batch_date "_file" }} AS day, TRY_CAST(total_amount AS DECIMAL(14, 2)) AS amount
FROM {{ source "raw" "orders" }}`)
	daily, _ := transform.ParseModel("daily", `{{ config "materialized" "table" -}}
SELECT day, SUM(amount) AS revenue FROM {{ ref "stg" }} GROUP BY day`)
	p, err := transform.NewProject([]*transform.Model{stg, daily}, nil)
	if err != nil {
		panic(err)
	}
	res, err := p.Run(ctx, w, nil)
	if err != nil {
		panic(err)
	}
	for _, m := range res.Models {
		fmt.Println(m.Name, m.Materialized, m.Err)
	}
	var day, revenue string
	rows, _ := w.Query(ctx, "SELECT CAST(day AS VARCHAR), CAST(revenue AS VARCHAR) FROM daily")
	defer rows.Close()
	for rows.Next() {
		_ = rows.Scan(&day, &revenue)
		fmt.Println(day, revenue)
	}
	// Output:
	// stg view <nil>
	// daily table <nil>
	// 2024-01-10 42.50
}

// Compile mode: what an incremental run of a model sends to Snowflake,
// without a warehouse.
func ExampleProject_CompileAll() {
	m, err := transform.ParseModel("daily_orders", `{{ config "materialized" "incremental" -}}
{{ config "incremental_key" "day" -}}
SELECT {{ batch_date "_file" }} AS day, count(*) AS orders
FROM {{ source "raw" "orders" }}
{{- if is_incremental }}
WHERE {{ batch_date "_file" }} > (SELECT max(day) FROM {{ this }})
{{- end }}
GROUP BY 1`)
	if err != nil {
		panic(err)
	}
	p, err := transform.NewProject([]*transform.Model{m}, nil)
	if err != nil {
		panic(err)
	}
	compiled, err := p.CompileAll(transform.Snowflake, &transform.CompileOptions{Incremental: true})
	if err != nil {
		panic(err)
	}
	fmt.Print(transform.Script(compiled))
	// Output:
	// -- daily_orders (incremental, key day, merging new rows), level 0
	// CREATE OR REPLACE TABLE _edqm_new_daily_orders AS
	// SELECT TO_DATE(REGEXP_SUBSTR(_file, 'date=([0-9]{4}-[0-9]{2}-[0-9]{2})', 1, 1, 'e', 1), 'YYYY-MM-DD') AS day, count(*) AS orders
	// FROM raw_orders
	// WHERE TO_DATE(REGEXP_SUBSTR(_file, 'date=([0-9]{4}-[0-9]{2}-[0-9]{2})', 1, 1, 'e', 1), 'YYYY-MM-DD') > (SELECT max(day) FROM daily_orders)
	// GROUP BY 1;
	// DELETE FROM daily_orders WHERE day IN (SELECT DISTINCT day FROM _edqm_new_daily_orders WHERE day IS NOT NULL) OR (day IS NULL AND EXISTS (SELECT 1 FROM _edqm_new_daily_orders WHERE day IS NULL));
	// INSERT INTO daily_orders SELECT * FROM _edqm_new_daily_orders;
	// DROP TABLE IF EXISTS _edqm_new_daily_orders;
}
