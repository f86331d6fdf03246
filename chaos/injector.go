package chaos

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos/internal/cells"
)

// ctxEvery is how many rows are corrupted between two context checks.
const ctxEvery = 1024

// Injector is the default [ChaosInjector]. Its variants are designed so
// that, downstream, each kind trips only its own detection flags (see
// [Injector.Inject]); so in Exclusive mode every flagged row is explained by
// exactly one kind. An Injector is immutable and safe for concurrent use.
type Injector struct {
	cfg   Config
	probs [nVariants]float64 // per variant
	kinds [5]float64         // per kind: the sum of its variants'
	total float64            // the sum of all
	// scratch recycles the edit lists of finished injections.
	scratch sync.Pool
}

var _ ChaosInjector = (*Injector)(nil)

// New validates cfg (the error wraps [ErrInvalidConfig] and names the
// offending field) and returns an injector.
func New(cfg Config) (*Injector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	j := &Injector{cfg: cfg, probs: cfg.probabilities()}
	for v, p := range j.probs {
		j.kinds[variantDefs[v].kind] += p
		j.total += p
	}
	return j, nil
}

// Config returns the injector's configuration.
func (j *Injector) Config() Config { return j.cfg }

// Inject returns a corrupted copy of in and a Label per changed cell and
// added row; in is never modified. Labels name the table in.Name, or
// spec.Table when in has no name (see [TableSpec.Table]). The spec
// is checked against in first: an error wrapping [ErrInvalidSpec] names
// the spec's fields whose columns are missing. A cancelled ctx returns
// ctx.Err().
//
// For each row, variants are drawn (at most one in Exclusive mode, at most
// one per kind in Stacked mode) with their probabilities; a variant the row
// cannot take is replaced by another of its kind (see the package
// documentation). The variants:
//
//   - Calculation: "scaled" multiplies Amount by 0.5, 1.5, 2, 3 or 10;
//     "drifted" adds or subtracts 0.06 to 5.00 (never going below 0.01).
//     The amount stays ≥ 0 and moves by more than 0.05, so it no longer
//     equals quantity × price.
//   - Temporal: "future" sets Date 1 to 365 days after the batch day;
//     "before_signup" sets it 1 to 30 days before the signup date that a
//     foreign key's Since reports (offered only when one does).
//   - Integrity: "ghost" sets a foreign key (drawn among ForeignKeys) to a
//     value outside its key set; "null" sets one to NULL.
//   - Domain: "negative_amount" negates Amount; "bad_status" writes a typo
//     (TableSpec.Typos, default [DefaultTypos]) or NULL into Status;
//     "bad_quantity" sets Quantity to 0 or to a value in (MaxQuantity,
//     10×MaxQuantity] and rescales Amount to the new quantity at the same
//     unit price (UnitPrice when the spec has it), so the amount stays
//     consistent (two labels); "bad_format" rewrites the text of Amount,
//     Quantity or Date, when its column holds strings, in a form that
//     edqm.ParseCents, strconv.ParseInt or time.Parse with "2006-01-02"
//     refuses: an amount in scientific notation, padded with a space or with
//     three decimals, a quantity as "2.0" or "2e0", a date without zero
//     padding ("2026-3-9") or as MM/DD/YYYY. The value is the same, only
//     its form is wrong (Quantity only when Amount is untouched, as for
//     "bad_quantity").
//   - Duplication: "exact" inserts a copy of the row right after it;
//     "conflicting" inserts a copy whose Status is another accepted value.
//     The added row has a Label with Column "*" and occurrence 2; the
//     conflicting status has its own label, occurrence 2.
//
// Variants that need a role the spec leaves empty, or a cell that cannot be
// read (a NULL or malformed amount, say), are not offered. In Stacked mode
// a kind never changes a cell an earlier kind (in [Kinds] order) changed,
// so each cell has at most one label; a duplicate copies the row as the
// earlier kinds left it.
func (j *Injector) Inject(ctx context.Context, day time.Time, spec TableSpec, in *edqm.Table) (*edqm.Table, []Label, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if in == nil {
		return nil, nil, fmt.Errorf("%w: nil table", ErrInvalidSpec)
	}
	for i, r := range in.Rows {
		if len(r) != len(in.Columns) {
			return nil, nil, fmt.Errorf("%w: table %q: row %d has %d cells, want %d", ErrInvalidSpec, in.Name, i, len(r), len(in.Columns))
		}
	}
	table := in.Name
	if table == "" {
		table = spec.Table
	}
	l, err := newLayout(spec, table, len(in.Rows), in.Columns, func(name string, role int) (*cells.Column, string, error) {
		idx := in.Col(name)
		if idx < 0 {
			return nil, "", nil
		}
		c := &cells.Column{Index: idx, Kind: cells.KText, Scale: 2, Nullable: true}
		c.Get = func(i int) cells.Value { return cells.ParseText(role, in.Rows[i][idx]) }
		c.Raw = func(i int) string { return in.Rows[i][idx] }
		return c, "text", nil
	})
	if err != nil {
		return nil, nil, err
	}
	e, err := j.run(ctx, l, day)
	if err != nil {
		return nil, nil, err
	}
	defer e.release()
	return applyTable(in, l, e), e.labels, nil
}

