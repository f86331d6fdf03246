package chaos

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edqm/edqm/generate"
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
	Domain:      {"negative_amount", "bad_status", "bad_quantity"},
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
	// RandomKeys says that the referenced keys are random UUIDs (as
	// package generate's are), so that a fresh random UUID is a ghost
	// without a key set: it stands for Keys.
	RandomKeys bool
	// Since returns the date from which the referenced id exists (a
	// customer's signup date), and false for an id that does not exist;
	// it too stands for Keys. It enables "before_signup" through this key.
	// It may be nil.
	Since func(id string) (time.Time, bool)
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
	// Table names the table in labels and in the random stream, for
	// InjectRecord and InjectSlice; Inject uses its table's Name instead.
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
// of its forms (edqm.Table, [generate.OrderSchema] records, []generate.Order).
// signup tells a customer's signup date (a [generate.Generator]'s
// SignupDate); it enables the "before_signup" variant and may be nil.
func OrdersSpec(signup func(id string) (time.Time, bool)) TableSpec {
	return TableSpec{
		Table:       "orders",
		Key:         "order_id",
		Amount:      "total_amount",
		Quantity:    "quantity",
		MaxQuantity: generate.MaxQuantity,
		Date:        "order_date",
		Status:      "status",
		Accepted:    slices.Clone(generate.Statuses),
		ForeignKeys: []ForeignKey{
			{Column: "customer_id", RandomKeys: true, Since: signup},
			{Column: "product_id", RandomKeys: true},
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
		if len(fk.Keys) == 0 && !fk.RandomKeys && fk.Since == nil {
			return fail("ForeignKeys[%d].Keys is empty: give the valid keys of %q (or set RandomKeys when they are random UUIDs, or Since)", i, fk.Column)
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

// Role indexes into layout.cols: the five value roles, then one per
// foreign key.
const (
	roleAmount = iota
	roleQuantity
	rolePrice
	roleDate
	roleStatus
	roleFK0 // foreign key i is roleFK0 + i

	roleKey = -1
)

// roles lists the spec's roles, the key first.
func (spec TableSpec) roles() []roleRef {
	r := []roleRef{
		{"Key", spec.Key, roleKey},
		{"Amount", spec.Amount, roleAmount},
		{"Quantity", spec.Quantity, roleQuantity},
		{"UnitPrice", spec.UnitPrice, rolePrice},
		{"Date", spec.Date, roleDate},
		{"Status", spec.Status, roleStatus},
	}
	for i, fk := range spec.ForeignKeys {
		r = append(r, roleRef{fmt.Sprintf("ForeignKeys[%d].Column", i), fk.Column, roleFK0 + i})
	}
	return r
}

// cellKind says how a column's values are read and written.
type cellKind int

const (
	kText      cellKind = iota // a string: amounts "12.34", dates YYYY-MM-DD
	kInt                       // an integer; amounts in cents
	kFloat                     // a float64 amount
	kDecimal                   // a decimal amount with its scale
	kDate32                    // days since 1970-01-01
	kTimestamp                 // an instant, read in UTC
	kTime                      // a Go time.Time, read in its location
	kOther                     // a type no role but the key can use
)

// value is one cell, typed for its role.
type value struct {
	null bool
	bad  bool      // present but unreadable for the role (malformed text)
	i    int64     // quantity, integer key, unscaled amount, date's day number
	f    float64   // float amount
	s    string    // text of a string cell
	t    time.Time // a date's full value (kDate32, kTimestamp, kTime, text dates)
}

// column is a role column resolved against the data: how to read it and
// how its values are written. Each backend fills get and raw.
type column struct {
	name     string
	index    int // field or column position in the data
	kind     cellKind
	scale    int32 // amounts: decimal places (2 for text and integer cents)
	nullable bool  // can hold NULL
	intMax   int64 // kInt: the largest value the column can hold
	role     int
	// volatile says that raw returns strings that alias the data's memory
	// (an Arrow buffer), to copy before they outlive the call.
	volatile bool
	// get reads row i of the input as the role's value.
	get func(i int) value
	// raw is the label text of row i of the input.
	raw func(i int) string
}

// text returns the label text of v, which for a string column is the cell
// itself.
func (c *column) text(v value) string {
	if v.null {
		return ""
	}
	if c.plain() {
		return v.s
	}
	return string(c.appendText(make([]byte, 0, 40), v))
}

// plain reports whether the column's text is a value's s as it is: a
// string column of a role whose values are strings.
func (c *column) plain() bool {
	if c.kind == kText {
		switch c.role {
		case roleAmount, rolePrice, roleQuantity, roleDate:
			return false
		}
		return true
	}
	return c.kind == kOther
}

// appendText appends the label text of the non-NULL v to dst.
func (c *column) appendText(dst []byte, v value) []byte {
	switch c.kind {
	case kText:
		switch c.role {
		case roleAmount, rolePrice:
			return appendScaled(dst, v.i, 2)
		case roleQuantity:
			return strconv.AppendInt(dst, v.i, 10)
		case roleDate:
			return appendDay(dst, v.i)
		}
	case kInt:
		return strconv.AppendInt(dst, v.i, 10)
	case kFloat:
		return strconv.AppendFloat(dst, v.f, 'f', -1, 64)
	case kDecimal:
		return appendScaled(dst, v.i, c.scale)
	case kDate32:
		return appendDay(dst, v.i)
	case kTimestamp, kTime:
		return v.t.AppendFormat(dst, time.RFC3339Nano)
	}
	return append(dst, v.s...)
}

const dateLayout = "2006-01-02"

// formatDay writes day number dn (days since 1970-01-01) as YYYY-MM-DD.
func formatDay(dn int64) string { return string(appendDay(make([]byte, 0, 10), dn)) }

// appendDay appends day number dn as YYYY-MM-DD, as time.Format would,
// without its cost.
func appendDay(dst []byte, dn int64) []byte {
	y, m, d := civil(dn)
	if y < 0 || y > 9999 {
		return time.Unix(dn*86400, 0).UTC().AppendFormat(dst, dateLayout)
	}
	return append(dst, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10))
}

// civil converts a day number to a proleptic Gregorian date (Howard
// Hinnant's days_from_civil inverse).
func civil(dn int64) (y, m, d int64) {
	z := dn + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	y = yoe + era*400
	if m <= 2 {
		y++
	}
	return y, m, d
}

// formatScaled writes an unscaled integer with scale decimals.
func formatScaled(v int64, scale int32) string { return string(appendScaled(nil, v, scale)) }

// appendScaled appends an unscaled integer with scale decimals: 12345 at
// scale 2 is "123.45", −5 at scale 2 "-0.05"; a negative scale appends
// zeros.
func appendScaled(dst []byte, v int64, scale int32) []byte {
	if scale <= 0 {
		dst = strconv.AppendInt(dst, v, 10)
		for range -scale {
			dst = append(dst, '0')
		}
		return dst
	}
	u := uint64(v)
	if v < 0 {
		dst = append(dst, '-')
		u = -u
	}
	var buf [64]byte // up to 38 leading zeros and 20 digits
	digits := strconv.AppendUint(buf[:0], u, 10)
	if pad := int(scale) + 1 - len(digits); pad > 0 { // 0.00d: at least one digit before the point
		n := len(digits)
		digits = digits[:n+pad]
		copy(digits[pad:], digits[:n])
		for i := range pad {
			digits[i] = '0'
		}
	}
	cut := len(digits) - int(scale)
	dst = append(dst, digits[:cut]...)
	dst = append(dst, '.')
	return append(dst, digits[cut:]...)
}

// parseText reads a string cell, where the empty string is NULL, as the
// value of role.
func parseText(role int, s string) value {
	if s == "" {
		return value{null: true}
	}
	return parseNonNull(role, s)
}

// parseNonNull reads a non-NULL string as the value of role.
func parseNonNull(role int, s string) value {
	v := value{s: s}
	switch role {
	case roleAmount, rolePrice:
		c, err := generate.ParseCents(s)
		v.i, v.bad = c, err != nil
	case roleQuantity:
		q, err := strconv.ParseInt(s, 10, 64)
		v.i, v.bad = q, err != nil
	case roleDate:
		t, err := time.Parse(dateLayout, s)
		v.t, v.i, v.bad = t, dayOf(t), err != nil
	}
	return v
}

// dayOf is the number of days from 1970-01-01 to t's calendar date in t's
// location.
func dayOf(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// withDay returns a date value on day number dn that keeps the time of day
// and location of v (midnight UTC when v has none).
func withDay(v value, dn int64) value {
	y, m, d := time.Unix(dn*86400, 0).UTC().Date()
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if !v.null && !v.bad && !v.t.IsZero() {
		h, mi, s := v.t.Clock()
		t = time.Date(y, m, d, h, mi, s, v.t.Nanosecond(), v.t.Location())
	}
	return value{i: dn, t: t}
}

// Money: amounts are unscaled integers in units of 10^−scale (text and
// integer cells: cents) or floats. These helpers work in either.

// pow10 returns 10^n for n in [0, 18].
func pow10(n int32) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// cents converts a number of cents to the column's units, rounding away
// from zero so that a non-zero amount stays non-zero.
func (c *column) cents(n int64) int64 {
	switch {
	case c.scale >= 2:
		return n * pow10(c.scale-2)
	default:
		p := pow10(2 - c.scale)
		return (n + p - 1) / p
	}
}

// atLeastCents reports whether v ≥ n cents.
func (c *column) atLeastCents(v value, n int64) bool {
	if c.kind == kFloat {
		return v.f*100 >= float64(n)
	}
	if c.scale >= 2 {
		return v.i >= n*pow10(c.scale-2)
	}
	return v.i*pow10(2-c.scale) >= n
}

// sign returns −1, 0 or +1.
func (c *column) sign(v value) int {
	x := float64(v.i)
	if c.kind == kFloat {
		x = v.f
	}
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// mulDiv returns v × num ÷ den.
func (c *column) mulDiv(v value, num, den int64) value {
	if c.kind == kFloat {
		return value{f: float64(v.f*float64(num)) / float64(den)}
	}
	return value{i: v.i * num / den}
}

// addCents returns v + n cents.
func (c *column) addCents(v value, n int64) value {
	if c.kind == kFloat {
		return value{f: v.f + float64(n)/100}
	}
	if n < 0 {
		return value{i: v.i - c.cents(-n)}
	}
	return value{i: v.i + c.cents(n)}
}

// negate returns −v.
func (c *column) negate(v value) value {
	if c.kind == kFloat {
		return value{f: -v.f}
	}
	return value{i: -v.i}
}

// times returns q units of the price p (read from column pc) in c's units.
func (c *column) times(pc *column, p value, q int64) value {
	switch {
	case c.kind == kFloat && pc.kind == kFloat:
		return value{f: p.f * float64(q)}
	case c.kind == kFloat:
		return value{f: float64(p.i*q) / float64(pow10(pc.scale))}
	case pc.kind == kFloat:
		x := float64(float64(p.f*float64(q)) * float64(pow10(c.scale))) // converted: never fused with the rounding below
		if x < 0 {
			return value{i: int64(x - 0.5)}
		}
		return value{i: int64(x + 0.5)}
	case c.scale >= pc.scale:
		return value{i: p.i * q * pow10(c.scale-pc.scale)}
	}
	return value{i: p.i * q / pow10(pc.scale-c.scale)}
}

// layout is a TableSpec resolved against some data: its role columns.
type layout struct {
	table       string
	key         *column
	cols        []*column // by role; nil for a role the spec leaves empty
	fks         []ForeignKey
	fkSets      []*keySet // built when a ghost is first drawn
	maxQuantity int
	accepted    []string
	badStatuses []string // the typos, and "" (NULL) when the column holds it
	n           int      // rows
}

// fieldOf is the name of the spec field that gives role.
func fieldOf(role int) string {
	switch role {
	case roleKey:
		return "Key"
	case roleAmount:
		return "Amount"
	case roleQuantity:
		return "Quantity"
	case rolePrice:
		return "UnitPrice"
	case roleDate:
		return "Date"
	case roleStatus:
		return "Status"
	}
	return fmt.Sprintf("ForeignKeys[%d].Column", role-roleFK0)
}

// kindsFor lists the cell kinds each role accepts.
func kindsFor(role int) []cellKind {
	switch role {
	case roleKey:
		return []cellKind{kText, kInt, kFloat, kDecimal, kDate32, kTimestamp, kTime, kOther}
	case roleAmount, rolePrice:
		return []cellKind{kText, kInt, kFloat, kDecimal}
	case roleQuantity:
		return []cellKind{kText, kInt}
	case roleDate:
		return []cellKind{kText, kDate32, kTimestamp, kTime}
	case roleStatus:
		return []cellKind{kText}
	}
	return []cellKind{kText, kInt}
}

// newLayout resolves spec with the backend's lookup, which returns a
// column (get and raw filled, kind and nullable set) and the column's type
// as the backend names it, or a nil column when the data has no such
// column, or an error for a column of a type it cannot read. The error
// names every missing column with its field.
func newLayout(spec TableSpec, table string, n int, all []string,
	lookup func(name string, role int) (*column, string, error)) (*layout, error) {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%w: table %q: %s", ErrInvalidSpec, table, fmt.Sprintf(format, a...))
	}
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("%w (table %q)", err, table)
	}
	l := &layout{
		table: table, cols: make([]*column, roleFK0+len(spec.ForeignKeys)), fks: spec.ForeignKeys,
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
		if !slices.Contains(kindsFor(r.role), c.kind) {
			return nil, fail("%s: column %q is %s, which a %s cannot be", r.field, r.column, typ, strings.ToLower(fieldOf(r.role)))
		}
		c.name, c.role = r.column, r.role
		if r.role == roleKey {
			l.key = c
		} else {
			l.cols[r.role] = c
		}
	}
	if len(missing) > 0 {
		return nil, fail("%s, but the table has no such column (it has %s)", strings.Join(missing, "; "), strings.Join(all, ", "))
	}
	for i, fk := range spec.ForeignKeys {
		c := l.cols[roleFK0+i]
		if c.kind == kInt {
			for j, k := range fk.Keys {
				if _, err := strconv.ParseInt(k, 10, 64); err != nil {
					return nil, fail("ForeignKeys[%d].Keys[%d] is %q, but column %q holds integers", i, j, k, fk.Column)
				}
			}
		}
	}
	if c := l.cols[roleStatus]; c != nil {
		typos := spec.Typos
		if len(typos) == 0 {
			typos = DefaultTypos
		}
		for _, v := range typos {
			if !slices.Contains(l.badStatuses, v) {
				l.badStatuses = append(l.badStatuses, v)
			}
		}
		if c.nullable && !slices.Contains(l.badStatuses, "") {
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

func newKeySet(keys []string) *keySet {
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
