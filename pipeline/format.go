package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos/chaosdataset"
	"github.com/edqm/edqm/landing/parquetfile"
)

// Format is the file format a run lands its data tables in (customers,
// products, orders); label files, manifests and reports keep theirs.
type Format string

// The formats a run can land. Use the same format for every run on a
// landing zone: a day's keys end in its extension.
const (
	// FormatCSV lands CSV files, as edqm.WriteCSV writes them: the
	// default.
	FormatCSV Format = "csv"
	// FormatParquet lands Parquet files of nullable utf8 columns
	// (parquetfile.EncodeTable: an empty cell is NULL, Snappy pages, row
	// groups of parquetfile.DefaultRowGroupRows rows): the same values as
	// the CSV files, so the same raw rows, models, tests and report, but
	// for what only CSV can carry (see Options.Format).
	FormatParquet Format = "parquet"
)

// ParseFormat returns the format named s, "csv" or "parquet"; "" means
// [FormatCSV]. Another name is an error wrapping [ErrInvalidOptions].
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case "":
		return FormatCSV, nil
	case FormatCSV, FormatParquet:
		return f, nil
	}
	return "", fmt.Errorf("%w: format %q: want csv or parquet", ErrInvalidOptions, s)
}

// ext returns the extension of f's files, without the dot.
func (f Format) ext() string {
	if f == FormatParquet {
		return parquetfile.Extension
	}
	return "csv"
}

// checkFormat refuses a format other than csv and parquet, and Parquet
// with dataset chaos that rewrites CSV bytes: a *chaosdataset.Injector whose
// SchemaChange or MalformedLines rate is not zero.
func checkFormat(f Format, dataset DatasetChaos) error {
	if _, err := ParseFormat(string(f)); err != nil {
		return err
	}
	if f != FormatParquet {
		return nil
	}
	if d, ok := dataset.(*chaosdataset.Injector); ok {
		r := d.Config().Rates
		if r.SchemaChange > 0 || r.MalformedLines > 0 {
			return fmt.Errorf("%w: format parquet: the dataset chaos's SchemaChange (%v) and MalformedLines (%v) rewrite the CSV text of a file (its header, its lines), which a Parquet file does not have: set both rates to 0, or land CSV",
				ErrInvalidOptions, r.SchemaChange, r.MalformedLines)
		}
	}
	return nil
}

// encodeTable encodes t, landing under key, in format f.
func encodeTable(ctx context.Context, f Format, key string, t *edqm.Table) ([]byte, error) {
	if f != FormatParquet {
		return csvBytes(key, t)
	}
	data, err := parquetfile.EncodeTable(ctx, t, nil)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("pipeline: encode %s: %w", key, err)
	}
	return data, nil
}

// fromCSV returns the bytes to land for t under key in format f, given the
// CSV text of t before (plain) and after (shaped) the dataset chaos's
// ApplyCSV: shaped itself for CSV; for Parquet, t encoded as Parquet, or an
// error when the dataset chaos rewrote the text (a DatasetChaos other than
// *chaosdataset.Injector, which checkFormat cannot ask beforehand).
func fromCSV(ctx context.Context, f Format, key string, t *edqm.Table, plain, shaped []byte) ([]byte, error) {
	if f != FormatParquet {
		return shaped, nil
	}
	if !bytes.Equal(plain, shaped) {
		return nil, fmt.Errorf("%w: format parquet: the dataset chaos rewrote the CSV text of %s, which a Parquet file cannot carry", ErrInvalidOptions, key)
	}
	return encodeTable(ctx, f, key, t)
}

// isDataFile reports whether key is a data file the load reads: a CSV or
// a Parquet file.
func isDataFile(key string) bool {
	return strings.HasSuffix(key, ".csv") || strings.HasSuffix(key, "."+parquetfile.Extension)
}

// parquetHeaderProblem says why the Parquet file data cannot be loaded
// into a table of columns at all ("" when it can): it is not Parquet, or
// its columns are not the table's (by name, in any order, as the
// warehouses match them).
func parquetHeaderProblem(data []byte, columns []string) string {
	got, _, err := parquetfile.Inspect(data)
	if err != nil {
		return "not a Parquet file"
	}
	lower := func(s []string) []string {
		out := make([]string, len(s))
		for i, c := range s {
			out[i] = strings.ToLower(c)
		}
		slices.Sort(out)
		return out
	}
	if !slices.Equal(lower(got), lower(columns)) {
		return "columns " + strings.Join(got, ",") + ", want " + strings.Join(columns, ",")
	}
	return ""
}