// applyTable builds the corrupted copy of in.
func applyTable(in *edqm.Table, l *layout, e *engine) *edqm.Table {
	out := &edqm.Table{Name: in.Name, Columns: slices.Clone(in.Columns)}
	w := len(in.Columns)
	cells := make([]string, (len(in.Rows)+len(e.dups))*w) // one allocation for every cell
	out.Rows = make([][]string, 0, len(in.Rows)+len(e.dups))
	next := func() []string {
		row := cells[:w:w]
		cells = cells[w:]
		return row
	}
	ei, di := 0, 0
	for i, src := range in.Rows {
		row := next()
		copy(row, src)
		for ; ei < len(e.edits) && e.edits[ei].Row == i && e.edits[ei].Occ == 1; ei++ {
			c := l.col(e.edits[ei].Role)
			row[c.Index] = c.Text(e.edits[ei].V)
		}
		out.Rows = append(out.Rows, row)
		if di < len(e.dups) && e.dups[di] == i {
			cp := next()
			copy(cp, row)
			for ; ei < len(e.edits) && e.edits[ei].Row == i; ei++ {
				c := l.col(e.edits[ei].Role)
				cp[c.Index] = c.Text(e.edits[ei].V)
			}
			out.Rows = append(out.Rows, cp)
			di++
		}
	}
	return out
}

// col returns the column of role.
func (l *layout) col(role int) *cells.Column {
	if role == cells.RoleKey {
		return l.key
	}
	return l.cols[role]
}

// stream returns the random stream of a batch: it depends on the seed, the
// table name, the day and the key of the batch's first row only.
func (j *Injector) stream(table string, day int64, firstKey string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(table))
	hi := splitmix64(j.cfg.Seed ^ splitmix64(h.Sum64()))
	k := fnv.New64a()
	k.Write([]byte(firstKey))
	return rand.New(rand.NewPCG(hi, splitmix64(splitmix64(hi^uint64(day))^k.Sum64())))
}

// drawn holds, per kind, the variant drawn for a row, or −1.
type drawn [5]int8

// draw draws the variants of one row and reports whether there is any.
func (j *Injector) draw(r *rand.Rand, d *drawn) bool {
	*d = drawn{-1, -1, -1, -1, -1}
	if j.cfg.Mode == Stacked {
		some := false
		for k, kp := range j.kinds {
			if kp <= 0 {
				continue
			}
			u := r.Float64()
			if u >= kp {
				continue
			}
			acc := 0.0
			for v := kindVariants[k][0]; v < kindVariants[k][1]; v++ {
				if p := j.probs[v]; p > 0 {
					acc += p
					if u < acc {
						d[k], some = int8(v), true
						break
					}
				}
			}
		}
		return some
	}
	u := r.Float64()
	if u >= j.total {
		return false
	}
	acc := 0.0
	for v, p := range j.probs {
		if p <= 0 {
			continue
		}
		acc += p
		if u < acc {
			d[variantDefs[v].kind] = int8(v)
			return true
		}
	}
	return false
}

