package generate

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/edqm/edqm"
)

// ctxEvery is how many rows are produced between two context checks.
const ctxEvery = 1024

// Seeded is the default [Generator]: every row derives from Config.Seed
// through math/rand/v2 streams keyed by what the row is (product j,
// customer k, order i of a date), never from a global source or the
// clock. It is safe for concurrent use.
type Seeded struct {
	cfg      Config // with defaults applied
	epochDay int64  // days from 1970-01-01 to cfg.Epoch
	asOfDay  int64  // days from 1970-01-01 to cfg.AsOf; noAsOf when zero

	first, last, words []string // name and word pools, fixed at New

	products   []Product // the catalogue; never written after New
	productIDs []string
	priceCents []int64

	mu    sync.RWMutex
	ids   []string       // ids[k] is customer k's id, for k < len(ids)
	index map[string]int // id → k, for the same customers
}

// noAsOf marks a zero Config.AsOf: every order is observed on its own day.
const noAsOf = -1 << 62

var _ Generator = (*Seeded)(nil)

// New validates cfg, applies its defaults and builds the generator: its
// name and word pools and the product catalogue.
func New(cfg Config) (*Seeded, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Seeded{cfg: cfg, epochDay: dayNumber(cfg.Epoch), asOfDay: noAsOf, index: make(map[string]int)}
	if !cfg.AsOf.IsZero() {
		s.asOfDay = dayNumber(cfg.AsOf)
	}

	first, last, words := fakerVocabulary()
	r := rand.New(source(cfg.Seed, streamPools, 0))
	s.first = sample(r, first, firstNamePool)
	s.last = sample(r, last, lastNamePool)
	s.words = sample(r, words, wordPool)
	if len(s.first) == 0 || len(s.last) == 0 || len(s.words) == 0 {
		return nil, fmt.Errorf("generate: faker returned an empty vocabulary")
	}

	s.products = make([]Product, cfg.Products)
	s.productIDs = make([]string, cfg.Products)
	s.priceCents = make([]int64, cfg.Products)
	for j := range cfg.Products {
		src := source(cfg.Seed, streamProducts, uint64(j))
		id := newUUID(src)
		r := rand.New(src)
		name := titleCase(s.words[r.IntN(len(s.words))]) + " " + titleCase(s.words[r.IntN(len(s.words))])
		c := pickCategory(r)
		price := drawPrice(c, r)
		stock := r.IntN(1001)
		s.productIDs[j], s.priceCents[j] = id, price
		s.products[j] = Product{ProductID: id, ProductName: name, Category: c.name, PriceCents: price, StockLevel: stock}
	}
	return s, nil
}

// Config returns the generator's configuration with the defaults applied,
// and Epoch and AsOf truncated to midnight UTC.
func (s *Seeded) Config() Config { return s.cfg }

// dayNumber is the number of days from 1970-01-01 to t's calendar date.
func dayNumber(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400 // exact: a multiple of 86400
}

// customersThrough returns K(D): the number of customers signed up on or
// before day number dn.
func (s *Seeded) customersThrough(dn int64) int {
	if dn < s.epochDay {
		return 0
	}
	return int(dn-s.epochDay+1) * s.cfg.CustomersPerDay
}

// signupOf returns customer k's signup day.
func (s *Seeded) signupOf(k int) time.Time {
	return s.cfg.Epoch.AddDate(0, 0, k/s.cfg.CustomersPerDay)
}

// known returns the ids of customers 0 to n−1, registering in the id index
// those not seen yet. The slice it returns is never written again.
func (s *Seeded) known(ctx context.Context, n int) ([]string, error) {
	s.mu.RLock()
	if len(s.ids) >= n {
		ids := s.ids[:n]
		s.mu.RUnlock()
		return ids, nil
	}
	s.mu.RUnlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := len(s.ids); k < n; k++ {
		if k%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		id := newUUID(source(s.cfg.Seed, streamCustomers, uint64(k)))
		s.ids = append(s.ids, id)
		s.index[id] = k
	}
	return s.ids[:n], nil
}

