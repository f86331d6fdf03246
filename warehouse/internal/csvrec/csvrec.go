// Package csvrec reads a landed CSV file record by record the way
// duckdbwarehouse's loader judges it: a strict encoding/csv reader that
// keeps each record's text, starting line and byte offsets, and that,
// after a quoting error spanning lines, rejects the record's first line
// only and reads again from the next line. snowflakewarehouse uses the
// same reader to know which lines DuckDB rejects, so that both engines
// reject the same lines with the same reasons.
package csvrec

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
)

// Record is one parsed CSV record, or one line that could not be parsed.
type Record struct {
	// Fields are the record's fields, nil for a line with a Problem;
	// valid until the next call to Reader.Next.
	Fields []string
	// Line is the line the record starts on, 1-based.
	Line int64
	// Text is the record's bytes, valid until the next call.
	Text []byte
	// Start is the file offset of Text's first byte.
	Start int64
	// Problem is non-empty for a line with a quoting error.
	Problem string
}

// Raw returns the record's text without line breaks around it.
func (r *Record) Raw() string { return string(bytes.Trim(r.Text, "\r\n")) }

// Reason returns why the record is rejected from a file with width
// columns: its quoting problem, or a wrong number of fields; "" when it
// loads.
func (r *Record) Reason(width int) string {
	if r.Problem == "" && len(r.Fields) != width {
		return WidthReason(r.Line, len(r.Fields), width)
	}
	return r.Problem
}

// WidthReason is the reason a record on line with got fields is rejected
// from a file with width columns.
func WidthReason(line int64, got, width int) string {
	return fmt.Sprintf("line %d: %d fields, want %d", line, got, width)
}

// tape is an io.Reader that keeps what it has read, so that the bytes of a
// record can be recovered from the csv.Reader's offsets.
type tape struct {
	src  io.Reader
	buf  []byte // bytes read, from offset base on
	base int64
}

func (t *tape) Read(p []byte) (int, error) {
	n, err := t.src.Read(p)
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

// slice returns the bytes between two offsets of the stream.
func (t *tape) slice(from, to int64) []byte { return t.buf[from-t.base : to-t.base] }

// forget drops the bytes before offset off once enough have piled up.
func (t *tape) forget(off int64) {
	if d := off - t.base; d > 64<<10 {
		t.buf = t.buf[:copy(t.buf, t.buf[d:])]
		t.base = off
	}
}

// Reader reads records with encoding/csv and recovers each record's text,
// starting line and offsets, resynchronising after a quoting error that
// spans lines.
type Reader struct {
	src      io.Reader
	tape     *tape
	r        *csv.Reader
	lineBase int64 // lines before the current csv.Reader's first line
	offBase  int64 // the file offset of the current csv.Reader's first byte
	end      int64 // the current reader's offset after the previous record
	rec      Record
}

// NewReader returns a Reader of src.
func NewReader(src io.Reader) *Reader { return NewReaderAt(src, 1, 0) }

// NewReaderAt returns a Reader of src, whose first byte is on line line
// (1-based) at offset off of a file: the records' Line and Start count
// from there, as if src were the rest of that file.
func NewReaderAt(src io.Reader, line, off int64) *Reader {
	p := &Reader{src: src}
	p.restart(src, line-1, off)
	return p
}

func (p *Reader) restart(src io.Reader, lineBase, offBase int64) {
	p.tape = &tape{src: src}
	p.r = csv.NewReader(p.tape)
	p.r.FieldsPerRecord = -1
	p.r.ReuseRecord = true
	p.r.LazyQuotes = false
	p.lineBase, p.offBase, p.end = lineBase, offBase, 0
}

// Next returns the next record (with a Problem for a line that cannot be
// parsed), io.EOF at the end, or the source's read error.
func (p *Reader) Next() (*Record, error) {
	fields, err := p.r.Read()
	if err == io.EOF {
		return nil, io.EOF
	}
	start := p.end
	end := p.r.InputOffset()
	p.end = end
	rec := &p.rec
	*rec = Record{Fields: fields, Text: p.tape.slice(start, end), Start: p.offBase + start}
	var pe *csv.ParseError
	switch {
	case err == nil:
		line, _ := p.r.FieldPos(0)
		rec.Line = p.lineBase + int64(line)
	case errors.As(err, &pe):
		rec.Fields = nil
		rec.Line = p.lineBase + int64(pe.StartLine)
		rec.Problem = fmt.Sprintf("line %d, column %d: %v", rec.Line, pe.Column, pe.Err)
		if pe.Line > pe.StartLine {
			// The error swallowed the lines after the record's first
			// one: reject the first line only and parse again from the
			// next one, starting with the bytes already read.
			text := rec.Text
			lead := len(text) - len(bytes.TrimLeft(text, "\r\n"))
			nl := bytes.IndexByte(text[lead:], '\n')
			first := int64(lead + nl + 1)
			rest := bytes.Clone(p.tape.buf[start+first-p.tape.base:])
			rec.Text = text[:first]
			rec.Problem = fmt.Sprintf("line %d: %v (the quoted field is not closed on this line)", rec.Line, pe.Err)
			p.restart(io.MultiReader(bytes.NewReader(rest), p.src), rec.Line, rec.Start+first)
			return rec, nil
		}
	default:
		return nil, err
	}
	p.tape.forget(end)
	return rec, nil
}
