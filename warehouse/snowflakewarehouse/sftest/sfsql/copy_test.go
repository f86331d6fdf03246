package sfsql_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/warehouse/snowflakewarehouse/sftest/sfsql"
)

// setupSQL is the product's set-up (testdata/setup_schema.sql).
var setupSQL = []string{
	`CREATE OR REPLACE FILE FORMAT "EDQM"."RAW"."EDQM_CSV" TYPE = CSV FIELD_DELIMITER = ',' PARSE_HEADER = TRUE FIELD_OPTIONALLY_ENCLOSED_BY = '"' ESCAPE = NONE ESCAPE_UNENCLOSED_FIELD = NONE EMPTY_FIELD_AS_NULL = TRUE NULL_IF = ('') ERROR_ON_COLUMN_COUNT_MISMATCH = TRUE SKIP_BLANK_LINES = TRUE TRIM_SPACE = FALSE ENCODING = 'UTF8' COMPRESSION = AUTO`,
	`CREATE STAGE IF NOT EXISTS "EDQM"."RAW"."EDQM_LANDING" COMMENT = 'EDQM: landed files uploaded for COPY INTO; loaded files are purged'`,
	`CREATE TABLE IF NOT EXISTS "EDQM"."RAW"."_EDQM_LOADS" ("FILE" VARCHAR, "TABLE_NAME" VARCHAR, "ROWS_PARSED" NUMBER(38, 0), "ROWS_LOADED" NUMBER(38, 0), "ROWS_REJECTED" NUMBER(38, 0), "LOADED_AT" TIMESTAMP_NTZ, PRIMARY KEY ("FILE"))`,
	`CREATE TABLE IF NOT EXISTS "EDQM"."RAW"."_EDQM_REJECTS" ("TABLE_NAME" VARCHAR, "FILE" VARCHAR, "LINE" NUMBER(38, 0), "REASON" VARCHAR, "RAW" VARCHAR)`,
	`CREATE TABLE IF NOT EXISTS "RAW_ORDERS" ("ORDER_ID" VARCHAR, "QUANTITY" VARCHAR, "STATUS" VARCHAR, "_FILE" VARCHAR, "_LINE" NUMBER(38, 0))`,
}

const copyOrders = `COPY INTO "RAW_ORDERS"
FROM @EDQM_LANDING
FILES = ('orders/date=2024-01-01/a.csv')
FILE_FORMAT = (FORMAT_NAME = EDQM_CSV)
MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE
INCLUDE_METADATA = (_FILE = METADATA$FILENAME, _LINE = METADATA$FILE_ROW_NUMBER)
ON_ERROR = CONTINUE
FORCE = %s
PURGE = %s`

// setup runs the set-up and stages a.csv under orders/date=2024-01-01/.
func setup(t *testing.T, s *sfsql.Session, content string) *sfsql.Upload {
	t.Helper()
	for _, q := range setupSQL {
		exec(t, s, q)
	}
	r := exec(t, s, `PUT 'file:///landing/a.csv' '@EDQM_LANDING/orders/date=2024-01-01/' AUTO_COMPRESS = FALSE OVERWRITE = TRUE`)
	require.NotNil(t, r.Upload)
	stageFile(t, r.Upload, "a.csv", content)
	return r.Upload
}

func copyQ(force, purge string) string {
	return sprintf(copyOrders, force, purge)
}

func TestCopyGoodAndBadRows(t *testing.T) {
	_, s := newSession(t, sfsql.Options{})
	setup(t, s, "order_id,Quantity,status\n1,2,SHIPPED\n\n2,3\n3,4,PENDING,x\n\"4\"x,1,A\n5,\"1\",\"\"\n")
	r := exec(t, s, copyQ("FALSE", "FALSE"))
	require.Equal(t, []string{"file", "status", "rows_parsed", "rows_loaded", "error_limit", "errors_seen",
		"first_error", "first_error_line", "first_error_character", "first_error_column_name"}, names(r))
	row := values(r)[0]
	assert.Equal(t, []string{"edqm_landing/orders/date=2024-01-01/a.csv", "PARTIALLY_LOADED", "5", "2", "5", "3"}, row[:6])
	assert.Contains(t, row[6], "Number of columns in file (2)")
	assert.Equal(t, "4", row[7])
	copyID := r.QueryID

	id := exec(t, s, "SELECT LAST_QUERY_ID()")
	assert.Equal(t, [][]string{{copyID}}, values(id))

	got := exec(t, s, `SELECT "ORDER_ID", "QUANTITY", "STATUS", "_FILE", "_LINE" FROM "RAW_ORDERS" ORDER BY 1`)
	assert.Equal(t, [][]string{
		{"1", "2", "SHIPPED", "orders/date=2024-01-01/a.csv", "1"},
		{"5", "1", "NULL", "orders/date=2024-01-01/a.csv", "5"},
	}, values(got))

	v := exec(t, s, `SELECT v.LINE, v.ROW_NUMBER, v.CATEGORY, v.CODE, v.REJECTED_RECORD, v.FILE FROM TABLE(VALIDATE("RAW_ORDERS", JOB_ID => '`+copyID+`')) AS v ORDER BY 1`)
	assert.Equal(t, [][]string{
		{"4", "2", "parsing", "100080", "2,3", "edqm_landing/orders/date=2024-01-01/a.csv"},
		{"5", "3", "parsing", "100080", "3,4,PENDING,x", "edqm_landing/orders/date=2024-01-01/a.csv"},
		{"6", "4", "parsing", "100065", `"4"x,1,A`, "edqm_landing/orders/date=2024-01-01/a.csv"},
	}, values(v))
}

func names(r *sfsql.Result) []string {
	var out []string
	for _, c := range r.Columns {
		out = append(out, c.Name)
	}
	return out
}

// TestCopyBareQuote: an enclosure character inside an unenclosed field is
// data by default and a rejected row with Options.BareQuoteRejected.
func TestCopyBareQuote(t *testing.T) {
	for _, tc := range []struct {
		rejected bool
		loaded   [][]string
	}{
		{false, [][]string{{"1", "2"}, {"2", `C"4`}, {"3", "x"}}},
		{true, [][]string{{"1", "2"}, {"3", "x"}}},
	} {
		_, s := newSession(t, sfsql.Options{BareQuoteRejected: tc.rejected})
		setup(t, s, "order_id,Quantity,status\n1,2,A\n2,C\"4,B\n3,x,C\n")
		r := exec(t, s, copyQ("FALSE", "FALSE"))
		assert.Equal(t, fmt.Sprint(len(tc.loaded)), values(r)[0][3], "rows loaded, BareQuoteRejected %v", tc.rejected)
		got := exec(t, s, `SELECT "ORDER_ID", "QUANTITY" FROM "RAW_ORDERS" ORDER BY 1`)
		assert.Equal(t, tc.loaded, values(got), "BareQuoteRejected %v", tc.rejected)
	}
}
