// Package chaosarrow is package chaos for Arrow: it corrupts Arrow record
// batches with a [chaos.Injector] and labels what it did ([InjectRecord]),
// and wraps an array.RecordReader so that every batch it reads comes out
// corrupted ([NewRecordReader]), the way testing/iotest wraps a reader.
//
// It is a package of its own so that chaos itself imports no Arrow: a
// team that only corrupts string tables or Go structs does not compile
// Arrow. The draws are chaos's: the same seed, table, day and data give
// the same corruptions and labels as [chaos.Injector.Inject] would on the
// same rows written as strings.
//
// # Table name
//
// An Arrow batch has no name of its own, so spec.Table is required: it
// names the table in the labels and in the random stream. With an empty
// spec.Table, [InjectRecord] and [NewRecordReader] change nothing and
// return an error wrapping [chaos.ErrInvalidSpec], as chaos.InjectSlice
// does.
//
// # Column types
//
// Role columns may be utf8 or large_utf8 (read as the cells of a string
// table), int32 or int64, float64, decimal128, date32 or timestamp, as
// [chaos.TableSpec] lists per role; NULL is written only into nullable
// fields. Other columns may have any type.
package chaosarrow

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

	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/chaos/internal/cells"
)

// InjectRecord is [chaos.Injector.Inject] for an Arrow record batch: j
// returns a corrupted batch, allocated from mem (nil means memory.DefaultAllocator),
// and the labels, which name the table spec.Table (required: an empty one
// is an error wrapping [chaos.ErrInvalidSpec]). rec is never modified;
// the caller releases both rec and the result. Columns no corruption
// touched are shared with rec, not copied (so an all-zero configuration
// costs nothing); when rows are duplicated every column is rebuilt.
//
// Role columns may have the types the package documentation lists. The
// spec is checked against rec first: an error wrapping
// [chaos.ErrInvalidSpec] names the spec's fields whose columns are missing
// or of a type their role cannot use. A cancelled ctx returns ctx.Err().
func InjectRecord(ctx context.Context, j *chaos.Injector, mem memory.Allocator, day time.Time, spec chaos.TableSpec, rec arrow.RecordBatch) (arrow.RecordBatch, []chaos.Label, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if rec == nil {
		return nil, nil, fmt.Errorf("%w: nil record", chaos.ErrInvalidSpec)
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	names, lookup := recordLookup(rec.Schema(), rec)
	p, err := cells.Inject(ctx, j, day, spec, spec.Table, int(rec.NumRows()), names, lookup)
	if err != nil {
		return nil, nil, err
	}
	defer p.Release()
	out, err := applyRecord(mem, rec, p)
	if err != nil {
		return nil, nil, err
	}
	return out, p.Labels.([]chaos.Label), nil
}

// recordLookup returns the field names of schema and the lookup of its
// columns, which reads rec's columns when rec is not nil (a nil rec only
// checks the schema).
func recordLookup(schema *arrow.Schema, rec arrow.RecordBatch) ([]string, cells.Lookup) {
	names := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		names[i] = f.Name
	}
	return names, func(name string, role int) (*cells.Column, string, error) {
		idx := schema.FieldIndices(name)
		if len(idx) == 0 {
			return nil, "", nil
		}
		f := schema.Field(idx[0])
		c := &cells.Column{Index: idx[0], Kind: arrowKind(f.Type), Nullable: f.Nullable, Scale: 2}
		switch t := f.Type.(type) {
		case *arrow.Decimal128Type:
			c.Scale = t.Scale
		case *arrow.Int32Type:
			c.IntMax = math.MaxInt32
		case *arrow.Int64Type:
			c.IntMax = math.MaxInt64
		}
		if rec != nil {
			arrowAccess(c, rec.Column(idx[0]), role)
		}
		return c, f.Type.String(), nil
	}
}

// arrowKind maps an Arrow type to the cell kind a role reads it as.
func arrowKind(t arrow.DataType) cells.CellKind {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING:
		return cells.KText
	case arrow.INT32, arrow.INT64:
		return cells.KInt
	case arrow.FLOAT64:
		return cells.KFloat
	case arrow.DECIMAL128:
		return cells.KDecimal
	case arrow.DATE32:
		return cells.KDate32
	case arrow.TIMESTAMP:
		return cells.KTimestamp
	}
	return cells.KOther
}

