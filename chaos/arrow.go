package chaos

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// InjectRecord is [Injector.Inject] for an Arrow record batch: it returns a
// corrupted batch, allocated from mem (nil means memory.DefaultAllocator),
// and the labels, which name the table spec.Table. rec is never modified;
// the caller releases both rec and the result. Columns no corruption
// touched are shared with rec, not copied (so an all-zero configuration
// costs nothing); when rows are duplicated every column is rebuilt.
//
// Role columns may be utf8 or large_utf8 (read as the cells of a string
// table), int32 or int64, float64, decimal128, date32 or timestamp, as
// [TableSpec] lists per role; NULL is written only into nullable fields.
// Other columns may have any type.
func (j *Injector) InjectRecord(ctx context.Context, mem memory.Allocator, day time.Time, spec TableSpec, rec arrow.RecordBatch) (arrow.RecordBatch, []Label, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if rec == nil {
		return nil, nil, fmt.Errorf("%w: nil record", ErrInvalidSpec)
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	l, err := recordLayout(spec, rec.Schema(), rec)
	if err != nil {
		return nil, nil, err
	}
	e, err := j.run(ctx, l, day)
	if err != nil {
		return nil, nil, err
	}
	defer e.release()
	out, err := applyRecord(mem, rec, l, e)
	if err != nil {
		return nil, nil, err
	}
	return out, e.labels, nil
}

// recordLayout resolves spec against schema, and against rec's columns
// when rec is not nil (a nil rec only checks the schema).
func recordLayout(spec TableSpec, schema *arrow.Schema, rec arrow.RecordBatch) (*layout, error) {
	names := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		names[i] = f.Name
	}
	n := 0
	if rec != nil {
		n = int(rec.NumRows())
	}
	return newLayout(spec, spec.Table, n, names, func(name string, role int) (*column, string, error) {
		idx := schema.FieldIndices(name)
		if len(idx) == 0 {
			return nil, "", nil
		}
		f := schema.Field(idx[0])
		c := &column{index: idx[0], kind: arrowKind(f.Type), nullable: f.Nullable, scale: 2}
		switch t := f.Type.(type) {
		case *arrow.Decimal128Type:
			c.scale = t.Scale
		case *arrow.Int32Type:
			c.intMax = math.MaxInt32
		case *arrow.Int64Type:
			c.intMax = math.MaxInt64
		}
		if rec != nil {
			arrowAccess(c, rec.Column(idx[0]), role)
		}
		return c, f.Type.String(), nil
	})
}

// arrowKind maps an Arrow type to the cell kind a role reads it as.
func arrowKind(t arrow.DataType) cellKind {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING:
		return kText
	case arrow.INT32, arrow.INT64:
		return kInt
	case arrow.FLOAT64:
		return kFloat
	case arrow.DECIMAL128:
		return kDecimal
	case arrow.DATE32:
		return kDate32
	case arrow.TIMESTAMP:
		return kTimestamp
	}
	return kOther
}

// arrowAccess fills c's get and raw for the array a.
func arrowAccess(c *column, a arrow.Array, role int) {
	isNull := a.IsNull
	switch a := a.(type) {
	case *array.String:
		c.get = func(i int) value {
			if isNull(i) {
				return value{null: true}
			}
			return parseNonNull(role, a.Value(i))
		}
		c.raw, c.volatile = a.Value, true // the engine copies what it keeps
	case *array.LargeString:
		c.get = func(i int) value {
			if isNull(i) {
				return value{null: true}
			}
			return parseNonNull(role, a.Value(i))
		}
		c.raw, c.volatile = a.Value, true
	case *array.Int32:
		c.get = func(i int) value { return value{null: isNull(i), i: int64(a.Value(i))} }
	case *array.Int64:
		c.get = func(i int) value { return value{null: isNull(i), i: a.Value(i)} }
	case *array.Float64:
		c.get = func(i int) value { return value{null: isNull(i), f: a.Value(i)} }
	case *array.Decimal128:
		c.get = func(i int) value {
			n := a.Value(i)
			lo, hi := n.LowBits(), n.HighBits()
			fits := hi == 0 && lo <= math.MaxInt64 || hi == -1 && lo > math.MaxInt64
			return value{null: isNull(i), bad: !fits, i: int64(lo)}
		}
	case *array.Date32:
		c.get = func(i int) value {
			d := int64(a.Value(i))
			return value{null: isNull(i), i: d, t: time.Unix(d*86400, 0).UTC()}
		}
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		c.get = func(i int) value {
			t := a.Value(i).ToTime(unit)
			return value{null: isNull(i), i: dayOf(t), t: t}
		}
	default:
		c.get = func(i int) value { return value{null: isNull(i), bad: true} }
		c.raw = func(i int) string {
			if isNull(i) {
				return ""
			}
			return strings.Clone(a.ValueStr(i))
		}
	}
	if c.raw == nil {
		c.raw = func(i int) string { return c.text(c.get(i)) }
	}
}

