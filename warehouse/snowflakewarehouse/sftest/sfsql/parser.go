package sfsql

// parser is a cursor over a statement's significant tokens, for the
// statements parsed in Go (stages, file formats, COPY, PUT…).
type parser struct {
	st *stmt
	i  int
}

// done tells whether every token was read.
func (p *parser) done() bool { return p.i >= len(p.st.sig) }

// peek is the next token, or an empty one at the end.
func (p *parser) peek() token {
	if p.done() {
		return token{kind: tokSpace, pos: len(p.st.sql)}
	}
	return p.st.sig[p.i]
}

// next reads a token.
func (p *parser) next() token {
	t := p.peek()
	if !p.done() {
		p.i++
	}
	return t
}

// word reads the bare word w if it is next.
func (p *parser) word(w string) bool {
	if p.peek().is(w) {
		p.i++
		return true
	}
	return false
}

// punct reads the punctuation c if it is next.
func (p *parser) punct(c string) bool {
	if p.peek().isPunct(c) {
		p.i++
		return true
	}
	return false
}

// unexpected is a syntax error at the next token.
func (p *parser) unexpected() *Error {
	if p.done() {
		return syntaxError(p.st.sql, len(p.st.sql), "unexpected end of statement")
	}
	return unexpected(p.st.sql, p.peek())
}

// skipCreate reads CREATE, its modifiers and the object kind's words.
func (p *parser) skipCreate(kind ...string) {
	p.word("CREATE")
	for createModifiers[p.peek().text] && p.peek().kind == tokWord {
		p.i++
	}
	for _, k := range kind {
		p.word(k)
	}
}

// ifNotExists reads IF NOT EXISTS.
func (p *parser) ifNotExists() bool {
	if p.peek().is("IF") && p.i+2 < len(p.st.sig) && p.st.sig[p.i+1].is("NOT") && p.st.sig[p.i+2].is("EXISTS") {
		p.i += 3
		return true
	}
	return false
}

// ifExists reads IF EXISTS.
func (p *parser) ifExists() bool {
	if p.peek().is("IF") && p.i+1 < len(p.st.sig) && p.st.sig[p.i+1].is("EXISTS") {
		p.i += 2
		return true
	}
	return false
}

// objectName reads a name of one to three dotted parts, each resolved
// (unquoted upper-cased, quoted as written).
func (p *parser) objectName() ([]string, error) {
	var parts []string
	for {
		t := p.next()
		if !t.isIdent() {
			p.i--
			return nil, p.unexpected()
		}
		parts = append(parts, t.name())
		if len(parts) == 3 || !p.punct(".") {
			return parts, nil
		}
	}
}

// value reads an option's value: a string, number, word or quoted name;
// a parenthesised list gives its items.
func (p *parser) value() (string, []string, error) {
	if !p.punct("(") {
		t := p.next()
		if t.kind == tokSpace || t.kind == tokPunct {
			p.i--
			return "", nil, p.unexpected()
		}
		return t.text, nil, nil
	}
	var items []string
	for !p.punct(")") {
		if p.done() {
			return "", nil, p.unexpected()
		}
		t := p.next()
		if !t.isPunct(",") {
			items = append(items, t.text)
		}
	}
	return "", items, nil
}
