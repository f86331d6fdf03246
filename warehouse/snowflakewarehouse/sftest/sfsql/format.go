package sfsql

import (
	"context"
	"strconv"
	"strings"
)

// fileFormat is a CSV file format with Snowflake's defaults
// (https://docs.snowflake.com/en/sql-reference/sql/create-file-format).
type fileFormat struct {
	Type                       string
	FieldDelimiter             string
	RecordDelimiter            string
	SkipHeader                 int
	ParseHeader                bool
	Enclosure                  byte // FIELD_OPTIONALLY_ENCLOSED_BY; 0 is NONE
	Escape                     byte // ESCAPE (enclosed fields); 0 is NONE
	EscapeUnenclosed           byte // ESCAPE_UNENCLOSED_FIELD; default backslash
	EmptyFieldAsNull           bool
	NullIf                     []string
	ErrorOnColumnCountMismatch bool
	SkipBlankLines             bool
	TrimSpace                  bool
	Encoding                   string
	Compression                string
}

// defaultFormat is CSV with every option at its documented default.
func defaultFormat() *fileFormat {
	return &fileFormat{
		Type: "CSV", FieldDelimiter: ",", RecordDelimiter: "\n", EscapeUnenclosed: '\\',
		EmptyFieldAsNull: true, NullIf: []string{`\N`}, ErrorOnColumnCountMismatch: true,
		Encoding: "UTF8", Compression: "AUTO",
	}
}

// formatOptions set one option each; the value is the option's text,
// items a parenthesised list's.
var formatOptions = map[string]func(f *fileFormat, v string, items []string) error{
	"TYPE":                           func(f *fileFormat, v string, _ []string) error { f.Type = upper(v); return nil },
	"FIELD_DELIMITER":                func(f *fileFormat, v string, _ []string) error { f.FieldDelimiter = noneAs(v, ","); return nil },
	"RECORD_DELIMITER":               func(f *fileFormat, v string, _ []string) error { f.RecordDelimiter = noneAs(v, "\n"); return nil },
	"SKIP_HEADER":                    func(f *fileFormat, v string, _ []string) (err error) { f.SkipHeader, err = strconv.Atoi(v); return err },
	"PARSE_HEADER":                   boolOption(func(f *fileFormat) *bool { return &f.ParseHeader }),
	"FIELD_OPTIONALLY_ENCLOSED_BY":   byteOption(func(f *fileFormat) *byte { return &f.Enclosure }),
	"ESCAPE":                         byteOption(func(f *fileFormat) *byte { return &f.Escape }),
	"ESCAPE_UNENCLOSED_FIELD":        byteOption(func(f *fileFormat) *byte { return &f.EscapeUnenclosed }),
	"EMPTY_FIELD_AS_NULL":            boolOption(func(f *fileFormat) *bool { return &f.EmptyFieldAsNull }),
	"ERROR_ON_COLUMN_COUNT_MISMATCH": boolOption(func(f *fileFormat) *bool { return &f.ErrorOnColumnCountMismatch }),
	"SKIP_BLANK_LINES":               boolOption(func(f *fileFormat) *bool { return &f.SkipBlankLines }),
	"TRIM_SPACE":                     boolOption(func(f *fileFormat) *bool { return &f.TrimSpace }),
	"NULL_IF": func(f *fileFormat, v string, items []string) error {
		f.NullIf = items
		if items == nil && v != "" {
			f.NullIf = []string{v}
		}
		return nil
	},
	"ENCODING":    func(f *fileFormat, v string, _ []string) error { f.Encoding = upper(v); return nil },
	"COMPRESSION": func(f *fileFormat, v string, _ []string) error { f.Compression = upper(v); return nil },
}

// ignoredFormatOptions are accepted and have no effect here.
var ignoredFormatOptions = setOf(`COMMENT DATE_FORMAT TIME_FORMAT TIMESTAMP_FORMAT BINARY_FORMAT
	VALIDATE_UTF8 REPLACE_INVALID_CHARACTERS FILE_EXTENSION SKIP_BYTE_ORDER_MARK MULTI_LINE`)

// noneAs is v, or def when v is NONE.
func noneAs(v, def string) string {
	if upper(v) == "NONE" {
		return def
	}
	return v
}