// applyRecord builds the corrupted copy of rec.
func applyRecord(mem memory.Allocator, rec arrow.RecordBatch, l *layout, e *engine) (arrow.RecordBatch, error) {
	if len(e.edits) == 0 && len(e.dups) == 0 {
		rec.Retain()
		return rec, nil
	}
	ncols := int(rec.NumCols())
	byCol := make([]*column, ncols)
	edited := make([]bool, ncols)
	for _, c := range append(l.cols, l.key) {
		if c != nil {
			byCol[c.index] = c
		}
	}
	for _, ed := range e.edits {
		edited[l.cols[ed.role].index] = true
	}
	cols := make([]arrow.Array, ncols)
	defer func() {
		for _, a := range cols {
			if a != nil {
				a.Release()
			}
		}
	}()
	for j := range ncols {
		in := rec.Column(j)
		if !edited[j] && len(e.dups) == 0 {
			in.Retain()
			cols[j] = in
			continue
		}
		a, err := rebuild(mem, in, byCol[j], e.edits, e.dups)
		if err != nil {
			return nil, fmt.Errorf("chaos: column %q: %w", rec.ColumnName(j), err)
		}
		cols[j] = a
	}
	return array.NewRecordBatch(rec.Schema(), cols, rec.NumRows()+int64(len(e.dups))), nil
}

// ReaderOptions adjusts a [RecordReader]. A nil *ReaderOptions means the
// defaults.
type ReaderOptions struct {
	// Allocator allocates the corrupted batches. Nil means
	// memory.DefaultAllocator.
	Allocator memory.Allocator
	// Day is the day of every batch, when the source reader does not tell
	// it: a source with a method Day() time.Time (as generate's
	// OrderReader) dates each batch itself.
	Day time.Time
}

// RecordReader wraps an array.RecordReader and corrupts each batch it
// reads with an [Injector], the way testing/iotest wraps an io.Reader:
//
//	r, err := chaos.NewRecordReader(ctx, inj, spec, src, nil)
//	if err != nil { ... }
//	defer r.Release()
//	for r.Next() {
//		rec, labels := r.RecordBatch(), r.Labels()
//		...
//	}
//	if err := r.Err(); err != nil { ... }
//
// It is an array.RecordReader itself; it is not safe for concurrent use.
type RecordReader struct {
	refs   atomic.Int64
	ctx    context.Context
	j      *Injector
	spec   TableSpec
	src    array.RecordReader
	mem    memory.Allocator
	day    time.Time
	cur    arrow.RecordBatch
	labels []Label
	err    error
}

var _ array.RecordReader = (*RecordReader)(nil)

// NewRecordReader returns a reader of src's batches, corrupted by j as
// spec describes them (spec.Table names them in labels). It checks the
// spec against src's schema first: the error wraps [ErrInvalidSpec] and
// names the field. ctx bounds the whole read. The reader takes a
// reference to src and releases it in Release.
func NewRecordReader(ctx context.Context, j *Injector, spec TableSpec, src array.RecordReader, opts *ReaderOptions) (*RecordReader, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if _, err := recordLayout(spec, src.Schema(), nil); err != nil {
		return nil, err
	}
	var o ReaderOptions
	if opts != nil {
		o = *opts
	}
	if o.Allocator == nil {
		o.Allocator = memory.DefaultAllocator
	}
	src.Retain()
	r := &RecordReader{ctx: ctx, j: j, spec: spec, src: src, mem: o.Allocator, day: o.Day}
	r.refs.Store(1)
	return r, nil
}

// Retain increases the reference count by 1.
func (r *RecordReader) Retain() { r.refs.Add(1) }

// Release decreases the reference count by 1; at zero it releases the
// current batch and the source reader.
func (r *RecordReader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	r.src.Release()
}

// Schema returns the source's schema, which corrupted batches keep.
func (r *RecordReader) Schema() *arrow.Schema { return r.src.Schema() }

// Next reads and corrupts the next batch, and reports whether there is one.
func (r *RecordReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	r.labels = nil
	if r.err != nil || !r.src.Next() {
		if r.err == nil {
			r.err = r.src.Err()
		}
		return false
	}
	day := r.day
	if d, ok := r.src.(interface{ Day() time.Time }); ok {
		day = d.Day()
	}
	r.cur, r.labels, r.err = r.j.InjectRecord(r.ctx, r.mem, day, r.spec, r.src.RecordBatch())
	return r.err == nil
}

// RecordBatch returns the current corrupted batch, valid until the next
// call to Next or Release.
func (r *RecordReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record returns the current corrupted batch.
//
// Deprecated: Use [RecordReader.RecordBatch], as array.RecordReader does.
func (r *RecordReader) Record() arrow.RecordBatch { return r.cur }

// Labels returns the labels of the current batch.
func (r *RecordReader) Labels() []Label { return r.labels }

// Err returns the error that stopped the reader (the source's, or the
// injector's), or nil at the end of the source.
func (r *RecordReader) Err() error { return r.err }
