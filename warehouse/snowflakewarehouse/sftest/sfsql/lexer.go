package sfsql

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind is the kind of a token.
type tokKind int

const (
	tokSpace  tokKind = iota // white space and comments
	tokWord                  // a bare word: keyword or unquoted identifier
	tokQuoted                // a "quoted identifier" (text is the name, unescaped)
	tokString                // a string literal (text is the value, unescaped)
	tokNumber                // a numeric literal
	tokParam                 // a ? placeholder
	tokStage                 // a stage reference: @name/path or @"a"."b"/path
	tokPunct                 // an operator or punctuation
)

// token is one lexical token of a statement.
type token struct {
	kind tokKind
	// text is the token's text: upper case for words, the unescaped value
	// for strings and quoted identifiers, the raw text otherwise.
	text string
	// raw is the token as written.
	raw string
	// pos is the byte offset in the statement.
	pos int
}

// is tells whether t is the bare word w (upper case).
func (t token) is(w string) bool { return t.kind == tokWord && t.text == w }

// isPunct tells whether t is the punctuation p.
func (t token) isPunct(p string) bool { return t.kind == tokPunct && t.text == p }

// isIdent tells whether t can name an object: a bare word or a quoted
// identifier.
func (t token) isIdent() bool { return t.kind == tokWord || t.kind == tokQuoted }

// name is the identifier t stands for: a bare word upper-cased, a quoted
// one as written. Unquoted identifiers are stored upper case
// (https://docs.snowflake.com/en/sql-reference/identifiers-syntax).
func (t token) name() string { return t.text }

// multiPunct are the operators of more than one character.
var multiPunct = []string{"::", "=>", "||", "<=", ">=", "<>", "!=", "->"}

// lex splits a statement into tokens. String literals follow Snowflake's
// rules: ” and backslash escapes inside '…', and $$…$$ without escapes
// (https://docs.snowflake.com/en/sql-reference/data-types-text#string-constants).
// Comments are --, // and /* */
// (https://docs.snowflake.com/en/sql-reference/sql-format-models — assumed
// from the SQL reference's examples for //).
func lex(q string) ([]token, error) {
	var out []token
	for i := 0; i < len(q); {
		t, n, err := lexOne(q, i)
		if err != nil {
			return nil, err
		}
		t.raw, t.pos = q[i:i+n], i
		out = append(out, t)
		i += n
	}
	return out, nil
}

// lexOne reads the token at q[i:] and returns it with its length.
func lexOne(q string, i int) (token, int, error) {
	c := q[i]
	rest := q[i:]
	switch {
	case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
		n := 1
		for i+n < len(q) && strings.IndexByte(" \t\n\r\f", q[i+n]) >= 0 {
			n++
		}
		return token{kind: tokSpace}, n, nil
	case strings.HasPrefix(rest, "--") || strings.HasPrefix(rest, "//"):
		n := strings.IndexByte(rest, '\n')
		if n < 0 {
			n = len(rest)
		}
		return token{kind: tokSpace}, n, nil
	case strings.HasPrefix(rest, "/*"):
		n := strings.Index(rest[2:], "*/")
		if n < 0 {
			return token{}, 0, syntaxError(q, i, "unterminated comment")
		}
		return token{kind: tokSpace}, n + 4, nil
	case c == '\'':
		return lexString(q, i)
	case strings.HasPrefix(rest, "$$"):
		n := strings.Index(rest[2:], "$$")
		if n < 0 {
			return token{}, 0, syntaxError(q, i, "unterminated string")
		}
		return token{kind: tokString, text: rest[2 : 2+n]}, n + 4, nil
	case c == '"':
		return lexQuoted(q, i)
	case c == '@':
		return lexStage(q, i), stageLen(q, i), nil
	case c == '?':
		return token{kind: tokParam, text: "?"}, 1, nil
	case c >= '0' && c <= '9' || c == '.' && i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9':
		n := lexNumber(rest)
		return token{kind: tokNumber, text: rest[:n]}, n, nil
	case isWordStart(rest):
		n := wordLen(rest)
		return token{kind: tokWord, text: strings.ToUpper(rest[:n])}, n, nil
	}
	for _, p := range multiPunct {
		if strings.HasPrefix(rest, p) {
			return token{kind: tokPunct, text: p}, len(p), nil
		}
	}
	_, n := utf8.DecodeRuneInString(rest)
	return token{kind: tokPunct, text: rest[:n]}, n, nil
}

