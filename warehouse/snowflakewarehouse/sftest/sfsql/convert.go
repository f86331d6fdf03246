package sfsql

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// convError is a value that does not convert to its column's type.
type convError struct {
	msg, state string
	code       int
}

// numberRE is a number as Snowflake reads one into NUMBER or FLOAT.
var numberRE = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)

// dateLayouts are the date forms read with DATE_FORMAT = AUTO
// (https://docs.snowflake.com/en/sql-reference/date-time-input-output#supported-formats-for-auto-detection).
var dateLayouts = []string{"2006-01-02", "02-Jan-2006", "01/02/2006"}

// timestampLayouts are the timestamp forms read with TIMESTAMP_FORMAT =
// AUTO (same page); a date alone is midnight.
var timestampLayouts = []string{
	"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999 -0700", "2006-01-02 15:04", "2006-01-02T15:04",
	"2006-01-02",
}

// booleans are the strings Snowflake reads as BOOLEAN
// (https://docs.snowflake.com/en/sql-reference/data-types-logical#conversion-to-boolean).
var booleans = map[string]string{
	"TRUE": "TRUE", "T": "TRUE", "YES": "TRUE", "Y": "TRUE", "ON": "TRUE", "1": "TRUE",
	"FALSE": "FALSE", "F": "FALSE", "NO": "FALSE", "N": "FALSE", "OFF": "FALSE", "0": "FALSE",
}

// convertValue turns a loaded field into the SQL literal of its column's
// DuckDB type, or a conversion error worded as Snowflake's.
func convertValue(v *string, c tableColumn) (string, *convError) {
	if v == nil {
		if c.notNull {
			return "", &convError{msg: "NULL result in a non-nullable column", code: 100072, state: "22000"}
		}
		return "NULL", nil
	}
	s := *v
	typ := c.typ
	switch {
	case typ == "VARCHAR":
		return quoteLiteral(s), nil
	case strings.HasPrefix(typ, "DECIMAL"), strings.Contains(typ, "INT"):
		if !numberRE.MatchString(s) {
			return "", &convError{msg: fmt.Sprintf("Numeric value '%s' is not recognized", s), code: codeNumeric, state: "22018"}
		}
		if strings.Contains(typ, "INT") {
			return "CAST(CAST(" + quoteLiteral(s) + " AS DECIMAL(38, 9)) AS " + typ + ")", nil
		}
		return "CAST(" + quoteLiteral(s) + " AS " + typ + ")", nil
	case typ == "DOUBLE" || typ == "FLOAT":
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return "", &convError{msg: fmt.Sprintf("Numeric value '%s' is not recognized", s), code: codeNumeric, state: "22018"}
		}
		return "CAST(" + quoteLiteral(s) + " AS DOUBLE)", nil
	case typ == "BOOLEAN":
		if b, ok := booleans[upper(strings.TrimSpace(s))]; ok {
			return b, nil
		}
		return "", &convError{msg: fmt.Sprintf("Boolean value '%s' is not recognized", s), code: codeBoolean, state: "22018"}
	case typ == "DATE":
		return timeLiteral(s, "DATE", dateLayouts, "2006-01-02", "Date", codeDate)
	case typ == "TIMESTAMP WITH TIME ZONE":
		return timeLiteral(s, "TIMESTAMPTZ", timestampLayouts, "2006-01-02 15:04:05.999999999-07:00", "Timestamp", codeTimestamp)
	case strings.HasPrefix(typ, "TIMESTAMP"):
		return timeLiteral(s, "TIMESTAMP", timestampLayouts, "2006-01-02 15:04:05.999999999", "Timestamp", codeTimestamp)
	case typ == "TIME":
		return timeLiteral(s, "TIME", []string{"15:04:05.999999999", "15:04"}, "15:04:05.999999999", "Time", 100036)
	}
	return quoteLiteral(s), nil
}

// timeLiteral parses s with the first matching layout.
func timeLiteral(s, typ string, layouts []string, out, what string, code int) (string, *convError) {
	for _, l := range layouts {
		if t, err := time.Parse(l, strings.TrimSpace(s)); err == nil {
			return typ + " '" + t.Format(out) + "'", nil
		}
	}
	return "", &convError{msg: fmt.Sprintf("%s '%s' is not recognized", what, s), code: code, state: "22007"}
}
