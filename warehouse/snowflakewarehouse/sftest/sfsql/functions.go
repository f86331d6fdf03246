package sfsql

import (
	"fmt"
	"strings"
)

// callCtx is one call being translated.
type callCtx struct {
	r      *rewriter
	name   string
	raw    [][]token // the arguments' Snowflake tokens
	args   []string  // the arguments translated
	within []token   // LISTAGG's WITHIN GROUP (…) contents
	pos    int
}

// need checks the number of arguments.
func (c *callCtx) need(lo, hi int) error {
	if len(c.args) < lo || len(c.args) > hi {
		return compileError(1044, "42P13",
			"error line 1 at position %d\nInvalid argument types for function '%s'", c.pos, c.name)
	}
	return nil
}

// arg is argument i, or def when absent.
func (c *callCtx) arg(i int, def string) string {
	if i < len(c.args) {
		return c.args[i]
	}
	return def
}

// part is a date part argument (a bare word or a string) as DuckDB's
// part name, with Snowflake's abbreviations
// (https://docs.snowflake.com/en/sql-reference/functions-date-time#label-supported-date-time-parts).
func (c *callCtx) part(i int) (string, error) {
	if i >= len(c.raw) || len(c.raw[i]) != 1 {
		return "", c.need(99, 99)
	}
	p, ok := dateParts[strings.ToUpper(c.raw[i][0].text)]
	if !ok {
		return "", compileError(codeSyntax, "42000", "invalid date part '%s'", c.raw[i][0].text)
	}
	return p, nil
}

// dateParts maps Snowflake's date and time parts to DuckDB's.
var dateParts = func() map[string]string {
	m := map[string]string{}
	for canon, syn := range map[string]string{
		"year":        "YEAR Y YY YYY YYYY YR YEARS YRS",
		"quarter":     "QUARTER Q QTR QTRS QUARTERS",
		"month":       "MONTH MM MON MONS MONTHS",
		"week":        "WEEK W WK WEEKOFYEAR WOY WY WEEKS",
		"day":         "DAY D DD DAYS DAYOFMONTH",
		"hour":        "HOUR H HH HR HOURS HRS",
		"minute":      "MINUTE M MI MIN MINUTES MINS",
		"second":      "SECOND S SEC SECONDS SECS",
		"millisecond": "MILLISECOND MS MSEC MILLISECONDS",
		"microsecond": "MICROSECOND US USEC MICROSECONDS",
		"dow":         "DAYOFWEEK WEEKDAY DOW DW",
		"doy":         "DAYOFYEAR YEARDAY DOY DY",
		"epoch":       "EPOCH_SECOND EPOCH EPOCH_SECONDS",
	} {
		for _, s := range strings.Fields(syn) {
			m[s] = canon
		}
	}
	return m
}()

// functions translate Snowflake functions that DuckDB lacks or spells or
// behaves differently; each cites its Snowflake page
// (https://docs.snowflake.com/en/sql-reference/functions/<name>).
var functions map[string]func(c *callCtx) (string, error)

// init fills functions (a variable initialised in init, since the
// translators call the rewriter, which looks functions up).
func init() {
	functions = functionTable()
}

