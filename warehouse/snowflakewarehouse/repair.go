package snowflakewarehouse

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
)

// A file is repaired before the COPY when the scan finds a record that
// Snowflake may read otherwise than line by line (fileScan.repair): a
// quoted field that does not close on its line. Snowflake's CSV rules let
// an enclosed field run on over line ends to the next quote, so the
// record would swallow the lines after it, where DuckDB's loader
// (duckdbwarehouse) rejects the first line alone and reads on from the
// next one. The repaired copy has every line DuckDB's loader rejects made
// blank (its line end kept, so that every line keeps its number; the file
// format skips blank lines), and those lines are kept as rejected with
// DuckDB's line, reason and text: both engines then load the same rows and
// reject the same lines, whatever Snowflake does with an unclosed quote.
// The copy is uploaded with PUT to the internal stage at the path of its
// key (even when the landing is on S3), so that _FILE is still the key.

// blankRange is a span of a file's bytes to blank: [from, to).
type blankRange struct{ from, to int64 }

// duckTape keeps what a csv.Reader has read, so that a record's bytes can
// be cut from its offsets (duckdbwarehouse's tape).
type duckTape struct {
	src  io.Reader
	buf  []byte // bytes read, from offset base on
	base int64
}

func (t *duckTape) Read(p []byte) (int, error) {
	n, err := t.src.Read(p)
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

// forget drops the bytes before offset off once enough have piled up.
func (t *duckTape) forget(off int64) {
	if d := off - t.base; d > 64<<10 {
		t.buf = t.buf[:copy(t.buf, t.buf[d:])]
		t.base = off
	}
}

// duckReader reads a file's records as duckdbwarehouse's loader does
// (its parser, in duckdbwarehouse.go): a strict encoding/csv reader that,
// after a quoting error spanning lines, rejects the record's first line
// only and reads again from the next line. It also knows each record's
// offsets in the file.
type duckReader struct {
	src      io.Reader
	tape     *duckTape
	r        *csv.Reader
	lineBase int64 // lines before the current csv.Reader's first line
	offBase  int64 // the file offset of the current csv.Reader's first byte
	end      int64 // the current reader's offset after the previous record
}

func newDuckReader(src io.Reader) *duckReader {
	d := &duckReader{src: src}
	d.restart(src, 0, 0)
	return d
}

func (d *duckReader) restart(src io.Reader, lineBase, offBase int64) {
	d.tape = &duckTape{src: src}
	d.r = csv.NewReader(d.tape)
	d.r.FieldsPerRecord = -1
	d.r.ReuseRecord = true
	d.lineBase, d.offBase, d.end = lineBase, offBase, 0
}

// next returns the next record's bytes in the file, its line and, when
// DuckDB's loader rejects it with width columns, its reason and text;
// io.EOF at the end.
func (d *duckReader) next(width int) (blankRange, badRecord, error) {
	fields, err := d.r.Read()
	if err == io.EOF {
		return blankRange{}, badRecord{}, io.EOF
	}
	start, end := d.end, d.r.InputOffset()
	d.end = end
	text := d.tape.buf[start-d.tape.base : end-d.tape.base]
	span := blankRange{from: d.offBase + start, to: d.offBase + end}
	var rec badRecord
	var pe *csv.ParseError
	switch {
	case err == nil:
		line, _ := d.r.FieldPos(0)
		rec.line = d.lineBase + int64(line)
		if len(fields) != width {
			rec.reason = fmt.Sprintf("line %d: %d fields, want %d", rec.line, len(fields), width)
		}
	case errors.As(err, &pe):
		rec.line = d.lineBase + int64(pe.StartLine)
		rec.reason = fmt.Sprintf("line %d, column %d: %v", rec.line, pe.Column, pe.Err)
		if pe.Line > pe.StartLine {
			// The first line alone is rejected; reading starts again
			// on the next one, with the bytes already read.
			lead := len(text) - len(bytes.TrimLeft(text, "\r\n"))
			first := int64(lead + bytes.IndexByte(text[lead:], '\n') + 1)
			rest := bytes.Clone(d.tape.buf[start+first-d.tape.base:])
			rec.reason = fmt.Sprintf("line %d: %v (the quoted field is not closed on this line)", rec.line, pe.Err)
			rec.raw = string(bytes.Trim(text[:first], "\r\n"))
			span.to = span.from + first
			d.restart(io.MultiReader(bytes.NewReader(rest), d.src), rec.line, span.to)
			return span, rec, nil
		}
	default:
		return blankRange{}, badRecord{}, err
	}
	if rec.reason != "" {
		rec.raw = string(bytes.Trim(text, "\r\n"))
	}
	d.tape.forget(end)
	return span, rec, nil
}

// duckRejects returns the spans and the rejects of the records DuckDB's
// loader rejects in a file whose header has width fields.
func duckRejects(r io.Reader, width int) ([]blankRange, []badRecord, error) {
	d := newDuckReader(r)
	if _, _, err := d.next(width); err != nil {
		return nil, nil, fmt.Errorf("reading the header: %w", err)
	}
	var spans []blankRange
	var bad []badRecord
	for {
		span, rec, err := d.next(width)
		if err == io.EOF {
			return spans, bad, nil
		}
		if err != nil {
			return nil, nil, err
		}
		if rec.reason != "" {
			spans, bad = append(spans, span), append(bad, rec)
		}
	}
}

// newlineWriter writes only the line feeds of what it is given.
type newlineWriter struct{ w io.Writer }

func (n newlineWriter) Write(p []byte) (int, error) {
	if c := bytes.Count(p, []byte{'\n'}); c > 0 {
		if _, err := n.w.Write(bytes.Repeat([]byte{'\n'}, c)); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// writeBlanked copies src to dst with the bytes of spans (in order, not
// overlapping) reduced to their line feeds.
func writeBlanked(dst io.Writer, src io.Reader, spans []blankRange) error {
	var off int64
	for _, s := range spans {
		if _, err := io.CopyN(dst, src, s.from-off); err != nil {
			return err
		}
		if _, err := io.CopyN(newlineWriter{dst}, src, s.to-s.from); err != nil {
			return err
		}
		off = s.to
	}
	_, err := io.Copy(dst, src)
	return err
}

// opener opens a file's original bytes again.
type opener func(ctx context.Context) (io.ReadCloser, error)

// repairFile writes the repaired copy of a file (see above) in a new
// temporary folder, under the key's base name, and returns its scan (with
// the lines blanked as blanked), its path and the folder.
func repairFile(ctx context.Context, key string, want []string, open opener) (*fileScan, string, string, error) {
	rc, err := open(ctx)
	if err != nil {
		return nil, "", "", err
	}
	spans, bad, err := duckRejects(rc, len(want))
	rc.Close()
	if err != nil {
		return nil, "", "", err
	}
	dir, err := os.MkdirTemp("", "edqm-repair-")
	if err != nil {
		return nil, "", "", err
	}
	local := filepath.Join(dir, path.Base(key))
	if err := writeRepaired(ctx, local, open, spans); err != nil {
		return nil, "", dir, err
	}
	f, err := os.Open(local)
	if err != nil {
		return nil, "", dir, err
	}
	defer f.Close()
	scan, err := scanFile(key, f, want)
	if err != nil {
		return nil, "", dir, err
	}
	if len(bad) == 0 || len(scan.bad) > 0 || len(scan.quoted) > 0 || scan.repair {
		return nil, "", dir, fmt.Errorf("internal error: the repaired copy still has malformed records (line %d)",
			firstBadLine(scan))
	}
	scan.repaired, scan.blanked = true, bad
	return scan, local, dir, nil
}

// writeRepaired writes the file's bytes to local with spans blanked.
func writeRepaired(ctx context.Context, local string, open opener, spans []blankRange) error {
	rc, err := open(ctx)
	if err != nil {
		return err
	}
	defer rc.Close()
	f, err := os.Create(local)
	if err != nil {
		return err
	}
	if err := writeBlanked(f, rc, spans); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
