package sfsql_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/warehouse/snowflakewarehouse/sftest/sfsql"
)

func TestTranslation(t *testing.T) {
	_, s := newSession(t, sfsql.Options{})
	exec(t, s, `CREATE TABLE t (id NUMBER(38,0), name STRING, amount NUMBER(10,2), f FLOAT, d DATE, ts TIMESTAMP_NTZ, ok BOOLEAN, _file VARCHAR)`)
	exec(t, s, `INSERT INTO t VALUES (1, 'a', 1.50, 0.5, '2024-01-02', '2024-01-02 03:04:05', TRUE, 'x/date=2024-01-05/f.csv'),
		(2, 'it''s \\ b', NULL, NULL, NULL, NULL, FALSE, 'nodate.csv')`)
	cases := []struct{ name, q, want string }{
		{"iff", `SELECT IFF(id = 1, 'one', 'other') FROM t WHERE id = 1`, "one"},
		{"backslash literal", `SELECT name FROM t WHERE id = 2`, `it's \ b`},
		{"try_to_date", `SELECT TRY_TO_DATE('2024-13-01')`, "NULL"},
		{"try_to_date format", `SELECT TRY_TO_DATE('05/01/2024', 'DD/MM/YYYY')`, "19727"},
		{"to_date", `SELECT TO_DATE('2024-05-01')`, "19844"},
		{"try_to_number", `SELECT TRY_TO_NUMBER('12x')`, "NULL"},
		{"try_to_decimal", `SELECT TRY_TO_DECIMAL('12.345', 10, 2)`, "12.35"},
		{"try_cast", `SELECT TRY_CAST('abc' AS INTEGER)`, "NULL"},
		{"cast number", `SELECT CAST('7' AS NUMBER(38, 0))`, "7"},
		{"double colon", `SELECT '2.5'::FLOAT`, "2.5"},
		{"regexp_substr", `SELECT TO_DATE(REGEXP_SUBSTR(_file, 'date=([0-9]{4}-[0-9]{2}-[0-9]{2})', 1, 1, 'e', 1)) FROM t WHERE id = 1`, "19727"},
		{"regexp_substr no match", `SELECT REGEXP_SUBSTR(_file, 'date=([0-9]+)', 1, 1, 'e', 1) FROM t WHERE id = 2`, "NULL"},
		{"regexp_like", `SELECT REGEXP_LIKE('abc', 'b')`, "0"},
		{"endswith", `SELECT ENDSWITH('a/b.csv', '/b.csv')`, "1"},
		{"startswith", `SELECT STARTSWITH('abc', 'ab')`, "1"},
		{"dateadd", `SELECT DATEDIFF(day, '2024-01-01'::DATE, DATEADD(day, 3, '2024-01-01'::DATE))`, "3"},
		{"date_trunc", `SELECT DATE_TRUNC('MONTH', '2024-05-17'::DATE)::DATE`, "19844"},
		{"listagg", `SELECT LISTAGG(name, ',') WITHIN GROUP (ORDER BY id DESC) FROM t WHERE id = 1`, "a"},
		{"qualify", `SELECT id FROM t QUALIFY ROW_NUMBER() OVER (ORDER BY id DESC) = 1`, "2"},
		{"nvl", `SELECT NVL(amount, 0) FROM t WHERE id = 2`, "0.00"},
		{"from values", `SELECT column1 AS k FROM VALUES ('x'), ('y') ORDER BY 1 LIMIT 1`, "x"},
		{"count", `SELECT COUNT(*) FROM t`, "2"},
		{"current_schema", `SELECT CURRENT_SCHEMA()`, "RAW"},
		{"current_database", `SELECT CURRENT_DATABASE()`, "EDQM"},
		{"decode", `SELECT DECODE(id, 1, 'one', 'other') FROM t WHERE id = 2`, "other"},
		{"three-part name", `SELECT COUNT(*) FROM EDQM.RAW.T`, "2"},
		{"quoted upper", `SELECT "NAME" FROM t WHERE id = 1`, "a"},
		{"div0", `SELECT DIV0(1, 0)`, "0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := exec(t, s, c.q)
			require.Len(t, r.Rows, 1)
			assert.Equal(t, c.want, values(r)[0][0])
		})
	}
}