// engine is the state of one injection: it reads the data through the
// layout's columns and records edits, added duplicates and labels, which
// the backend then applies.
type engine struct {
	j       *Injector
	l       *layout
	r       *rand.Rand
	day     int64
	dayText string
	labels  []Label
	edits   []cells.Edit // by row, then occurrence
	dups    []int        // rows with an added duplicate, ascending

	// The row being corrupted: its index and key, and per role its
	// current value and text, whether they are loaded and whether a kind
	// changed the cell.
	row      int
	key      string
	rowStart int // index in labels of the row's first label
	vals     []cells.Value
	texts    []string
	loaded   []bool // vals loaded
	textsSet []bool // texts loaded
	touched  []bool
	choices  []int // scratch
	// formatRoles is badFormatRoles's scratch.
	formatRoles []int
	// arena holds the label strings copied from the data or formatted: one
	// allocation for many labels. Bytes once written never change.
	arena []byte
}

// run draws and records the corruption of every row of l.
func (j *Injector) run(ctx context.Context, l *layout, day time.Time) (*engine, error) {
	if err := j.cfg.checkVariants(l); err != nil {
		return nil, err
	}
	dn := cells.DayOf(day)
	nr := len(l.cols)
	e, _ := j.scratch.Get().(*engine)
	if e == nil {
		e = &engine{}
	}
	*e = engine{
		j: j, l: l, day: dn, dayText: cells.FormatDay(dn), edits: e.edits[:0], dups: e.dups[:0], choices: e.choices[:0],
		vals: make([]cells.Value, nr), texts: make([]string, nr), loaded: make([]bool, nr), textsSet: make([]bool, nr), touched: make([]bool, nr),
	}
	if j.total == 0 || l.n == 0 {
		return e, nil
	}
	e.r = j.stream(l.table, dn, l.key.Raw(0))
	e.labels = make([]Label, 0, int(j.total*float64(l.n)*1.3)+4)
	if want := int(j.total*float64(l.n)*1.2) + 4; cap(e.edits) < want {
		e.edits = make([]cells.Edit, 0, want)
	}
	e.arena = make([]byte, 0, min(int(j.total*float64(l.n)*64)+64, 8<<20)) // about a key and a value per label
	var d drawn
	for i := range l.n {
		if i%ctxEvery == ctxEvery-1 {
			if err := ctx.Err(); err != nil {
				e.release()
				return nil, err
			}
		}
		if !j.draw(e.r, &d) {
			continue
		}
		e.row, e.key = i, e.keep(l.key, l.key.Raw(i))
		clear(e.loaded)
		clear(e.textsSet)
		clear(e.touched)
		e.rowStart = len(e.labels)
		for k, v := range d {
			if Kinds[k] == Duplication {
				e.mask() // before a duplicate inherits the labels
			}
			if v < 0 {
				continue
			}
			switch Kinds[k] {
			case Calculation:
				e.calculation(int(v))
			case Temporal:
				e.temporal(int(v))
			case Integrity:
				e.integrity(int(v))
			case Domain:
				e.domain(int(v))
			case Duplication:
				e.duplication(int(v))
			}
		}
	}
	return e, nil
}

// release hands e's scratch back to its injector once its edits are
// applied; e must not be used again.
func (e *engine) release() {
	j := e.j
	clear(e.edits) // drop the strings they hold
	*e = engine{edits: e.edits[:0], dups: e.dups[:0], choices: e.choices[:0]}
	j.scratch.Put(e)
}

// keep returns s, copied into the arena when it aliases the data's memory
// (c.volatile), so that labels outlive the batch.
func (e *engine) keep(c *cells.Column, s string) string {
	if !c.Volatile || s == "" {
		return s
	}
	e.reserve(len(s))
	start := len(e.arena)
	e.arena = append(e.arena, s...)
	return unsafe.String(&e.arena[start], len(s))
}

// format returns the label text of v, written into the arena.
func (e *engine) format(c *cells.Column, v cells.Value) string {
	if v.Null {
		return ""
	}
	if c.Plain() {
		return v.S
	}
	e.reserve(64)
	start := len(e.arena)
	e.arena = c.AppendText(e.arena, v) // a longer text moves to a new array: still never rewritten
	return unsafe.String(&e.arena[start], len(e.arena)-start)
}

// reserve makes room for n more bytes in the arena, starting a new array
// when the current one is full.
func (e *engine) reserve(n int) {
	if cap(e.arena)-len(e.arena) < n {
		e.arena = make([]byte, 0, max(n, 256<<10))
	}
}

// has reports whether the spec gives role a column.
func (e *engine) has(role int) bool { return e.l.cols[role] != nil }

// val returns the row's current value of role (which must have a column).
func (e *engine) val(role int) cells.Value {
	if !e.loaded[role] {
		e.vals[role], e.loaded[role] = e.l.cols[role].Get(e.row), true
	}
	return e.vals[role]
}

