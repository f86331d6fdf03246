package chaosarrow

import (
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/edqm/edqm/chaos/internal/cells"
)

// rebuild returns in with its edits applied and the rows of dups
// duplicated, each copy right after its row. c is in's role column, nil
// for a column without a role; edits are the edits of every column, of
// which rebuild applies c's. Runs of rows without an edit or a duplicate
// are copied in bulk, straight between the Arrow buffers.
func rebuild(mem memory.Allocator, in arrow.Array, c *cells.Column, all []cells.Edit, dups []int) (arrow.Array, error) {
	edits := columnEdits{all: all, role: roleNone}
	if c != nil && c.Role != cells.RoleKey {
		edits.role = c.Role
	}
	switch a := in.(type) {
	case *array.String:
		return rebuildBinary(mem, in, a.ValueOffsets(), arrow.Int32Traits, c, edits, dups), nil
	case *array.LargeString:
		return rebuildBinary(mem, in, a.ValueOffsets(), arrow.Int64Traits, c, edits, dups), nil
	}
	if put := fixedPut(in.DataType()); put != nil {
		return rebuildFixed(mem, in, put, edits, dups), nil
	}
	if edits.role != roleNone {
		return nil, fmt.Errorf("cannot write into a column of type %s", in.DataType())
	}
	return concatDups(mem, in, dups)
}

// roleNone marks a column that no edit writes.
const roleNone = -2

// columnEdits are the edits of one column among all the edits, which are
// in row order.
type columnEdits struct {
	all  []cells.Edit
	role int
	next int // the next edit to look at
}

// peek returns the next edit of the column, or nil.
func (c *columnEdits) peek() *cells.Edit {
	for c.next < len(c.all) && c.all[c.next].Role != c.role {
		c.next++
	}
	if c.next < len(c.all) {
		return &c.all[c.next]
	}
	return nil
}

// walk visits the output rows: copy(lo, hi) for each run of input rows
// without an edit or a duplicate, one(i, e) for an input row i that has
// one, with e the edit of that output row (nil: the row as it came).
func walk(n int, edits *columnEdits, dups []int, copy func(lo, hi int), one func(i int, e *cells.Edit)) {
	di, lo := 0, 0
	for {
		next := edits.peek()
		i := n
		if next != nil {
			i = next.Row
		}
		if di < len(dups) && dups[di] < i {
			i = dups[di]
		}
		if i == n {
			break
		}
		if lo < i {
			copy(lo, i)
		}
		var first *cells.Edit
		if next != nil && next.Row == i && next.Occ == 1 {
			first = next
			edits.next++
		}
		one(i, first)
		if di < len(dups) && dups[di] == i {
			di++
			second := first // the copy of the row as the edits left it
			if next := edits.peek(); next != nil && next.Row == i {
				second = next
				edits.next++
			}
			one(i, second)
		}
		lo = i + 1
	}
	if lo < n {
		copy(lo, n)
	}
}

// validity builds the validity bitmap of an output column.
type validity struct {
	buf  *memory.Buffer
	bits []byte
	src  []byte // the input's bitmap; nil when it has no NULL
	off  int    // the input's offset
}

// newValidity returns a validity for n output rows of in, or nil when no
// output row can be NULL.
func newValidity(mem memory.Allocator, in arrow.Array, n int, edits columnEdits) *validity {
	need := in.NullN() > 0
	for e := edits.peek(); e != nil && !need; e = edits.peek() {
		need = e.V.Null
		edits.next++
	}
	if !need {
		return nil
	}
	v := &validity{buf: memory.NewResizableBuffer(mem), off: in.Data().Offset()}
	v.buf.Resize(int(bitutil.BytesForBits(int64(n))))
	v.bits = v.buf.Bytes()
	clear(v.bits)
	if in.NullN() > 0 {
		v.src = in.NullBitmapBytes()
	}
	return v
}

// copy copies the validity of input rows [lo, hi) to output row out.
func (v *validity) copy(lo, hi, out int) {
	if v == nil {
		return
	}
	if v.src == nil {
		bitutil.SetBitsTo(v.bits, int64(out), int64(hi-lo), true)
		return
	}
	bitutil.CopyBitmap(v.src, v.off+lo, hi-lo, v.bits, out)
}

// set sets output row out valid or not.
func (v *validity) set(out int, valid bool) {
	if v != nil {
		bitutil.SetBitTo(v.bits, out, valid)
	}
}

// finish returns the bitmap buffer and the NULL count of n rows.
func (v *validity) finish(n int) (*memory.Buffer, int) {
	if v == nil {
		return nil, 0
	}
	return v.buf, n - bitutil.CountSetBits(v.bits, 0, n)
}

// offsetTraits converts offset buffers.
type offsetTraits[O int32 | int64] interface {
	CastFromBytes([]byte) []O
	BytesRequired(int) int
}

