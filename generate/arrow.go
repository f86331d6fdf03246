package generate

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/edqm/edqm"
)

// amountType is the Arrow type of amounts and prices: DECIMAL(14, 2), which
// holds every generated amount (the staging models type them wider,
// DECIMAL(18, 2), so that every amount edqm.ParseCents accepts fits).
var amountType = &arrow.Decimal128Type{Precision: 14, Scale: 2}

// Arrow schemas of the generated tables: the columns of [OrderColumns],
// [CustomerColumns] and [ProductColumns], typed. Ids and names are utf8,
// amounts DECIMAL(14, 2), dates date32, counts int32. The generator never
// writes a NULL; the columns chaos may set to NULL are nullable.
var (
	OrderSchema = arrow.NewSchema([]arrow.Field{
		{Name: "order_id", Type: arrow.BinaryTypes.String},
		{Name: "customer_id", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "product_id", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "quantity", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "total_amount", Type: amountType, Nullable: true},
		{Name: "order_date", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "status", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	CustomerSchema = arrow.NewSchema([]arrow.Field{
		{Name: "customer_id", Type: arrow.BinaryTypes.String},
		{Name: "name", Type: arrow.BinaryTypes.String},
		{Name: "email", Type: arrow.BinaryTypes.String},
		{Name: "signup_date", Type: arrow.FixedWidthTypes.Date32},
		{Name: "region", Type: arrow.BinaryTypes.String},
	}, nil)
	ProductSchema = arrow.NewSchema([]arrow.Field{
		{Name: "product_id", Type: arrow.BinaryTypes.String},
		{Name: "product_name", Type: arrow.BinaryTypes.String},
		{Name: "category", Type: arrow.BinaryTypes.String},
		{Name: "price", Type: amountType},
		{Name: "stock_level", Type: arrow.PrimitiveTypes.Int32},
	}, nil)
)

// DefaultBatchSize is the most orders a batch of an [OrderReader] holds
// when ReaderOptions.BatchSize is zero.
const DefaultBatchSize = 64 * 1024

// ReaderOptions adjusts an [OrderReader]. A nil *ReaderOptions means the
// defaults.
type ReaderOptions struct {
	// BatchSize is the most orders a batch holds. A day's orders come in
	// order, in ⌈count/BatchSize⌉ batches; a batch never holds two days.
	// Zero means [DefaultBatchSize]; negative is an error.
	BatchSize int
	// Allocator allocates the batches. Nil means memory.DefaultAllocator.
	Allocator memory.Allocator
	// Parallelism is how many goroutines build batches. 0 or 1 builds each
	// batch in Next, on the caller's goroutine. n > 1 builds up to 2n
	// batches ahead on n goroutines; they come out in the same order, with
	// the same contents. Negative is an error.
	Parallelism int
}

// ProductsRecord returns the product catalogue as one record batch of
// [ProductSchema], allocated from mem (nil means memory.DefaultAllocator).
// The caller releases it.
func (s *Seeded) ProductsRecord(ctx context.Context, mem memory.Allocator) (arrow.RecordBatch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b := array.NewRecordBuilder(allocator(mem), ProductSchema)
	defer b.Release()
	b.Reserve(len(s.products))
	id, name, cat := b.Field(0).(*array.StringBuilder), b.Field(1).(*array.StringBuilder), b.Field(2).(*array.StringBuilder)
	price, stock := b.Field(3).(*array.Decimal128Builder), b.Field(4).(*array.Int32Builder)
	for _, p := range s.products {
		id.Append(p.ProductID)
		name.Append(p.ProductName)
		cat.Append(p.Category)
		price.Append(decimal128.FromI64(p.PriceCents))
		stock.Append(int32(p.StockLevel))
	}
	return b.NewRecordBatch(), nil
}

// CustomersRecord returns the customers of [Seeded.Customers] for the same
// range as one record batch of [CustomerSchema], allocated from mem (nil
// means memory.DefaultAllocator). The caller releases it.
func (s *Seeded) CustomersRecord(ctx context.Context, mem memory.Allocator, from, to time.Time) (arrow.RecordBatch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	k0, k1, err := s.customerRange(ctx, from, to)
	if err != nil {
		return nil, err
	}
	b := array.NewRecordBuilder(allocator(mem), CustomerSchema)
	defer b.Release()
	b.Reserve(k1 - k0)
	id, name, email := b.Field(0).(*array.StringBuilder), b.Field(1).(*array.StringBuilder), b.Field(2).(*array.StringBuilder)
	signup, region := b.Field(3).(*array.Date32Builder), b.Field(4).(*array.StringBuilder)
	for k := k0; k < k1; k++ {
		if (k-k0)%ctxEvery == ctxEvery-1 {
			if err := ctx.Err(); err != nil {
				b.NewRecordBatch().Release() // reset the builders
				return nil, err
			}
		}
		c := s.customer(k)
		id.Append(c.CustomerID)
		name.Append(c.Name)
		email.Append(c.Email)
		signup.Append(arrow.Date32(dayNumber(c.SignupDate)))
		region.Append(c.Region)
	}
	return b.NewRecordBatch(), nil
}

func allocator(mem memory.Allocator) memory.Allocator {
	if mem == nil {
		return memory.DefaultAllocator
	}
	return mem
}

// OrderReader streams the orders of a range of days as Arrow record
// batches of [OrderSchema], in the style of array.RecordReader:
//
//	for r.Next() {
//		rec := r.RecordBatch() // valid until the next call to Next
//	}
//	if err := r.Err(); err != nil { ... }
//	r.Release()
//
// Only the batches being built are in memory, so a range of any size
// streams in constant memory. The batches hold the same rows as
// [Seeded.Orders] for each day, in the same order. An OrderReader is not
// safe for concurrent use; call Release when done with it (it stops the
// goroutines of a parallel reader and frees the batches built ahead).
type OrderReader struct {
	refs      atomic.Int64
	s         *Seeded
	ctx       context.Context
	mem       memory.Allocator
	batchSize int
	next      int64 // the next day number to plan
	last      int64 // the last day number

	cur    arrow.RecordBatch
	curDay time.Time
	err    error
	done   bool

	// Sequential reading.
	o *orderStream
	p *dayPlan
	// off is the next order of p to build.
	off int

	// Parallel reading.
	cancel   context.CancelFunc
	queue    chan *orderUnit // units in order, each with its result to come
	complete atomic.Bool     // the planner queued every unit
	wg       sync.WaitGroup
}

var _ array.RecordReader = (*OrderReader)(nil)

// orderUnit is one batch to build: orders [lo, hi) of a day.
type orderUnit struct {
	p      *dayPlan
	lo, hi int
	out    chan orderResult // buffered: receives exactly one result
}

type orderResult struct {
	rec arrow.RecordBatch
	err error
}

// NewOrderReader returns a reader of the orders placed from day from to
// day to, both included (calendar dates; a zero from means the Epoch). A
// to before from gives a reader with no batch. ctx bounds the whole read:
// once it is done, Next returns false and Err returns ctx.Err(). A from
// before the Epoch is an error wrapping [ErrBeforeEpoch]; bad options an
// error wrapping [ErrInvalidConfig] that names the field.
func (s *Seeded) NewOrderReader(ctx context.Context, from, to time.Time, opts *ReaderOptions) (*OrderReader, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var o ReaderOptions
	if opts != nil {
		o = *opts
	}
	if o.BatchSize < 0 {
		return nil, fmt.Errorf("%w: ReaderOptions.BatchSize is %d, want ≥ 0 (0 selects %d)", ErrInvalidConfig, o.BatchSize, DefaultBatchSize)
	}
	if o.Parallelism < 0 {
		return nil, fmt.Errorf("%w: ReaderOptions.Parallelism is %d, want ≥ 0", ErrInvalidConfig, o.Parallelism)
	}
	if o.BatchSize == 0 {
		o.BatchSize = DefaultBatchSize
	}
	r := &OrderReader{s: s, ctx: ctx, mem: allocator(o.Allocator), batchSize: o.BatchSize, next: s.epochDay, last: dayNumber(to)}
	if !from.IsZero() {
		r.next = dayNumber(from)
		if r.next < s.epochDay {
			return nil, fmt.Errorf("%w: the range starts on %s, the first customer signs up on %s (Epoch)",
				ErrBeforeEpoch, from.Format(time.DateOnly), s.cfg.Epoch.Format(time.DateOnly))
		}
	}
	r.refs.Store(1)
	if o.Parallelism > 1 {
		r.start(o.Parallelism)
	}
	return r, nil
}

// Retain increases the reference count by 1.
func (r *OrderReader) Retain() { r.refs.Add(1) }

// Release decreases the reference count by 1; at zero it releases the
// current batch and every batch built ahead, and stops the goroutines.
func (r *OrderReader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.cancel != nil {
		r.cancel()
		for u := range r.queue {
			if res := <-u.out; res.rec != nil {
				res.rec.Release()
			}
		}
		r.wg.Wait()
	}
	r.done = true
}

// Schema returns [OrderSchema].
func (r *OrderReader) Schema() *arrow.Schema { return OrderSchema }

// RecordBatch returns the current batch. It is valid until the next call
// to Next or Release; Retain it to keep it longer.
func (r *OrderReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record returns the current batch.
//
// Deprecated: Use [OrderReader.RecordBatch], as array.RecordReader does.
func (r *OrderReader) Record() arrow.RecordBatch { return r.cur }

// Day returns the day of the current batch (midnight UTC). The chaos
// package reads it to date the batches it corrupts.
func (r *OrderReader) Day() time.Time { return r.curDay }

// Err returns the error that stopped the reader, or nil when it stopped
// at the end of the range. A done context gives ctx.Err(), unwrapped.
func (r *OrderReader) Err() error { return r.err }

// Next builds the next batch and reports whether there is one.
func (r *OrderReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.done || r.err != nil {
		return false
	}
	if r.queue != nil {
		return r.nextParallel()
	}
	for r.p == nil || r.off >= r.p.n {
		if r.next > r.last {
			r.done = true
			return false
		}
		p, err := r.s.plan(r.ctx, time.Unix(r.next*86400, 0).UTC())
		if err != nil {
			r.err = err
			return false
		}
		r.next++
		r.p, r.o, r.off = p, r.s.newOrderStream(p), 0
	}
	hi := min(r.off+r.batchSize, r.p.n)
	rec, err := r.s.buildOrders(r.ctx, r.mem, r.o, r.off, hi)
	if err != nil {
		r.err = err
		return false
	}
	r.cur, r.curDay, r.off = rec, r.p.day, hi
	return true
}

func (r *OrderReader) nextParallel() bool {
	u, ok := <-r.queue
	if !ok {
		r.done = true
		if !r.complete.Load() { // the planner stopped early: the context is done
			r.err = r.ctx.Err()
		}
		return false
	}
	res := <-u.out
	if res.err != nil {
		r.err = res.err
		return false
	}
	r.cur, r.curDay = res.rec, u.p.day
	return true
}

// start launches a planner that queues the units in order and n workers
// that build them; the queue's capacity bounds the batches built ahead.
func (r *OrderReader) start(n int) {
	ctx, cancel := context.WithCancel(r.ctx)
	r.cancel = cancel
	r.queue = make(chan *orderUnit, 2*n)
	work := make(chan *orderUnit)
	r.wg.Add(1 + n)
	go func() {
		defer r.wg.Done()
		defer close(work)
		defer close(r.queue)
		for dn := r.next; dn <= r.last; dn++ {
			p, err := r.s.plan(ctx, time.Unix(dn*86400, 0).UTC())
			if err != nil {
				u := &orderUnit{out: make(chan orderResult, 1)}
				u.out <- orderResult{err: r.cause(ctx, err)}
				select {
				case r.queue <- u:
				case <-ctx.Done():
				}
				return
			}
			for lo := 0; lo < p.n; lo += r.batchSize {
				u := &orderUnit{p: p, lo: lo, hi: min(lo+r.batchSize, p.n), out: make(chan orderResult, 1)}
				select {
				case r.queue <- u:
				case <-ctx.Done():
					return
				}
				select {
				case work <- u:
				case <-ctx.Done():
					u.out <- orderResult{err: r.cause(ctx, ctx.Err())}
					return
				}
			}
		}
		r.complete.Store(true)
	}()
	for range n {
		go func() {
			defer r.wg.Done()
			for u := range work {
				rec, err := r.s.buildOrders(ctx, r.mem, r.s.newOrderStream(u.p), u.lo, u.hi)
				u.out <- orderResult{rec: rec, err: r.cause(ctx, err)}
			}
		}()
	}
}

// cause returns the caller's context error in place of err when the
// reader's own context was cancelled because the caller's was.
func (r *OrderReader) cause(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		if perr := r.ctx.Err(); perr != nil {
			return perr
		}
	}
	return err
}

// buildOrders builds orders [lo, hi) of o's day as a batch, writing
// straight into the Arrow buffers.
func (s *Seeded) buildOrders(ctx context.Context, mem memory.Allocator, o *orderStream, lo, hi int) (arrow.RecordBatch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n := hi - lo
	id, cust, prod := newStrCol(mem, n, 36*n), newStrCol(mem, n, 36*n), newStrCol(mem, n, 36*n)
	status := newStrCol(mem, n, 9*n)
	qty, amt, date := newFixedCol(mem, n, 4), newFixedCol(mem, n, 16), newFixedCol(mem, n, 4)
	cols := []column{id, cust, prod, qty, amt, date, status}
	q := arrow.Int32Traits.CastFromBytes(qty.buf.Bytes())
	a := arrow.Decimal128Traits.CastFromBytes(amt.buf.Bytes())
	dt := arrow.Date32Traits.CastFromBytes(date.buf.Bytes())
	day := arrow.Date32(o.p.dn)
	var buf [36]byte
	for k := range n {
		if k%ctxEvery == ctxEvery-1 {
			if err := ctx.Err(); err != nil {
				for _, c := range cols {
					c.release()
				}
				return nil, err
			}
		}
		d := o.draw(lo + k)
		id.appendBytes(edqm.AppendUUID(buf[:0], d.hi, d.lo))
		cust.appendString(o.p.customers[d.customer])
		prod.appendString(s.productIDs[d.product])
		q[k] = int32(d.quantity)
		a[k] = decimal128.FromI64(d.cents)
		dt[k] = day
		status.appendString(Statuses[d.status])
	}
	arrays := make([]arrow.Array, len(cols))
	for i, c := range cols {
		arrays[i] = c.finish(OrderSchema.Field(i).Type)
	}
	rec := array.NewRecordBatch(OrderSchema, arrays, int64(n))
	for _, a := range arrays {
		a.Release()
	}
	return rec, nil
}

// column is a column being written straight into its Arrow buffers.
type column interface {
	finish(arrow.DataType) arrow.Array
	release()
}

// strCol is a utf8 column without NULLs being written.
type strCol struct {
	offs, data *memory.Buffer
	o          []int32
	d          []byte
	n, end     int
}

// newStrCol starts a utf8 column of n values and about size bytes.
func newStrCol(mem memory.Allocator, n, size int) *strCol {
	c := &strCol{offs: memory.NewResizableBuffer(mem), data: memory.NewResizableBuffer(mem)}
	c.offs.Resize((n + 1) * 4)
	c.o = arrow.Int32Traits.CastFromBytes(c.offs.Bytes())
	c.o[0] = 0
	c.data.Reserve(max(size, 1))
	c.d = c.data.Buf()
	return c
}

func (c *strCol) appendString(v string) {
	if c.end+len(v) > len(c.d) {
		c.grow(len(v))
	}
	c.end += copy(c.d[c.end:], v)
	c.n++
	c.o[c.n] = int32(c.end)
}

func (c *strCol) appendBytes(v []byte) {
	if c.end+len(v) > len(c.d) {
		c.grow(len(v))
	}
	c.end += copy(c.d[c.end:], v)
	c.n++
	c.o[c.n] = int32(c.end)
}

func (c *strCol) grow(k int) {
	c.data.Reserve(2 * (c.end + k))
	c.d = c.data.Buf()
}

func (c *strCol) finish(t arrow.DataType) arrow.Array {
	c.data.Resize(c.end)
	data := array.NewData(t, c.n, []*memory.Buffer{nil, c.offs, c.data}, nil, 0, 0)
	c.release()
	a := array.MakeFromData(data)
	data.Release()
	return a
}

func (c *strCol) release() {
	c.offs.Release()
	c.data.Release()
}

// fixedCol is a fixed-width column without NULLs being written.
type fixedCol struct {
	buf *memory.Buffer
	n   int
}

// newFixedCol starts a column of n values of width bytes.
func newFixedCol(mem memory.Allocator, n, width int) *fixedCol {
	c := &fixedCol{buf: memory.NewResizableBuffer(mem), n: n}
	c.buf.Resize(n * width)
	return c
}

func (c *fixedCol) finish(t arrow.DataType) arrow.Array {
	data := array.NewData(t, c.n, []*memory.Buffer{nil, c.buf}, nil, 0, 0)
	c.release()
	a := array.MakeFromData(data)
	data.Release()
	return a
}

func (c *fixedCol) release() { c.buf.Release() }
