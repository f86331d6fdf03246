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
	readCSVMaxLine = maxPlainLine + 64
	readCSVBuffer  = 8 << 20
)

// csvPrep is one CSV file read and judged in Go, before the batch writes
// anything: its counts, its rejects, the few good records that go
// through the Appender, and the temporary file that read_csv loads the
// others from.
type csvPrep struct {
	fr      warehouse.FileResult
	rejects []csvReject
	// odd are good records that are not plain lines (quoted fields, a
	// carriage return, bytes that are not UTF-8, a NUL, a very long line):
	// appended one by one, as encoding/csv parsed them.
	odd []csvRow
	// path holds the plain records, each as "LINE,TEXT" (its line number
	// and its bytes as landed); plain counts them.
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
// fields are the text between commas, so it is copied as is, after its
// line number, to the temporary file path for read_csv; any other line
// is parsed from there by csvrec, and the record it starts is kept in
// odd or rejects. An error names the file, except a context error.
func prepareCSV(ctx context.Context, req warehouse.LoadRequest, key, path string) (p csvPrep) {
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
	if p.err = p.judge(ctx, req, key, data, path); p.err != nil {
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
func (p *csvPrep) judge(ctx context.Context, req warehouse.LoadRequest, key string, data []byte, path string) error {
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

	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("duckdbwarehouse: load %s: temporary file: %w", key, err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 256<<10)
	p.path = path

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
				num = strconv.AppendInt(num[:0], line, 10)
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
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("duckdbwarehouse: load %s: temporary file: %w", key, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("duckdbwarehouse: load %s: temporary file: %w", key, err)
	}
	return ctx.Err()
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

// plainFile is a temporary file of plain records for read_csv.
type plainFile struct {
	key, path string
	rows      int64
}

// insertPlain loads the plain records of files with one INSERT … SELECT
// FROM read_csv on c, in the batch's transaction: DuckDB reads and writes
// them on all its threads, in file order. Each row gets _file its key
// (by read_csv's file_index) and _line the number in front of it; an
// empty field is NULL, as in the Appender's rows.
func insertPlain(ctx context.Context, c driver.Conn, table string, cols []string, files []plainFile) error {
	if len(files) == 0 {
		return nil
	}
	var want int64
	paths := make([]string, len(files))
	keys := make([]string, len(files))
	for i, f := range files {
		paths[i], keys[i] = sqlString(filepath.ToSlash(f.path)), sqlString(f.key)
		want += f.rows
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
	b.WriteString("([" + strings.Join(keys, ", ") + "])[CAST(file_index AS BIGINT) + 1], l FROM read_csv([" + strings.Join(paths, ", ") + "], columns = {'l': 'BIGINT'")
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
