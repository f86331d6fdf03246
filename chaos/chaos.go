// Package chaos corrupts tables on purpose, with five kinds of record-level
// errors, and records a ground-truth [Label] for every cell it changes and
// every row it adds.
//
// # Kinds
//
//   - Calculation: total_amount no longer equals quantity × unit price
//     (variants "scaled", "drifted").
//   - Temporal: order_date in the future of the batch it arrived in
//     ("future"), or before the customer signed up ("before_signup").
//   - Integrity: a foreign key that points at nobody ("ghost") or is NULL
//     ("null").
//   - Domain: a negative amount ("negative_amount"), a status outside the
//     accepted set ("bad_status"), a quantity out of range ("bad_quantity").
//   - Duplication: an exact copy of a row ("exact") or a second row with the
//     same key and conflicting content ("conflicting").
//
// # Determinism
//
// The injector draws from a random stream derived from its seed, the table
// name and the day, so the same seed, table, day and input give the same
// output and the same labels, whatever else runs.
//
// # Labels
//
// Every change yields one Label: the row's key and occurrence (1 for the row
// as generated, 2 for an added duplicate), the kind, the variant, the column,
// the original and the injected value. Nothing changes without a label.
package chaos

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/edqm/edqm"
)

// Kind is one of the five record-level error kinds.
type Kind string

// The five kinds.
const (
	Calculation Kind = "calculation"
	Temporal    Kind = "temporal"
	Integrity   Kind = "integrity"
	Domain      Kind = "domain"
	Duplication Kind = "duplication"
)

// Kinds lists the five kinds in their canonical order.
var Kinds = []Kind{Calculation, Temporal, Integrity, Domain, Duplication}

// ErrInvalidConfig is wrapped by every configuration error.
var ErrInvalidConfig = errors.New("chaos: invalid config")

// Mode says whether a row may receive more than one kind.
type Mode int

const (
	// Exclusive gives each row at most one kind, so that every detection can
	// be attributed to exactly one cause. The sum of the rates must be ≤ 1.
	Exclusive Mode = iota
	// Stacked draws each kind independently: a row may get several.
	Stacked
)

// Rates holds the probability, per row, of each kind. Each must be in [0, 1].
type Rates struct {
	Calculation float64
	Temporal    float64
	Integrity   float64
	Domain      float64
	Duplication float64
}

// Of returns the rate of kind k.
func (r Rates) Of(k Kind) float64 {
	switch k {
	case Calculation:
		return r.Calculation
	case Temporal:
		return r.Temporal
	case Integrity:
		return r.Integrity
	case Domain:
		return r.Domain
	case Duplication:
		return r.Duplication
	}
	return 0
}

// Uniform returns Rates with every kind at p.
func Uniform(p float64) Rates {
	return Rates{Calculation: p, Temporal: p, Integrity: p, Domain: p, Duplication: p}
}

// Config configures an injector.
type Config struct {
	// Seed selects the random stream.
	Seed uint64
	// Rates are the per-row probabilities of each kind.
	Rates Rates
	// Mode is Exclusive (the default) or Stacked.
	Mode Mode
}

// Validate reports a configuration error naming the offending field; it
// wraps ErrInvalidConfig.
func (c Config) Validate() error {
	sum := 0.0
	for _, k := range Kinds {
		p := c.Rates.Of(k)
		if !(p >= 0 && p <= 1) { // also catches NaN
			return fmt.Errorf("%w: rate of %s is %v, want a probability in [0, 1]", ErrInvalidConfig, k, p)
		}
		sum += p
	}
	if c.Mode == Exclusive && sum > 1+1e-9 {
		return fmt.Errorf("%w: rates add up to %v; in exclusive mode they must add up to at most 1", ErrInvalidConfig, sum)
	}
	if c.Mode != Exclusive && c.Mode != Stacked {
		return fmt.Errorf("%w: unknown mode %d", ErrInvalidConfig, c.Mode)
	}
	return nil
}

// ForeignKey describes a column that references another table.
type ForeignKey struct {
	// Column is the referencing column.
	Column string
	// Since returns the date from which the referenced id exists (a
	// customer's signup date). It may be nil; then no "before_signup"
	// corruption is made through this key.
	Since func(id string) (time.Time, bool)
}

// TableSpec tells the injector which column plays which role. Empty names
// switch off the corruptions that need that role.
type TableSpec struct {
	// Key is the row's identifier (order_id); labels are keyed by it. Required.
	Key string
	// Amount is the monetary total (total_amount), written with 2 decimals.
	Amount string
	// Quantity is the unit count; Amount = Quantity × unit price.
	Quantity string
	// MaxQuantity is the largest valid quantity.
	MaxQuantity int
	// Date is the event date (order_date), YYYY-MM-DD.
	Date string
	// Status is a categorical column with Accepted values.
	Status string
	// Accepted are the valid values of Status.
	Accepted []string
	// Typos are the invalid values "bad_status" writes; nil means a default
	// list of realistic typos ("Completado", "Shipped!", ...).
	Typos []string
	// ForeignKeys are the referencing columns.
	ForeignKeys []ForeignKey
}

// Label records one corruption: ground truth for scoring detection.
type Label struct {
	// Table is the corrupted table's name.
	Table string `json:"table"`
	// Day is the batch's day, YYYY-MM-DD.
	Day string `json:"day"`
	// Key is the row's key value.
	Key string `json:"key"`
	// Occurrence is 1 for a row as generated, 2 for an added duplicate.
	Occurrence int `json:"occurrence"`
	// Kind and Variant say what was done.
	Kind    Kind   `json:"kind"`
	Variant string `json:"variant"`
	// Column is the changed column; "*" for an added row.
	Column string `json:"column"`
	// Original and Injected are the cell's values before and after; the
	// empty string means NULL.
	Original string `json:"original"`
	Injected string `json:"injected"`
}

// LabelColumns are the columns of [LabelsTable].
var LabelColumns = []string{"table_name", "day", "key", "occurrence", "kind", "variant", "column_name", "original", "injected"}

// LabelsTable renders labels as a table named "chaos_labels", ready to land
// beside the data and load into the warehouse.
func LabelsTable(labels []Label) *edqm.Table {
	t := &edqm.Table{Name: "chaos_labels", Columns: LabelColumns, Rows: make([][]string, len(labels))}
	for i, l := range labels {
		t.Rows[i] = []string{l.Table, l.Day, l.Key, fmt.Sprint(l.Occurrence), string(l.Kind), l.Variant, l.Column, l.Original, l.Injected}
	}
	return t
}

// ChaosInjector corrupts tables and labels what it did.
//
// Contract for every implementation:
//   - Inject never modifies its input table; it returns a new one.
//   - Every changed cell and every added row has exactly one Label; a cell
//     without a label is unchanged (a property test diffs input and output
//     against the labels).
//   - With all rates at zero the output equals the input and there are no
//     labels.
//   - Deterministic for the same configuration, day, spec and input.
//   - Honours ctx.
type ChaosInjector interface {
	Inject(ctx context.Context, day time.Time, spec TableSpec, in *edqm.Table) (*edqm.Table, []Label, error)
}
