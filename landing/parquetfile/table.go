package parquetfile

import (
	"bytes"
	"context"
	"fmt"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"

	"github.com/edqm/edqm"
)

// StringSchema returns the schema [TableRecord] gives a table of these
// columns: one nullable utf8 field each.
func StringSchema(columns []string) *arrow.Schema {
	fields := make([]arrow.Field, len(columns))
	for i, c := range columns {
		fields[i] = arrow.Field{Name: c, Type: arrow.BinaryTypes.String, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// TableRecord returns t as one batch of [StringSchema] (t.Columns),
// allocated from mem (nil means memory.DefaultAllocator): an empty cell is
// NULL. A row without one cell per column is an error naming it. The caller
// releases the batch.
func TableRecord(t *edqm.Table, mem memory.Allocator) (arrow.RecordBatch, error) {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	for i, r := range t.Rows {
		if len(r) != len(t.Columns) {
			return nil, fmt.Errorf("parquetfile: table %s row %d: %d cells, want %d (%v)", t.Name, i+1, len(r), len(t.Columns), t.Columns)
		}
	}
	b := array.NewRecordBuilder(mem, StringSchema(t.Columns))
	defer b.Release()
	b.Reserve(len(t.Rows))
	for c := range t.Columns {
		sb := b.Field(c).(*array.StringBuilder)
		for _, r := range t.Rows {
			if r[c] == "" {
				sb.AppendNull()
			} else {
				sb.Append(r[c])
			}
		}
	}
	return b.NewRecordBatch(), nil
}

// EncodeTable returns t as a Parquet file of [StringSchema] columns: the
// bytes to land, the same for the same table and options, and the same as
// [TableRecord] written with a [Writer]. It writes t's strings without
// copying them into Arrow arrays first.
func EncodeTable(ctx context.Context, t *edqm.Table, opts *Options) ([]byte, error) {
	for i, r := range t.Rows {
		if len(r) != len(t.Columns) {
			return nil, fmt.Errorf("parquetfile: table %s row %d: %d cells, want %d (%v)", t.Name, i+1, len(r), len(t.Columns), t.Columns)
		}
	}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, StringSchema(t.Columns), opts)
	if err != nil {
		return nil, err
	}
	if err := w.writeStrings(ctx, t.Rows); err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("parquetfile: table %s: %w", t.Name, err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("parquetfile: table %s: %w", t.Name, err)
	}
	return buf.Bytes(), nil
}

// writeStrings writes rows of string cells, an empty cell NULL, into
// columns of StringSchema, in row groups of w.max rows. The strings are
// handed to the column writers as they are (they are immutable).
func (w *Writer) writeStrings(ctx context.Context, rows [][]string) error {
	levels := make([]int16, 0, min(int64(len(rows)), w.max))
	vals := make([]parquet.ByteArray, 0, cap(levels))
	for off := 0; off < len(rows); {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := w.nextRowGroup(); err != nil {
			return err
		}
		end := min(len(rows), off+int(w.max-w.inRG))
		for c := range w.cols {
			levels, vals = levels[:0], vals[:0]
			for _, r := range rows[off:end] {
				if r[c] == "" {
					levels = append(levels, 0)
					continue
				}
				levels = append(levels, 1)
				vals = append(vals, unsafe.Slice(unsafe.StringData(r[c]), len(r[c])))
			}
			cw, err := w.rg.Column(c)
			if err == nil {
				err = writeValues(cw, levels, vals)
			}
			if err != nil {
				return fmt.Errorf("column %s, rows %d to %d: %w", w.cols[c].name, w.rows+1, w.rows+int64(end-off), err)
			}
		}
		w.inRG += int64(end - off)
		w.rows += int64(end - off)
		off = end
	}
	return nil
}
