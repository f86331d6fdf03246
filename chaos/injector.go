package chaos

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/generate"
)

// ctxEvery is how many rows are corrupted between two context checks.
const ctxEvery = 1024

// Injector is the default [ChaosInjector]. Its variants are designed so
// that, downstream, each kind trips only its own detection flags (see
// [Injector.Inject]); so in Exclusive mode every flagged row is explained by
// exactly one kind. An Injector is immutable and safe for concurrent use.
type Injector struct {
	cfg   Config
	rates [5]float64 // in Kinds order
}

var _ ChaosInjector = (*Injector)(nil)

// New validates cfg (the error wraps [ErrInvalidConfig] and names the
// offending kind) and returns an injector.
func New(cfg Config) (*Injector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	j := &Injector{cfg: cfg}
	for i, k := range Kinds {
		j.rates[i] = cfg.Rates.Of(k)
	}
	return j, nil
}

// Config returns the injector's configuration.
func (j *Injector) Config() Config { return j.cfg }

// Inject returns a corrupted copy of in and a Label per changed cell and
// added row; in is never modified. The spec is checked against in first:
// an error wrapping [ErrInvalidSpec] names the missing columns. A cancelled
// ctx returns ctx.Err().
//
// For each row, the kinds are drawn (at most one in Exclusive mode, each
// independently in Stacked mode), then, for each kind, a variant uniformly
// among those the row allows:
//
//   - Calculation: "scaled" multiplies Amount by 0.5, 1.5, 2, 3 or 10;
//     "drifted" adds or subtracts 0.06 to 5.00 (never going below 0.01).
//     The amount stays ≥ 0 and moves by more than 0.05, so it no longer
//     equals quantity × price.
//   - Temporal: "future" sets Date 1 to 365 days after the batch day;
//     "before_signup" sets it 1 to 30 days before the signup date that a
//     foreign key's Since reports (offered only when one does).
//   - Integrity: "ghost" sets a foreign key (drawn among ForeignKeys) to a
//     fresh random uuid; "null" sets one to NULL.
//   - Domain: "negative_amount" negates Amount; "bad_status" writes a typo
//     (TableSpec.Typos, default [DefaultTypos]) or NULL into Status;
//     "bad_quantity" sets Quantity to 0 or to a value in (MaxQuantity, 10×MaxQuantity]
//     and rescales Amount to the new quantity at the same unit price, so the
//     amount stays consistent (two labels).
//   - Duplication: "exact" inserts a copy of the row right after it;
//     "conflicting" inserts a copy whose Status is another accepted value.
//     The added row has a Label with Column "*" and occurrence 2; the
//     conflicting status has its own label, occurrence 2.
//
// Variants that need a role the spec leaves empty, or a cell that cannot be
// read (a NULL or malformed amount, say), are not offered; when a kind has
// no variant left for a row, the row does not get that kind. In Stacked
// mode a kind never changes a cell an earlier kind (in [Kinds] order)
// changed, so each cell has at most one label; a duplicate copies the row
// as the earlier kinds left it.
func (j *Injector) Inject(ctx context.Context, day time.Time, spec TableSpec, in *edqm.Table) (*edqm.Table, []Label, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if in == nil {
		return nil, nil, fmt.Errorf("%w: nil table", ErrInvalidSpec)
	}
	l, err := spec.resolve(in)
	if err != nil {
		return nil, nil, err
	}
	out := in.Clone()
	sum := 0.0
	for _, p := range j.rates {
		sum += p
	}
	if sum == 0 {
		return out, nil, nil
	}

	d := edqm.Day(day)
	h := fnv.New64a()
	h.Write([]byte(in.Name))
	hi := splitmix64(j.cfg.Seed ^ splitmix64(h.Sum64()))
	x := &injection{
		layout:  l,
		r:       rand.New(rand.NewPCG(hi, splitmix64(hi^uint64(d.Unix()/86400)))),
		day:     d,
		table:   in.Name,
		dayText: d.Format(edqm.DateLayout),
		touched: make([]bool, len(in.Columns)),
		labels:  make([]Label, 0, int(sum*float64(len(in.Rows))*1.3)+4),
	}
	rows := make([][]string, 0, len(out.Rows)+int(j.rates[4]*float64(len(out.Rows))*1.3)+4)
	for i, row := range out.Rows {
		if i%ctxEvery == ctxEvery-1 {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
		}
		kinds := j.draw(x.r)
		rows = append(rows, row)
		if kinds == 0 {
			continue
		}
		clear(x.touched)
		x.row, x.key = row, row[l.key]
		for b, k := range Kinds {
			if kinds&(1<<b) == 0 {
				continue
			}
			switch k {
			case Calculation:
				x.calculation()
			case Temporal:
				x.temporal()
			case Integrity:
				x.integrity()
			case Domain:
				x.domain()
			case Duplication:
				if cp := x.duplication(); cp != nil {
					rows = append(rows, cp)
				}
			}
		}
	}
	out.Rows = rows
	return out, x.labels, nil
}

