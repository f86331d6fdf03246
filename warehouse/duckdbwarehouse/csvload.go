package duckdbwarehouse

import (
	"bufio"
	"bytes"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/internal/csvrec"
	"github.com/edqm/edqm/warehouse/internal/loadcheck"
)

// maxPlainLine is the longest line copied as is for read_csv (the line
// number is added in front); a longer record is appended.
const maxPlainLine = 1 << 20

// readCSVMaxLine and readCSVBuffer are read_csv's max_line_size and
// buffer_size: a plain line with its number and newline fits the first.
// DuckDB's buffer_size defaults to 16 max_line_size, so the 4 MiB
// max_line_size given before made each file buffer 64 MiB, and a
// memory_limit of 256 MB failed on the first table ("could not allocate
// block of size 64.0 MiB").
const (
	readCSVMaxLine = maxPlainLine + 64 // "INDEX,LINE," and the newline
	readCSVBuffer  = 8 << 20
)

// csvPrep is one CSV file read and judged in Go, before the batch writes
// anything: its counts, its rejects, the few good records that go
// through the Appender, and the plain records that read_csv loads.
type csvPrep struct {
	fr      warehouse.FileResult
	rejects []csvReject
	// odd are good records that are not plain lines (quoted fields, a
	// carriage return, bytes that are not UTF-8, a NUL, a very long line):
	// appended one by one, as encoding/csv parsed them.
	odd []csvRow
	// The plain records, each as "INDEX,LINE,TEXT" (the file's index in
	// the batch, the record's line number and its bytes as landed): in
	// mem, or in the temporary file path when they outgrew spillAt;
	// plain counts them.
	mem   *[]byte
	path  string
	plain int64
	err   error
}

type csvReject struct {
	line        int64
	reason, raw string
}

type csvRow struct {
	line   int64
	fields []string
}

// prepareCSV reads key from req.Source and judges every record the way
// csvrec does (strict quotes, blank lines skipped, a record's line the
// one it starts on). A plain line — no quote, no carriage return, no NUL,
// valid UTF-8, the right number of commas — is a record of its own whose
// fields are the text between commas, so it is copied as is, after idx
// and its line number, for read_csv (in memory, or in the temporary file
// path past spillAt bytes); any other line is parsed from there by
// csvrec, and the record it starts is kept in odd or rejects. An error
// names the file, except a context error.
func prepareCSV(ctx context.Context, req warehouse.LoadRequest, key string, idx int, path string) (p csvPrep) {
	p.fr.Key = key
	body, err := req.Source.Get(ctx, key)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			p.err = ctx.Err()
		} else {
			p.err = fmt.Errorf("duckdbwarehouse: load %s: %w", key, err)
		}
		return p
	}
	buf := bufPool.Get().(*[]byte)
	defer bufPool.Put(buf)
	data, err := readAll(body, (*buf)[:0])
	*buf = data
	_ = body.Close()
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			p.err = ctx.Err()
		} else {
			p.err = fmt.Errorf("duckdbwarehouse: load %s: reading: %w", key, err)
		}
		return p
	}
	if p.err = p.judge(ctx, req, key, data, idx, path); p.err != nil {
		p.release()
		return p
	}
	if p.fr.Parsed != p.fr.Loaded+p.fr.Rejected {
		p.err = fmt.Errorf("duckdbwarehouse: load %s: internal error: parsed %d != loaded %d + rejected %d", key, p.fr.Parsed, p.fr.Loaded, p.fr.Rejected)
	}
	return p
}

// bufPool holds the buffers files are read into, so that a load does not
// grow a new one for each file.
var bufPool = sync.Pool{New: func() any { return new([]byte) }}

