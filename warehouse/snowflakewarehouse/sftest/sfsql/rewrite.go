package sfsql

import (
	"strings"
)

// tokRaw is a token produced by a pre-pass: SQL for DuckDB, emitted as
// is.
const tokRaw tokKind = 100

// rewriter translates one statement's significant tokens to DuckDB SQL.
type rewriter struct {
	s  *Session
	st *stmt
}

// quoteIdent renders name as a DuckDB quoted identifier.
func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// quoteLiteral renders s as a DuckDB string literal (no backslash
// escapes in DuckDB's standard strings).
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// upper upper-cases an unquoted identifier.
func upper(s string) string { return strings.ToUpper(s) }

// translate returns the DuckDB SQL of the statement: the checks on the
// Snowflake text (reserved words, unknown functions), then the pre-passes
// that replace whole constructs, then the token-by-token translation.
func (r *rewriter) translate() (string, error) {
	if err := checkReserved(r.st); err != nil {
		return "", err
	}
	if err := checkFunctions(r.st); err != nil {
		return "", err
	}
	toks := r.st.sig
	var err error
	for _, pass := range []func([]token) ([]token, error){r.infoSchema, r.validateTable, fromValues} {
		if toks, err = pass(toks); err != nil {
			return "", err
		}
	}
	if strings.HasPrefix(leadWords(toks)+" ", "CREATE TABLE ") {
		if toks, err = r.createTable(toks); err != nil {
			return "", err
		}
	}
	return r.rewrite(toks)
}

// closing returns the index of the parenthesis closing the one at
// toks[open], or -1.
func closing(toks []token, open int) int {
	depth := 0
	for i := open; i < len(toks); i++ {
		switch {
		case toks[i].isPunct("("):
			depth++
		case toks[i].isPunct(")"):
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// splitArgs splits toks at the commas outside parentheses.
func splitArgs(toks []token) [][]token {
	if len(toks) == 0 {
		return nil
	}
	var out [][]token
	depth, start := 0, 0
	for i, t := range toks {
		switch {
		case t.isPunct("("):
			depth++
		case t.isPunct(")"):
			depth--
		case t.isPunct(",") && depth == 0:
			out = append(out, toks[start:i])
			start = i + 1
		}
	}
	return append(out, toks[start:])
}

// rewrite translates tokens to DuckDB SQL.
func (r *rewriter) rewrite(toks []token) (string, error) {
	var b strings.Builder
	last := byte(0)
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		text, skip, err := r.token(toks, i)
		if err != nil {
			return "", err
		}
		glued := t.kind == tokPunct && (t.text == "." || t.text == "," || t.text == ")")
		if b.Len() > 0 && last != '.' && last != '(' && !glued {
			b.WriteByte(' ')
		}
		b.WriteString(text)
		if text != "" {
			last = text[len(text)-1]
		}
		i += skip
	}
	return b.String(), nil
}

// token translates toks[i] (and, for a function call, a cast or a type,
// the tokens it consumes: skip more).
func (r *rewriter) token(toks []token, i int) (string, int, error) {
	t := toks[i]
	switch t.kind {
	case tokQuoted:
		return quoteIdent(t.text), 0, nil
	case tokString:
		return quoteLiteral(t.text), 0, nil
	case tokRaw, tokNumber:
		return t.text, 0, nil
	case tokStage:
		return "", 0, unexpected(r.st.sql, t)
	case tokParam:
		return "", 0, compileError(2049, "42601", "Bind variable ? not set.")
	case tokPunct:
		if t.text == "::" && i+1 < len(toks) {
			typ, n, err := r.typeAt(toks, i+1)
			return ":: " + typ, n + 1, err
		}
		return t.text, 0, nil
	}
	if i+1 < len(toks) && toks[i+1].isPunct("(") && (i == 0 || !toks[i-1].isPunct(".")) {
		return r.call(toks, i)
	}
	if v, ok := r.contextValue(t.text, toks, i); ok {
		return v, 0, nil
	}
	return t.text, 0, nil
}

// contextValue gives the session functions Snowflake allows without
// parentheses (CURRENT_DATABASE is not one of them; CURRENT_USER is).
func (r *rewriter) contextValue(w string, toks []token, i int) (string, bool) {
	if i > 0 && toks[i-1].isPunct(".") {
		return "", false
	}
	switch w {
	case "CURRENT_USER":
		return quoteLiteral(r.s.role), true
	}
	return "", false
}

// call translates a function call at toks[i]: its arguments are
// translated first, then the function by [functions] (DuckDB's own
// functions of the same name pass through).
func (r *rewriter) call(toks []token, i int) (string, int, error) {
	end := closing(toks, i+1)
	if end < 0 {
		return "", 0, syntaxError(r.st.sql, toks[i].pos, "unexpected end of statement")
	}
	name := toks[i].text
	rawArgs := splitArgs(toks[i+2 : end])
	skip := end - i
	var within []token
	if name == "LISTAGG" && end+3 < len(toks) && toks[end+1].is("WITHIN") && toks[end+2].is("GROUP") && toks[end+3].isPunct("(") {
		wend := closing(toks, end+3)
		if wend < 0 {
			return "", 0, syntaxError(r.st.sql, toks[end+1].pos, "unexpected end of statement")
		}
		within = toks[end+4 : wend]
		skip = wend - i
	}
	if f, ok := functions[name]; ok {
		c := &callCtx{r: r, name: name, raw: rawArgs, within: within, pos: toks[i].pos}
		for _, a := range rawArgs {
			s, err := r.rewrite(a)
			if err != nil {
				return "", 0, err
			}
			c.args = append(c.args, s)
		}
		out, err := f(c)
		return out, skip, err
	}
	inner, err := r.rewrite(toks[i+2 : end])
	if err != nil {
		return "", 0, err
	}
	return name + "(" + inner + ")", skip, nil
}

// typeAt translates the Snowflake type at toks[i] (a name and an
// optional (precision, scale)) and tells how many tokens it used.
func (r *rewriter) typeAt(toks []token, i int) (string, int, error) {
	t := toks[i]
	if t.kind != tokWord {
		return "", 0, unexpected(r.st.sql, t)
	}
	var params []string
	n := 1
	if i+1 < len(toks) && toks[i+1].isPunct("(") {
		end := closing(toks, i+1)
		if end < 0 {
			return "", 0, unexpected(r.st.sql, toks[i+1])
		}
		for _, a := range splitArgs(toks[i+2 : end]) {
			if len(a) == 1 {
				params = append(params, a[0].text)
			}
		}
		n = end - i + 1
	}
	// TIMESTAMP WITH [LOCAL] TIME ZONE is spelled out in the SQL standard.
	name := t.text
	if name == "TIMESTAMP" && i+3 < len(toks) && toks[i+1].is("WITH") {
		name, n = "TIMESTAMP_TZ", 4
		if toks[i+2].is("LOCAL") {
			name, n = "TIMESTAMP_LTZ", 5
		}
	}
	typ, err := duckType(name, params)
	if err != nil {
		return "", 0, compileError(codeSyntax, "42000", "syntax error line 1 at position %d unexpected '%s'.", t.pos, t.raw)
	}
	return typ, n - 1, nil
}
