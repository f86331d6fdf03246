package chaos

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// ErrBadLabels is wrapped by the errors of [ReadLabels]: a label file that
// does not hold what [LabelsTable] writes.
var ErrBadLabels = errors.New("chaos: bad labels")

// MaskedByColumn is the optional last column of a label file that records
// Label.MaskedBy. [LabelsTable] does not write it yet (the raw table of
// labels keeps the columns of [LabelColumns]); [ReadLabels] reads files
// with or without it.
const MaskedByColumn = "masked_by"

// ReadLabels reads a CSV label file as [LabelsTable] writes it (header
// [LabelColumns], optionally followed by [MaskedByColumn]; without it,
// MaskedBy is empty). name names the
// file in errors. Every line is checked: a wrong header, a line with the
// wrong number of fields, an occurrence that is not a positive integer, an
// unknown kind, a variant its kind does not have, and a file that does not
// end with a line break (cut short) are errors wrapping [ErrBadLabels] that
// name the file and the line.
func ReadLabels(r io.Reader, name string) ([]Label, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("chaos: labels %s: %w", name, err)
	}
	bad := func(line int, format string, args ...any) error {
		return fmt.Errorf("%w: %s line %d: %s", ErrBadLabels, name, line, fmt.Sprintf(format, args...))
	}
	if len(data) == 0 {
		return nil, bad(1, "empty file, want the header")
	}
	if data[len(data)-1] != '\n' {
		return nil, bad(bytes.Count(data, []byte{'\n'})+1, "the file ends inside the line: it was cut short")
	}
	cr := csv.NewReader(bufio.NewReader(bytes.NewReader(data)))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, bad(1, "reading the header: %v", err)
	}
	width := len(LabelColumns)
	switch {
	case slices.Equal(header, LabelColumns):
	case slices.Equal(header, append(slices.Clip(LabelColumns), MaskedByColumn)):
		width++
	default:
		return nil, bad(1, "header %q, want %q", header, LabelColumns)
	}
	var out []Label
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			return nil, bad(line, "%v", err)
		}
		if len(rec) != width {
			return nil, bad(line, "%d fields, want %d", len(rec), width)
		}
		occ, err := strconv.Atoi(rec[3])
		if err != nil || occ < 1 {
			return nil, bad(line, "occurrence %q, want a positive integer", rec[3])
		}
		l := Label{Table: rec[0], Day: rec[1], Key: rec[2], Occurrence: occ, Kind: Kind(rec[4]), Variant: rec[5],
			Column: rec[6], Original: rec[7], Injected: rec[8]}
		if width > len(LabelColumns) {
			l.MaskedBy = Kind(rec[len(LabelColumns)])
		}
		if _, ok := Variants[l.Kind]; !ok {
			return nil, bad(line, "unknown kind %q", rec[4])
		}
		if !slices.Contains(Variants[l.Kind], l.Variant) {
			return nil, bad(line, "kind %s has no variant %q", l.Kind, l.Variant)
		}
		if _, ok := Variants[l.MaskedBy]; l.MaskedBy != "" && !ok {
			return nil, bad(line, "unknown masking kind %q", l.MaskedBy)
		}
		out = append(out, l)
	}
}
