// Package loadcheck holds the checks every warehouse implementation makes
// before loading files, so that they refuse the same requests with the same
// messages.
package loadcheck

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/warehouse"
)

// ValidateRequest checks a load request before any SQL is built: plain
// identifiers (errors wrap [warehouse.ErrBadIdentifier]), at least one
// column, no column named _file or _line, no column twice (ignoring case),
// a Source when there are keys, and valid keys. pkg prefixes the messages,
// for example "duckdbwarehouse".
func ValidateRequest(pkg string, req warehouse.LoadRequest) error {
	if err := warehouse.ValidIdent(req.Table); err != nil {
		return fmt.Errorf("%s: load: table: %w", pkg, err)
	}
	if len(req.Columns) == 0 {
		return fmt.Errorf("%s: load into %s: no columns", pkg, req.Table)
	}
	seen := make(map[string]bool, len(req.Columns))
	for _, c := range req.Columns {
		if err := warehouse.ValidIdent(c); err != nil {
			return fmt.Errorf("%s: load into %s: column: %w", pkg, req.Table, err)
		}
		lc := strings.ToLower(c)
		if lc == "_file" || lc == "_line" {
			return fmt.Errorf("%s: load into %s: column %q is reserved for metadata", pkg, req.Table, c)
		}
		if seen[lc] {
			return fmt.Errorf("%s: load into %s: column %q appears twice", pkg, req.Table, c)
		}
		seen[lc] = true
	}
	if req.Source == nil && len(req.Keys) > 0 {
		return fmt.Errorf("%s: load into %s: no Source", pkg, req.Table)
	}
	for _, k := range req.Keys {
		if err := landing.ValidateKey(k); err != nil {
			return fmt.Errorf("%s: load into %s: %w", pkg, req.Table, err)
		}
	}
	return nil
}

// CheckHeader compares a file's header with the expected columns; the
// error wraps [warehouse.ErrBadFile] and names the key, the line (1) and
// the first column that differs.
func CheckHeader(key string, got, want []string) error {
	for i := 0; i < len(got) || i < len(want); i++ {
		switch {
		case i >= len(got):
			return fmt.Errorf("%w: %s line 1: column %d: want %q, the header has only %d columns",
				warehouse.ErrBadFile, key, i+1, want[i], len(got))
		case i >= len(want):
			return fmt.Errorf("%w: %s line 1: column %d: found extra column %q, want %d columns",
				warehouse.ErrBadFile, key, i+1, got[i], len(want))
		case got[i] != want[i]:
			return fmt.Errorf("%w: %s line 1: column %d: found %q, want %q",
				warehouse.ErrBadFile, key, i+1, got[i], want[i])
		}
	}
	return nil
}

// EmptyFile returns the error for a file without a header.
func EmptyFile(key string, want []string) error {
	return fmt.Errorf("%w: %s line 1: empty file, want a header with %d columns (%s)",
		warehouse.ErrBadFile, key, len(want), strings.Join(want, ","))
}

// ReadHeader reads the first record of a CSV stream, strictly quoted, and
// checks it with [CheckHeader]. A missing header, a blank first line or a
// header that cannot be parsed is an error wrapping [warehouse.ErrBadFile];
// an error of r is returned wrapped, context errors unwrapped.
func ReadHeader(key string, r io.Reader, want []string) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	fields, err := cr.Read()
	var pe *csv.ParseError
	switch {
	case err == io.EOF:
		return EmptyFile(key, want)
	case errors.As(err, &pe):
		return fmt.Errorf("%w: %s header, line %d, column %d: %v", warehouse.ErrBadFile, key, pe.StartLine, pe.Column, pe.Err)
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return err
	case err != nil:
		return fmt.Errorf("reading the header of %s: %w", key, err)
	}
	if line, _ := cr.FieldPos(0); line != 1 {
		return fmt.Errorf("%w: %s line 1: blank, want the header", warehouse.ErrBadFile, key)
	}
	return CheckHeader(key, fields, want)
}

// Column is a table column and its type as the engine's
// information_schema spells it.
type Column struct{ Name, Type string }

// CompareColumns explains the first difference between an existing raw
// table's columns and the ones a load needs (names and types compared
// without regard to case), or returns nil.
func CompareColumns(pkg, table string, have, want []Column) error {
	names := func(cs []Column) string {
		s := make([]string, len(cs))
		for i, c := range cs {
			s[i] = c.Name
		}
		return strings.Join(s, ", ")
	}
	for i := 0; i < len(have) || i < len(want); i++ {
		var diff string
		switch {
		case i >= len(have):
			diff = fmt.Sprintf("column %d %q is missing", i+1, want[i].Name)
		case i >= len(want):
			diff = fmt.Sprintf("column %d %q is not in the file", i+1, have[i].Name)
		case !strings.EqualFold(have[i].Name, want[i].Name):
			diff = fmt.Sprintf("column %d is %q, want %q", i+1, have[i].Name, want[i].Name)
		case !strings.EqualFold(have[i].Type, want[i].Type):
			diff = fmt.Sprintf("column %d %q is %s, want %s", i+1, have[i].Name, have[i].Type, want[i].Type)
		default:
			continue
		}
		return fmt.Errorf("%s: table %s exists with other columns: %s (table has %s; load wants %s)",
			pkg, table, diff, names(have), names(want))
	}
	return nil
}
