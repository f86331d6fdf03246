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

// statusWeights are the percentages of each status of [Statuses], in the
// same order: COMPLETED 60, PENDING 15, SHIPPED 20, CANCELLED 5.
var statusWeights = [...]int{60, 15, 20, 5}

// Seeded is the default [Generator]: every row derives from Config.Seed
// through math/rand/v2 streams keyed by what the row is (product j,
// customer k, the orders of a date), never from a global source or the
// clock. It is safe for concurrent use.
type Seeded struct {
	cfg      Config // with defaults applied
	epochDay int64  // days from 1970-01-01 to cfg.Epoch

	first, last, words []string // name and word pools, fixed at New

	products   *edqm.Table
	productIDs []string
	priceCents []int64

	mu    sync.RWMutex
	ids   []string       // ids[k] is customer k's id, for k < len(ids)
	index map[string]int // id → k, for the same customers
}

var _ Generator = (*Seeded)(nil)

// New validates cfg, applies its defaults and builds the generator: its
// name and word pools and the product catalogue.
func New(cfg Config) (*Seeded, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Seeded{cfg: cfg, epochDay: dayNumber(cfg.Epoch), index: make(map[string]int)}

	first, last, words := fakerVocabulary()
	r := rand.New(source(cfg.Seed, streamPools, 0))
	s.first = sample(r, first, firstNamePool)
	s.last = sample(r, last, lastNamePool)
	s.words = sample(r, words, wordPool)
	if len(s.first) == 0 || len(s.last) == 0 || len(s.words) == 0 {
		return nil, fmt.Errorf("generate: faker returned an empty vocabulary")
	}

	s.products = &edqm.Table{Name: "products", Columns: slices.Clone(ProductColumns), Rows: make([][]string, cfg.Products)}
	s.productIDs = make([]string, cfg.Products)
	s.priceCents = make([]int64, cfg.Products)
	for j := range cfg.Products {
		src := source(cfg.Seed, streamProducts, uint64(j))
		id := newUUID(src)
		r := rand.New(src)
		name := titleCase(s.words[r.IntN(len(s.words))]) + " " + titleCase(s.words[r.IntN(len(s.words))])
		c := categories[r.IntN(len(categories))]
		price := c.min + r.Int64N(c.max-c.min+1)
		stock := r.IntN(1001)
		s.productIDs[j], s.priceCents[j] = id, price
		s.products.Rows[j] = []string{id, name, c.name, FormatCents(price), strconv.Itoa(stock)}
	}
	return s, nil
}

// Config returns the generator's configuration with the defaults applied
// and Epoch truncated to midnight UTC.
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
	return s.products.Clone(), nil
}

// Customers returns the customers who signed up in [from, to] (calendar
// dates; a zero from means since the Epoch), ordered by signup date. The
// table is empty when to is before from or before the Epoch.
func (s *Seeded) Customers(ctx context.Context, from, to time.Time) (*edqm.Table, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t := &edqm.Table{Name: "customers", Columns: slices.Clone(CustomerColumns)}
	lo, hi := s.epochDay, dayNumber(to)
	if !from.IsZero() {
		lo = max(lo, dayNumber(from))
	}
	if hi < lo {
		return t, nil
	}
	k0, k1 := s.customersThrough(lo-1), s.customersThrough(hi)
	if _, err := s.known(ctx, k1); err != nil {
		return nil, err
	}
	t.Rows = make([][]string, 0, k1-k0)
	for k := k0; k < k1; k++ {
		if (k-k0)%ctxEvery == ctxEvery-1 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		t.Rows = append(t.Rows, s.customer(k))
	}
	return t, nil
}

// customer builds customer k's row from its own stream.
func (s *Seeded) customer(k int) []string {
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
	return []string{id, first + " " + last, email.String(), s.signupOf(k).Format(edqm.DateLayout), region}
}

// Orders returns the orders placed on day's calendar date. Their count is
// drawn in [MinOrders, MaxOrders]; each references a customer who signed up
// on or before the day (early customers order more: the customer number is
// ⌊K·u²⌋ for a uniform u, K customers known) and a product of the
// catalogue; total_amount is quantity × price to the cent. A day before the
// Epoch is an error wrapping [ErrBeforeEpoch].
func (s *Seeded) Orders(ctx context.Context, day time.Time) (*edqm.Table, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dn := dayNumber(day)
	date := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC).Format(edqm.DateLayout)
	if dn < s.epochDay {
		return nil, fmt.Errorf("%w: no orders on %s, the first customer signs up on %s (Epoch)",
			ErrBeforeEpoch, date, s.cfg.Epoch.Format(edqm.DateLayout))
	}
	nCustomers := s.customersThrough(dn)
	ids, err := s.known(ctx, nCustomers)
	if err != nil {
		return nil, err
	}

	src := source(s.cfg.Seed, streamOrders, uint64(dn))
	r := rand.New(src)
	n := s.cfg.MinOrders + r.IntN(s.cfg.MaxOrders-s.cfg.MinOrders+1)
	width := len(OrderColumns)
	cells := make([]string, n*width) // one allocation for every cell
	t := &edqm.Table{Name: "orders", Columns: slices.Clone(OrderColumns), Rows: make([][]string, n)}
	for i := range n {
		if i%ctxEvery == ctxEvery-1 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		id := FormatUUID(r.Uint64(), r.Uint64())
		u := r.Float64()
		k := min(int(float64(nCustomers)*u*u), nCustomers-1)
		j := r.IntN(len(s.productIDs))
		q := 1 + r.IntN(MaxQuantity)
		status := pickStatus(r.IntN(100))
		row := cells[i*width : (i+1)*width : (i+1)*width]
		row[0] = id
		row[1] = ids[k]
		row[2] = s.productIDs[j]
		row[3] = strconv.Itoa(q)
		row[4] = FormatCents(int64(q) * s.priceCents[j])
		row[5] = date
		row[6] = status
		t.Rows[i] = row
	}
	return t, nil
}

// pickStatus maps a percentile in [0, 100) to a status by statusWeights.
func pickStatus(p int) string {
	for i, w := range statusWeights {
		if p < w {
			return Statuses[i]
		}
		p -= w
	}
	return Statuses[0]
}

// SignupDate returns the signup day (midnight UTC) of a customer id this
// generator produced in a Customers or Orders call, and false for any other
// id.
func (s *Seeded) SignupDate(customerID string) (time.Time, bool) {
	s.mu.RLock()
	k, ok := s.index[customerID]
	s.mu.RUnlock()
	if !ok {
		return time.Time{}, false
	}
	return s.signupOf(k), true
}
