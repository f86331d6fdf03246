package sfsql_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/transform"
	// Registers the "snowflake" dialect that CompileAll looks up.
	_ "github.com/edqm/edqm/warehouse/snowflakewarehouse"
	"github.com/edqm/edqm/warehouse/snowflakewarehouse/sftest/sfsql"
)

// TestModelsRun runs the built-in models compiled for Snowflake, full
// and incremental, on raw tables shaped as the loader makes them.
func TestModelsRun(t *testing.T) {
	_, s := newSession(t, sfsql.Options{})
	exec(t, s, `CREATE TABLE IF NOT EXISTS "RAW_ORDERS" ("ORDER_ID" VARCHAR, "CUSTOMER_ID" VARCHAR, "PRODUCT_ID" VARCHAR, "QUANTITY" VARCHAR, "TOTAL_AMOUNT" VARCHAR, "ORDER_DATE" VARCHAR, "STATUS" VARCHAR, "_FILE" VARCHAR, "_LINE" NUMBER(38, 0))`)
	exec(t, s, `CREATE TABLE IF NOT EXISTS "RAW_CUSTOMERS" ("CUSTOMER_ID" VARCHAR, "NAME" VARCHAR, "EMAIL" VARCHAR, "SIGNUP_DATE" VARCHAR, "REGION" VARCHAR, "_FILE" VARCHAR, "_LINE" NUMBER(38, 0))`)
	exec(t, s, `CREATE TABLE IF NOT EXISTS "RAW_PRODUCTS" ("PRODUCT_ID" VARCHAR, "PRODUCT_NAME" VARCHAR, "CATEGORY" VARCHAR, "PRICE" VARCHAR, "STOCK_LEVEL" VARCHAR, "_FILE" VARCHAR, "_LINE" NUMBER(38, 0))`)
	exec(t, s, `INSERT INTO raw_orders VALUES ('o1', 'c1', 'p1', '2', '20.00', '2024-01-01', 'SHIPPED', 'orders/date=2024-01-01/a.csv', 2),
		('o1', 'c1', 'p1', 'x', '20.00', 'bad', 'SHIPPED', 'orders/date=2024-01-02/b.csv', 2)`)
	exec(t, s, `INSERT INTO raw_customers VALUES ('c1', 'n', 'e', '2023-12-01', 'EU', 'customers/c.csv', 2)`)
	exec(t, s, `INSERT INTO raw_products VALUES ('p1', 'n', 'cat', '10.00', '5', 'products/p.csv', 2)`)
	ms, err := transform.Builtin()
	require.NoError(t, err)
	p, err := transform.NewProject(ms, nil)
	require.NoError(t, err)
	for _, incremental := range []bool{false, true} {
		compiled, err := p.CompileAll(transform.Snowflake, &transform.CompileOptions{Incremental: incremental})
		require.NoError(t, err)
		for _, c := range compiled {
			for _, q := range c.Statements {
				exec(t, s, q)
			}
		}
	}
	r := exec(t, s, `SELECT batch_date, orders, flagged_orders, raw_revenue FROM mart_daily_revenue ORDER BY batch_date`)
	assert.Equal(t, [][]string{{"19723", "1", "0", "20.00"}, {"19724", "1", "1", "20.00"}}, values(r))
}
