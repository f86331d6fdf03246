package sfsql

import (
	"fmt"
	"strings"
)

// csvField is one field of a record.
type csvField struct {
	value  string
	quoted bool
}

// csvRecord is one record of a file, or a parse error in it.
type csvRecord struct {
	fields    []csvField
	line      int    // the line the record starts on, 1-based
	offset    int    // its byte offset
	text      string // the record as written, without its delimiter
	errMsg    string // a parse error, if any
	errCode   int
	errChar   int // 1-based character position of the error in the record
	errColumn int // 1-based field the error is in
}

// csvParser splits a file into records with Snowflake's CSV rules
// (https://docs.snowflake.com/en/sql-reference/sql/create-file-format,
// format type options for CSV).
type csvParser struct {
	f    *fileFormat
	data string
	pos  int
	line int
	// bareQuoteErr makes an enclosure character inside an unenclosed
	// field a parse error (Options.BareQuoteRejected).
	bareQuoteErr bool
}

// next reads the next record; ok is false at the end of the data.
func (p *csvParser) next() (rec csvRecord, ok bool) {
	if p.pos >= len(p.data) {
		return rec, false
	}
	rec.line, rec.offset = p.line, p.pos
	start := p.pos
	for {
		fld, err := p.field(&rec)
		if err != "" {
			rec.errMsg = err
			p.skipRecord()
			break
		}
		rec.fields = append(rec.fields, fld)
		if p.at(p.f.FieldDelimiter) {
			p.pos += len(p.f.FieldDelimiter)
			continue
		}
		break
	}
	end := p.pos
	if p.at(p.f.RecordDelimiter) {
		p.pos += len(p.f.RecordDelimiter)
		p.line += strings.Count(p.f.RecordDelimiter, "\n")
	}
	rec.text = strings.TrimSuffix(p.data[start:end], "\r")
	return rec, true
}

// at tells whether the data continues with s (a newline record delimiter
// also matches \r\n: assumed, as Snowflake reads Windows files).
func (p *csvParser) at(s string) bool {
	if s == "\n" && strings.HasPrefix(p.data[p.pos:], "\r\n") {
		p.pos++
		return true
	}
	return s != "" && strings.HasPrefix(p.data[p.pos:], s)
}

// atEnd tells whether a field ends here: a delimiter, the record's end
// or the data's end.
func (p *csvParser) atEnd() bool {
	return p.pos >= len(p.data) || strings.HasPrefix(p.data[p.pos:], p.f.FieldDelimiter) ||
		strings.HasPrefix(p.data[p.pos:], p.f.RecordDelimiter) ||
		p.f.RecordDelimiter == "\n" && strings.HasPrefix(p.data[p.pos:], "\r\n")
}

// skipRecord moves past the rest of a bad record.
func (p *csvParser) skipRecord() {
	for p.pos < len(p.data) && !strings.HasPrefix(p.data[p.pos:], p.f.RecordDelimiter) {
		p.pos++
	}
}

// field reads one field; a non-empty result is a parse error.
func (p *csvParser) field(rec *csvRecord) (csvField, string) {
	f := p.f
	if f.TrimSpace {
		for p.pos < len(p.data) && p.data[p.pos] == ' ' {
			p.pos++
		}
	}
	if f.Enclosure != 0 && p.pos < len(p.data) && p.data[p.pos] == f.Enclosure {
		return p.quotedField(rec)
	}
	var b strings.Builder
	for !p.atEnd() {
		c := p.data[p.pos]
		if f.EscapeUnenclosed != 0 && c == f.EscapeUnenclosed && p.pos+1 < len(p.data) {
			p.pos++
			b.WriteString(unescape(p.data[p.pos]))
			p.pos++
			continue
		}
		if p.bareQuoteErr && f.Enclosure != 0 && c == f.Enclosure {
			// Assumed wording and code (Options.BareQuoteRejected).
			rec.errCode, rec.errChar, rec.errColumn = 100065, p.pos-rec.offset+1, len(rec.fields)+1
			return csvField{}, fmt.Sprintf("Found character '%c' in an unenclosed field", c)
		}
		b.WriteByte(c)
		p.pos++
	}
	v := b.String()
	if f.TrimSpace {
		v = strings.TrimSpace(v)
	}
	return csvField{value: v}, ""
}

// quotedField reads a field in the enclosing character: a doubled
// enclosure or the ESCAPE character escapes one; after the closing
// enclosure only a delimiter may follow (with TRIM_SPACE, spaces too).
func (p *csvParser) quotedField(rec *csvRecord) (csvField, string) {
	f := p.f
	q := f.Enclosure
	p.pos++
	var b strings.Builder
	for {
		if p.pos >= len(p.data) {
			rec.errCode, rec.errChar, rec.errColumn = 100069, p.pos-rec.offset+1, len(rec.fields)+1
			return csvField{}, fmt.Sprintf("Unexpected end of file while an enclosed field of column %d was open (missing closing '%c')", len(rec.fields)+1, q)
		}
		c := p.data[p.pos]
		switch {
		case f.Escape != 0 && c == f.Escape && p.pos+1 < len(p.data):
			b.WriteByte(p.data[p.pos+1])
			p.pos += 2
			continue
		case c == q && p.pos+1 < len(p.data) && p.data[p.pos+1] == q:
			b.WriteByte(q)
			p.pos += 2
			continue
		case c == q:
			p.pos++
			if f.TrimSpace {
				for p.pos < len(p.data) && p.data[p.pos] == ' ' {
					p.pos++
				}
			}
			if !p.atEnd() {
				rec.errCode, rec.errChar, rec.errColumn = 100065, p.pos-rec.offset+1, len(rec.fields)+1
				return csvField{}, fmt.Sprintf("Found character '%c' instead of field delimiter '%s'", p.data[p.pos], f.FieldDelimiter)
			}
			return csvField{value: b.String(), quoted: true}, ""
		case c == '\n':
			p.line++
		}
		b.WriteByte(c)
		p.pos++
	}
}

// value is the field's SQL value: NULL for an empty unenclosed field with
// EMPTY_FIELD_AS_NULL, and for a value in NULL_IF (applied to enclosed
// fields too: assumed — the documentation says "strings in the data load
// source" without excluding enclosed ones).
func (f *fileFormat) value(fld csvField) *string {
	if fld.value == "" && !fld.quoted && f.EmptyFieldAsNull {
		return nil
	}
	for _, n := range f.NullIf {
		if fld.value == n {
			return nil
		}
	}
	v := fld.value
	return &v
}
