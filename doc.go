// Package edqm holds the few types that every stage of the EDQM pipeline
// shares: a [Table] of string cells, which is what the generator produces,
// the chaos injector corrupts, the lander encodes and the warehouse loads
// (raw tables are all VARCHAR, so a string cell loses nothing), and the
// [Clock] that replaces the wall clock everywhere.
//
// The pipeline itself lives in sub-packages:
//
//   - generate: deterministic synthetic customers, products and orders;
//   - chaos: the five labelled error kinds;
//   - landing: where files land, and the watermark;
//   - warehouse: raw tables, idempotent loads and SQL;
//   - transform: SQL models run as a DAG;
//   - quality: tests, the Data Health Score and Revenue at Risk.
//
// examples/full composes them into the whole flow.
package edqm

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Table is a rectangular batch of string cells with named columns. An empty
// cell means NULL: raw tables are all VARCHAR, and CSV has no other way to
// say NULL, so the empty string is reserved for it.
type Table struct {
	// Name is the table's name, for example "orders".
	Name string
	// Columns are the column names, in order.
	Columns []string
	// Rows holds one slice per row, each of len(Columns) cells.
	Rows [][]string
}

// Col returns the index of the named column, or -1 when the table has none.
func (t *Table) Col(name string) int {
	for i, c := range t.Columns {
		if c == name {
			return i
		}
	}
	return -1
}

// MustCol is Col for columns the caller knows exist; it panics otherwise,
// naming the table and the column.
func (t *Table) MustCol(name string) int {
	i := t.Col(name)
	if i < 0 {
		panic(fmt.Sprintf("edqm: table %q has no column %q", t.Name, name))
	}
	return i
}

// Clone returns a deep copy of t: changing the copy never changes t.
func (t *Table) Clone() *Table {
	c := &Table{Name: t.Name, Columns: append([]string(nil), t.Columns...)}
	c.Rows = make([][]string, len(t.Rows))
	for i, r := range t.Rows {
		c.Rows[i] = append([]string(nil), r...)
	}
	return c
}

// Clock tells the time. Every EDQM component that needs "now" takes a Clock,
// never the wall clock, so that a run is reproducible.
type Clock interface {
	Now() time.Time
}

// ClockFunc adapts a function to the Clock interface.
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }

// FixedClock returns a Clock that always tells t.
func FixedClock(t time.Time) Clock { return ClockFunc(func() time.Time { return t }) }

// DateLayout is the layout of every date EDQM writes: YYYY-MM-DD.
const DateLayout = "2006-01-02"

// Day truncates t to midnight UTC of its calendar day (in t's location).
func Day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// WriteCSV writes t as CSV with a header row. NULL cells (empty strings) are
// written as empty fields. The output depends only on t, so the same table
// always gives the same bytes: exactly the bytes an [encoding/csv.Writer]
// with its defaults (comma, "\n" line ends) writes for the header and the
// rows.
//
// Every row's width is checked before anything is written: a row without
// one cell per column is an error naming it, and w receives nothing. The
// CSV is handed to w in chunks of about 64 KiB; an error of w stops the
// writing and is returned wrapped (context errors unwrapped).
func WriteCSV(w io.Writer, t *Table) error {
	for i, r := range t.Rows {
		if len(r) != len(t.Columns) {
			return fmt.Errorf("edqm: table %q row %d has %d cells, want %d", t.Name, i, len(r), len(t.Columns))
		}
	}
	bp := csvBuffers.Get().(*[]byte)
	buf := appendCSVRecord((*bp)[:0], t.Columns)
	var err error
	for _, r := range t.Rows {
		if len(buf) >= csvChunk {
			if err = writeChunk(w, buf); err != nil {
				break
			}
			buf = buf[:0]
		}
		buf = appendCSVRecord(buf, r)
	}
	if err == nil && len(buf) > 0 {
		err = writeChunk(w, buf)
	}
	if cap(buf) <= csvMaxPooled {
		*bp = buf[:0]
		csvBuffers.Put(bp)
	}
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("edqm: writing table %q as CSV: %w", t.Name, err)
	}
	return err
}

const (
	// csvChunk is the size from which WriteCSV hands its buffer to the
	// writer.
	csvChunk = 64 << 10
	// csvMaxPooled is the largest buffer kept for the next call (a huge
	// cell can grow one well past csvChunk).
	csvMaxPooled = 1 << 20
)