// text returns the row's current label text of role.
func (e *engine) text(role int) string {
	if !e.textsSet[role] {
		c := e.l.cols[role]
		e.texts[role], e.textsSet[role] = e.keep(c, c.Raw(e.row)), true
	}
	return e.texts[role]
}

// readable reports whether the row's role cell exists, is free (no earlier
// kind changed it) and holds a readable value.
func (e *engine) readable(role int) bool {
	if !e.free(role) {
		return false
	}
	v := e.val(role)
	return !v.Null && !v.Bad
}

// free reports whether role has a column and no earlier kind changed the
// row's cell.
func (e *engine) free(role int) bool { return e.has(role) && !e.touched[role] }

// set writes v into the row's role cell (occurrence occ) and labels the
// change; it does nothing when the cell already holds v.
func (e *engine) set(occ, role, variant int, v cells.Value) {
	c := e.l.cols[role]
	cur := e.val(role)
	curText := e.text(role)
	text := e.format(c, v)
	if text == curText && v.Null == cur.Null {
		return
	}
	def := variantDefs[variant]
	e.labels = append(e.labels, Label{
		Table: e.l.table, Day: e.dayText, Key: e.key, Occurrence: occ,
		Kind: Kinds[def.kind], Variant: def.name, Column: c.Name,
		Original: curText, Injected: text,
	})
	e.edits = append(e.edits, cells.Edit{Row: e.row, Occ: occ, Role: role, V: v})
	if occ == 1 {
		e.vals[role], e.texts[role], e.touched[role] = v, text, true
		e.loaded[role], e.textsSet[role] = true, true
	}
}

// choose returns the variant to apply: the one drawn when the row allows
// it, else one of the allowed variants of the same kind with a non-zero
// probability, drawn by probability; −1 when there is none.
func (e *engine) choose(drawn int, allowed []int) int {
	if slices.Contains(allowed, drawn) {
		return drawn
	}
	total := 0.0
	for _, v := range allowed {
		total += e.j.probs[v]
	}
	if total <= 0 {
		return -1
	}
	u := e.r.Float64() * total
	acc := 0.0
	for _, v := range allowed {
		if p := e.j.probs[v]; p > 0 {
			acc += p
			if u < acc {
				return v
			}
		}
	}
	for _, v := range slices.Backward(allowed) { // rounding: the last with a probability
		if e.j.probs[v] > 0 {
			return v
		}
	}
	return -1
}

// scaleFactors are the "scaled" factors, as fractions.
var scaleFactors = [...]struct{ num, den int64 }{{1, 2}, {3, 2}, {2, 1}, {3, 1}, {10, 1}}

func (e *engine) calculation(drawn int) {
	if !e.readable(cells.RoleAmount) {
		return
	}
	c, v := e.l.cols[cells.RoleAmount], e.val(cells.RoleAmount)
	if c.Sign(v) < 0 {
		return
	}
	e.choices = e.choices[:0]
	if c.AtLeastCents(v, 12) && (c.Kind == cells.KFloat || v.I >= 2) { // so that even ×0.5 and ×1.5 move it by more than 0.05
		e.choices = append(e.choices, vScaled)
	}
	e.choices = append(e.choices, vDrifted)
	switch variant := e.choose(drawn, e.choices); variant {
	case vScaled:
		f := scaleFactors[e.r.IntN(len(scaleFactors))]
		e.set(1, cells.RoleAmount, variant, c.MulDiv(v, f.num, f.den))
	case vDrifted:
		delta := 6 + e.r.Int64N(495) // 0.06 to 5.00
		nv := c.AddCents(v, delta)
		if e.r.IntN(2) == 0 {
			if down := c.AddCents(v, -delta); c.AtLeastCents(down, 1) {
				nv = down
			}
		}
		e.set(1, cells.RoleAmount, variant, nv)
	}
}

// signup returns the signup day of the first foreign key whose Since knows
// the row's value.
func (e *engine) signup() (int64, bool) {
	for f, fk := range e.l.fks {
		role := cells.RoleFK0 + f
		if fk.Since == nil || e.val(role).Null {
			continue
		}
		if t, ok := fk.Since(e.text(role)); ok {
			return cells.DayOf(t), true
		}
	}
	return 0, false
}

