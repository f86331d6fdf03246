package parquetfile

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// column is how a field is written: its Parquet node and the function that
// writes a slice of its array to its column chunk.
type column struct {
	name  string
	node  *schema.PrimitiveNode
	write func(cw file.ColumnChunkWriter, a arrow.Array) error
}

// parquetSchema maps an Arrow schema to a flat Parquet schema, a column
// per field.
func parquetSchema(sc *arrow.Schema) (*schema.GroupNode, []column, error) {
	cols := make([]column, 0, sc.NumFields())
	nodes := make(schema.FieldList, 0, sc.NumFields())
	for _, f := range sc.Fields() {
		c, err := newColumn(f)
		if err != nil {
			return nil, nil, err
		}
		cols, nodes = append(cols, c), append(nodes, c.node)
	}
	root, err := schema.NewGroupNode("schema", parquet.Repetitions.Required, nodes, -1)
	if err != nil {
		return nil, nil, fmt.Errorf("parquetfile: %w", err)
	}
	return root, cols, nil
}

// newColumn returns the column of field f.
func newColumn(f arrow.Field) (column, error) {
	rep := parquet.Repetitions.Required
	if f.Nullable {
		rep = parquet.Repetitions.Optional
	}
	var (
		logical  schema.LogicalType = schema.NoLogicalType{}
		physical parquet.Type
		write    func(cw file.ColumnChunkWriter, a arrow.Array) error
	)
	switch t := f.Type.(type) {
	case *arrow.StringType, *arrow.LargeStringType:
		logical, physical, write = schema.StringLogicalType{}, parquet.Types.ByteArray, writeStrings
	case *arrow.BooleanType:
		physical, write = parquet.Types.Boolean, writeBools
	case *arrow.Int32Type:
		physical, write = parquet.Types.Int32, writeInt32s
	case *arrow.Date32Type:
		logical, physical, write = schema.DateLogicalType{}, parquet.Types.Int32, writeDates
	case *arrow.Int64Type:
		physical, write = parquet.Types.Int64, writeInt64s
	case *arrow.Float64Type:
		physical, write = parquet.Types.Double, writeFloat64s
	case *arrow.Decimal128Type:
		if t.Precision > 18 {
			return column{}, fmt.Errorf("%w: field %q is %s: a precision over 18 is not written", ErrUnsupportedType, f.Name, t)
		}
		logical, physical, write = schema.NewDecimalLogicalType(t.Precision, t.Scale), parquet.Types.Int64, writeDecimals
	case *arrow.TimestampType:
		unit, scale, err := timestampUnit(t)
		if err != nil {
			return column{}, fmt.Errorf("field %q: %w", f.Name, err)
		}
		logical, physical = schema.NewTimestampLogicalType(t.TimeZone != "", unit), parquet.Types.Int64
		write = func(cw file.ColumnChunkWriter, a arrow.Array) error { return writeTimestamps(cw, a, scale) }
	default:
		return column{}, fmt.Errorf("%w: field %q is %s", ErrUnsupportedType, f.Name, f.Type)
	}
	node, err := schema.NewPrimitiveNodeLogical(f.Name, rep, logical, physical, -1, -1)
	if err != nil {
		return column{}, fmt.Errorf("parquetfile: field %q: %w", f.Name, err)
	}
	return column{name: f.Name, node: node, write: write}, nil
}

// timestampUnit returns the Parquet unit of a timestamp type, and the
// factor its values are multiplied by (seconds are written as
// milliseconds: Parquet has no seconds).
func timestampUnit(t *arrow.TimestampType) (schema.TimeUnitType, int64, error) {
	switch t.Unit {
	case arrow.Second:
		return schema.TimeUnitMillis, 1000, nil
	case arrow.Millisecond:
		return schema.TimeUnitMillis, 1, nil
	case arrow.Microsecond:
		return schema.TimeUnitMicros, 1, nil
	case arrow.Nanosecond:
		return schema.TimeUnitNanos, 1, nil
	}
	return 0, 0, fmt.Errorf("%w: timestamp unit %s", ErrUnsupportedType, t.Unit)
}

