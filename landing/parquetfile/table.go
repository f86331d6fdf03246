package parquetfile

import (
	"bytes"
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

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
// bytes to land, the same for the same table and options.
func EncodeTable(ctx context.Context, t *edqm.Table, opts *Options) ([]byte, error) {
	var mem memory.Allocator
	if opts != nil {
		mem = opts.Allocator
	}
	rec, err := TableRecord(t, mem)
	if err != nil {
		return nil, err
	}
	defer rec.Release()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, rec.Schema(), opts)
	if err != nil {
		return nil, err
	}
	if err := w.Write(ctx, rec); err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("parquetfile: table %s: %w", t.Name, err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("parquetfile: table %s: %w", t.Name, err)
	}
	return buf.Bytes(), nil
}