// functionTable is the translators by Snowflake name. It stays one
// function over 80 lines: it is a flat lookup table, one entry per name.
func functionTable() map[string]func(c *callCtx) (string, error) {
	return map[string]func(c *callCtx) (string, error){
		"IFF": func(c *callCtx) (string, error) { // iff: CASE WHEN c THEN a ELSE b END
			if err := c.need(3, 3); err != nil {
				return "", err
			}
			return fmt.Sprintf("(CASE WHEN %s THEN %s ELSE %s END)", c.args[0], c.args[1], c.args[2]), nil
		},
		"NVL":        rename("COALESCE", 2, 2),
		"IFNULL":     rename("COALESCE", 2, 2),
		"ENDSWITH":   rename("ends_with", 2, 2),
		"STARTSWITH": rename("starts_with", 2, 2),
		"NVL2": func(c *callCtx) (string, error) { // nvl2: a IS NOT NULL ? b : c
			if err := c.need(3, 3); err != nil {
				return "", err
			}
			return fmt.Sprintf("(CASE WHEN %s IS NOT NULL THEN %s ELSE %s END)", c.args[0], c.args[1], c.args[2]), nil
		},
		"ZEROIFNULL": template(1, 1, "COALESCE(%[1]s, 0)"),
		"NULLIFZERO": template(1, 1, "NULLIF(%[1]s, 0)"),
		"DIV0":       template(2, 2, "(CASE WHEN %[2]s = 0 THEN 0 ELSE %[1]s / %[2]s END)"),
		"EQUAL_NULL": template(2, 2, "(%[1]s IS NOT DISTINCT FROM %[2]s)"),
		"SQUARE":     template(1, 1, "((%[1]s) * (%[1]s))"),
		"CHARINDEX":  template(2, 3, "instr(%[2]s, %[1]s)"),
		"ADD_MONTHS": template(2, 2, "(%[1]s + CAST(%[2]s AS BIGINT) * INTERVAL '1 month')"),
		"UUID_STRING": func(*callCtx) (string, error) {
			return "CAST(uuid() AS VARCHAR)", nil
		},
		"SYSDATE":              template(0, 0, "CAST(now() AT TIME ZONE 'UTC' AS TIMESTAMP)"),
		"BOOLAND_AGG":          rename("bool_and", 1, 1),
		"BOOLOR_AGG":           rename("bool_or", 1, 1),
		"TO_VARCHAR":           toChar,
		"TO_CHAR":              toChar,
		"TO_DATE":              toDate(false),
		"DATE":                 toDate(false),
		"TRY_TO_DATE":          toDate(true),
		"TO_TIMESTAMP":         toTimestamp(false, "TIMESTAMP"),
		"TO_TIMESTAMP_NTZ":     toTimestamp(false, "TIMESTAMP"),
		"TO_TIMESTAMP_LTZ":     toTimestamp(false, "TIMESTAMPTZ"),
		"TO_TIMESTAMP_TZ":      toTimestamp(false, "TIMESTAMPTZ"),
		"TRY_TO_TIMESTAMP":     toTimestamp(true, "TIMESTAMP"),
		"TRY_TO_TIMESTAMP_NTZ": toTimestamp(true, "TIMESTAMP"),
		"TRY_TO_TIMESTAMP_LTZ": toTimestamp(true, "TIMESTAMPTZ"),
		"TRY_TO_TIMESTAMP_TZ":  toTimestamp(true, "TIMESTAMPTZ"),
		"TO_NUMBER":            toNumber(false),
		"TO_DECIMAL":           toNumber(false),
		"TO_NUMERIC":           toNumber(false),
		"TRY_TO_NUMBER":        toNumber(true),
		"TRY_TO_DECIMAL":       toNumber(true),
		"TRY_TO_NUMERIC":       toNumber(true),
		"TO_DOUBLE":            template(1, 2, "CAST(%[1]s AS DOUBLE)"),
		"TRY_TO_DOUBLE":        template(1, 2, "TRY_CAST(%[1]s AS DOUBLE)"),
		"TO_BOOLEAN":           template(1, 1, "CAST(%[1]s AS BOOLEAN)"),
		"TRY_TO_BOOLEAN":       template(1, 1, "TRY_CAST(%[1]s AS BOOLEAN)"),
		"CAST":                 castCall("CAST"),
		"TRY_CAST":             castCall("TRY_CAST"),
		"REGEXP_SUBSTR":        regexpSubstr,
		"REGEXP_LIKE":          regexpLike,
		"RLIKE":                regexpLike,
		"REGEXP_REPLACE":       template(2, 3, "regexp_replace(%[1]s, %[2]s, %[3]s, 'g')"),
		"REGEXP_COUNT":         template(2, 2, "length(regexp_extract_all(%[1]s, %[2]s))"),
		"DATEADD":              dateAdd,
		"TIMEADD":              dateAdd,
		"TIMESTAMPADD":         dateAdd,
		"DATEDIFF":             dateDiff,
		"TIMEDIFF":             dateDiff,
		"TIMESTAMPDIFF":        dateDiff,
		"DATE_TRUNC":           datePartCall("date_trunc"),
		"DATE_PART":            datePartCall("date_part"),
		"LISTAGG":              listAgg,
		"DECODE":               decode,
		"LAST_QUERY_ID":        lastQueryID,
		"CURRENT_SCHEMA":       sessionValue(func(s *Session) string { return s.schema }),
		"CURRENT_DATABASE":     sessionValue(func(s *Session) string { return s.database }),
		"CURRENT_WAREHOUSE":    sessionValue(func(s *Session) string { return s.warehouse }),
		"CURRENT_ROLE":         sessionValue(func(s *Session) string { return s.role }),
		"CURRENT_USER":         sessionValue(func(s *Session) string { return s.role }),
		"CURRENT_VERSION":      sessionValue(func(*Session) string { return "9.0.0" }),
		"CURRENT_REGION":       sessionValue(func(*Session) string { return "LOCAL" }),
		"CURRENT_ACCOUNT":      sessionValue(func(*Session) string { return "SFTEST" }),
	}
}