// Products returns the product catalogue (a copy: changing it changes
// nothing in s).
func (s *Seeded) Products(ctx context.Context) (*edqm.Table, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t := &edqm.Table{Name: "products", Columns: slices.Clone(ProductColumns), Rows: make([][]string, len(s.products))}
	for j, p := range s.products {
		t.Rows[j] = []string{p.ProductID, p.ProductName, p.Category, edqm.FormatCents(p.PriceCents), strconv.Itoa(p.StockLevel)}
	}
	return t, nil
}

// customerRange returns the customer numbers [k0, k1) of the customers
// who signed up in [from, to] (a zero from means since the Epoch), and
// makes sure their ids are known.
func (s *Seeded) customerRange(ctx context.Context, from, to time.Time) (k0, k1 int, err error) {
	lo, hi := s.epochDay, dayNumber(to)
	if !from.IsZero() {
		lo = max(lo, dayNumber(from))
	}
	if hi < lo {
		return 0, 0, nil
	}
	k0, k1 = s.customersThrough(lo-1), s.customersThrough(hi)
	if _, err := s.known(ctx, k1); err != nil {
		return 0, 0, err
	}
	return k0, k1, nil
}

// Customers returns the customers who signed up in [from, to] (calendar
// dates; a zero from means since the Epoch), ordered by signup date. The
// table is empty when to is before from or before the Epoch.
func (s *Seeded) Customers(ctx context.Context, from, to time.Time) (*edqm.Table, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t := &edqm.Table{Name: "customers", Columns: slices.Clone(CustomerColumns)}
	k0, k1, err := s.customerRange(ctx, from, to)
	if err != nil {
		return nil, err
	}
	t.Rows = make([][]string, 0, k1-k0)
	for k := k0; k < k1; k++ {
		if (k-k0)%ctxEvery == ctxEvery-1 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		c := s.customer(k)
		t.Rows = append(t.Rows, []string{c.CustomerID, c.Name, c.Email, c.SignupDate.Format(edqm.DateLayout), c.Region})
	}
	return t, nil
}

// customer builds customer k from its own stream.
func (s *Seeded) customer(k int) Customer {
	src := source(s.cfg.Seed, streamCustomers, uint64(k))
	id := newUUID(src) // the same first draws as in known
	r := rand.New(src)
	first := s.first[r.IntN(len(s.first))]
	last := s.last[r.IntN(len(s.last))]
	domain := emailDomains[r.IntN(len(emailDomains))]
	region := regions[r.IntN(len(regions))]
	var email strings.Builder
	email.WriteString(emailPart(first, "customer"))
	email.WriteByte('.')
	email.WriteString(emailPart(last, "x"))
	email.WriteByte('.')
	email.WriteString(strconv.Itoa(k)) // k makes the address unique
	email.WriteByte('@')
	email.WriteString(domain)
	return Customer{CustomerID: id, Name: first + " " + last, Email: email.String(), SignupDate: s.signupOf(k), Region: region}
}

// dayPlan is what the orders of one day share.
type dayPlan struct {
	dn        int64     // day number
	day       time.Time // midnight UTC
	n         int       // how many orders
	customers []string  // ids of the customers signed up by the day
	age       int64     // the age at which statuses are observed
	key       uint64    // the high half of every order stream of the day
}

// plan returns the plan of day's orders. A day before the Epoch is an
// error wrapping [ErrBeforeEpoch].
func (s *Seeded) plan(ctx context.Context, day time.Time) (*dayPlan, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dn := dayNumber(day)
	p := &dayPlan{dn: dn, day: time.Unix(dn*86400, 0).UTC()}
	if dn < s.epochDay {
		return nil, fmt.Errorf("%w: no orders on %s, the first customer signs up on %s (Epoch)",
			ErrBeforeEpoch, p.day.Format(edqm.DateLayout), s.cfg.Epoch.Format(edqm.DateLayout))
	}
	var err error
	if p.customers, err = s.known(ctx, s.customersThrough(dn)); err != nil {
		return nil, err
	}
	p.n = orderCount(s.cfg.MinOrders, s.cfg.MaxOrders, demand(dn, s.epochDay, s.cfg.NoHolidays, rand.New(source(s.cfg.Seed, streamOrders, uint64(dn)))))
	if s.asOfDay != noAsOf && s.asOfDay > dn {
		p.age = s.asOfDay - dn
	}
	p.key = splitmix64(source(s.cfg.Seed, streamOrderRows, 0).Uint64() ^ uint64(dn))
	return p, nil
}

