package sfsql

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Snowflake's error codes and SQL states used here, as the server returns
// them (codes listed in gosnowflake's errors.go and seen in Snowflake's
// messages, e.g. https://docs.snowflake.com/en/user-guide/troubleshooting-sql).
const (
	codeSyntax          = 1003   // SQL compilation error: syntax error
	codeCompilation     = 2000   // other SQL compilation errors (assumed code)
	codeNotExist        = 2003   // object does not exist or not authorized
	codeAlreadyExists   = 2002   // object already exists
	codeUnknownFunction = 2140   // unknown function
	codeInvalidIdent    = 904    // invalid identifier
	codeNumeric         = 100038 // Numeric value '…' is not recognized
	codeDate            = 100040 // Date '…' is not recognized
	codeTimestamp       = 100035 // Timestamp '…' is not recognized
	codeBoolean         = 100037 // Boolean value '…' is not recognized
	codeExecution       = 100000 // other execution errors (assumed code)
	codeNotSupported    = 2
)

// lineCol is the 1-based line and 0-based position of byte offset pos in
// q, as Snowflake's "line 1 at position 7" counts.
func lineCol(q string, pos int) (int, int) {
	if pos > len(q) {
		pos = len(q)
	}
	before := q[:pos]
	line := strings.Count(before, "\n") + 1
	return line, len([]rune(before[strings.LastIndexByte(before, '\n')+1:]))
}

// syntaxError is error 1003 at byte offset pos, worded as Snowflake's
// "syntax error line L at position P unexpected 'x'."
func syntaxError(q string, pos int, what string) *Error {
	line, col := lineCol(q, pos)
	return &Error{Code: codeSyntax, SQLState: "42000", Message: fmt.Sprintf(
		"SQL compilation error:\nsyntax error line %d at position %d %s.", line, col, what)}
}

// unexpected is error 1003 for an unexpected token.
func unexpected(q string, t token) *Error {
	return syntaxError(q, t.pos, "unexpected '"+t.raw+"'")
}

// compileError is a SQL compilation error with code.
func compileError(code int, state, format string, args ...any) *Error {
	return &Error{Code: code, SQLState: state, Message: "SQL compilation error:\n" + fmt.Sprintf(format, args...)}
}

// notExist is error 2003 for a named object.
func notExist(kind, name string) *Error {
	return compileError(codeNotExist, "42S02", "%s '%s' does not exist or not authorized.", kind, name)
}

// execError is an execution error (not a compilation error).
func execError(code int, state, format string, args ...any) *Error {
	return &Error{Code: code, SQLState: state, Message: fmt.Sprintf(format, args...)}
}

// duckErrors map DuckDB's messages to Snowflake's errors, first match
// wins. The wording follows Snowflake's messages for the same case.
var duckErrors = []struct {
	re   *regexp.Regexp
	conv func(m []string) *Error
}{
	{regexp.MustCompile(`Table with name (\S+) does not exist`), func(m []string) *Error {
		return notExist("Object", strings.Trim(m[1], `"!`))
	}},
	{regexp.MustCompile(`(?:Table|View|Schema|Catalog) with name "?([^" ]+)"? does not exist`), func(m []string) *Error {
		return notExist("Object", m[1])
	}},
	{regexp.MustCompile(`(?:Scalar|Aggregate|Table) Function with name "?([^" ]+)"? does not exist`), func(m []string) *Error {
		return unknownFunction(m[1])
	}},
	{regexp.MustCompile(`Referenced column "?([^" ]+)"? not found`), func(m []string) *Error {
		return compileError(codeInvalidIdent, "42000", "error line 1 at position 0\ninvalid identifier '%s'", m[1])
	}},
	{regexp.MustCompile(`already exists`), func([]string) *Error {
		return compileError(codeAlreadyExists, "42710", "Object already exists.")
	}},
	{regexp.MustCompile(`Could not convert string '([^']*)' to (INT|BIGINT|DECIMAL|DOUBLE|HUGEINT|INT\d+)`), func(m []string) *Error {
		return execError(codeNumeric, "22018", "Numeric value '%s' is not recognized", m[1])
	}},
	{regexp.MustCompile(`(?:date field value out of range|invalid date field format): "([^"]*)"`), func(m []string) *Error {
		return execError(codeDate, "22007", "Date '%s' is not recognized", m[1])
	}},
	{regexp.MustCompile(`(?:timestamp field value out of range|invalid timestamp field format): "([^"]*)"`), func(m []string) *Error {
		return execError(codeTimestamp, "22007", "Timestamp '%s' is not recognized", m[1])
	}},
	{regexp.MustCompile(`Parser Error: (.*)`), func(m []string) *Error {
		return compileError(codeSyntax, "42000", "syntax error line 1 at position 0 unexpected '%s'.", m[1])
	}},
	{regexp.MustCompile(`Division by zero`), func([]string) *Error {
		return execError(100051, "22012", "Division by zero")
	}},
}

// unknownFunction is error 2140.
func unknownFunction(name string) *Error {
	return compileError(codeUnknownFunction, "42601", "Unknown function %s", strings.ToUpper(name))
}

// fromDuck turns a DuckDB error into a Snowflake one; messages without a
// mapping become error 2000 (compilation) or 100000 with DuckDB's text.
func fromDuck(err error) error {
	var sf *Error
	if errors.As(err, &sf) {
		return sf
	}
	msg := err.Error()
	for _, d := range duckErrors {
		if m := d.re.FindStringSubmatch(msg); m != nil {
			return d.conv(m)
		}
	}
	if strings.Contains(msg, "Binder Error") || strings.Contains(msg, "Catalog Error") {
		return compileError(codeCompilation, "42601", "%s", msg)
	}
	return execError(codeExecution, "XX000", "%s", msg)
}