// csvBuffers recycles WriteCSV's buffers between calls.
var csvBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, csvChunk+csvChunk/4)
	return &b
}}

// writeChunk writes p to w; a short write without an error is
// io.ErrShortWrite, as bufio reports it.
func writeChunk(w io.Writer, p []byte) error {
	n, err := w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	return err
}

// appendCSVRecord appends one CSV record and its "\n" to buf.
//
// Each field is copied and checked in the same pass, eight bytes at a time
// (the last word overlapping the one before it): a word with a comma or a
// byte below '#' (as '"', CR and LF are, but also a space) marks the field
// for an exact check; a field that must be quoted is then written again,
// quoted, over its copy.
func appendCSVRecord(buf []byte, rec []string) []byte {
	const (
		ones   = 0x0101010101010101
		highs  = 0x8080808080808080
		commas = ones * ','
	)
	for i, f := range rec {
		if i > 0 {
			buf = append(buf, ',')
		}
		n := len(f)
		if n == 0 {
			continue
		}
		at := len(buf)
		if cap(buf)-at < n {
			buf = slices.Grow(buf, n)
		}
		buf = buf[:at+n]
		dst := buf[at:]
		var m uint64
		if n >= 8 {
			word := func(x uint64) uint64 {
				c := x ^ commas
				return (x-ones*'#')&^x | (c-ones)&^c
			}
			for s, d := f, dst; len(s) > 8; s, d = s[8:], d[8:] {
				x := le64(s)
				binary.LittleEndian.PutUint64(d, x)
				m |= word(x)
			}
			x := le64(f[n-8:])
			binary.LittleEndian.PutUint64(dst[n-8:], x)
			m |= word(x)
		} else {
			// Two overlapping loads and stores; the word's other bytes are
			// filled with 'A', which is not special.
			var x uint64
			switch {
			case n >= 4:
				lo, hi := le32(f), le32(f[n-4:])
				binary.LittleEndian.PutUint32(dst, lo)
				binary.LittleEndian.PutUint32(dst[n-4:], hi)
				x = uint64(lo) | uint64(hi)<<32
			case n >= 2:
				lo, hi := uint16(f[0])|uint16(f[1])<<8, uint16(f[n-2])|uint16(f[n-1])<<8
				binary.LittleEndian.PutUint16(dst, lo)
				binary.LittleEndian.PutUint16(dst[n-2:], hi)
				x = uint64(lo) | uint64(hi)<<16 | 0x41414141_00000000
			default:
				dst[0] = f[0]
				x = uint64(f[0]) | 0x41414141_41414100
			}
			c := x ^ commas
			m = (x-ones*'#')&^x | (c-ones)&^c
		}
		m &= highs
		if c := f[0]; (m != 0 || c <= ' ' || c >= utf8.RuneSelf || c == '\\') && csvNeedsQuotes(f) {
			buf = appendQuoted(buf[:at], f)
		}
	}
	return append(buf, '\n')
}

// appendQuoted appends f quoted, its quotes doubled; line breaks stay as
// they are.
func appendQuoted(buf []byte, f string) []byte {
	buf = append(buf, '"')
	for {
		j := strings.IndexByte(f, '"')
		if j < 0 {
			break
		}
		buf = append(buf, f[:j+1]...)
		buf = append(buf, '"')
		f = f[j+1:]
	}
	buf = append(buf, f...)
	return append(buf, '"')
}

// csvSpecial is 1 for the bytes that make encoding/csv quote a field.
var csvSpecial = [256]uint8{',': 1, '"': 1, '\r': 1, '\n': 1}

// csvNeedsQuotes is encoding/csv's rule: a field is quoted when it
// contains a comma, a quote, a CR or an LF, starts with a Unicode space,
// or is exactly `\.`; the empty field never is.
func csvNeedsQuotes(f string) bool {
	if f == "" {
		return false
	}
	for i := 0; i < len(f); i++ {
		if csvSpecial[f[i]] != 0 {
			return true
		}
	}
	if c := f[0]; c < utf8.RuneSelf {
		return c == ' ' || c == '\t' || c == '\v' || c == '\f' || (c == '\\' && f == `\.`)
	}
	r, _ := utf8.DecodeRuneInString(f)
	return unicode.IsSpace(r)
}

// le32 reads the first 4 bytes of s as a little-endian word.
func le32(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// le64 reads the first 8 bytes of s as a little-endian word (the compiler
// makes it one load).
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