// rebuildBinary rebuilds a utf8 or large_utf8 column.
func rebuildBinary[O int32 | int64](mem memory.Allocator, in arrow.Array, offs []O, traits offsetTraits[O], c *cells.Column, edits columnEdits, dups []int) arrow.Array {
	n, nOut := in.Len(), in.Len()+len(dups)
	var data []byte
	if b := in.Data().Buffers()[2]; b != nil {
		data = b.Bytes()
	}
	size := int(offs[n] - offs[0])
	oBuf, dBuf := memory.NewResizableBuffer(mem), memory.NewResizableBuffer(mem)
	oBuf.Resize(traits.BytesRequired(nOut + 1))
	o := traits.CastFromBytes(oBuf.Bytes())
	dBuf.Reserve(max(size+size/max(n, 1)*len(dups)+64, 64))
	d := dBuf.Buf()
	valid := newValidity(mem, in, nOut, edits)
	out, end := 0, 0
	o[0] = 0
	ensure := func(k int) {
		if end+k > len(d) {
			dBuf.Reserve(2 * (end + k))
			d = dBuf.Buf()
		}
	}
	copyRows := func(lo, hi int) {
		start, stop := int(offs[lo]), int(offs[hi])
		ensure(stop - start)
		copy(d[end:], data[start:stop])
		shift := O(end) - offs[lo]
		for k := lo; k < hi; k++ {
			o[out+1+k-lo] = offs[k+1] + shift
		}
		valid.copy(lo, hi, out)
		end += stop - start
		out += hi - lo
	}
	walk(n, &edits, dups, copyRows, func(i int, e *cells.Edit) {
		if e == nil {
			copyRows(i, i+1)
			return
		}
		if !e.V.Null {
			var buf [64]byte
			s := c.AppendText(buf[:0], e.V)
			ensure(len(s))
			end += copy(d[end:], s)
		}
		valid.set(out, !e.V.Null)
		out++
		o[out] = O(end)
	})
	dBuf.Resize(end)
	vBuf, nulls := valid.finish(nOut)
	return newArray(in.DataType(), nOut, nulls, vBuf, oBuf, dBuf)
}

// newArray wraps buffers in an array, taking over the references.
func newArray(t arrow.DataType, n, nulls int, bufs ...*memory.Buffer) arrow.Array {
	data := array.NewData(t, n, bufs, nil, nulls, 0)
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
	a := array.MakeFromData(data)
	data.Release()
	return a
}

// fixedPut returns, for a fixed-width type a role can write, a function
// that writes a value into slot k of a values buffer; nil for other types.
func fixedPut(t arrow.DataType) func(buf []byte, k int, v cells.Value) {
	switch t := t.(type) {
	case *arrow.Int32Type:
		return func(buf []byte, k int, v cells.Value) { arrow.Int32Traits.CastFromBytes(buf)[k] = int32(v.I) }
	case *arrow.Int64Type:
		return func(buf []byte, k int, v cells.Value) { arrow.Int64Traits.CastFromBytes(buf)[k] = v.I }
	case *arrow.Float64Type:
		return func(buf []byte, k int, v cells.Value) { arrow.Float64Traits.CastFromBytes(buf)[k] = v.F }
	case *arrow.Date32Type:
		return func(buf []byte, k int, v cells.Value) { arrow.Date32Traits.CastFromBytes(buf)[k] = arrow.Date32(v.I) }
	case *arrow.Decimal128Type:
		return func(buf []byte, k int, v cells.Value) {
			arrow.Decimal128Traits.CastFromBytes(buf)[k] = decimal128.FromI64(v.I)
		}
	case *arrow.TimestampType:
		return func(buf []byte, k int, v cells.Value) {
			ts, err := arrow.TimestampFromTime(v.T, t.Unit)
			if err != nil { // out of the unit's range: keep the date
				ts, _ = arrow.TimestampFromTime(time.Unix(v.I*86400, 0), t.Unit)
			}
			arrow.TimestampTraits.CastFromBytes(buf)[k] = ts
		}
	case *arrow.BooleanType:
		return nil
	case arrow.FixedWidthDataType:
		if t.BitWidth()%8 == 0 { // copied, never written
			return func([]byte, int, cells.Value) {}
		}
	}
	return nil
}

// rebuildFixed rebuilds a column of a fixed-width type.
func rebuildFixed(mem memory.Allocator, in arrow.Array, put func([]byte, int, cells.Value), edits columnEdits, dups []int) arrow.Array {
	w := in.DataType().(arrow.FixedWidthDataType).BitWidth() / 8
	n, nOut := in.Len(), in.Len()+len(dups)
	var src []byte
	if b := in.Data().Buffers()[1]; b != nil {
		src = b.Bytes()
	}
	off := in.Data().Offset()
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(nOut * w)
	dst := buf.Bytes()
	valid := newValidity(mem, in, nOut, edits)
	out := 0
	copyRows := func(lo, hi int) {
		copy(dst[out*w:], src[(off+lo)*w:(off+hi)*w])
		valid.copy(lo, hi, out)
		out += hi - lo
	}
	walk(n, &edits, dups, copyRows, func(i int, e *cells.Edit) {
		if e == nil {
			copyRows(i, i+1)
			return
		}
		if e.V.Null {
			clear(dst[out*w : (out+1)*w])
		} else {
			put(dst, out, e.V)
		}
		valid.set(out, !e.V.Null)
		out++
	})
	vBuf, nulls := valid.finish(nOut)
	return newArray(in.DataType(), nOut, nulls, vBuf, buf)
}

// concatDups duplicates rows of an array of any type by concatenating
// slices of it.
func concatDups(mem memory.Allocator, in arrow.Array, dups []int) (arrow.Array, error) {
	parts := make([]arrow.Array, 0, 2*len(dups)+1)
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	lo := 0
	for _, d := range dups {
		parts = append(parts, array.NewSlice(in, int64(lo), int64(d+1)), array.NewSlice(in, int64(d), int64(d+1)))
		lo = d + 1
	}
	parts = append(parts, array.NewSlice(in, int64(lo), int64(in.Len())))
	return array.Concatenate(parts, mem)
}