func TestRefusals(t *testing.T) {
	_, s := newSession(t, sfsql.Options{})
	exec(t, s, `CREATE TABLE h (run_id VARCHAR, "SAMPLE" VARCHAR)`)
	cases := []struct {
		q    string
		code int
	}{
		{`CREATE TABLE x (id INT, sample VARCHAR)`, 1003},
		{`SELECT sample FROM h`, 1003},
		{`SELECT run_id AS order FROM h`, 1003},
		{`SELECT h.order FROM h`, 1003},
		{`SELECT * FROM h WHERE sample IS NOT NULL`, 1003},
		{`SELECT strptime('2024', '%Y')`, 2140},
		{`SELECT epoch(CURRENT_TIMESTAMP)`, 2140},
		{`SELECT list_value(1, 2)`, 2140},
		{`SELECT regexp_matches('a', 'a')`, 2140},
		{`SELECT * FROM read_csv('x.csv')`, 2140},
		{`SELECT no_such_function(1)`, 2140},
		{`SELECT * FROM nowhere`, 2003},
		{`SELECT nope FROM h`, 904},
		{`SELECT 'unterminated`, 1003},
	}
	for _, c := range cases {
		t.Run(c.q, func(t *testing.T) {
			_, err := s.Execute(t.Context(), c.q, nil)
			require.Error(t, err)
			assert.Equal(t, c.code, sqlCode(t, err), err.Error())
		})
	}
	// The quoted reserved word, and reserved words as keywords, pass.
	exec(t, s, `SELECT "SAMPLE", run_id FROM h WHERE "SAMPLE" IS NOT NULL ORDER BY run_id DESC LIMIT 1`)
	exec(t, s, `SELECT DISTINCT run_id FROM h GROUP BY ALL`)
}

func TestInformationSchema(t *testing.T) {
	_, s := newSession(t, sfsql.Options{})
	exec(t, s, `CREATE TABLE raw_orders (order_id VARCHAR, qty NUMBER(38, 0), amount NUMBER(12, 2), f FLOAT, d DATE, ts TIMESTAMP_NTZ, b BOOLEAN, "lower" TEXT)`)
	exec(t, s, `CREATE VIEW v AS SELECT order_id FROM raw_orders`)
	r := exec(t, s, "SELECT COLUMN_NAME, DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS\nWHERE TABLE_SCHEMA = CURRENT_SCHEMA() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
		sfsql.Binding{Type: "TEXT", Value: ptr("RAW_ORDERS")})
	assert.Equal(t, [][]string{{"ORDER_ID", "TEXT"}, {"QTY", "NUMBER"}, {"AMOUNT", "NUMBER"}, {"F", "FLOAT"},
		{"D", "DATE"}, {"TS", "TIMESTAMP_NTZ"}, {"B", "BOOLEAN"}, {"lower", "TEXT"}}, values(r))
	r = exec(t, s, "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES\nWHERE TABLE_SCHEMA = CURRENT_SCHEMA() AND UPPER(TABLE_NAME) = UPPER(?)",
		sfsql.Binding{Type: "TEXT", Value: ptr("raw_orders")})
	assert.Equal(t, [][]string{{"1"}}, values(r))
	assert.Equal(t, "fixed", r.Columns[0].Type)
	r = exec(t, s, `SELECT TABLE_NAME, TABLE_TYPE FROM EDQM.INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'RAW' ORDER BY 1`)
	assert.Equal(t, [][]string{{"RAW_ORDERS", "BASE TABLE"}, {"V", "VIEW"}}, values(r))
}

func ptr(s string) *string { return &s }
