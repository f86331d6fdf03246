package snowflakewarehouse

import (
	"time"

	"github.com/edqm/edqm/warehouse"
)

// dialect, declared with its Name in the package's main file, is
// Snowflake's SQL, registered under its name.
// Dates are parsed with an explicit format: the session's
// DATE_INPUT_FORMAT is not relied on
// (https://docs.snowflake.com/en/sql-reference/functions/to_date).
var _ warehouse.Dialect = dialect{}

func init() { warehouse.RegisterDialect(dialect{}) }

// DateLiteral renders CAST('YYYY-MM-DD' AS DATE).
func (dialect) DateLiteral(d time.Time) string {
	return "CAST('" + d.Format(time.DateOnly) + "' AS DATE)"
}

// ParseDate renders TRY_TO_DATE(expr, 'YYYY-MM-DD'), NULL for anything
// else.
func (dialect) ParseDate(expr string) string { return "TRY_TO_DATE(" + expr + ", 'YYYY-MM-DD')" }

// BatchDate extracts the date with REGEXP_SUBSTR (NULL when nothing
// matches) and parses it with TO_DATE's explicit format.
func (dialect) BatchDate(column string) string {
	return "TO_DATE(REGEXP_SUBSTR(" + column + ", 'date=([0-9]{4}-[0-9]{2}-[0-9]{2})', 1, 1, 'e', 1), 'YYYY-MM-DD')"
}

// SemiJoin joins table with the distinct keys (aliased k).
func (dialect) SemiJoin(table, alias, column, keys, where string) string {
	return "FROM " + table + " AS " + alias + "\n" +
		"    JOIN (SELECT DISTINCT " + column + " FROM " + keys + ") AS k ON k." + column + " = " + alias + "." + column + "\n" +
		"    WHERE " + where
}
