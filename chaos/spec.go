package chaos

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos/internal/cells"
)

// ErrInvalidSpec is wrapped by the errors that a [TableSpec] that does not
// fit itself or the data (a missing column, for instance) causes.
var ErrInvalidSpec = errors.New("chaos: invalid table spec")

// DefaultTypos are the invalid statuses "bad_status" writes when
// TableSpec.Typos is empty: the realistic mistakes of hand-typed or
// localised sources.
var DefaultTypos = []string{"Completado", "completed", "Shipped!", "Pending...", "Cancelled (User)"}

// Variants lists the variants of each kind, as written in [Label.Variant].
var Variants = map[Kind][]string{
	Calculation: {"scaled", "drifted"},
	Temporal:    {"future", "before_signup"},
	Integrity:   {"ghost", "null"},
	Domain:      {"negative_amount", "bad_status", "bad_quantity", "bad_format"},
	Duplication: {"exact", "conflicting"},
}

// ForeignKey describes a column that references another table's keys.
type ForeignKey struct {
	// Column is the referencing column.
	Column string
	// Keys is the set of valid values: the referenced table's keys, as
	// text. "ghost" writes a value outside it: an integer above the
	// largest when the keys (or the column) are integers, else a fresh
	// random UUID. It is read on each call that draws a ghost.
	Keys []string
	// IntKeys are valid values too, for integer keys: the same as Keys
	// holding them written in base 10, without the caller formatting
	// them. Keys and IntKeys may both be set; the valid set is their
	// union.
	IntKeys []int64
	// RandomKeys says that the referenced keys are random UUIDs (as
	// package generate's are), so that a fresh random UUID is a ghost
	// without a key set: it stands for Keys.
	RandomKeys bool
	// Since returns the date from which the referenced id exists (a
	// customer's signup date), and false for an id that does not exist;
	// it too stands for Keys. It enables "before_signup" through this key.
	// It may be nil: without a Since on any foreign key, "before_signup"
	// is never drawn, so a Temporal rate given in [Rates] goes wholly to
	// "future", and a VariantRates.BeforeSignup above zero is refused
	// (see [ErrVariantUnavailable]).
	Since func(id string) (time.Time, bool)
	// Priced says that the referenced row gives the unit price (a
	// product) that Amount is checked against when the table has no
	// UnitPrice: a ghost or NULL here masks a calculation error of the
	// same row (see Label.MaskedBy).
	Priced bool
}

// TableSpec tells the injector which column plays which role. Empty names
// switch off the corruptions that need that role.
//
// A role column may hold strings (the pipeline's raw tables: amounts as
// "123.40", dates as YYYY-MM-DD, an empty cell is NULL) or typed values:
//
//   - Key: any type; it is only read.
//   - Foreign keys: strings or integers (int32, int64, Go ints).
//   - Amount, UnitPrice: float64, decimal128, or integers counted in cents.
//   - Quantity: integers.
//   - Date: date32, timestamp (read in UTC), time.Time (in its location).
//     A changed date keeps its time of day.
//   - Status: strings.
//
// In labels, typed values are written as Go writes them (strconv for
// numbers; a decimal with its scale; date32 as YYYY-MM-DD; timestamps and
// time.Time as RFC 3339). NULL is written only where the column can hold
// it: any cell of a string table, a nullable Arrow field, a pointer or
// string struct field (the empty string is NULL there, a zero time.Time is
// NULL). Variants that would need a NULL elsewhere are not drawn.
type TableSpec struct {
	// Table names the table in labels and in the random stream. It is
	// required by InjectSlice and chaosarrow's InjectRecord, whose data
	// has no name of its own. Inject names the table by its own Name (so
	// one spec serves a renamed table), and by Table only when the table
	// has no Name. Every injection without a table name, either way, is
	// an error wrapping [ErrInvalidSpec].
	Table string
	// Key is the row's identifier (order_id); labels are keyed by it. Required.
	Key string
	// Amount is the monetary total (total_amount).
	Amount string
	// Quantity is the unit count; Amount = Quantity × unit price.
	Quantity string
	// MaxQuantity is the largest valid quantity; required with Quantity.
	MaxQuantity int
	// UnitPrice is the price of one unit, when the table has it. With it,
	// "bad_quantity" sets Amount to exactly the new quantity × UnitPrice.
	UnitPrice string
	// Date is the event date (order_date).
	Date string
	// Status is a categorical column with Accepted values.
	Status string
	// Accepted are the valid values of Status; required with Status.
	Accepted []string
	// Typos are the invalid values "bad_status" writes; nil means
	// [DefaultTypos].
	Typos []string
	// ForeignKeys are the referencing columns.
	ForeignKeys []ForeignKey
}

