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

// The Parse methods check the text's whole grammar with REGEXP_LIKE,
// which matches the whole string
// (https://docs.snowflake.com/en/sql-reference/functions/regexp_like),
// before converting it: the conversions alone are more lenient than the
// library (TRY_TO_NUMBER reads exponents, and rounds extra decimals to
// the scale:
// https://docs.snowflake.com/en/sql-reference/functions/try_to_decimal;
// the date conversions accept other forms than the format spells).
// A CASE without ELSE gives NULL when the text does not match (or is
// NULL); the conversion then only rejects a day that does not exist.

// ParseDate renders CASE WHEN REGEXP_LIKE(expr, ISO date) THEN
// TRY_TO_DATE(expr, 'YYYY-MM-DD') END
// (https://docs.snowflake.com/en/sql-reference/functions/try_to_date).
func (dialect) ParseDate(expr string) string {
	return "CASE WHEN REGEXP_LIKE(" + expr + ", '" + warehouse.DatePattern + "') THEN TRY_TO_DATE(" + expr + ", 'YYYY-MM-DD') END"
}

// ParseAmount renders CASE WHEN REGEXP_LIKE(expr, amount) THEN
// TRY_TO_NUMBER(expr, 18, 2) END: NUMBER(18, 2), exact, since the text
// has at most two decimals and sixteen digits before the point.
func (dialect) ParseAmount(expr string) string {
	return "CASE WHEN REGEXP_LIKE(" + expr + ", '" + warehouse.AmountPattern + "') THEN TRY_TO_NUMBER(" + expr + ", 18, 2) END"
}

// ParseQuantity renders CASE WHEN REGEXP_LIKE(expr, quantity) THEN
// TRY_TO_NUMBER(expr) END: NUMBER(38, 0), Snowflake's INTEGER
// (https://docs.snowflake.com/en/sql-reference/data-types-numeric).
func (dialect) ParseQuantity(expr string) string {
	return "CASE WHEN REGEXP_LIKE(" + expr + ", '" + warehouse.QuantityPattern + "') THEN TRY_TO_NUMBER(" + expr + ") END"
}

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
