package snowflakewarehouse_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/transform"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// snowflakeReserved are Snowflake's reserved and limited keywords, from
// https://docs.snowflake.com/en/sql-reference/reserved-keywords: none
// may name a column or table we create unquoted.
var snowflakeReserved = strings.Fields(`ACCOUNT ALL ALTER AND ANY AS ASOF BETWEEN BY CASE CAST CHECK COLUMN
CONNECT CONNECTION CONSTRAINT CREATE CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER
DATABASE DELETE DISTINCT DROP ELSE EXISTS FALSE FOLLOWING FOR FROM FULL GRANT GROUP GSCLUSTER HAVING ILIKE
IN INCREMENT INNER INSERT INTERSECT INTO IS ISSUE JOIN LATERAL LEFT LIKE LOCALTIME LOCALTIMESTAMP
MATCH_CONDITION MINUS NATURAL NOT NULL OF ON OR ORDER ORGANIZATION QUALIFY REGEXP REVOKE RIGHT RLIKE ROW ROWS
SAMPLE SCHEMA SELECT SET SOME START TABLE TABLESAMPLE THEN TO TRIGGER TRUE TRY_CAST UNION UNIQUE UPDATE
USING VALUES VIEW WHEN WHENEVER WHERE WITH`)

// TestNoReservedIdentifiers checks every table and column we create (the
// ledger, the rejects, the raw tables, the built-in models' outputs, the
// quality history) against Snowflake's reserved keywords.
func TestNoReservedIdentifiers(t *testing.T) {
	ctx := t.Context()
	duck, err := duckdbwarehouse.Open(ctx, "", nil)
	require.NoError(t, err)
	defer duck.Close()
	martRows(t, duck) // raw tables, ledger, rejects and every built-in model
	require.NoError(t, quality.History{}.Ensure(ctx, duck))
	rows, err := duck.Query(ctx, "SELECT table_name, column_name FROM information_schema.columns")
	require.NoError(t, err)
	defer rows.Close()
	names := map[string]bool{}
	for rows.Next() {
		var table, column string
		require.NoError(t, rows.Scan(&table, &column))
		names[strings.ToUpper(table)], names[strings.ToUpper(column)] = true, true
	}
	require.NoError(t, rows.Err())
	for _, c := range quality.HistoryColumns {
		names[strings.ToUpper(c)] = true
	}
	for _, rt := range transform.RawTables {
		for _, c := range rt.Columns {
			names[strings.ToUpper(c)] = true
		}
	}
	for _, n := range []string{warehouse.LedgerTable, warehouse.RejectsTable, "FILE", "TABLE_NAME", "LINE", "REASON", "RAW", "_FILE", "_LINE"} {
		names[strings.ToUpper(n)] = true
	}
	require.Contains(t, names, "ORDER_ID", "the models' columns were read")
	for _, r := range snowflakeReserved {
		assert.False(t, names[r], "%s is reserved in Snowflake", r)
	}
}