// OrdersSpec is the spec of the orders table of package generate, in any
// of its forms (edqm.Table, generate.OrderSchema records, []generate.Order):
// MaxQuantity is [edqm.MaxOrderQuantity], Accepted [edqm.OrderStatuses].
// signup tells a customer's signup date (a generate.Generator's
// SignupDate); it enables the "before_signup" variant and may be nil.
func OrdersSpec(signup func(id string) (time.Time, bool)) TableSpec {
	return TableSpec{
		Table:       "orders",
		Key:         "order_id",
		Amount:      "total_amount",
		Quantity:    "quantity",
		MaxQuantity: edqm.MaxOrderQuantity,
		Date:        "order_date",
		Status:      "status",
		Accepted:    slices.Clone(edqm.OrderStatuses),
		ForeignKeys: []ForeignKey{
			{Column: "customer_id", RandomKeys: true, Since: signup},
			{Column: "product_id", RandomKeys: true, Priced: true},
		},
	}
}

// Validate checks the spec on its own, without data: a Key, MaxQuantity
// with Quantity, Accepted with Status, typos outside the accepted values,
// foreign keys with a column and a key set, no column with two roles. The
// error wraps [ErrInvalidSpec] and names the field. The injectors also
// check that the named columns exist and have a type their role can use.
func (spec TableSpec) Validate() error {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidSpec, fmt.Sprintf(format, a...))
	}
	if spec.Key == "" {
		return fail("Key is empty: the spec has no key column")
	}
	roles := map[string]string{}
	for _, r := range spec.roles() {
		if r.column == "" {
			continue
		}
		if other, ok := roles[r.column]; ok {
			return fail("column %q is both %s and %s", r.column, other, r.field)
		}
		roles[r.column] = r.field
	}
	for i, fk := range spec.ForeignKeys {
		if fk.Column == "" {
			return fail("ForeignKeys[%d].Column is empty", i)
		}
		if len(fk.Keys) == 0 && len(fk.IntKeys) == 0 && !fk.RandomKeys && fk.Since == nil {
			return fail("ForeignKeys[%d].Keys and IntKeys are empty: give the valid keys of %q (or set RandomKeys when they are random UUIDs, or Since)", i, fk.Column)
		}
	}
	if spec.Quantity != "" && spec.MaxQuantity < 1 {
		return fail("MaxQuantity is %d, want ≥ 1 with a Quantity column", spec.MaxQuantity)
	}
	if spec.Status != "" {
		if len(spec.Accepted) == 0 {
			return fail("Accepted is empty: the Status column %q needs its accepted values", spec.Status)
		}
		if slices.Contains(spec.Accepted, "") {
			return fail("Accepted holds the empty string, which stands for NULL, a value bad_status writes")
		}
		field, typos := "Typos", spec.Typos
		if len(typos) == 0 {
			field, typos = "DefaultTypos", DefaultTypos
		}
		for i, v := range typos {
			if slices.Contains(spec.Accepted, v) {
				return fail("%s[%d] %q, a value bad_status writes, is an accepted status", field, i, v)
			}
		}
	}
	return nil
}

// roleRef is one role of a spec: the spec's field and the column it names.
type roleRef struct {
	field  string
	column string
	role   int // role index, or roleKey
}

// roles lists the spec's roles, the key first.
func (spec TableSpec) roles() []roleRef {
	r := []roleRef{
		{"Key", spec.Key, cells.RoleKey},
		{"Amount", spec.Amount, cells.RoleAmount},
		{"Quantity", spec.Quantity, cells.RoleQuantity},
		{"UnitPrice", spec.UnitPrice, cells.RolePrice},
		{"Date", spec.Date, cells.RoleDate},
		{"Status", spec.Status, cells.RoleStatus},
	}
	for i, fk := range spec.ForeignKeys {
		r = append(r, roleRef{fmt.Sprintf("ForeignKeys[%d].Column", i), fk.Column, cells.RoleFK0 + i})
	}
	return r
}

