package sfsql

import (
	"fmt"
	"strings"
)

// raw makes a tokRaw token.
func raw(sql string, pos int) token { return token{kind: tokRaw, text: sql, raw: sql, pos: pos} }

// infoSchemaViews are the INFORMATION_SCHEMA views emulated, with
// Snowflake's column names
// (https://docs.snowflake.com/en/sql-reference/info-schema/columns,
// …/tables, …/schemata, …/views), over DuckDB's information_schema of the
// database's catalog. %[1]s is the database (a literal).
var infoSchemaViews = map[string]string{
	"COLUMNS": `SELECT table_catalog AS "TABLE_CATALOG", table_schema AS "TABLE_SCHEMA", table_name AS "TABLE_NAME",
 column_name AS "COLUMN_NAME", CAST(ordinal_position AS BIGINT) AS "ORDINAL_POSITION", column_default AS "COLUMN_DEFAULT",
 is_nullable AS "IS_NULLABLE", ` + dataTypeCase + ` AS "DATA_TYPE",
 CASE WHEN data_type = 'VARCHAR' THEN CAST(16777216 AS BIGINT) END AS "CHARACTER_MAXIMUM_LENGTH",
 CASE WHEN data_type = 'VARCHAR' THEN CAST(16777216 AS BIGINT) END AS "CHARACTER_OCTET_LENGTH",
 CASE WHEN data_type LIKE 'DECIMAL%%' THEN CAST(numeric_precision AS BIGINT) WHEN data_type LIKE '%%INT%%' THEN CAST(38 AS BIGINT) END AS "NUMERIC_PRECISION",
 CAST(10 AS BIGINT) AS "NUMERIC_PRECISION_RADIX",
 CASE WHEN data_type LIKE 'DECIMAL%%' THEN CAST(numeric_scale AS BIGINT) WHEN data_type LIKE '%%INT%%' THEN CAST(0 AS BIGINT) END AS "NUMERIC_SCALE",
 CAST(NULL AS VARCHAR) AS "COMMENT"
 FROM information_schema.columns WHERE table_catalog = %[1]s AND table_schema <> 'information_schema'`,
	"TABLES": `SELECT table_catalog AS "TABLE_CATALOG", table_schema AS "TABLE_SCHEMA", table_name AS "TABLE_NAME",
 CAST(NULL AS VARCHAR) AS "TABLE_OWNER",
 CASE table_type WHEN 'VIEW' THEN 'VIEW' WHEN 'LOCAL TEMPORARY' THEN 'TEMPORARY TABLE' ELSE 'BASE TABLE' END AS "TABLE_TYPE",
 'NO' AS "IS_TRANSIENT", CAST(NULL AS BIGINT) AS "ROW_COUNT", CAST(NULL AS BIGINT) AS "BYTES", CAST(NULL AS VARCHAR) AS "COMMENT"
 FROM information_schema.tables WHERE table_catalog = %[1]s AND table_schema <> 'information_schema'`,
	"VIEWS": `SELECT table_catalog AS "TABLE_CATALOG", table_schema AS "TABLE_SCHEMA", table_name AS "TABLE_NAME",
 view_definition AS "VIEW_DEFINITION"
 FROM information_schema.views WHERE table_catalog = %[1]s AND table_schema <> 'information_schema'`,
	"SCHEMATA": `SELECT catalog_name AS "CATALOG_NAME", schema_name AS "SCHEMA_NAME", CAST(NULL AS VARCHAR) AS "SCHEMA_OWNER"
 FROM information_schema.schemata WHERE catalog_name = %[1]s AND schema_name <> 'information_schema'`,
}

// dataTypeCase maps DuckDB's data_type to Snowflake's DATA_TYPE values.
const dataTypeCase = `CASE WHEN data_type = 'VARCHAR' THEN 'TEXT'
 WHEN data_type LIKE 'DECIMAL%%' OR data_type LIKE '%%INT%%' THEN 'NUMBER'
 WHEN data_type IN ('DOUBLE', 'FLOAT') THEN 'FLOAT'
 WHEN data_type = 'TIMESTAMP WITH TIME ZONE' THEN 'TIMESTAMP_LTZ'
 WHEN data_type LIKE 'TIMESTAMP%%' THEN 'TIMESTAMP_NTZ'
 WHEN data_type = 'BLOB' THEN 'BINARY'
 ELSE data_type END`

// infoSchema replaces [db.]INFORMATION_SCHEMA.view with a subquery over
// DuckDB's information_schema; unquoted names are upper case there, as in
// Snowflake, since unquoted identifiers are created upper-cased.
func (r *rewriter) infoSchema(toks []token) ([]token, error) {
	var out []token
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if !(t.isIdent() && upper(t.text) == "INFORMATION_SCHEMA" && i+2 < len(toks) && toks[i+1].isPunct(".")) {
			out = append(out, t)
			continue
		}
		view, ok := infoSchemaViews[upper(toks[i+2].text)]
		if !ok {
			return nil, notExist("Object", "INFORMATION_SCHEMA."+toks[i+2].text)
		}
		db := r.s.database
		if n := len(out); n >= 2 && out[n-1].isPunct(".") && out[n-2].isIdent() {
			db = out[n-2].text
			out = out[:n-2]
		}
		sub := "(" + fmt.Sprintf(view, quoteLiteral(db)) + ")"
		i += 2
		if i+1 >= len(toks) || !(toks[i+1].isIdent() && !reserved[toks[i+1].text] || toks[i+1].is("AS")) {
			sub += " AS " + quoteIdent(upper(toks[i].text))
		}
		out = append(out, raw(sub, t.pos))
	}
	return out, nil
}

