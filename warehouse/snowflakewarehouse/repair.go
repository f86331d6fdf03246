package snowflakewarehouse

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"

	"github.com/edqm/edqm/warehouse/internal/csvrec"
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

// duckRejects returns the spans and the rejects of the records DuckDB's
// loader rejects in a file whose header has width fields: it reads the
// file with the loader's own reader (warehouse/internal/csvrec).
func duckRejects(r io.Reader, width int) ([]blankRange, []badRecord, error) {
	p := csvrec.NewReader(r)
	if _, err := p.Next(); err != nil {
		return nil, nil, fmt.Errorf("reading the header: %w", err)
	}
	var spans []blankRange
	var bad []badRecord
	for {
		rec, err := p.Next()
		if err == io.EOF {
			return spans, bad, nil
		}
		if err != nil {
			return nil, nil, err
		}
		if reason := rec.Reason(width); reason != "" {
			spans = append(spans, blankRange{from: rec.Start, to: rec.Start + int64(len(rec.Text))})
			bad = append(bad, badRecord{line: rec.Line, reason: reason, raw: rec.Raw()})
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