func (e *engine) temporal(drawn int) {
	if !e.free(cells.RoleDate) {
		return
	}
	signup, known := e.signup()
	e.choices = append(e.choices[:0], vFuture)
	if known {
		e.choices = append(e.choices, vBeforeSignup)
	}
	variant := e.choose(drawn, e.choices)
	var target, step int64
	switch variant {
	case vFuture:
		target, step = e.day+1+e.r.Int64N(365), 1
	case vBeforeSignup:
		target, step = signup-1-e.r.Int64N(30), -1
	default:
		return
	}
	cur := e.val(cells.RoleDate)
	if !cur.Null && !cur.Bad && cur.I == target { // only with dirty input: keep the change a change
		target += step
	}
	e.set(1, cells.RoleDate, variant, cells.WithDay(cur, target))
}

func (e *engine) integrity(drawn int) {
	var ghost, null []int // indexes into fks
	for f := range e.l.fks {
		role := cells.RoleFK0 + f
		if !e.free(role) {
			continue
		}
		ghost = append(ghost, f)
		if c := e.l.cols[role]; c.Nullable && !e.val(role).Null {
			null = append(null, f)
		}
	}
	e.choices = e.choices[:0]
	if len(ghost) > 0 {
		e.choices = append(e.choices, vGhost)
	}
	if len(null) > 0 {
		e.choices = append(e.choices, vNull)
	}
	switch variant := e.choose(drawn, e.choices); variant {
	case vGhost:
		f := ghost[e.r.IntN(len(ghost))]
		e.set(1, cells.RoleFK0+f, variant, e.ghost(f))
	case vNull:
		f := null[e.r.IntN(len(null))]
		e.set(1, cells.RoleFK0+f, variant, cells.Value{Null: true})
	}
}

// ghost draws a value of foreign key f that references nothing: above the
// largest key when the keys are integers, else a fresh random UUID (or a
// random integer, for an integer column) that the key set and Since do
// not know.
func (e *engine) ghost(f int) cells.Value {
	fk, c := e.l.fks[f], e.l.cols[cells.RoleFK0+f]
	ks := e.l.fkSets[f]
	if ks == nil {
		ks = newKeySet(fk)
		e.l.fkSets[f] = ks
	}
	known := func(s string) bool {
		if _, ok := ks.set[s]; ok {
			return true
		}
		if fk.Since != nil {
			_, ok := fk.Since(s)
			return ok
		}
		return false
	}
	limit := int64(math.MaxInt64)
	if c.Kind == cells.KInt {
		limit = c.IntMax
	}
	if ks.ints && ks.maxInt < limit-1000 {
		v := ks.maxInt + 1 + e.r.Int64N(1000)
		return cells.Value{I: v, S: strconv.FormatInt(v, 10)}
	}
	var v cells.Value
	for tries := 0; tries < 8; tries++ {
		if c.Kind == cells.KInt {
			n := limit/2 + e.r.Int64N(limit/2)
			v = cells.Value{I: n, S: strconv.FormatInt(n, 10)}
		} else {
			s := edqm.FormatUUID(e.r.Uint64(), e.r.Uint64())
			v = cells.Value{S: s}
		}
		if !known(v.S) {
			break
		}
	}
	return v
}