// readAll reads r to its end, appending to b.
func readAll(r io.Reader, b []byte) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// judge checks data's header and sorts its records; see prepareCSV.
func (p *csvPrep) judge(ctx context.Context, req warehouse.LoadRequest, key string, data []byte, idx int, path string) error {
	header, err := csvrec.NewReader(bytes.NewReader(data)).Next()
	switch {
	case err == io.EOF:
		return loadcheck.EmptyFile(key, req.Columns)
	case err != nil:
		return fmt.Errorf("duckdbwarehouse: load %s: reading the header: %w", key, err)
	case header.Problem != "":
		return fmt.Errorf("%w: %s header, %s", warehouse.ErrBadFile, key, header.Problem)
	case header.Line != 1:
		return fmt.Errorf("%w: %s line 1: blank, want the header", warehouse.ErrBadFile, key)
	}
	if err := loadcheck.CheckHeader(key, header.Fields, req.Columns); err != nil {
		return err
	}

	bw := &spill{buf: plainPool.Get().(*[]byte), path: path}
	*bw.buf = (*bw.buf)[:0]
	defer bw.close()
	p.mem = bw.buf
	prefix := strconv.AppendInt(nil, int64(idx), 10)
	prefix = append(prefix, ',')

	width := len(req.Columns)
	off := int64(len(header.Text))
	line := 1 + int64(bytes.Count(header.Text, []byte{'\n'}))
	var num []byte
	for n := 0; off < int64(len(data)); n++ {
		if n%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rest := data[off:]
		end := bytes.IndexByte(rest, '\n')
		text := rest
		if end >= 0 {
			text = rest[:end]
		}
		if len(text) == 0 { // a blank line: neither loaded nor rejected
			off++
			line++
			continue
		}
		if plainLine(text) {
			p.fr.Parsed++
			if got := bytes.Count(text, []byte{','}) + 1; got != width {
				p.reject(line, csvrec.WidthReason(line, got, width), string(text))
			} else {
				num = strconv.AppendInt(append(num[:0], prefix...), line, 10)
				num = append(num, ',')
				_, _ = bw.Write(num)
				_, _ = bw.Write(text)
				_ = bw.WriteByte('\n')
				p.plain++
				p.fr.Loaded++
			}
			off += int64(len(text)) + 1
			line++
			continue
		}
		// Not a plain line: csvrec reads the record that starts here.
		rec, err := csvrec.NewReaderAt(bytes.NewReader(rest), line, off).Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("duckdbwarehouse: load %s: reading: %w", key, err)
		}
		p.fr.Parsed++
		if reason := rec.Reason(width); reason != "" {
			p.reject(rec.Line, reason, rec.Raw())
		} else {
			p.odd = append(p.odd, csvRow{line: rec.Line, fields: cloneStrings(rec.Fields)})
			p.fr.Loaded++
		}
		used := rec.Start + int64(len(rec.Text)) - off
		line += int64(bytes.Count(rest[:used], []byte{'\n'}))
		off += used
	}
	if err := bw.close(); err != nil {
		return fmt.Errorf("duckdbwarehouse: load %s: temporary file: %w", key, err)
	}
	if bw.spilled {
		p.path, p.mem = path, nil
		plainPool.Put(bw.buf)
	}
	return ctx.Err()
}

// spillAt is the most plain bytes a file keeps in memory; past it they go
// to the file's own temporary file, so that a batch's memory stays
// bounded whatever the size of its files.
var spillAt = 16 << 20

// spill collects a file's plain records in buf, then, past spillAt bytes,
// in the temporary file at path.
type spill struct {
	buf     *[]byte
	path    string
	spilled bool // the records are in the file at path
	f       *os.File
	w       *bufio.Writer
	err     error
}

func (s *spill) Write(b []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.w == nil && len(*s.buf)+len(b) <= spillAt {
		*s.buf = append(*s.buf, b...)
		return len(b), nil
	}
	if s.w == nil {
		if s.f, s.err = os.Create(s.path); s.err != nil {
			return 0, s.err
		}
		s.spilled = true
		s.w = bufio.NewWriterSize(s.f, 256<<10)
		if _, s.err = s.w.Write(*s.buf); s.err != nil {
			return 0, s.err
		}
	}
	var n int
	n, s.err = s.w.Write(b)
	return n, s.err
}

func (s *spill) WriteByte(c byte) error {
	if s.err == nil && s.w == nil && len(*s.buf) < spillAt {
		*s.buf = append(*s.buf, c)
		return nil
	}
	_, err := s.Write([]byte{c})
	return err
}

// close flushes and closes the temporary file, when there is one.
func (s *spill) close() error {
	if s.f == nil {
		return s.err
	}
	err := s.err
	if err == nil {
		err = s.w.Flush()
	}
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	s.f, s.w = nil, nil
	return err
}

// plainPool holds the buffers of plain records.
var plainPool = sync.Pool{New: func() any { return new([]byte) }}

// release returns the prepared file's buffer of plain records to its pool.
func (p *csvPrep) release() {
	if p.mem != nil {
		plainPool.Put(p.mem)
		p.mem = nil
	}
}

func (p *csvPrep) reject(line int64, reason, raw string) {
	p.fr.Rejected++
	if p.fr.FirstError == "" {
		p.fr.FirstError, p.fr.FirstErrorLine = reason, line
	}
	p.rejects = append(p.rejects, csvReject{line: line, reason: reason, raw: raw})
}

// plainLine reports whether a non-empty line (without its newline) is a
// record that encoding/csv splits at each comma and nothing else, and that
// DuckDB's read_csv reads the same: no quote, carriage return or NUL,
// valid UTF-8, not too long.
func plainLine(text []byte) bool {
	return len(text) <= maxPlainLine && bytes.IndexByte(text, '"') < 0 && bytes.IndexByte(text, '\r') < 0 &&
		bytes.IndexByte(text, 0) < 0 && utf8.Valid(text)
}

