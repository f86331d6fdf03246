package sfsql

import (
	"regexp"
	"strconv"
	"strings"
)

// copyOptions is a parsed COPY INTO <table> statement
// (https://docs.snowflake.com/en/sql-reference/sql/copy-into-table).
type copyOptions struct {
	table    []string
	columns  []string
	stage    *stage
	path     string
	files    []string
	pattern  *regexp.Regexp
	format   *fileFormat
	match    string // "", "CASE_SENSITIVE" or "CASE_INSENSITIVE"
	metadata []metaColumn
	onError  string // CONTINUE, ABORT_STATEMENT or SKIP_FILE
	skipN    float64
	skipPct  bool
	force    bool
	purge    bool
}

// metaColumn is one INCLUDE_METADATA = (column = METADATA$…) pair.
type metaColumn struct {
	column, source string
}

// parseCopy parses the statement.
func (s *Session) parseCopy(st *stmt) (*copyOptions, error) {
	p := &parser{st: st, i: 2}
	o := &copyOptions{onError: "ABORT_STATEMENT", format: nil}
	var err error
	if o.table, err = p.objectName(); err != nil {
		return nil, err
	}
	if p.punct("(") {
		for !p.punct(")") {
			t := p.next()
			if t.isIdent() {
				o.columns = append(o.columns, t.name())
			} else if !t.isPunct(",") {
				return nil, unexpected(st.sql, t)
			}
		}
	}
	if !p.word("FROM") {
		return nil, p.unexpected()
	}
	ref := p.next()
	if ref.kind != tokStage {
		return nil, compileError(codeNotSupported, "0A000", "the test server loads from a stage only (COPY … FROM @stage), not with a transforming SELECT")
	}
	if o.stage, o.path, err = s.stageRef(ref.text); err != nil {
		return nil, err
	}
	for !p.done() {
		if err := s.copyOption(p, o); err != nil {
			return nil, err
		}
	}
	if o.format == nil {
		o.format = defaultFormat()
		if o.stage.format != nil {
			f := *o.stage.format
			o.format = &f
		}
	}
	return o, nil
}

// copyOption reads one option of COPY.
func (s *Session) copyOption(p *parser, o *copyOptions) error {
	key := p.next()
	if key.text == "PATTERN" {
		p.i--
		re, err := patternOption(p)
		o.pattern = re
		return err
	}
	p.punct("=")
	if key.text == "FILE_FORMAT" {
		return s.copyFormat(p, o)
	}
	if key.text == "INCLUDE_METADATA" {
		return copyMetadata(p, o)
	}
	v, items, err := p.value()
	if err != nil {
		return err
	}
	switch key.text {
	case "FILES":
		o.files = items
	case "MATCH_BY_COLUMN_NAME":
		o.match = upper(v)
		if o.match == "NONE" {
			o.match = ""
		}
	case "ON_ERROR":
		return o.setOnError(v)
	case "FORCE":
		o.force, err = strconv.ParseBool(v)
	case "PURGE":
		o.purge, err = strconv.ParseBool(v)
	case "VALIDATION_MODE":
		return compileError(codeNotSupported, "0A000", "VALIDATION_MODE is not supported by the test server")
	default:
		// SIZE_LIMIT, RETURN_FAILED_ONLY, ENFORCE_LENGTH, TRUNCATECOLUMNS,
		// LOAD_UNCERTAIN_FILES… are accepted without effect.
	}
	if err != nil {
		return compileError(codeSyntax, "42000", "invalid value [%s] for parameter '%s'", v, key.text)
	}
	return nil
}

// setOnError reads ON_ERROR: CONTINUE, SKIP_FILE, SKIP_FILE_<n>,
// 'SKIP_FILE_<n>%' or ABORT_STATEMENT.
func (o *copyOptions) setOnError(v string) error {
	v = upper(v)
	switch {
	case v == "CONTINUE" || v == "ABORT_STATEMENT" || v == "SKIP_FILE":
		o.onError, o.skipN = v, 1
		return nil
	case strings.HasPrefix(v, "SKIP_FILE_"):
		n := strings.TrimPrefix(v, "SKIP_FILE_")
		o.skipPct = strings.HasSuffix(n, "%")
		f, err := strconv.ParseFloat(strings.TrimSuffix(n, "%"), 64)
		if err == nil && f > 0 {
			o.onError, o.skipN = "SKIP_FILE", f
			return nil
		}
	}
	return compileError(codeSyntax, "42000", "invalid value [%s] for parameter 'ON_ERROR'", v)
}

// copyFormat reads FILE_FORMAT = (FORMAT_NAME = name | TYPE = … options).
func (s *Session) copyFormat(p *parser, o *copyOptions) error {
	if !p.punct("(") {
		return p.unexpected()
	}
	if p.word("FORMAT_NAME") {
		p.punct("=")
		var parts []string
		var err error
		if t := p.peek(); t.kind == tokString {
			p.next()
			parts = strings.Split(t.text, ".")
		} else if parts, err = p.objectName(); err != nil {
			return err
		}
		if o.format, err = s.lookupFormat(parts); err != nil {
			return err
		}
	} else {
		o.format = defaultFormat()
		if err := p.formatOptions(o.format, ")"); err != nil {
			return err
		}
	}
	if !p.punct(")") {
		return p.unexpected()
	}
	return nil
}

// metadataSources are the METADATA$ columns COPY can include
// (https://docs.snowflake.com/en/user-guide/querying-metadata).
var metadataSources = setOf(`METADATA$FILENAME METADATA$FILE_ROW_NUMBER METADATA$FILE_LAST_MODIFIED
	METADATA$FILE_CONTENT_KEY METADATA$START_SCAN_TIME`)

// copyMetadata reads INCLUDE_METADATA = (column = METADATA$…, …).
func copyMetadata(p *parser, o *copyOptions) error {
	if !p.punct("(") {
		return p.unexpected()
	}
	for !p.punct(")") {
		col := p.next()
		if !col.isIdent() || !p.punct("=") {
			return p.unexpected()
		}
		src := p.next()
		if !metadataSources[src.text] {
			return compileError(codeInvalidIdent, "42000", "invalid identifier '%s'", src.raw)
		}
		o.metadata = append(o.metadata, metaColumn{column: col.name(), source: src.text})
		p.punct(",")
	}
	return nil
}
