package sfsql

import (
	"fmt"
	"strings"
)

// formatString is argument i as a Snowflake date/time format translated
// to strptime's (https://docs.snowflake.com/en/sql-reference/functions-conversion#date-and-time-formats-in-conversion-functions);
// it must be a string literal.
func (c *callCtx) formatString(i int) (string, error) {
	if i >= len(c.raw) || len(c.raw[i]) != 1 || c.raw[i][0].kind != tokString {
		return "", compileError(codeNotSupported, "0A000", "%s: the test server needs a literal format", c.name)
	}
	return quoteLiteral(strptimeFormat(c.raw[i][0].text)), nil
}

// formatElements are Snowflake's format elements, longest first, with
// their strptime directive.
var formatElements = []struct{ sf, st string }{
	{"YYYY", "%Y"}, {"HH24", "%H"}, {"HH12", "%I"}, {"FF9", "%n"}, {"FF6", "%f"}, {"FF3", "%g"}, {"FF", "%n"},
	{"MMMM", "%B"}, {"MON", "%b"}, {"DY", "%a"}, {"YY", "%y"}, {"MM", "%m"}, {"DD", "%d"},
	{"HH", "%H"}, {"MI", "%M"}, {"SS", "%S"}, {"AM", "%p"}, {"PM", "%p"}, {"TZH:TZM", "%z"},
}

// strptimeFormat translates a Snowflake format; "quoted" text and other
// characters are literal.
func strptimeFormat(f string) string {
	var b strings.Builder
	for i := 0; i < len(f); {
		if f[i] == '"' {
			j := strings.IndexByte(f[i+1:], '"')
			if j < 0 {
				j = len(f) - i - 1
			}
			b.WriteString(strings.ReplaceAll(f[i+1:i+1+j], "%", "%%"))
			i += j + 2
			continue
		}
		matched := false
		for _, e := range formatElements {
			if strings.HasPrefix(strings.ToUpper(f[i:]), e.sf) {
				b.WriteString(e.st)
				i += len(e.sf)
				matched = true
				break
			}
		}
		if !matched {
			if f[i] == '%' {
				b.WriteByte('%')
			}
			b.WriteByte(f[i])
			i++
		}
	}
	return b.String()
}

// toDate translates TO_DATE / DATE / TRY_TO_DATE (expr [, format]): a
// cast, or strptime with the format; TRY_ returns NULL instead of failing
// (https://docs.snowflake.com/en/sql-reference/functions/to_date).
func toDate(try bool) func(c *callCtx) (string, error) {
	return func(c *callCtx) (string, error) {
		if err := c.need(1, 2); err != nil {
			return "", err
		}
		return convert(c, try, "DATE")
	}
}

// toTimestamp translates TO_TIMESTAMP[_NTZ|_LTZ|_TZ] and their TRY_ forms
// (https://docs.snowflake.com/en/sql-reference/functions/to_timestamp).
func toTimestamp(try bool, typ string) func(c *callCtx) (string, error) {
	return func(c *callCtx) (string, error) {
		if err := c.need(1, 2); err != nil {
			return "", err
		}
		return convert(c, try, typ)
	}
}

// convert casts argument 0 to typ, through strptime when a format is
// given.
func convert(c *callCtx, try bool, typ string) (string, error) {
	cast := "CAST"
	if try {
		cast = "TRY_CAST"
	}
	if len(c.args) == 1 {
		return fmt.Sprintf("%s(%s AS %s)", cast, c.args[0], typ), nil
	}
	f, err := c.formatString(1)
	if err != nil {
		return "", err
	}
	fn := "strptime"
	if try {
		fn = "try_strptime"
	}
	return fmt.Sprintf("CAST(%s(CAST(%s AS VARCHAR), %s) AS %s)", fn, c.args[0], f, typ), nil
}

// toNumber translates TO_NUMBER / TO_DECIMAL / TO_NUMERIC (expr [, format]
// [, precision [, scale]]) and the TRY_ forms: a cast to NUMBER(p, s),
// default (38, 0) (https://docs.snowflake.com/en/sql-reference/functions/to_decimal).
// Formats are not supported.
func toNumber(try bool) func(c *callCtx) (string, error) {
	return func(c *callCtx) (string, error) {
		if err := c.need(1, 4); err != nil {
			return "", err
		}
		params := c.args[1:]
		if len(c.raw) > 1 && len(c.raw[1]) == 1 && c.raw[1][0].kind == tokString {
			return "", compileError(codeNotSupported, "0A000", "%s: formats are not supported by the test server", c.name)
		}
		typ, err := numberType(params)
		if err != nil {
			return "", c.need(99, 99)
		}
		if typ == "BIGINT" {
			// Snowflake rounds to the scale; DuckDB's BIGINT cast rounds too.
			typ = "DECIMAL(38, 0)"
		}
		cast := "CAST"
		if try {
			cast = "TRY_CAST"
		}
		return fmt.Sprintf("%s(%s AS %s)", cast, c.args[0], typ), nil
	}
}