// draw returns the kinds of one row as a bit set over Kinds.
func (j *Injector) draw(r *rand.Rand) uint {
	if j.cfg.Mode == Stacked {
		var kinds uint
		for b, p := range j.rates {
			if r.Float64() < p {
				kinds |= 1 << b
			}
		}
		return kinds
	}
	u, acc := r.Float64(), 0.0
	for b, p := range j.rates {
		if p <= 0 {
			continue
		}
		acc += p
		if u < acc {
			return 1 << b
		}
	}
	return 0
}

// injection is the state of one Inject call.
type injection struct {
	*layout
	r       *rand.Rand
	day     time.Time
	table   string
	dayText string
	labels  []Label
	// The row being corrupted, its key, and the cells kinds changed in it.
	row     []string
	key     string
	touched []bool
	choices []string // scratch
}

// set writes v into cell col of row (occurrence occ) and labels the change;
// it does nothing when the cell already holds v.
func (x *injection) set(row []string, occ, col int, kind Kind, variant, v string) {
	if row[col] == v {
		return
	}
	x.labels = append(x.labels, Label{
		Table: x.table, Day: x.dayText, Key: x.key, Occurrence: occ,
		Kind: kind, Variant: variant, Column: x.columns[col],
		Original: row[col], Injected: v,
	})
	row[col] = v
	if occ == 1 {
		x.touched[col] = true
	}
}

// free reports whether the row's role column col exists and no earlier
// kind changed it.
func (x *injection) free(col int) bool { return col >= 0 && !x.touched[col] }

// pick returns one of the choices uniformly, or "" when there is none.
func (x *injection) pick(choices []string) string {
	if len(choices) == 0 {
		return ""
	}
	return choices[x.r.IntN(len(choices))]
}

// scaleFactors are the "scaled" factors, as fractions.
var scaleFactors = [...]struct{ num, den int64 }{{1, 2}, {3, 2}, {2, 1}, {3, 1}, {10, 1}}

func (x *injection) calculation() {
	if !x.free(x.amount) {
		return
	}
	c, err := generate.ParseCents(x.row[x.amount])
	if err != nil || c < 0 {
		return
	}
	x.choices = x.choices[:0]
	if c >= 12 { // so that even ×0.5 and ×1.5 move it by more than 0.05
		x.choices = append(x.choices, "scaled")
	}
	x.choices = append(x.choices, "drifted")
	variant := x.pick(x.choices)
	var nc int64
	switch variant {
	case "scaled":
		f := scaleFactors[x.r.IntN(len(scaleFactors))]
		nc = c * f.num / f.den
	case "drifted":
		delta := 6 + x.r.Int64N(495) // 0.06 to 5.00
		if x.r.IntN(2) == 0 && c-delta >= 1 {
			nc = c - delta
		} else {
			nc = c + delta
		}
	}
	x.set(x.row, 1, x.amount, Calculation, variant, generate.FormatCents(nc))
}

// signup returns the signup day of the first foreign key whose Since knows
// the row's value.
func (x *injection) signup() (time.Time, bool) {
	for _, fk := range x.fks {
		if fk.since == nil || x.row[fk.col] == "" {
			continue
		}
		if t, ok := fk.since(x.row[fk.col]); ok {
			return edqm.Day(t), true
		}
	}
	return time.Time{}, false
}

func (x *injection) temporal() {
	if !x.free(x.date) {
		return
	}
	signup, known := x.signup()
	x.choices = append(x.choices[:0], "future")
	if known {
		x.choices = append(x.choices, "before_signup")
	}
	variant := x.pick(x.choices)
	var nd time.Time
	step := 1
	switch variant {
	case "future":
		nd = x.day.AddDate(0, 0, 1+x.r.IntN(365))
	case "before_signup":
		nd = signup.AddDate(0, 0, -1-x.r.IntN(30))
		step = -1
	}
	v := nd.Format(edqm.DateLayout)
	if v == x.row[x.date] { // only with dirty input: keep the change a change
		v = nd.AddDate(0, 0, step).Format(edqm.DateLayout)
	}
	x.set(x.row, 1, x.date, Temporal, variant, v)
}

