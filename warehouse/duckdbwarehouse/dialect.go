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

// ParseDate renders TRY_CAST(expr AS DATE), which reads YYYY-MM-DD and
// gives NULL for anything else.
func (dialect) ParseDate(expr string) string { return "TRY_CAST(" + expr + " AS DATE)" }

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