// dense returns a's definition levels (1 for a value, 0 for NULL) and the
// indices of its values; levels is nil for a column without NULLs, which a
// required column must be.
func dense(a arrow.Array) (levels []int16, idx []int) {
	n := a.Len()
	idx = make([]int, 0, n)
	levels = make([]int16, n)
	for i := range n {
		if a.IsNull(i) {
			continue
		}
		levels[i] = 1
		idx = append(idx, i)
	}
	return levels, idx
}

// writeValues writes the values v of a's rows idx with levels.
func writeValues[T any](cw file.ColumnChunkWriter, levels []int16, vals []T) error {
	if cw.Descr().MaxDefinitionLevel() == 0 {
		if len(vals) != len(levels) {
			return fmt.Errorf("a NULL in a column that is not nullable")
		}
		levels = nil
	}
	var err error
	switch w := cw.(type) {
	case *file.ByteArrayColumnChunkWriter:
		_, err = w.WriteBatch(any(vals).([]parquet.ByteArray), levels, nil)
	case *file.BooleanColumnChunkWriter:
		_, err = w.WriteBatch(any(vals).([]bool), levels, nil)
	case *file.Int32ColumnChunkWriter:
		_, err = w.WriteBatch(any(vals).([]int32), levels, nil)
	case *file.Int64ColumnChunkWriter:
		_, err = w.WriteBatch(any(vals).([]int64), levels, nil)
	case *file.Float64ColumnChunkWriter:
		_, err = w.WriteBatch(any(vals).([]float64), levels, nil)
	default:
		err = fmt.Errorf("unexpected column writer %T", cw)
	}
	return err
}

// collect returns f(i) for the rows of a that hold a value, and a's levels.
func collect[T any](a arrow.Array, f func(i int) T) ([]int16, []T) {
	levels, idx := dense(a)
	vals := make([]T, len(idx))
	for j, i := range idx {
		vals[j] = f(i)
	}
	return levels, vals
}

func writeStrings(cw file.ColumnChunkWriter, a arrow.Array) error {
	var get func(i int) string
	switch s := a.(type) {
	case *array.String:
		get = s.Value
	case *array.LargeString:
		get = s.Value
	default:
		return fmt.Errorf("unexpected array %T", a)
	}
	levels, vals := collect(a, func(i int) parquet.ByteArray { return parquet.ByteArray(get(i)) })
	return writeValues(cw, levels, vals)
}

func writeBools(cw file.ColumnChunkWriter, a arrow.Array) error {
	levels, vals := collect(a, a.(*array.Boolean).Value)
	return writeValues(cw, levels, vals)
}

func writeInt32s(cw file.ColumnChunkWriter, a arrow.Array) error {
	levels, vals := collect(a, a.(*array.Int32).Value)
	return writeValues(cw, levels, vals)
}

func writeDates(cw file.ColumnChunkWriter, a arrow.Array) error {
	d := a.(*array.Date32)
	levels, vals := collect(a, func(i int) int32 { return int32(d.Value(i)) })
	return writeValues(cw, levels, vals)
}

func writeInt64s(cw file.ColumnChunkWriter, a arrow.Array) error {
	levels, vals := collect(a, a.(*array.Int64).Value)
	return writeValues(cw, levels, vals)
}

func writeFloat64s(cw file.ColumnChunkWriter, a arrow.Array) error {
	levels, vals := collect(a, a.(*array.Float64).Value)
	return writeValues(cw, levels, vals)
}

func writeDecimals(cw file.ColumnChunkWriter, a arrow.Array) error {
	d := a.(*array.Decimal128)
	levels, vals := collect(a, func(i int) int64 { return int64(d.Value(i).LowBits()) })
	return writeValues(cw, levels, vals)
}

func writeTimestamps(cw file.ColumnChunkWriter, a arrow.Array, scale int64) error {
	t := a.(*array.Timestamp)
	levels, vals := collect(a, func(i int) int64 { return int64(t.Value(i)) * scale })
	return writeValues(cw, levels, vals)
}