func (x *injection) integrity() {
	var ghost, null []int // indexes into fks
	for i, fk := range x.fks {
		if !x.free(fk.col) {
			continue
		}
		ghost = append(ghost, i)
		if x.row[fk.col] != "" {
			null = append(null, i)
		}
	}
	x.choices = x.choices[:0]
	if len(ghost) > 0 {
		x.choices = append(x.choices, "ghost")
	}
	if len(null) > 0 {
		x.choices = append(x.choices, "null")
	}
	switch variant := x.pick(x.choices); variant {
	case "ghost":
		fk := x.fks[ghost[x.r.IntN(len(ghost))]]
		id := randomUUID(x.r)
		for tries := 0; fk.since != nil && tries < 8; tries++ {
			if _, real := fk.since(id); !real {
				break
			}
			id = randomUUID(x.r)
		}
		x.set(x.row, 1, fk.col, Integrity, variant, id)
	case "null":
		fk := x.fks[null[x.r.IntN(len(null))]]
		x.set(x.row, 1, fk.col, Integrity, variant, "")
	}
}

func (x *injection) domain() {
	x.choices = x.choices[:0]
	var cents int64
	amountOK := false
	if x.free(x.amount) {
		c, err := generate.ParseCents(x.row[x.amount])
		cents, amountOK = c, err == nil
		if amountOK && c > 0 {
			x.choices = append(x.choices, "negative_amount")
		}
	}
	if x.free(x.status) {
		for _, v := range x.badStatuses {
			if v != x.row[x.status] {
				x.choices = append(x.choices, "bad_status")
				break
			}
		}
	}
	var q int
	if x.free(x.quantity) && (x.amount < 0 || !x.touched[x.amount]) {
		var err error
		if q, err = strconv.Atoi(x.row[x.quantity]); err == nil {
			x.choices = append(x.choices, "bad_quantity")
		}
	}
	switch variant := x.pick(x.choices); variant {
	case "negative_amount":
		x.set(x.row, 1, x.amount, Domain, variant, generate.FormatCents(-cents))
	case "bad_status":
		x.choices = x.choices[:0]
		for _, v := range x.badStatuses {
			if v != x.row[x.status] {
				x.choices = append(x.choices, v)
			}
		}
		x.set(x.row, 1, x.status, Domain, variant, x.pick(x.choices))
	case "bad_quantity":
		top := 10 * x.maxQuantity // a keying slip, not an absurd order
		nq := x.maxQuantity + 1 + x.r.IntN(top-x.maxQuantity)
		if x.r.IntN(4) == 0 {
			nq = 0
		}
		if nq == q { // only with dirty input
			nq = x.maxQuantity + 1
			if q == nq {
				nq = 0
			}
		}
		x.set(x.row, 1, x.quantity, Domain, variant, strconv.Itoa(nq))
		if amountOK && q != 0 {
			x.set(x.row, 1, x.amount, Domain, variant, generate.FormatCents(cents*int64(nq)/int64(q)))
		}
	}
}

// duplication returns the row to insert after the current one.
func (x *injection) duplication() []string {
	x.choices = append(x.choices[:0], "exact")
	if x.status >= 0 {
		for _, v := range x.accepted {
			if v != x.row[x.status] {
				x.choices = append(x.choices, "conflicting")
				break
			}
		}
	}
	variant := x.pick(x.choices)
	cp := slices.Clone(x.row)
	x.labels = append(x.labels, Label{
		Table: x.table, Day: x.dayText, Key: x.key, Occurrence: 2,
		Kind: Duplication, Variant: variant, Column: "*", Injected: x.key,
	})
	if variant == "conflicting" {
		x.choices = x.choices[:0]
		for _, v := range x.accepted {
			if v != cp[x.status] {
				x.choices = append(x.choices, v)
			}
		}
		x.set(cp, 2, x.status, Duplication, variant, x.pick(x.choices))
	}
	return cp
}

// splitmix64 is a bijective 64-bit mixer (the SplitMix64 finaliser).
func splitmix64(v uint64) uint64 {
	v += 0x9e3779b97f4a7c15
	v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9
	v = (v ^ (v >> 27)) * 0x94d049bb133111eb
	return v ^ (v >> 31)
}

// randomUUID draws a version-4-style UUID from r.
func randomUUID(r *rand.Rand) string {
	return generate.FormatUUID(r.Uint64(), r.Uint64())
}
