package sfsql

import "strings"

// reserved are Snowflake's reserved keywords, from
// https://docs.snowflake.com/en/sql-reference/reserved-keywords (the
// entries "reserved by ANSI", "reserved by Snowflake" and the limited ones
// that cannot be column or table names). Words only limited in SHOW
// commands (ACCOUNT, DATABASE, SCHEMA, VIEW…) are left out.
var reserved = setOf(`ALL ALTER AND ANY AS BETWEEN BY CASE CAST CHECK COLUMN CONNECT CONSTRAINT CREATE
	CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER DELETE DISTINCT DROP ELSE EXISTS
	FALSE FOLLOWING FOR FROM FULL GRANT GROUP HAVING ILIKE IN INCREMENT INNER INSERT INTERSECT INTO IS JOIN
	LATERAL LEFT LIKE LOCALTIME LOCALTIMESTAMP MINUS NATURAL NOT NULL OF ON OR ORDER QUALIFY REGEXP REVOKE
	RIGHT RLIKE ROW ROWS SAMPLE SELECT SET SOME START TABLE TABLESAMPLE THEN TO TRIGGER TRUE TRY_CAST UNION
	UNIQUE UPDATE USING VALUES WHEN WHENEVER WHERE WINDOW WITH`)

// valueKeywords are reserved words that are values in a scalar
// expression; they are checked only as column names in CREATE TABLE.
var valueKeywords = setOf(`NULL TRUE FALSE CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER
	LOCALTIME LOCALTIMESTAMP LATERAL`)

// setOf makes a set of the space-separated words.
func setOf(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// identBefore are the tokens after which a word stands for a column (an
// item of a list, an operand, an alias) and identAfter the tokens that
// may follow a column. A reserved word between the two is used as an
// identifier, which Snowflake refuses with a syntax error.
var (
	identBefore = setOf(`, ( SELECT DISTINCT AS WHERE AND OR ON BY SET HAVING QUALIFY WHEN THEN ELSE = < > <= >= <> != ||`)
	identAfter  = setOf(`, ) FROM IS = < > <= >= <> != AS ; AND OR DESC ASC / || IN LIKE ILIKE BETWEEN`)
	tableBefore = setOf(`FROM JOIN INTO UPDATE`)
	typeWords   = setOf(`VARCHAR TEXT STRING CHAR CHARACTER NUMBER NUMERIC DECIMAL INT INTEGER BIGINT SMALLINT
		TINYINT BYTEINT FLOAT FLOAT4 FLOAT8 DOUBLE REAL BOOLEAN DATE TIME TIMESTAMP TIMESTAMP_NTZ TIMESTAMP_LTZ
		TIMESTAMP_TZ DATETIME VARIANT OBJECT ARRAY BINARY VARBINARY`)
)

// tokText is the text a token is matched on in the sets above: the word,
// or the punctuation.
func tokText(t token) string {
	if t.kind == tokWord || t.kind == tokPunct {
		return t.text
	}
	return "\x00"
}

// checkReserved refuses a reserved keyword used as a bare identifier:
// "Snowflake SQL reserves all ANSI keywords … the use of keywords such as
// TRUE, FALSE, CASE, etc. as column references in scalar expressions" is
// prohibited (https://docs.snowflake.com/en/sql-reference/reserved-keywords).
// Without a full grammar, a word is taken as an identifier when it comes
// right after or before a dot, between identBefore and identAfter, after
// FROM/JOIN/INTO/UPDATE without a parenthesis, or as a column name
// followed by a type in CREATE TABLE (assumed heuristics).
func checkReserved(st *stmt) error {
	sig := st.sig
	ddl := strings.HasPrefix(leadWords(sig)+" ", "CREATE TABLE ") || strings.HasPrefix(leadWords(sig), "ALTER TABLE")
	at := func(i int) string {
		if i < 0 || i >= len(sig) {
			return ";"
		}
		return tokText(sig[i])
	}
	for i, t := range sig {
		if t.kind != tokWord || !reserved[t.text] {
			continue
		}
		prev, next := at(i-1), at(i+1)
		misuse := prev == "." || next == "."
		if ddl && (prev == "," || prev == "(") && typeWords[next] {
			misuse = true
		}
		if !valueKeywords[t.text] {
			misuse = misuse || identBefore[prev] && identAfter[next] && !(prev == "BY" && t.text == "ALL")
			misuse = misuse || tableBefore[prev] && next != "("
		}
		if misuse {
			return unexpected(st.sql, t)
		}
	}
	return nil
}