// layout is a TableSpec resolved against some data: its role columns.
type layout struct {
	table       string
	key         *cells.Column
	cols        []*cells.Column // by role; nil for a role the spec leaves empty
	fks         []ForeignKey
	fkSets      []*keySet // built when a ghost is first drawn
	maxQuantity int
	accepted    []string
	badStatuses []string // the typos, and "" (NULL) when the column holds it
	n           int      // rows
}

// roleNoun names what plays role, with its article, for error messages.
func roleNoun(role int) string {
	switch role {
	case cells.RoleKey:
		return "a key"
	case cells.RoleAmount:
		return "an amount"
	case cells.RoleQuantity:
		return "a quantity"
	case cells.RolePrice:
		return "a unit price"
	case cells.RoleDate:
		return "a date"
	case cells.RoleStatus:
		return "a status"
	}
	return "a foreign key"
}

// kindsFor lists the cell kinds each role accepts.
func kindsFor(role int) []cells.CellKind {
	switch role {
	case cells.RoleKey:
		return []cells.CellKind{cells.KText, cells.KInt, cells.KFloat, cells.KDecimal, cells.KDate32, cells.KTimestamp, cells.KTime, cells.KOther}
	case cells.RoleAmount, cells.RolePrice:
		return []cells.CellKind{cells.KText, cells.KInt, cells.KFloat, cells.KDecimal}
	case cells.RoleQuantity:
		return []cells.CellKind{cells.KText, cells.KInt}
	case cells.RoleDate:
		return []cells.CellKind{cells.KText, cells.KDate32, cells.KTimestamp, cells.KTime}
	case cells.RoleStatus:
		return []cells.CellKind{cells.KText}
	}
	return []cells.CellKind{cells.KText, cells.KInt}
}

// newLayout resolves spec with the backend's lookup, which returns a
// column (get and raw filled, kind and nullable set) and the column's type
// as the backend names it, or a nil column when the data has no such
// column, or an error for a column of a type it cannot read. The error
// names every missing column with its field.
func newLayout(spec TableSpec, table string, n int, all []string,
	lookup func(name string, role int) (*cells.Column, string, error)) (*layout, error) {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%w: table %q: %s", ErrInvalidSpec, table, fmt.Sprintf(format, a...))
	}
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("%w (table %q)", err, table)
	}
	if table == "" {
		return nil, fmt.Errorf("%w: Table is empty: name the table, which labels and the random stream use", ErrInvalidSpec)
	}
	l := &layout{
		table: table, cols: make([]*cells.Column, cells.RoleFK0+len(spec.ForeignKeys)), fks: spec.ForeignKeys,
		fkSets: make([]*keySet, len(spec.ForeignKeys)), maxQuantity: spec.MaxQuantity, accepted: spec.Accepted, n: n,
	}
	var missing []string
	for _, r := range spec.roles() {
		if r.column == "" {
			continue
		}
		c, typ, err := lookup(r.column, r.role)
		if err != nil {
			return nil, fail("%s: %v", r.field, err)
		}
		if c == nil {
			missing = append(missing, fmt.Sprintf("%s names %q", r.field, r.column))
			continue
		}
		if !slices.Contains(kindsFor(r.role), c.Kind) {
			return nil, fail("%s: column %q is %s, which %s cannot be", r.field, r.column, typ, roleNoun(r.role))
		}
		c.Name, c.Role = r.column, r.role
		if r.role == cells.RoleKey {
			l.key = c
		} else {
			l.cols[r.role] = c
		}
	}
	if len(missing) > 0 {
		return nil, fail("%s, but the table has no such column (it has %s)", strings.Join(missing, "; "), strings.Join(all, ", "))
	}
	for i, fk := range spec.ForeignKeys {
		c := l.cols[cells.RoleFK0+i]
		if c.Kind == cells.KInt {
			for j, k := range fk.Keys { // IntKeys are integers by their type
				if _, err := strconv.ParseInt(k, 10, 64); err != nil {
					return nil, fail("ForeignKeys[%d].Keys[%d] is %q, but column %q holds integers", i, j, k, fk.Column)
				}
			}
		}
	}
	if c := l.cols[cells.RoleStatus]; c != nil {
		typos := spec.Typos
		if len(typos) == 0 {
			typos = DefaultTypos
		}
		for _, v := range typos {
			if !slices.Contains(l.badStatuses, v) {
				l.badStatuses = append(l.badStatuses, v)
			}
		}
		if c.Nullable && !slices.Contains(l.badStatuses, "") {
			l.badStatuses = append(l.badStatuses, "")
		}
	}
	return l, nil
}