// isWordStart tells whether s starts an identifier: a letter or _.
func isWordStart(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return r == '_' || unicode.IsLetter(r)
}

// wordLen is the length of the bare word at the start of s: letters,
// digits, _ and $ (https://docs.snowflake.com/en/sql-reference/identifiers-syntax).
func wordLen(s string) int {
	n := 0
	for n < len(s) {
		r, size := utf8.DecodeRuneInString(s[n:])
		if r != '_' && r != '$' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			break
		}
		n += size
	}
	return n
}

// lexNumber is the length of the number at the start of s: digits, a
// fraction and an exponent.
func lexNumber(s string) int {
	n := 0
	digits := func() {
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
	}
	digits()
	if n < len(s) && s[n] == '.' {
		n++
		digits()
	}
	if n < len(s) && (s[n] == 'e' || s[n] == 'E') {
		m := n + 1
		if m < len(s) && (s[m] == '+' || s[m] == '-') {
			m++
		}
		if m < len(s) && s[m] >= '0' && s[m] <= '9' {
			n = m
			digits()
		}
	}
	return n
}

// lexString reads a '…' literal: ” is a quote, and a backslash escapes
// the next character (\n, \t, \r, \0, \\, \', others as themselves).
func lexString(q string, i int) (token, int, error) {
	var b strings.Builder
	for j := i + 1; j < len(q); j++ {
		switch c := q[j]; {
		case c == '\'' && j+1 < len(q) && q[j+1] == '\'':
			b.WriteByte('\'')
			j++
		case c == '\'':
			return token{kind: tokString, text: b.String()}, j + 1 - i, nil
		case c == '\\' && j+1 < len(q):
			j++
			b.WriteString(unescape(q[j]))
		default:
			b.WriteByte(c)
		}
	}
	return token{}, 0, syntaxError(q, i, "unterminated string")
}

// unescape is the character a backslash escape stands for.
func unescape(c byte) string {
	switch c {
	case 'n':
		return "\n"
	case 't':
		return "\t"
	case 'r':
		return "\r"
	case 'b':
		return "\b"
	case 'f':
		return "\f"
	case '0':
		return "\x00"
	}
	return string(c)
}

// lexQuoted reads a "quoted identifier": "" is a double quote.
func lexQuoted(q string, i int) (token, int, error) {
	var b strings.Builder
	for j := i + 1; j < len(q); j++ {
		if q[j] == '"' {
			if j+1 < len(q) && q[j+1] == '"' {
				b.WriteByte('"')
				j++
				continue
			}
			return token{kind: tokQuoted, text: b.String()}, j + 1 - i, nil
		}
		b.WriteByte(q[j])
	}
	return token{}, 0, syntaxError(q, i, "unterminated quoted identifier")
}

// stageLen is the length of the stage reference at q[i] ('@'): up to
// white space, a closing parenthesis, a comma or a semicolon, quoted
// parts included.
func stageLen(q string, i int) int {
	j := i + 1
	inQuote := false
	for j < len(q) {
		c := q[j]
		if c == '"' {
			inQuote = !inQuote
		} else if !inQuote && strings.IndexByte(" \t\r\n),;", c) >= 0 {
			break
		}
		j++
	}
	return j - i
}

// lexStage reads a stage reference; its text is the reference without @.
func lexStage(q string, i int) token {
	return token{kind: tokStage, text: q[i+1 : i+stageLen(q, i)]}
}

// significant drops white space and comments.
func significant(toks []token) []token {
	out := make([]token, 0, len(toks))
	for _, t := range toks {
		if t.kind != tokSpace {
			out = append(out, t)
		}
	}
	return out
}
