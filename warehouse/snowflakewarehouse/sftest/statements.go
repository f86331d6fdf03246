package sftest

import "strings"

// countStatements counts the statements of a request's SQL text: the
// pieces between semicolons that hold more than blanks and comments.
// Semicolons inside quoted strings ('...', "...", $$...$$) and comments
// (--, // and /* */) do not count. String constants follow
// https://docs.snowflake.com/en/sql-reference/data-types-text#string-constants;
// the comment syntax and the counting rule are assumed.
func countStatements(sql string) int {
	n := 0
	content := false // the current piece holds more than blanks/comments
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == ';':
			if content {
				n++
			}
			content = false
			i++
		case c == '-' && strings.HasPrefix(sql[i:], "--"), c == '/' && strings.HasPrefix(sql[i:], "//"):
			i = skipPast(sql, i+2, "\n")
		case c == '/' && strings.HasPrefix(sql[i:], "/*"):
			i = skipPast(sql, i+2, "*/")
		case c == '$' && strings.HasPrefix(sql[i:], "$$"):
			content = true
			i = skipPast(sql, i+2, "$$")
		case c == '\'' || c == '"':
			content = true
			i = skipQuoted(sql, i)
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		default:
			content = true
			i++
		}
	}
	if content {
		n++
	}
	return n
}

// skipPast returns the index after the first end at or after i, or the
// length of s.
func skipPast(s string, i int, end string) int {
	if j := strings.Index(s[i:], end); j >= 0 {
		return i + j + len(end)
	}
	return len(s)
}

// skipQuoted returns the index after the quoted text starting at i. A
// doubled quote or a backslash escapes (single quotes only take
// backslashes).
func skipQuoted(s string, i int) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch {
		case s[j] == '\\' && q == '\'':
			j++
		case s[j] == q && j+1 < len(s) && s[j+1] == q:
			j++
		case s[j] == q:
			return j + 1
		}
	}
	return len(s)
}