// toChar translates TO_VARCHAR / TO_CHAR (expr [, format]): a cast, or
// strftime with a date format
// (https://docs.snowflake.com/en/sql-reference/functions/to_char).
func toChar(c *callCtx) (string, error) {
	if err := c.need(1, 2); err != nil {
		return "", err
	}
	if len(c.args) == 1 {
		return "CAST(" + c.args[0] + " AS VARCHAR)", nil
	}
	f, err := c.formatString(1)
	if err != nil {
		return "", err
	}
	return "strftime(" + c.args[0] + ", " + f + ")", nil
}

// regexpSubstr translates REGEXP_SUBSTR(s, pattern [, position
// [, occurrence [, parameters [, group]]]]): NULL when nothing matches,
// the 'e' parameter extracts group (default 1)
// (https://docs.snowflake.com/en/sql-reference/functions/regexp_substr).
// Position and occurrence other than 1 are not supported.
func regexpSubstr(c *callCtx) (string, error) {
	if err := c.need(2, 6); err != nil {
		return "", err
	}
	if c.arg(2, "1") != "1" || c.arg(3, "1") != "1" {
		return "", compileError(codeNotSupported, "0A000", "REGEXP_SUBSTR: position and occurrence other than 1 are not supported by the test server")
	}
	params := ""
	if len(c.raw) > 4 && len(c.raw[4]) == 1 {
		params = c.raw[4][0].text
	}
	group := "0"
	if strings.Contains(params, "e") {
		group = c.arg(5, "1")
	}
	opts := ""
	if strings.Contains(params, "i") {
		opts = ", 'i'"
	}
	return fmt.Sprintf("NULLIF(regexp_extract(%s, %s, %s%s), '')", c.args[0], c.args[1], group, opts), nil
}

// regexpLike translates REGEXP_LIKE / RLIKE (s, pattern [, parameters]):
// the pattern must match the whole string
// (https://docs.snowflake.com/en/sql-reference/functions/regexp_like).
func regexpLike(c *callCtx) (string, error) {
	if err := c.need(2, 3); err != nil {
		return "", err
	}
	if len(c.args) == 3 {
		return fmt.Sprintf("regexp_full_match(%s, %s, %s)", c.args[0], c.args[1], c.args[2]), nil
	}
	return fmt.Sprintf("regexp_full_match(%s, %s)", c.args[0], c.args[1]), nil
}

// dateAdd translates DATEADD(part, n, expr): expr plus n parts
// (https://docs.snowflake.com/en/sql-reference/functions/dateadd). A DATE
// plus days stays a DATE when the part is day or larger in Snowflake;
// here the result is a TIMESTAMP, then cast back when expr is a DATE
// (DuckDB's typeof at run time picks the branch; both are TIMESTAMP).
func dateAdd(c *callCtx) (string, error) {
	if err := c.need(3, 3); err != nil {
		return "", err
	}
	part, err := c.part(0)
	if err != nil {
		return "", err
	}
	if part == "quarter" {
		return fmt.Sprintf("(%s + CAST(%s AS BIGINT) * INTERVAL '3 month')", c.args[2], c.args[1]), nil
	}
	return fmt.Sprintf("(%s + CAST(%s AS BIGINT) * INTERVAL '1 %s')", c.args[2], c.args[1], part), nil
}

// dateDiff translates DATEDIFF(part, a, b): the part boundaries crossed
// from a to b, which DuckDB's date_diff also counts
// (https://docs.snowflake.com/en/sql-reference/functions/datediff).
func dateDiff(c *callCtx) (string, error) {
	if err := c.need(3, 3); err != nil {
		return "", err
	}
	part, err := c.part(0)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("date_diff('%s', %s, %s)", part, c.args[1], c.args[2]), nil
}

// datePartCall translates DATE_TRUNC / DATE_PART (part, expr) with the
// part as a string (https://docs.snowflake.com/en/sql-reference/functions/date_trunc).
func datePartCall(fn string) func(c *callCtx) (string, error) {
	return func(c *callCtx) (string, error) {
		if err := c.need(2, 2); err != nil {
			return "", err
		}
		part, err := c.part(0)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s('%s', %s)", fn, part, c.args[1]), nil
	}
}

// listAgg translates LISTAGG([DISTINCT] expr [, delimiter]) [WITHIN GROUP
// (ORDER BY …)] to string_agg; the default delimiter is ”
// (https://docs.snowflake.com/en/sql-reference/functions/listagg).
func listAgg(c *callCtx) (string, error) {
	if err := c.need(1, 2); err != nil {
		return "", err
	}
	order := ""
	if len(c.within) > 0 {
		o, err := c.r.rewrite(c.within)
		if err != nil {
			return "", err
		}
		order = " " + o
	}
	return fmt.Sprintf("string_agg(%s, %s%s)", c.args[0], c.arg(1, "''"), order), nil
}

