package chaos

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/generate"
)

// ErrInvalidSpec is wrapped by the errors Inject returns when a [TableSpec]
// does not fit itself or the table (a missing column, for instance).
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

// OrdersSpec is the spec of the orders table of package generate. signup
// tells a customer's signup date (a [generate.Generator]'s SignupDate); it
// enables the "before_signup" variant and may be nil.
func OrdersSpec(signup func(id string) (time.Time, bool)) TableSpec {
	return TableSpec{
		Key:         "order_id",
		Amount:      "total_amount",
		Quantity:    "quantity",
		MaxQuantity: generate.MaxQuantity,
		Date:        "order_date",
		Status:      "status",
		Accepted:    slices.Clone(generate.Statuses),
		ForeignKeys: []ForeignKey{
			{Column: "customer_id", Since: signup},
			{Column: "product_id"},
		},
	}
}

// foreignKey is a resolved ForeignKey.
type foreignKey struct {
	col   int
	since func(id string) (time.Time, bool)
}

// layout is a TableSpec resolved against a table: column indexes, −1 for a
// role the spec leaves empty.
type layout struct {
	key, amount, quantity, date, status int
	maxQuantity                         int
	accepted                            []string
	badStatuses                         []string // the typos and NULL, deduplicated
	fks                                 []foreignKey
	columns                             []string
}

// resolve checks spec against t and returns its layout. Every error wraps
// ErrInvalidSpec and names the table; missing columns are all named.
func (spec TableSpec) resolve(t *edqm.Table) (*layout, error) {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%w: table %q: %s", ErrInvalidSpec, t.Name, fmt.Sprintf(format, a...))
	}
	if spec.Key == "" {
		return nil, fail("the spec has no Key column")
	}
	var missing []string
	roles := map[string]string{} // column → role, to refuse a column with two roles
	var dup error
	col := func(role, name string) int {
		if name == "" {
			return -1
		}
		if other, ok := roles[name]; ok && dup == nil {
			dup = fail("column %q is both %s and %s", name, other, role)
		}
		roles[name] = role
		i := t.Col(name)
		if i < 0 {
			missing = append(missing, strconv.Quote(name))
		}
		return i
	}
	l := &layout{
		key:         col("Key", spec.Key),
		amount:      col("Amount", spec.Amount),
		quantity:    col("Quantity", spec.Quantity),
		date:        col("Date", spec.Date),
		status:      col("Status", spec.Status),
		maxQuantity: spec.MaxQuantity,
		accepted:    spec.Accepted,
		columns:     t.Columns,
	}
	for _, fk := range spec.ForeignKeys {
		if fk.Column == "" {
			return nil, fail("a foreign key has no Column")
		}
		l.fks = append(l.fks, foreignKey{col: col("a foreign key", fk.Column), since: fk.Since})
	}
	if len(missing) > 0 {
		return nil, fail("the spec names columns the table lacks: %s (the table has %s)",
			strings.Join(missing, ", "), strings.Join(t.Columns, ", "))
	}
	if dup != nil {
		return nil, dup
	}
	if spec.Quantity != "" && spec.MaxQuantity < 1 {
		return nil, fail("MaxQuantity is %d, want ≥ 1 with a Quantity column", spec.MaxQuantity)
	}
	if spec.Status != "" {
		typos := spec.Typos
		if len(typos) == 0 {
			typos = DefaultTypos
		}
		for _, v := range append(slices.Clone(typos), "") {
			if slices.Contains(spec.Accepted, v) {
				return nil, fail("%q, a value bad_status writes, is an accepted status", v)
			}
			if !slices.Contains(l.badStatuses, v) {
				l.badStatuses = append(l.badStatuses, v)
			}
		}
	}
	for i, r := range t.Rows {
		if len(r) != len(t.Columns) {
			return nil, fail("row %d has %d cells, want %d", i, len(r), len(t.Columns))
		}
	}
	return l, nil
}