func cloneStrings(s []string) []string {
	c := make([]string, len(s))
	for i, v := range s {
		c[i] = strings.Clone(v)
	}
	return c
}

// appendPrepared appends a prepared file's rejects and odd records.
func appendPrepared(a *appenders, req warehouse.LoadRequest, p *csvPrep) error {
	for _, r := range p.rejects {
		if err := a.rejects.AppendRow(req.Table, p.fr.Key, r.line, r.reason, r.raw); err != nil {
			return fmt.Errorf("duckdbwarehouse: load %s: appending a reject: %w", p.fr.Key, err)
		}
	}
	width := len(req.Columns)
	vals := make([]driver.Value, width+2)
	vals[width] = p.fr.Key
	for _, r := range p.odd {
		for i, f := range r.fields {
			if f == "" {
				vals[i] = nil
			} else {
				vals[i] = f
			}
		}
		vals[width+1] = r.line
		if err := a.rows.AppendRow(vals...); err != nil {
			return fmt.Errorf("duckdbwarehouse: load %s: appending line %d: %w", p.fr.Key, r.line, err)
		}
	}
	return nil
}

// plainBatch gathers a batch's plain records for read_csv: those kept in
// memory go, in the keys' order, to one temporary file, so that DuckDB
// opens one file rather than one per landed file (read_csv costs about a
// millisecond and a half per file: 365 small files of labels took 0.6 s
// for 115 k rows); a file's spilled records stay in its own file.
type plainBatch struct {
	path  string // the batch's file
	f     *os.File
	w     *bufio.Writer
	paths []string // the files read_csv reads
	rows  int64
}

// add takes p's plain records.
func (b *plainBatch) add(p *csvPrep) error {
	b.rows += p.plain
	if p.path != "" {
		b.paths = append(b.paths, p.path)
		return nil
	}
	if p.mem == nil || len(*p.mem) == 0 {
		return nil
	}
	if b.f == nil {
		var err error
		if b.f, err = os.Create(b.path); err != nil {
			return err
		}
		b.w = bufio.NewWriterSize(b.f, 1<<20)
		b.paths = append(b.paths, b.path)
	}
	_, err := b.w.Write(*p.mem)
	return err
}

// close flushes the batch's file.
func (b *plainBatch) close() error {
	if b.f == nil {
		return nil
	}
	err := b.w.Flush()
	if cerr := b.f.Close(); err == nil {
		err = cerr
	}
	b.f = nil
	return err
}

// insertPlain loads the plain records of a batch (see plainBatch) with one
// INSERT … SELECT FROM read_csv on c, in the batch's transaction: DuckDB
// reads and writes them on all its threads. Each row gets _file the key
// its index names in keys, and _line the number after it; an empty field
// is NULL, as in the Appender's rows.
func insertPlain(ctx context.Context, c driver.Conn, table string, cols []string, keys []string, pb *plainBatch) error {
	want := pb.rows
	if len(pb.paths) == 0 {
		if want != 0 {
			return fmt.Errorf("internal error: %d plain rows and no file to read them from", want)
		}
		return nil
	}
	paths := make([]string, len(pb.paths))
	for i, p := range pb.paths {
		paths[i] = sqlString(filepath.ToSlash(p))
	}
	quotedKeys := make([]string, len(keys))
	for i, k := range keys {
		quotedKeys[i] = sqlString(k)
	}
	var b strings.Builder
	b.WriteString("INSERT INTO " + quote(table) + " (")
	for _, c := range cols {
		b.WriteString(quote(c) + ", ")
	}
	b.WriteString("_file, _line) SELECT ")
	for i := range cols {
		fmt.Fprintf(&b, "c%d, ", i)
	}
	b.WriteString("([" + strings.Join(quotedKeys, ", ") + "])[f + 1], l FROM read_csv([" + strings.Join(paths, ", ") + "], columns = {'f': 'INTEGER', 'l': 'BIGINT'")
	for i := range cols {
		fmt.Fprintf(&b, ", 'c%d': 'VARCHAR'", i)
	}
	b.WriteString("}, header = false, auto_detect = false, delim = ',', quote = '\"', escape = '\"', new_line = '\\n', strict_mode = true, max_line_size = " + strconv.Itoa(readCSVMaxLine) + ", buffer_size = " + strconv.Itoa(readCSVBuffer) + ")")
	q := b.String()
	ex, ok := c.(driver.ExecerContext)
	if !ok {
		return fmt.Errorf("unexpected driver connection %T", c)
	}
	res, err := ex.ExecContext(ctx, q, nil)
	if err != nil {
		return sqlError("exec", q, err)
	}
	if n, err := res.RowsAffected(); err == nil && n != want {
		return fmt.Errorf("internal error: read_csv loaded %d plain rows, want %d", n, want)
	}
	return nil
}