// fromValues rewrites Snowflake's FROM VALUES (…), (…) [[AS] alias]
// (https://docs.snowflake.com/en/sql-reference/constructs/values), whose
// columns are COLUMN1, COLUMN2…, to DuckDB's FROM (VALUES …) AS
// alias(COLUMN1, …).
func fromValues(toks []token) ([]token, error) {
	var out []token
	for i := 0; i < len(toks); i++ {
		out = append(out, toks[i])
		if !(toks[i].is("FROM") || toks[i].is("JOIN")) || i+2 >= len(toks) || !toks[i+1].is("VALUES") || !toks[i+2].isPunct("(") {
			continue
		}
		j := i + 2
		ncols := len(splitArgs(toks[j+1 : closing(toks, j)]))
		for j < len(toks) && toks[j].isPunct("(") {
			end := closing(toks, j)
			if end < 0 {
				return toks, nil
			}
			j = end + 1
			if j < len(toks) && toks[j].isPunct(",") && j+1 < len(toks) && toks[j+1].isPunct("(") {
				j++
			}
		}
		out = append(out, raw("(", toks[i].pos))
		out = append(out, toks[i+1:j]...)
		alias := "_VALUES"
		if j < len(toks) && toks[j].is("AS") {
			j++
		}
		if j < len(toks) && toks[j].isIdent() && !reserved[toks[j].text] && !clauseWords[toks[j].text] {
			alias = toks[j].text
			j++
		}
		cols := make([]string, ncols)
		for k := range cols {
			cols[k] = fmt.Sprintf(`"COLUMN%d"`, k+1)
		}
		out = append(out, raw(") AS "+quoteIdent(alias)+"("+strings.Join(cols, ", ")+")", toks[i].pos))
		i = j - 1
	}
	return out, nil
}

// clauseWords end a FROM item without being reserved.
var clauseWords = setOf(`LIMIT OFFSET FETCH`)

// createTable drops the constraints Snowflake declares but does not
// enforce: "Snowflake supports defining and maintaining constraints, but
// does not enforce them, except for NOT NULL constraints"
// (https://docs.snowflake.com/en/sql-reference/constraints-overview).
// DuckDB would enforce PRIMARY KEY and UNIQUE.
func (r *rewriter) createTable(toks []token) ([]token, error) {
	open := -1
	for i, t := range toks {
		if t.isPunct("(") {
			open = i
			break
		}
		if t.is("AS") || t.is("LIKE") || t.is("CLONE") {
			return toks, nil
		}
	}
	if open < 0 {
		return toks, nil
	}
	end := closing(toks, open)
	if end < 0 {
		return nil, unexpected(r.st.sql, toks[open])
	}
	out := append([]token{}, toks[:open+1]...)
	first := true
	for _, def := range splitArgs(toks[open+1 : end]) {
		if len(def) == 0 {
			return nil, unexpected(r.st.sql, toks[end])
		}
		if w := def[0]; w.is("PRIMARY") || w.is("UNIQUE") || w.is("FOREIGN") || w.is("CONSTRAINT") {
			continue
		}
		if !first {
			out = append(out, raw(",", def[0].pos))
		}
		first = false
		out = append(out, def[0])
		rest, err := r.columnDef(def[1:])
		if err != nil {
			return nil, err
		}
		out = append(out, rest...)
	}
	return append(out, toks[end:]...), nil
}

// columnDef translates a column's type and drops its inline constraints
// (PRIMARY KEY, UNIQUE, REFERENCES t (c), CONSTRAINT name) and Snowflake
// options DuckDB lacks (COLLATE, COMMENT).
func (r *rewriter) columnDef(def []token) ([]token, error) {
	if len(def) == 0 {
		return nil, nil
	}
	typ, n, err := r.typeAt(def, 0)
	if err != nil {
		return nil, err
	}
	out := []token{raw(typ, def[0].pos)}
	for i := n + 1; i < len(def); i++ {
		switch t := def[i]; {
		case t.is("PRIMARY") || t.is("CONSTRAINT") || t.is("COLLATE") || t.is("COMMENT"):
			i++
		case t.is("UNIQUE") || t.is("KEY"):
		case t.is("REFERENCES"):
			i++
			if i+1 < len(def) && def[i+1].isPunct("(") {
				i = closing(def, i+1)
			}
		default:
			out = append(out, t)
		}
	}
	return out, nil
}