// decode translates DECODE(expr, search1, result1, … [, default]); NULL
// matches NULL (https://docs.snowflake.com/en/sql-reference/functions/decode).
func decode(c *callCtx) (string, error) {
	if len(c.args) < 3 {
		return "", c.need(3, 3)
	}
	var b strings.Builder
	b.WriteString("(CASE")
	i := 1
	for ; i+1 < len(c.args); i += 2 {
		fmt.Fprintf(&b, " WHEN %s IS NOT DISTINCT FROM %s THEN %s", c.args[0], c.args[i], c.args[i+1])
	}
	if i < len(c.args) {
		fmt.Fprintf(&b, " ELSE %s", c.args[i])
	}
	b.WriteString(" END)")
	return b.String(), nil
}

// duckOnly are DuckDB functions Snowflake does not have (checked against
// https://docs.snowflake.com/en/sql-reference/functions-all); a call is
// refused with error 2140 as Snowflake would. Names starting with one of
// duckOnlyPrefixes are refused too.
var duckOnly = setOf(`STRPTIME TRY_STRPTIME STRFTIME EPOCH EPOCH_MS EPOCH_US EPOCH_NS REGEXP_MATCHES
	REGEXP_FULL_MATCH REGEXP_EXTRACT REGEXP_EXTRACT_ALL REGEXP_SPLIT_TO_ARRAY STRING_SPLIT STR_SPLIT
	STRING_SPLIT_REGEX STRING_AGG GROUP_CONCAT STRING_TO_ARRAY GLOB RANGE GENERATE_SERIES UNNEST STRUCT_PACK
	STRUCT_EXTRACT MAP MAP_EXTRACT JSON_EXTRACT JSON_EXTRACT_STRING TO_DAYS TO_HOURS TO_MINUTES TO_SECONDS
	TO_YEARS TO_MONTHS DATE_DIFF DATE_SUB DATEPART STRLEN STRPOS PRINTF FORMAT HISTOGRAM ARG_MAX ARG_MIN ARGMAX
	ARGMIN FIRST LAST FSUM FAVG SUMKAHAN PRODUCT ENDS_WITH STARTS_WITH PREFIX SUFFIX TYPEOF CURRENT_SETTING
	NEXTVAL LEVENSHTEIN DAMERAU_LEVENSHTEIN JACCARD JARO_SIMILARITY JARO_WINKLER_SIMILARITY MAKE_DATE
	MAKE_TIMESTAMP MAKE_TIME TODAY AGE CENTURY ISODOW ISOYEAR UUID GEN_RANDOM_UUID MD5_NUMBER LIST LIST_VALUE
	ARRAY_LENGTH STRUCT_INSERT BIT_COUNT ILIKE_ESCAPE LIKE_ESCAPE NFC_NORMALIZE STRIP_ACCENTS
	INSTR ORD LIST_AGG BOOL_AND BOOL_OR ENTROPY KURTOSIS_POP QUANTILE QUANTILE_CONT QUANTILE_DISC
	REDUCE APPLY ARRAY_FILTER ARRAY_TRANSFORM ARRAY_APPLY ARRAY_REDUCE TIME_BUCKET`)

// duckOnlyPrefixes are prefixes of DuckDB-only function families.
var duckOnlyPrefixes = []string{"LIST_", "READ_", "DUCKDB_", "PRAGMA_", "STRUCT_", "MAP_", "JSON_EXTRACT", "ARRAY_HAS", "PARQUET_", "SNIFF_"}

// notFunctions are words followed by a parenthesis that are no calls.
var notFunctions = setOf(`IN AS VALUES EXISTS OVER FILTER KEY INTO TABLE ON USING ANY ALL SOME AND OR NOT
	WITHIN GROUP PARTITION BY FROM SELECT WHERE THEN ELSE WHEN JOIN RECURSIVE FILES FILE_FORMAT
	INCLUDE_METADATA PRIMARY UNIQUE REFERENCES CHECK DEFAULT IDENTITY AUTOINCREMENT`)

// checkFunctions refuses calls of DuckDB-only functions with error 2140,
// "Unknown function NAME".
func checkFunctions(st *stmt) error {
	sig := st.sig
	for i := 0; i+1 < len(sig); i++ {
		t := sig[i]
		if t.kind != tokWord || !sig[i+1].isPunct("(") || notFunctions[t.text] {
			continue
		}
		if i > 0 && (sig[i-1].isPunct(".") || sig[i-1].is("INTO") || sig[i-1].is("TABLE") || sig[i-1].is("EXISTS")) {
			continue
		}
		if _, ok := functions[t.text]; ok {
			continue
		}
		if duckOnly[t.text] {
			return unknownFunction(t.text)
		}
		for _, p := range duckOnlyPrefixes {
			if strings.HasPrefix(t.text, p) {
				return unknownFunction(t.text)
			}
		}
	}
	return nil
}