// boolOption sets a TRUE/FALSE option.
func boolOption(field func(*fileFormat) *bool) func(*fileFormat, string, []string) error {
	return func(f *fileFormat, v string, _ []string) error {
		b, err := strconv.ParseBool(v)
		*field(f) = b
		return err
	}
}

// byteOption sets a one-character option; NONE is 0.
func byteOption(field func(*fileFormat) *byte) func(*fileFormat, string, []string) error {
	return func(f *fileFormat, v string, _ []string) error {
		if upper(v) == "NONE" || v == "" {
			*field(f) = 0
			return nil
		}
		*field(f) = v[0]
		return nil
	}
}

// formatOptionsFrom reads KEY = value options until the end or a word not
// a format option (for inline FILE_FORMAT = (…) the caller stops at ')').
func (p *parser) formatOptions(f *fileFormat, stop string) error {
	for !p.done() && !p.peek().isPunct(stop) {
		key := p.next()
		set, known := formatOptions[key.text]
		if !known && !ignoredFormatOptions[key.text] {
			p.i--
			return p.unexpected()
		}
		p.punct("=")
		v, items, err := p.value()
		if err != nil {
			return err
		}
		if known {
			if err := set(f, v, items); err != nil {
				return compileError(codeSyntax, "42000", "invalid value [%s] for parameter '%s'", v, key.text)
			}
		}
		p.punct(",")
	}
	return nil
}

// createFileFormat runs CREATE [OR REPLACE] FILE FORMAT [IF NOT EXISTS]
// name options (https://docs.snowflake.com/en/sql-reference/sql/create-file-format).
// Only TYPE = CSV is loaded by COPY.
func (s *Session) createFileFormat(_ context.Context, st *stmt) (*Result, error) {
	p := &parser{st: st}
	p.skipCreate("FILE", "FORMAT")
	ifNotExists := p.ifNotExists()
	name, err := s.qualify(p)
	if err != nil {
		return nil, err
	}
	f := defaultFormat()
	if err := p.formatOptions(f, ";"); err != nil {
		return nil, err
	}
	e := s.e
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, exists := e.formats[name]; exists {
		if ifNotExists {
			return statusResult(lastPart(name) + " already exists, statement succeeded."), nil
		}
		if !st.sig[1].is("OR") {
			return nil, compileError(codeAlreadyExists, "42710", "Object '%s' already exists.", lastPart(name))
		}
	}
	e.formats[name] = f
	return statusResult("File format " + lastPart(name) + " successfully created."), nil
}

// dropFileFormat runs DROP FILE FORMAT [IF EXISTS] name.
func (s *Session) dropFileFormat(_ context.Context, st *stmt) (*Result, error) {
	p := &parser{st: st, i: 3}
	ifExists := p.ifExists()
	name, err := s.qualify(p)
	if err != nil {
		return nil, err
	}
	s.e.mu.Lock()
	defer s.e.mu.Unlock()
	if _, ok := s.e.formats[name]; !ok && !ifExists {
		return nil, notExist("File format", name)
	}
	delete(s.e.formats, name)
	return statusResult(lastPart(name) + " successfully dropped."), nil
}

// qualify reads an object name and completes it with the session's
// database and schema: "DB.SCHEMA.NAME" with each part resolved.
func (s *Session) qualify(p *parser) (string, error) {
	parts, err := p.objectName()
	if err != nil {
		return "", err
	}
	return s.qualifyParts(parts), nil
}

// qualifyParts completes a one- to three-part name.
func (s *Session) qualifyParts(parts []string) string {
	full := []string{s.database, s.schema}
	full = append(full[:3-len(parts)], parts...)
	return strings.Join(full, ".")
}

// lastPart is the object's own name in a qualified name.
func lastPart(name string) string { return name[strings.LastIndexByte(name, '.')+1:] }

// lookupFormat finds a file format by name.
func (s *Session) lookupFormat(parts []string) (*fileFormat, error) {
	name := s.qualifyParts(parts)
	s.e.mu.Lock()
	defer s.e.mu.Unlock()
	f, ok := s.e.formats[name]
	if !ok {
		return nil, compileError(codeNotExist, "42S02", "File format '%s' does not exist or not authorized.", name)
	}
	cp := *f
	return &cp, nil
}
