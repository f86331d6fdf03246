package snowflakewarehouse

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/internal/loadcheck"
)

// fileScan is what Load learns of a file by reading it before the COPY,
// so that it depends on no undocumented behaviour of Snowflake's: which
// records have a wrong number of fields (and their lines and text), and
// the indexes of the first and last well-formed records, from which the
// numbering of METADATA$FILE_ROW_NUMBER is derived.
type fileScan struct {
	// records counts the data records (the header excluded).
	records int64
	// firstGood and lastGood are the 0-based indexes of the first and
	// last well-formed data records; -1 when there is none.
	firstGood, lastGood int64
	// bad lists the malformed records, in order.
	bad []badRecord
	// quoted lists the records with the header's number of fields whose
	// unenclosed fields hold a quote (O4,C"4,1): DuckDB rejects them;
	// whether Snowflake loads them is not documented
	// (FIELD_OPTIONALLY_ENCLOSED_BY describes enclosed fields only), so
	// Load removes them if COPY loaded them and keeps them as rejected
	// either way. They count among the well-formed records for the
	// numbering of METADATA$FILE_ROW_NUMBER.
	quoted []badRecord
	// moved lists the well-formed (and quoted) records that do not start
	// on line firstDataLine + index, after a blank line or a record that
	// spans lines: METADATA$FILE_ROW_NUMBER counts records, not lines.
	moved []movedRecord
	// size is the file's size in bytes.
	size int64
	// repair says that a record's quoted field does not close on its
	// line: Snowflake may read it on over the following lines, where
	// DuckDB rejects the line alone. Load then loads a repaired copy
	// (see repairFile).
	repair bool
	// repaired is set on the scan of a repaired copy, whose blanked
	// lines (the records DuckDB's loader rejects, with its reasons and
	// texts) are rejected without reaching the COPY.
	repaired bool
	blanked  []badRecord
}

// movedRecord is a record's 0-based index and the line it starts on.
type movedRecord struct{ index, line int64 }

// badRecord is a record with another number of fields than the header,
// or one that cannot be parsed (an unterminated quote).
type badRecord struct {
	line   int64 // the line the record starts on, the header being 1
	index  int64 // the record's 0-based index among the data records
	reason string
	raw    string
}

// wellFormed returns the number of data records with the header's number
// of fields (quoted ones included).
func (s *fileScan) wellFormed() int64 { return s.records - int64(len(s.bad)) }

// lazyFields returns the number of fields of a one-line record read with
// quotes inside unenclosed fields taken as data, or -1.
func lazyFields(raw []byte) int {
	cr := csv.NewReader(strings.NewReader(trimRecord(raw)))
	cr.LazyQuotes = true
	rec, err := cr.Read()
	if err != nil {
		return -1
	}
	return len(rec)
}

// scanFile reads a whole CSV file as the file format EDQM_CSV reads it
// (RFC 4180 quotes, blank lines skipped): it checks the header against
// want like loadcheck.ReadHeader (the error wraps warehouse.ErrBadFile)
// and records the malformed records. An enclosed field ends at its
// closing quote, which only a delimiter or the record's end may follow
// ("Found character … instead of field delimiter"); a quote that never
// closes makes the record run on to the next quote, as Snowflake's and
// DuckDB's readers do. The reader is strict (no LazyQuotes): a lazy one
// reads a stray quote as data and runs on to the end of the file. A quote
// inside an unenclosed field is parsed lazily (see fileScan.quoted).
func scanFile(key string, r io.Reader, want []string) (*fileScan, error) {
	tee := &teeBuffer{}
	counted := &countingReader{r: io.TeeReader(r, tee)}
	cr := csv.NewReader(counted)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err := readErr(key, err, want, true); err != nil {
		return nil, err
	}
	if line, _ := cr.FieldPos(0); line != 1 {
		return nil, fmt.Errorf("%w: %s line 1: blank, want the header", warehouse.ErrBadFile, key)
	}
	if err := loadcheck.CheckHeader(key, header, want); err != nil {
		return nil, err
	}
	s := &fileScan{firstGood: -1, lastGood: -1}
	prev := cr.InputOffset()
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if err != nil && !errors.As(err, &pe) {
			return nil, readErr(key, err, want, false)
		}
		off := cr.InputOffset()
		raw := tee.take(prev, off)
		prev = off
		i := s.records
		s.records++
		if pe != nil && (pe.Line > pe.StartLine ||
			errors.Is(pe.Err, csv.ErrQuote) && bytes.Count(raw, []byte{'"'})%2 == 1) {
			// A quoted field that does not close on its line (at the end
			// of the file, when it stays on one line).
			s.repair = true
		}
		var quotedFields int
		if pe != nil && errors.Is(pe.Err, csv.ErrBareQuote) {
			quotedFields = lazyFields(raw)
		}
		switch {
		case pe != nil && quotedFields == len(want):
			s.quoted = append(s.quoted, badRecord{line: int64(pe.StartLine), index: i, reason: pe.Err.Error(), raw: trimRecord(raw)})
			if int64(pe.StartLine) != firstDataLine+i {
				s.moved = append(s.moved, movedRecord{index: i, line: int64(pe.StartLine)})
			}
			if s.firstGood < 0 {
				s.firstGood = i
			}
			s.lastGood = i
		case pe != nil:
			s.bad = append(s.bad, badRecord{line: int64(pe.StartLine), reason: pe.Err.Error(), raw: trimRecord(raw)})
		case len(rec) != len(want):
			line, _ := cr.FieldPos(0)
			s.bad = append(s.bad, badRecord{line: int64(line), raw: trimRecord(raw),
				reason: fmt.Sprintf("Number of columns in file (%d) does not match that of the corresponding table (%d)", len(rec), len(want))})
		default:
			if s.firstGood < 0 {
				s.firstGood = i
			}
			s.lastGood = i
			if line, _ := cr.FieldPos(0); int64(line) != firstDataLine+i {
				s.moved = append(s.moved, movedRecord{index: i, line: int64(line)})
			}
		}
	}
	s.size = counted.n
	return s, nil
}

// readErr turns a read error into Load's: an empty file or an unreadable
// header is a bad file; context errors are returned as they are.
func readErr(key string, err error, want []string, header bool) error {
	var pe *csv.ParseError
	switch {
	case err == nil:
		return nil
	case err == io.EOF && header:
		return loadcheck.EmptyFile(key, want)
	case errors.As(err, &pe):
		return fmt.Errorf("%w: %s header, line %d, column %d: %v", warehouse.ErrBadFile, key, pe.StartLine, pe.Column, pe.Err)
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return fmt.Errorf("reading %s: %w", key, err)
}

// trimRecord drops the blank lines skipped before a record and its
// delimiter.
func trimRecord(raw []byte) string {
	return strings.TrimSuffix(strings.TrimSuffix(strings.TrimLeft(string(raw), "\r\n"), "\n"), "\r")
}

// teeBuffer keeps the bytes the CSV reader has read ahead, so that a
// record's text can be cut from them by its offsets.
type teeBuffer struct {
	buf  []byte
	base int64 // the offset of buf[0] in the file
}

func (t *teeBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	return len(p), nil
}

// take returns the bytes from offset from to offset to and forgets the
// bytes before to (compacting now and then, not at every record).
func (t *teeBuffer) take(from, to int64) []byte {
	out := t.buf[from-t.base : to-t.base]
	if to-t.base > 1<<16 {
		out = append([]byte(nil), out...)
		t.buf = append(t.buf[:0], t.buf[to-t.base:]...)
		t.base = to
	}
	return out
}

// countingReader counts the bytes read.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