// arrowAccess fills c's get and raw for the array a.
func arrowAccess(c *cells.Column, a arrow.Array, role int) {
	isNull := a.IsNull
	switch a := a.(type) {
	case *array.String:
		c.Get = func(i int) cells.Value {
			if isNull(i) {
				return cells.Value{Null: true}
			}
			return cells.ParseNonNull(role, a.Value(i))
		}
		c.Raw, c.Volatile = a.Value, true // the engine copies what it keeps
	case *array.LargeString:
		c.Get = func(i int) cells.Value {
			if isNull(i) {
				return cells.Value{Null: true}
			}
			return cells.ParseNonNull(role, a.Value(i))
		}
		c.Raw, c.Volatile = a.Value, true
	case *array.Int32:
		c.Get = func(i int) cells.Value { return cells.Value{Null: isNull(i), I: int64(a.Value(i))} }
	case *array.Int64:
		c.Get = func(i int) cells.Value { return cells.Value{Null: isNull(i), I: a.Value(i)} }
	case *array.Float64:
		c.Get = func(i int) cells.Value { return cells.Value{Null: isNull(i), F: a.Value(i)} }
	case *array.Decimal128:
		c.Get = func(i int) cells.Value {
			n := a.Value(i)
			lo, hi := n.LowBits(), n.HighBits()
			fits := hi == 0 && lo <= math.MaxInt64 || hi == -1 && lo > math.MaxInt64
			return cells.Value{Null: isNull(i), Bad: !fits, I: int64(lo)}
		}
	case *array.Date32:
		c.Get = func(i int) cells.Value {
			d := int64(a.Value(i))
			return cells.Value{Null: isNull(i), I: d, T: time.Unix(d*86400, 0).UTC()}
		}
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		c.Get = func(i int) cells.Value {
			t := a.Value(i).ToTime(unit)
			return cells.Value{Null: isNull(i), I: cells.DayOf(t), T: t}
		}
	default:
		c.Get = func(i int) cells.Value { return cells.Value{Null: isNull(i), Bad: true} }
		c.Raw = func(i int) string {
			if isNull(i) {
				return ""
			}
			return strings.Clone(a.ValueStr(i))
		}
	}
	if c.Raw == nil {
		c.Raw = func(i int) string { return c.Text(c.Get(i)) }
	}
}

// applyRecord builds the corrupted copy of rec.
func applyRecord(mem memory.Allocator, rec arrow.RecordBatch, p *cells.Plan) (arrow.RecordBatch, error) {
	if len(p.Edits) == 0 && len(p.Dups) == 0 {
		rec.Retain()
		return rec, nil
	}
	ncols := int(rec.NumCols())
	byCol := make([]*cells.Column, ncols)
	edited := make([]bool, ncols)
	for _, c := range append(p.Cols, p.Key) {
		if c != nil {
			byCol[c.Index] = c
		}
	}
	for _, ed := range p.Edits {
		edited[p.Cols[ed.Role].Index] = true
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
		if !edited[j] && len(p.Dups) == 0 {
			in.Retain()
			cols[j] = in
			continue
		}
		a, err := rebuild(mem, in, byCol[j], p.Edits, p.Dups)
		if err != nil {
			return nil, fmt.Errorf("chaos: column %q: %w", rec.ColumnName(j), err)
		}
		cols[j] = a
	}
	return array.NewRecordBatch(rec.Schema(), cols, rec.NumRows()+int64(len(p.Dups))), nil
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
// reads with a [chaos.Injector], the way testing/iotest wraps an io.Reader:
//
//	r, err := chaosarrow.NewRecordReader(ctx, inj, spec, src, nil)
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
	j      *chaos.Injector
	spec   chaos.TableSpec
	src    array.RecordReader
	mem    memory.Allocator
	day    time.Time
	cur    arrow.RecordBatch
	labels []chaos.Label
	err    error
}

var _ array.RecordReader = (*RecordReader)(nil)

// NewRecordReader returns a reader of src's batches, corrupted by j as
// spec describes them (spec.Table, required, names them in labels). It
// checks the spec against src's schema first: an empty spec.Table, or a
// field missing or of the wrong type, is an error that wraps
// [chaos.ErrInvalidSpec] (naming the field), and no reader is returned. ctx bounds the whole read. The reader takes a
// reference to src and releases it in Release.
func NewRecordReader(ctx context.Context, j *chaos.Injector, spec chaos.TableSpec, src array.RecordReader, opts *ReaderOptions) (*RecordReader, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	names, lookup := recordLookup(src.Schema(), nil)
	if err := cells.Check(spec, spec.Table, names, lookup); err != nil {
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
	r.cur, r.labels, r.err = InjectRecord(r.ctx, r.j, r.mem, day, r.spec, r.src.RecordBatch())
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
func (r *RecordReader) Labels() []chaos.Label { return r.labels }

// Err returns the error that stopped the reader (the source's, or the
// injector's), or nil at the end of the source.
func (r *RecordReader) Err() error { return r.err }