// rename calls DuckDB's function name with the same arguments.
func rename(name string, lo, hi int) func(c *callCtx) (string, error) {
	return func(c *callCtx) (string, error) {
		if err := c.need(lo, hi); err != nil {
			return "", err
		}
		return name + "(" + strings.Join(c.args, ", ") + ")", nil
	}
}

// template fills format with the translated arguments (%[n]s); a missing
// optional argument is ”.
func template(lo, hi int, format string) func(c *callCtx) (string, error) {
	return func(c *callCtx) (string, error) {
		if err := c.need(lo, hi); err != nil {
			return "", err
		}
		used := 0
		for n := 1; n <= 3; n++ {
			if strings.Contains(format, fmt.Sprintf("%%[%d]s", n)) {
				used = n
			}
		}
		args := make([]any, used)
		for i := range args {
			args[i] = c.arg(i, "''")
		}
		return fmt.Sprintf(format, args...), nil
	}
}

// sessionValue renders a session's context function as a literal
// (https://docs.snowflake.com/en/sql-reference/functions-context).
func sessionValue(get func(s *Session) string) func(c *callCtx) (string, error) {
	return func(c *callCtx) (string, error) {
		if err := c.need(0, 0); err != nil {
			return "", err
		}
		v := get(c.r.s)
		if v == "" {
			return "CAST(NULL AS VARCHAR)", nil
		}
		return quoteLiteral(v), nil
	}
}

// lastQueryID is the id of the session's previous statement
// (https://docs.snowflake.com/en/sql-reference/functions/last_query_id);
// only the default position -1 is supported.
func lastQueryID(c *callCtx) (string, error) {
	if err := c.need(0, 1); err != nil {
		return "", err
	}
	if len(c.args) == 1 && c.args[0] != "-1" && c.args[0] != "- 1" {
		return "", compileError(codeNotSupported, "0A000", "LAST_QUERY_ID: only position -1 is supported by the test server")
	}
	if c.r.s.lastQueryID == "" {
		return "CAST(NULL AS VARCHAR)", nil
	}
	return quoteLiteral(c.r.s.lastQueryID), nil
}

// castCall translates CAST(x AS type) and TRY_CAST(x AS type) with the
// type translated (https://docs.snowflake.com/en/sql-reference/functions/cast).
func castCall(name string) func(c *callCtx) (string, error) {
	return func(c *callCtx) (string, error) {
		if err := c.need(1, 1); err != nil {
			return "", err
		}
		toks := c.raw[0]
		as := -1
		depth := 0
		for i, t := range toks {
			if t.isPunct("(") {
				depth++
			} else if t.isPunct(")") {
				depth--
			} else if depth == 0 && t.is("AS") {
				as = i
			}
		}
		if as < 0 || as+1 >= len(toks) {
			return "", unexpected(c.r.st.sql, toks[len(toks)-1])
		}
		expr, err := c.r.rewrite(toks[:as])
		if err != nil {
			return "", err
		}
		typ, _, err := c.r.typeAt(toks, as+1)
		if err != nil {
			return "", err
		}
		return name + "(" + expr + " AS " + typ + ")", nil
	}
}