// keySet is a foreign key's valid keys, for drawing ghosts.
type keySet struct {
	set     map[string]struct{}
	ints    bool  // every key is an integer
	maxInt  int64 // the largest, when ints
	hasKeys bool
}

// newKeySet builds fk's key set, Keys and IntKeys together.
func newKeySet(fk ForeignKey) *keySet {
	keys := fk.Keys
	if len(fk.IntKeys) > 0 {
		keys = slices.Grow(slices.Clip(keys), len(fk.IntKeys))
		for _, k := range fk.IntKeys {
			keys = append(keys, strconv.FormatInt(k, 10))
		}
	}
	ks := &keySet{set: make(map[string]struct{}, len(keys)), ints: len(keys) > 0, hasKeys: len(keys) > 0}
	for j, k := range keys {
		ks.set[k] = struct{}{}
		if !ks.ints {
			continue
		}
		if v, err := strconv.ParseInt(k, 10, 64); err == nil {
			if j == 0 || v > ks.maxInt {
				ks.maxInt = v
			}
		} else {
			ks.ints = false
		}
	}
	return ks
}

// ErrVariantUnavailable is wrapped, with [ErrInvalidSpec], by the error of
// an injection whose [Config.VariantRates] gives a probability to a variant
// that the table cannot take at all: "before_signup" without a foreign key
// with Since, "bad_format" without a string Amount, Quantity or Date
// column, a variant without the column it changes. A kind's rate given in
// [Rates] is not refused: it goes to the variants the table can take.
var ErrVariantUnavailable = errors.New("chaos: variant unavailable for this table")

// unavailable returns why the table l describes can never take variant v,
// or "" when it can.
func (l *layout) unavailable(v int) string {
	has := func(role int) bool { return l.cols[role] != nil }
	switch v {
	case vScaled, vDrifted, vNegativeAmount:
		if !has(cells.RoleAmount) {
			return "the spec has no Amount"
		}
	case vFuture:
		if !has(cells.RoleDate) {
			return "the spec has no Date"
		}
	case vBeforeSignup:
		if !has(cells.RoleDate) {
			return "the spec has no Date"
		}
		if !slices.ContainsFunc(l.fks, func(fk ForeignKey) bool { return fk.Since != nil }) {
			return "no foreign key has Since, which tells the signup date"
		}
	case vGhost:
		if len(l.fks) == 0 {
			return "the spec has no ForeignKeys"
		}
	case vNull:
		for f := range l.fks {
			if l.cols[cells.RoleFK0+f].Nullable {
				return ""
			}
		}
		return "no foreign key column can hold NULL"
	case vBadStatus:
		if !has(cells.RoleStatus) {
			return "the spec has no Status"
		}
	case vBadQuantity:
		if !has(cells.RoleQuantity) {
			return "the spec has no Quantity"
		}
	case vBadFormat:
		for _, role := range [...]int{cells.RoleAmount, cells.RoleQuantity, cells.RoleDate} {
			if has(role) && l.cols[role].Kind == cells.KText {
				return ""
			}
		}
		return "no Amount, Quantity or Date column holds strings"
	case vConflicting:
		if !has(cells.RoleStatus) || len(l.accepted) < 2 {
			return "it needs a Status with two accepted values or more"
		}
	}
	return ""
}

// checkVariants refuses a configuration that sets, in VariantRates, a
// variant the table l describes can never take.
func (c Config) checkVariants(l *layout) error {
	for v, d := range variantDefs {
		if *d.rate(&c.VariantRates) == 0 {
			continue
		}
		if why := l.unavailable(v); why != "" {
			return fmt.Errorf("%w: %w: table %q: VariantRates.%s is %v, but %s cannot be drawn: %s",
				ErrInvalidSpec, ErrVariantUnavailable, l.table, d.field, *d.rate(&c.VariantRates), d.name, why)
		}
	}
	return nil
}
