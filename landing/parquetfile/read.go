package parquetfile

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/schema"

	"github.com/edqm/edqm"
)

// readBatch is how many values a column reader reads at once.
const readBatch = 4096

// ReadTable reads a whole Parquet file back as a string table named name:
// every column's values as text (decimals with their scale, "123.40"; dates
// as YYYY-MM-DD; integers in decimal; booleans as true/false), NULL as the
// empty cell. It reads the file into memory, so it is meant for tests and
// small files, such as a day's files. A file that is not Parquet, or
// holds a column this package does not write, is an error wrapping
// [ErrBadFile] and naming the file.
func ReadTable(ctx context.Context, name string, r io.Reader) (*edqm.Table, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("parquetfile: reading %s: %w", name, err)
	}
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadFile, name, err)
	}
	defer pf.Close()
	sc := pf.MetaData().Schema
	t := &edqm.Table{Name: name, Columns: make([]string, sc.NumColumns())}
	for c := range t.Columns {
		t.Columns[c] = sc.Column(c).Name()
	}
	for g := range pf.NumRowGroups() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rg := pf.RowGroup(g)
		first := len(t.Rows)
		for range rg.NumRows() {
			t.Rows = append(t.Rows, make([]string, len(t.Columns)))
		}
		for c := range t.Columns {
			cr, err := rg.Column(c)
			if err == nil {
				err = readColumn(cr, sc.Column(c), t.Rows[first:], c)
			}
			if err != nil {
				return nil, fmt.Errorf("%w: %s row group %d column %s: %w", ErrBadFile, name, g, t.Columns[c], err)
			}
		}
	}
	return t, nil
}

// readColumn reads a column chunk into cell c of rows.
func readColumn(cr file.ColumnChunkReader, col *schema.Column, rows [][]string, c int) error {
	levels := make([]int16, readBatch)
	format := formatter(col)
	row := 0
	for cr.HasNext() {
		vals, total, err := readValues(cr, levels)
		if err != nil {
			return err
		}
		v := 0
		for i := range int(total) {
			if row >= len(rows) {
				return fmt.Errorf("more values than the row group's %d rows", len(rows))
			}
			if col.MaxDefinitionLevel() == 0 || levels[i] == col.MaxDefinitionLevel() {
				rows[row][c] = format(vals, v)
				v++
			}
			row++
		}
	}
	if row != len(rows) {
		return fmt.Errorf("%d values for the row group's %d rows", row, len(rows))
	}
	return nil
}

// readValues reads the next batch of values of cr: the values (one per
// non-NULL row), and the number of rows read, whose levels are in levels.
func readValues(cr file.ColumnChunkReader, levels []int16) (any, int64, error) {
	var (
		total int64
		n     int
		err   error
	)
	switch r := cr.(type) {
	case *file.ByteArrayColumnChunkReader:
		v := make([]parquet.ByteArray, readBatch)
		total, n, err = r.ReadBatch(readBatch, v, levels, nil)
		return v[:n], total, err
	case *file.BooleanColumnChunkReader:
		v := make([]bool, readBatch)
		total, n, err = r.ReadBatch(readBatch, v, levels, nil)
		return v[:n], total, err
	case *file.Int32ColumnChunkReader:
		v := make([]int32, readBatch)
		total, n, err = r.ReadBatch(readBatch, v, levels, nil)
		return v[:n], total, err
	case *file.Int64ColumnChunkReader:
		v := make([]int64, readBatch)
		total, n, err = r.ReadBatch(readBatch, v, levels, nil)
		return v[:n], total, err
	case *file.Float64ColumnChunkReader:
		v := make([]float64, readBatch)
		total, n, err = r.ReadBatch(readBatch, v, levels, nil)
		return v[:n], total, err
	}
	return nil, 0, fmt.Errorf("unsupported physical type %s", cr.Descriptor().PhysicalType())
}

// formatter returns the function that formats value i of a batch of col's
// values as text.
func formatter(col *schema.Column) func(vals any, i int) string {
	switch lt := col.LogicalType().(type) {
	case schema.DateLogicalType:
		return func(v any, i int) string {
			return time.Unix(int64(v.([]int32)[i])*86400, 0).UTC().Format(edqm.DateLayout)
		}
	case schema.DecimalLogicalType:
		scale := int(lt.Scale())
		return func(v any, i int) string {
			var x int64
			switch s := v.(type) {
			case []int32:
				x = int64(s[i])
			case []int64:
				x = s[i]
			}
			return scaled(x, scale)
		}
	case schema.TimestampLogicalType:
		return func(v any, i int) string { return strconv.FormatInt(v.([]int64)[i], 10) }
	}
	return func(v any, i int) string {
		switch s := v.(type) {
		case []parquet.ByteArray:
			return string(s[i])
		case []bool:
			return strconv.FormatBool(s[i])
		case []int32:
			return strconv.FormatInt(int64(s[i]), 10)
		case []int64:
			return strconv.FormatInt(s[i], 10)
		case []float64:
			return strconv.FormatFloat(s[i], 'g', -1, 64)
		}
		return ""
	}
}

// scaled formats x × 10^-scale with scale decimals: scaled(-1234, 2) is
// "-12.34".
func scaled(x int64, scale int) string {
	if scale <= 0 {
		return strconv.FormatInt(x, 10)
	}
	neg := x < 0
	u := uint64(x)
	if neg {
		u = -u
	}
	s := strconv.FormatUint(u, 10)
	for len(s) <= scale {
		s = "0" + s
	}
	s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	if neg {
		s = "-" + s
	}
	return s
}

// Inspect returns the column names and the number of rows of the Parquet
// file data, from its footer alone. A file that is not Parquet is an error
// wrapping [ErrBadFile].
func Inspect(data []byte) (columns []string, rows int64, err error) {
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %w", ErrBadFile, err)
	}
	defer pf.Close()
	sc := pf.MetaData().Schema
	columns = make([]string, sc.NumColumns())
	for c := range columns {
		columns[c] = sc.Column(c).Name()
	}
	return columns, pf.NumRows(), nil
}