func (e *engine) domain(drawn int) {
	e.choices = e.choices[:0]
	amountOK := e.readable(cells.RoleAmount)
	if amountOK && e.l.cols[cells.RoleAmount].Sign(e.val(cells.RoleAmount)) > 0 {
		e.choices = append(e.choices, vNegativeAmount)
	}
	if e.free(cells.RoleStatus) {
		for _, b := range e.l.badStatuses {
			if !e.statusIs(b) {
				e.choices = append(e.choices, vBadStatus)
				break
			}
		}
	}
	if e.readable(cells.RoleQuantity) && (!e.has(cells.RoleAmount) || !e.touched[cells.RoleAmount]) {
		e.choices = append(e.choices, vBadQuantity)
	}
	if len(e.badFormatRoles()) > 0 {
		e.choices = append(e.choices, vBadFormat)
	}
	switch variant := e.choose(drawn, e.choices); variant {
	case vBadFormat:
		e.badFormat(variant)
	case vNegativeAmount:
		e.set(1, cells.RoleAmount, variant, e.l.cols[cells.RoleAmount].Negate(e.val(cells.RoleAmount)))
	case vBadStatus:
		var bad []string
		for _, b := range e.l.badStatuses {
			if !e.statusIs(b) {
				bad = append(bad, b)
			}
		}
		b := bad[e.r.IntN(len(bad))]
		e.set(1, cells.RoleStatus, variant, cells.Value{S: b, Null: b == ""})
	case vBadQuantity:
		q, mq := e.val(cells.RoleQuantity).I, int64(e.l.maxQuantity)
		top := 10 * mq // a keying slip, not an absurd order
		if c := e.l.cols[cells.RoleQuantity]; c.Kind == cells.KInt {
			top = min(top, c.IntMax)
		}
		nq := int64(0)
		if top > mq {
			nq = mq + 1 + e.r.Int64N(top-mq)
		}
		if e.r.IntN(4) == 0 {
			nq = 0
		}
		if nq == q { // only with dirty input
			nq = mq + 1
			if q == nq {
				nq = 0
			}
		}
		e.set(1, cells.RoleQuantity, variant, cells.Value{I: nq})
		if !amountOK {
			break
		}
		c, amount := e.l.cols[cells.RoleAmount], e.val(cells.RoleAmount)
		if e.has(cells.RolePrice) && !e.val(cells.RolePrice).Null && !e.val(cells.RolePrice).Bad {
			e.set(1, cells.RoleAmount, variant, c.Times(e.l.cols[cells.RolePrice], e.val(cells.RolePrice), nq))
		} else if q != 0 {
			e.set(1, cells.RoleAmount, variant, c.MulDiv(amount, nq, q))
		}
	}
}

// statusIs reports whether the row's current status is b, where "" means
// NULL.
func (e *engine) statusIs(b string) bool {
	v := e.val(cells.RoleStatus)
	if b == "" {
		return v.Null
	}
	return !v.Null && v.S == b
}

func (e *engine) duplication(drawn int) {
	e.choices = append(e.choices[:0], vExact)
	var other []string
	if e.has(cells.RoleStatus) {
		for _, a := range e.l.accepted {
			if !e.statusIs(a) {
				other = append(other, a)
			}
		}
		if len(other) > 0 {
			e.choices = append(e.choices, vConflicting)
		}
	}
	variant := e.choose(drawn, e.choices)
	if variant < 0 {
		return
	}
	e.dups = append(e.dups, e.row)
	end := len(e.labels)
	e.labels = append(e.labels, Label{
		Table: e.l.table, Day: e.dayText, Key: e.key, Occurrence: 2,
		Kind: Duplication, Variant: variantDefs[variant].name, Column: "*", Injected: e.key,
	})
	// The copy carries the row's corruptions: label them for it too,
	// except the status a conflicting copy overwrites.
	for i := e.rowStart; i < end; i++ {
		l := e.labels[i]
		if variant == vConflicting && l.Column == e.l.cols[cells.RoleStatus].Name {
			continue
		}
		l.Occurrence = 2
		e.labels = append(e.labels, l)
	}
	if variant == vConflicting {
		e.set(2, cells.RoleStatus, variant, cells.Value{S: other[e.r.IntN(len(other))]})
	}
}

// mask marks the row's labels that another of its corruptions makes
// undetectable (see the package documentation): a calculation error when an
// integrity corruption hits a Priced foreign key and the table has no unit
// price of its own, a "before_signup" date when one hits a foreign key
// with Since.
func (e *engine) mask() {
	priced, since := false, false
	for _, l := range e.labels[e.rowStart:] {
		if l.Kind != Integrity {
			continue
		}
		for f, fk := range e.l.fks {
			if e.l.cols[cells.RoleFK0+f].Name == l.Column {
				priced = priced || (fk.Priced && !e.has(cells.RolePrice))
				since = since || fk.Since != nil
			}
		}
	}
	if !priced && !since {
		return
	}
	for i := e.rowStart; i < len(e.labels); i++ {
		l := &e.labels[i]
		if (priced && l.Kind == Calculation) || (since && l.Variant == variantDefs[vBeforeSignup].name) {
			l.MaskedBy = Integrity
		}
	}
}

// splitmix64 is a bijective 64-bit mixer (the SplitMix64 finaliser).
func splitmix64(v uint64) uint64 {
	v += 0x9e3779b97f4a7c15
	v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9
	v = (v ^ (v >> 27)) * 0x94d049bb133111eb
	return v ^ (v >> 31)
}
