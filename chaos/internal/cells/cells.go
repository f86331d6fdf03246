// Package cells holds what package chaos and its sub-packages share to
// read and write the cells of a table: a role column resolved against
// the data ([Column]), a cell typed for its role ([Value]), the edits an
// injection decides ([Edit]), and the text of typed values in labels.
//
// It is internal so that chaos keeps a small public surface while
// chaos/chaosarrow, which imports Arrow, reads and writes Arrow columns
// with the same code as chaos's own string tables and structs.
package cells

import (
	"context"
	"strconv"
	"time"

	"github.com/edqm/edqm"
)

// Roles index chaos's resolved columns: the five value roles, then one
// per foreign key; the key has RoleKey.
const (
	RoleAmount = iota
	RoleQuantity
	RolePrice
	RoleDate
	RoleStatus
	RoleFK0 // foreign key i is RoleFK0 + i

	RoleKey = -1
)

// CellKind says how a column's values are read and written.
type CellKind int

// The cell kinds.
const (
	KText      CellKind = iota // a string: amounts "12.34", dates YYYY-MM-DD
	KInt                       // an integer; amounts in cents
	KFloat                     // a float64 amount
	KDecimal                   // a decimal amount with its scale
	KDate32                    // days since 1970-01-01
	KTimestamp                 // an instant, read in UTC
	KTime                      // a Go time.Time, read in its location
	KOther                     // a type no role but the key can use
)

// Value is one cell, typed for its role.
type Value struct {
	Null bool
	Bad  bool      // present but unreadable for the role (malformed text)
	I    int64     // quantity, integer key, unscaled amount, date's day number
	F    float64   // float amount
	S    string    // text of a string cell
	T    time.Time // a date's full value (KDate32, KTimestamp, KTime, text dates)
}

// Column is a role column resolved against the data: how to read it and
// how its values are written. Each backend fills Get and Raw.
type Column struct {
	Name     string
	Index    int // field or column position in the data
	Kind     CellKind
	Scale    int32 // amounts: decimal places (2 for text and integer cents)
	Nullable bool  // can hold NULL
	IntMax   int64 // kInt: the largest value the column can hold
	Role     int
	// volatile says that raw returns strings that alias the data's memory
	// (an Arrow buffer), to copy before they outlive the call.
	Volatile bool
	// get reads row i of the input as the role's value.
	Get func(i int) Value
	// raw is the label text of row i of the input.
	Raw func(i int) string
}

// Text returns the label text of v, which for a string column is the cell
// itself.
func (c *Column) Text(v Value) string {
	if v.Null {
		return ""
	}
	if c.Plain() {
		return v.S
	}
	return string(c.AppendText(make([]byte, 0, 40), v))
}

// Plain reports whether the column's text is a value's s as it is: a
// string column of a role whose values are strings.
func (c *Column) Plain() bool {
	if c.Kind == KText {
		switch c.Role {
		case RoleAmount, RolePrice, RoleQuantity, RoleDate:
			return false
		}
		return true
	}
	return c.Kind == KOther
}

// AppendText appends the label text of the non-NULL v to dst.
func (c *Column) AppendText(dst []byte, v Value) []byte {
	switch c.Kind {
	case KText:
		if v.Bad { // malformed text, kept as it is
			return append(dst, v.S...)
		}
		switch c.Role {
		case RoleAmount, RolePrice:
			return appendScaled(dst, v.I, 2)
		case RoleQuantity:
			return strconv.AppendInt(dst, v.I, 10)
		case RoleDate:
			return appendDay(dst, v.I)
		}
	case KInt:
		return strconv.AppendInt(dst, v.I, 10)
	case KFloat:
		return strconv.AppendFloat(dst, v.F, 'f', -1, 64)
	case KDecimal:
		return appendScaled(dst, v.I, c.Scale)
	case KDate32:
		return appendDay(dst, v.I)
	case KTimestamp, KTime:
		return v.T.AppendFormat(dst, time.RFC3339Nano)
	}
	return append(dst, v.S...)
}

const dateLayout = "2006-01-02"

// FormatDay writes day number dn (days since 1970-01-01) as YYYY-MM-DD.
func FormatDay(dn int64) string { return string(appendDay(make([]byte, 0, 10), dn)) }

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

// ParseText reads a string cell, where the empty string is NULL, as the
// value of role.
func ParseText(role int, s string) Value {
	if s == "" {
		return Value{Null: true}
	}
	return ParseNonNull(role, s)
}

// ParseNonNull reads a non-NULL string as the value of role.
func ParseNonNull(role int, s string) Value {
	v := Value{S: s}
	switch role {
	case RoleAmount, RolePrice:
		c, err := edqm.ParseCents(s)
		v.I, v.Bad = c, err != nil
	case RoleQuantity:
		q, err := strconv.ParseInt(s, 10, 64)
		v.I, v.Bad = q, err != nil
	case RoleDate:
		t, err := time.Parse(dateLayout, s)
		v.T, v.I, v.Bad = t, DayOf(t), err != nil
	}
	return v
}