// orderDraw is one order as drawn, before it is rendered as a row.
type orderDraw struct {
	hi, lo   uint64 // the order id's bits
	customer int    // index into dayPlan.customers
	product  int    // index into Seeded.products
	quantity int
	cents    int64 // total_amount
	status   int8  // index into Statuses
}

// orderStream draws the orders of a day. Order i draws from its own
// stream, so any order, or any batch of orders, can be drawn alone.
type orderStream struct {
	s   *Seeded
	p   *dayPlan
	pcg *rand.PCG
}

func (s *Seeded) newOrderStream(p *dayPlan) *orderStream {
	return &orderStream{s: s, p: p, pcg: rand.NewPCG(0, 0)}
}

// below maps 32 random bits to [0, n): nearly uniform, the bias is below
// n/2³², under 10⁻⁷ for the small n used here.
func below(x uint32, n int) int { return int(uint64(x) * uint64(n) >> 32) }

// unit maps 64 random bits to a float64 in [0, 1), as rand.Float64 does.
func unit(x uint64) float64 { return float64(x>>11) / (1 << 53) }

// draw returns order i of the day: six 64-bit draws from its stream. The
// customer is ⌊K·u²⌋ for K the customers signed up by the day (early
// customers order more: a long tail of heavy customers), the product
// ⌊P·v²⌋ (best sellers), the quantity and the lifecycle from their tables.
func (o *orderStream) draw(i int) orderDraw {
	pcg := o.pcg
	pcg.Seed(o.p.key, splitmix64(o.p.key^uint64(i)))
	var d orderDraw
	d.hi, d.lo = pcg.Uint64(), pcg.Uint64()
	nc := len(o.p.customers)
	u := unit(pcg.Uint64())
	d.customer = min(int(float64(nc)*u*u), nc-1)
	np := len(o.s.productIDs)
	v := unit(pcg.Uint64())
	d.product = min(int(float64(np)*v*v), np-1)
	x, y := pcg.Uint64(), pcg.Uint64()
	d.quantity = pickQuantity(below(uint32(x), 100))
	d.cents = int64(d.quantity) * o.s.priceCents[d.product]
	d.status = drawLifecycle(below(uint32(x>>32), 100), below(uint32(y), 100), below(uint32(y>>32), 100)).status(o.p.age)
	return d
}

// Orders returns the orders placed on day's calendar date; see the
// package documentation for their count and shape. Each references a
// customer who signed up on or before the day and a product of the
// catalogue; total_amount is quantity × price to the cent. A day before
// the Epoch is an error wrapping [ErrBeforeEpoch].
func (s *Seeded) Orders(ctx context.Context, day time.Time) (*edqm.Table, error) {
	p, err := s.plan(ctx, day)
	if err != nil {
		return nil, err
	}
	date := p.day.Format(edqm.DateLayout)
	width := len(OrderColumns)
	cells := make([]string, p.n*width) // one allocation for every cell
	t := &edqm.Table{Name: "orders", Columns: slices.Clone(OrderColumns), Rows: make([][]string, p.n)}
	o := s.newOrderStream(p)
	for i := range p.n {
		if i%ctxEvery == ctxEvery-1 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		d := o.draw(i)
		row := cells[i*width : (i+1)*width : (i+1)*width]
		row[0] = edqm.FormatUUID(d.hi, d.lo)
		row[1] = p.customers[d.customer]
		row[2] = s.productIDs[d.product]
		row[3] = strconv.Itoa(d.quantity)
		row[4] = edqm.FormatCents(d.cents)
		row[5] = date
		row[6] = Statuses[d.status]
		t.Rows[i] = row
	}
	return t, nil
}

// SignupDate returns the signup day (midnight UTC) of a customer id this
// generator produced in a Customers or Orders call (or their typed and
// Arrow forms), and false for any other id.
func (s *Seeded) SignupDate(customerID string) (time.Time, bool) {
	s.mu.RLock()
	k, ok := s.index[customerID]
	s.mu.RUnlock()
	if !ok {
		return time.Time{}, false
	}
	return s.signupOf(k), true
}
