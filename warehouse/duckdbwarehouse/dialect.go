package duckdbwarehouse

import (
	"time"

	"github.com/edqm/edqm/warehouse"
)

// dialect, declared with its Name in the package's main file, is
// DuckDB's SQL, registered under its name.
var _ warehouse.Dialect = dialect{}

func init() { warehouse.RegisterDialect(dialect{}) }

// DateLiteral renders CAST('YYYY-MM-DD' AS DATE).
func (dialect) DateLiteral(d time.Time) string {
	return "CAST('" + d.Format(time.DateOnly) + "' AS DATE)"
}

// The Parse methods check the text's whole grammar with
// regexp_full_match (https://duckdb.org/docs/stable/sql/functions/regular_expressions)
// before TRY_CAST, which alone is lenient: it reads "1e3" as 1000,
// " 7.50" as 7.50, "7.505" as 7.51, "2.0" as the integer 2 and
// "2026-3-9" as a date. A CASE without ELSE gives NULL when the text does
// not match (or is NULL); TRY_CAST then only rejects a day that does not
// exist.

// ParseDate renders CASE WHEN regexp_full_match(expr, ISO date) THEN
// TRY_CAST(expr AS DATE) END.
func (dialect) ParseDate(expr string) string {
	return "CASE WHEN regexp_full_match(" + expr + ", '" + warehouse.DatePattern + "') THEN TRY_CAST(" + expr + " AS DATE) END"
}

// ParseAmount renders CASE WHEN regexp_full_match(expr, amount) THEN
// TRY_CAST(expr AS DECIMAL(18, 2)) END.
func (dialect) ParseAmount(expr string) string {
	return "CASE WHEN regexp_full_match(" + expr + ", '" + warehouse.AmountPattern + "') THEN TRY_CAST(" + expr + " AS DECIMAL(18, 2)) END"
}

// ParseQuantity renders CASE WHEN regexp_full_match(expr, quantity) THEN
// TRY_CAST(expr AS INTEGER) END.
func (dialect) ParseQuantity(expr string) string {
	return "CASE WHEN regexp_full_match(" + expr + ", '" + warehouse.QuantityPattern + "') THEN TRY_CAST(" + expr + " AS INTEGER) END"
}

// BatchDate extracts the date with regexp_extract, which returns ” when
// nothing matches: NULLIF makes it NULL, as in Snowflake, instead of a
// cast error.
func (dialect) BatchDate(column string) string {
	return "CAST(NULLIF(regexp_extract(" + column + ", 'date=([0-9]{4}-[0-9]{2}-[0-9]{2})', 1), '') AS DATE)"
}

// SemiJoin filters with COALESCE(alias.column IN (SELECT column FROM
// keys), FALSE). DuckDB estimates a CTE of typed rows at hundreds of
// millions of rows, so a join or a plain IN would build its hash table on
// all of table; the COALESCE keeps a mark join, whose hash table holds the
// few keys. The clause carries that reason as a comment, with the figures
// measured on stg_orders.
func (dialect) SemiJoin(table, alias, column, keys, where string) string {
	return "FROM " + table + " AS " + alias + "\n" +
		"    -- DuckDB estimates " + keys + " at hundreds of millions of rows, so a join or\n" +
		"    -- a plain IN would build its hash table on all of " + table + " (about 2 s\n" +
		"    -- at 10 M orders); the COALESCE keeps a mark join, whose hash table is\n" +
		"    -- the few new order ids (0.15 s).\n" +
		"    WHERE COALESCE(" + alias + "." + column + " IN (SELECT " + column + " FROM " + keys + "), FALSE)\n" +
		"        AND " + where
}