// DayOf is the number of days from 1970-01-01 to t's calendar date in t's
// location.
func DayOf(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// WithDay returns a date value on day number dn that keeps the time of day
// and location of v (midnight UTC when v has none).
func WithDay(v Value, dn int64) Value {
	y, m, d := time.Unix(dn*86400, 0).UTC().Date()
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if !v.Null && !v.Bad && !v.T.IsZero() {
		h, mi, s := v.T.Clock()
		t = time.Date(y, m, d, h, mi, s, v.T.Nanosecond(), v.T.Location())
	}
	return Value{I: dn, T: t}
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

// Cents converts a number of cents to the column's units, rounding away
// from zero so that a non-zero amount stays non-zero.
func (c *Column) Cents(n int64) int64 {
	switch {
	case c.Scale >= 2:
		return n * pow10(c.Scale-2)
	default:
		p := pow10(2 - c.Scale)
		return (n + p - 1) / p
	}
}

// AtLeastCents reports whether v ≥ n cents.
func (c *Column) AtLeastCents(v Value, n int64) bool {
	if c.Kind == KFloat {
		return v.F*100 >= float64(n)
	}
	if c.Scale >= 2 {
		return v.I >= n*pow10(c.Scale-2)
	}
	return v.I*pow10(2-c.Scale) >= n
}

// Sign returns −1, 0 or +1.
func (c *Column) Sign(v Value) int {
	x := float64(v.I)
	if c.Kind == KFloat {
		x = v.F
	}
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// MulDiv returns v × num ÷ den.
func (c *Column) MulDiv(v Value, num, den int64) Value {
	if c.Kind == KFloat {
		return Value{F: float64(v.F*float64(num)) / float64(den)}
	}
	return Value{I: v.I * num / den}
}

// AddCents returns v + n cents.
func (c *Column) AddCents(v Value, n int64) Value {
	if c.Kind == KFloat {
		return Value{F: v.F + float64(n)/100}
	}
	if n < 0 {
		return Value{I: v.I - c.Cents(-n)}
	}
	return Value{I: v.I + c.Cents(n)}
}

// Negate returns −v.
func (c *Column) Negate(v Value) Value {
	if c.Kind == KFloat {
		return Value{F: -v.F}
	}
	return Value{I: -v.I}
}

// Times returns q units of the price p (read from column pc) in c's units.
func (c *Column) Times(pc *Column, p Value, q int64) Value {
	switch {
	case c.Kind == KFloat && pc.Kind == KFloat:
		return Value{F: p.F * float64(q)}
	case c.Kind == KFloat:
		return Value{F: float64(p.I*q) / float64(pow10(pc.Scale))}
	case pc.Kind == KFloat:
		x := float64(float64(p.F*float64(q)) * float64(pow10(c.Scale))) // converted: never fused with the rounding below
		if x < 0 {
			return Value{I: int64(x - 0.5)}
		}
		return Value{I: int64(x + 0.5)}
	case c.Scale >= pc.Scale:
		return Value{I: p.I * q * pow10(c.Scale-pc.Scale)}
	}
	return Value{I: p.I * q / pow10(pc.Scale-c.Scale)}
}

// Edit is one changed cell of the output: role's cell of input row row,
// in the row itself (occ 1) or in its added duplicate (occ 2).
type Edit struct {
	Row  int
	Occ  int
	Role int
	V    Value
}

// Lookup resolves a column of the data for a role: the column (Get and
// Raw set, Kind, Nullable, Scale and IntMax as the data has them) and its
// type as the data names it, or a nil column when the data has no column
// of that name, or an error for a column of a type it cannot read.
type Lookup func(name string, role int) (*Column, string, error)

// Plan is what an injection decided: the role columns it resolved, the
// edits, the rows with an added duplicate (ascending) and the labels. Its
// holder applies it to the data, then calls Release.
type Plan struct {
	// Key is the key column; Cols the role columns, by role (nil for a
	// role the spec leaves empty).
	Key  *Column
	Cols []*Column
	// Edits are the changed cells, by row, then occurrence.
	Edits []Edit
	// Dups are the input rows with an added duplicate, ascending.
	Dups []int
	// Labels are the labels, a []chaos.Label.
	Labels any
	// Release hands the plan's scratch back; the plan is not used again.
	Release func()
}

// Hooks that package chaos sets in its init, for its sub-packages: chaos
// cannot import them (they import it, and Arrow), and they cannot reach
// chaos's unexported engine otherwise.
var (
	// Check resolves spec, a chaos.TableSpec, against a table of the
	// given column names with lookup, without data; the error wraps
	// chaos.ErrInvalidSpec.
	Check func(spec any, table string, names []string, lookup Lookup) error
	// Inject resolves spec, a chaos.TableSpec, against a table of n rows
	// with lookup and runs the injector j, a *chaos.Injector, on it.
	Inject func(ctx context.Context, j any, day time.Time, spec any, table string, n int, names []string, lookup Lookup) (*Plan, error)
)
