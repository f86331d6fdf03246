// Package chaos corrupts data on purpose, with five kinds of record-level
// errors, and records a ground-truth [Label] for every cell it changes and
// every row it adds. It corrupts the pipeline's string tables
// ([Injector.Inject]) and slices of Go structs ([InjectSlice]), so a Go team
// can put labelled chaos into its own tests; the chaostest sub-package does
// it in one call.
//
// chaos imports only the standard library and the module's root package
// edqm. What needs more lives in sub-packages: chaos/chaosarrow corrupts
// Arrow record batches with the same [Injector] (InjectRecord,
// NewRecordReader), and chaos/chaosdataset applies dataset-level faults
// (volume drops and spikes, late partitions, schema changes, malformed
// lines) that exercise the anomaly monitors.
//
// # Kinds and variants
//
//   - Calculation: the amount no longer equals quantity × unit price
//     (variants "scaled", "drifted").
//   - Temporal: the date in the future of the batch it arrived in
//     ("future"), or before the referenced customer signed up
//     ("before_signup").
//   - Integrity: a foreign key that points at nobody ("ghost") or is NULL
//     ("null").
//   - Domain: a negative amount ("negative_amount"), a status outside the
//     accepted set ("bad_status"), a quantity out of range ("bad_quantity"),
//     an amount, quantity or date written in a form the library's parsers
//     refuse ("bad_format": "1.2345e+03", " 7.50", "7.500", "2.0",
//     "2026-3-9", "03/09/2026").
//   - Duplication: an exact copy of a row ("exact") or a second row with the
//     same key and conflicting content ("conflicting").
//
// # Probabilities
//
// Every variant has its own per-row probability. [Config.Rates] gives a
// kind's probability, shared evenly by its variants; [Config.VariantRates]
// gives single variants theirs. In [Exclusive] mode a row gets at most one
// variant (so every detection has one cause); in [Stacked] mode each kind is
// drawn independently. When the row cannot take the variant drawn (a NULL
// amount cannot be scaled), another variant of the same kind with a non-zero
// probability is used, so kind rates hold even on messy input; on clean input
// each variant's rate holds too, which the tests check against the binomial
// bounds.
//
// # Your own tables
//
// A [TableSpec] says which column plays which role: the key, foreign keys
// with their valid key sets, the amount, quantity, unit price, date and
// status with its accepted values. The same spec serves string tables, Arrow
// records and structs; a column is an Arrow field name or a struct field's
// edqm tag (or, without a tag, its Go name). Variants that need a role the
// spec leaves out are never drawn: a kind's rate in [Rates] goes to the
// variants the table can take (without a foreign key with Since, "future"
// takes the whole Temporal rate), while a probability set in
// [VariantRates] for a variant the table can never take is an error
// ([ErrVariantUnavailable]). A spec that names a column the data lacks, a
// foreign key without its key set, a table without a name, and a
// probability outside [0, 1] are errors that name the field.
//
// Each row of the output is named, as labels name it, by a [RowKey]: its
// key and its occurrence. [SliceRows] names the rows of a slice, so a test
// can tell a duplicated row's clean first copy from its added copy.
//
// # Determinism
//
// The injector draws from a random stream derived from its seed, the table
// name, the batch's day and the key of the batch's first row, so the same
// seed, table, day and input give the same output and the same labels,
// whatever else runs, and two batches of one day draw independently.
//
// # Labels
//
// Every change yields one Label: the row's key and occurrence (1 for the row
// as it came, 2 for an added duplicate), the kind, the variant, the column,
// the original and the injected value as text. Nothing changes without a
// label; property tests diff clean and dirty data against the labels.
//
// # Labels follow the data
//
// Two rules make a label mean what a detector can see (they matter in
// Stacked mode, where a row can take several kinds):
//
//   - A duplicate inherits its source row's corruptions: each label of
//     occurrence 1 is repeated for occurrence 2, with the same kind,
//     variant, column and values (except the status a "conflicting"
//     duplicate overwrites, which its own label describes). A flag that
//     fires on the copy is then a true positive.
//   - A corruption that another corruption of the same row makes
//     undetectable is labelled masked ([Label.MaskedBy] names the kind that
//     masks it), at injection time: a calculation error when an integrity
//     corruption hits a foreign key marked [ForeignKey.Priced] (no product,
//     so no unit price to check the total against), and a "before_signup"
//     date when one hits a foreign key with Since (no customer, so no
//     signup date). Package quality measures recall over the detectable
//     labels, shows the masked ones apart, and still counts every labelled
//     row in the true revenue at risk.
package chaos

import (
	"context"
	"errors"
	"fmt"
	"strconv"
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
	// be attributed to exactly one cause. The probabilities of all the
	// variants must add up to at most 1.
	Exclusive Mode = iota
	// Stacked draws each kind independently: a row may get several. The
	// probabilities of the variants of each kind must add up to at most 1.
	Stacked
)

// Rates holds the probability, per row, of each kind. Each must be in
// [0, 1]. A kind's rate is shared evenly by its variants; to weigh the
// variants, leave the kind's rate at zero and set [VariantRates] instead.
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

// VariantRates holds the probability, per row, of single variants (see
// [Variants] for the names they have in labels). Each must be in [0, 1].
//
// A kind takes its probabilities either from [Rates] or from here, not
// both: when any variant of a kind is non-zero here, the kind's entry in
// Rates must be zero, and the kind's variants left at zero here are never
// drawn.
type VariantRates struct {
	Scaled, Drifted                        float64 // Calculation
	Future, BeforeSignup                   float64 // Temporal
	Ghost, Null                            float64 // Integrity
	NegativeAmount, BadStatus, BadQuantity float64 // Domain
	BadFormat                              float64 // Domain
	Exact, Conflicting                     float64 // Duplication
}

// variantDef describes one variant: its kind, its name in labels and in
// VariantRates.
type variantDef struct {
	kind  int // index into Kinds
	name  string
	field string
	rate  func(*VariantRates) *float64
}

// Variant indexes into variantDefs.
const (
	vScaled = iota
	vDrifted
	vFuture
	vBeforeSignup
	vGhost
	vNull
	vNegativeAmount
	vBadStatus
	vBadQuantity
	vBadFormat
	vExact
	vConflicting
	nVariants
)

// variantDefs lists the variants in kind order; the variants of a kind are
// contiguous.
var variantDefs = [nVariants]variantDef{
	{0, "scaled", "Scaled", func(v *VariantRates) *float64 { return &v.Scaled }},
	{0, "drifted", "Drifted", func(v *VariantRates) *float64 { return &v.Drifted }},
	{1, "future", "Future", func(v *VariantRates) *float64 { return &v.Future }},
	{1, "before_signup", "BeforeSignup", func(v *VariantRates) *float64 { return &v.BeforeSignup }},
	{2, "ghost", "Ghost", func(v *VariantRates) *float64 { return &v.Ghost }},
	{2, "null", "Null", func(v *VariantRates) *float64 { return &v.Null }},
	{3, "negative_amount", "NegativeAmount", func(v *VariantRates) *float64 { return &v.NegativeAmount }},
	{3, "bad_status", "BadStatus", func(v *VariantRates) *float64 { return &v.BadStatus }},
	{3, "bad_quantity", "BadQuantity", func(v *VariantRates) *float64 { return &v.BadQuantity }},
	{3, "bad_format", "BadFormat", func(v *VariantRates) *float64 { return &v.BadFormat }},
	{4, "exact", "Exact", func(v *VariantRates) *float64 { return &v.Exact }},
	{4, "conflicting", "Conflicting", func(v *VariantRates) *float64 { return &v.Conflicting }},
}

// kindVariants[k] is the range [lo, hi) of variantDefs of kind k.
var kindVariants = [5][2]int{{vScaled, vFuture}, {vFuture, vGhost}, {vGhost, vNegativeAmount}, {vNegativeAmount, vExact}, {vExact, nVariants}}

// Of returns the rate of the variant with the given label name ("scaled",
// "before_signup", ...), and 0 for an unknown name.
func (v VariantRates) Of(variant string) float64 {
	for _, d := range variantDefs {
		if d.name == variant {
			return *d.rate(&v)
		}
	}
	return 0
}

// With returns a copy of v with the variant of the given label name
// ("scaled", "before_signup", ...) at probability p; an unknown name
// leaves the copy as v is, as [VariantRates.Of] reads it as 0.
func (v VariantRates) With(variant string, p float64) VariantRates {
	for _, d := range variantDefs {
		if d.name == variant {
			*d.rate(&v) = p
		}
	}
	return v
}

// Config configures an injector.
type Config struct {
	// Seed selects the random stream.
	Seed uint64
	// Rates are the per-row probabilities of each kind.
	Rates Rates
	// VariantRates are per-row probabilities of single variants, for the
	// kinds whose Rates entry is zero.
	VariantRates VariantRates
	// Mode is Exclusive (the default) or Stacked.
	Mode Mode
}

// probabilities returns the per-row probability of every variant, in
// variantDefs order.
func (c Config) probabilities() [nVariants]float64 {
	var p [nVariants]float64
	for k, kind := range Kinds {
		lo, hi := kindVariants[k][0], kindVariants[k][1]
		if rate := c.Rates.Of(kind); rate != 0 {
			for v := lo; v < hi; v++ {
				p[v] = rate / float64(hi-lo)
			}
			continue
		}
		for v := lo; v < hi; v++ {
			p[v] = *variantDefs[v].rate(&c.VariantRates)
		}
	}
	return p
}

// VariantRate returns the per-row probability of the variant with the given
// label name, as the configuration sets it (from Rates or VariantRates);
// 0 for an unknown name.
func (c Config) VariantRate(variant string) float64 {
	p := c.probabilities()
	for v, d := range variantDefs {
		if d.name == variant {
			return p[v]
		}
	}
	return 0
}

// Validate reports a configuration error naming the offending field; it
// wraps ErrInvalidConfig.
func (c Config) Validate() error {
	for _, k := range Kinds {
		p := c.Rates.Of(k)
		if !(p >= 0 && p <= 1) { // also catches NaN
			return fmt.Errorf("%w: Rates.%s: rate of %s is %v, want a probability in [0, 1]", ErrInvalidConfig, kindField(k), k, p)
		}
	}
	vr := c.VariantRates
	for _, d := range variantDefs {
		p := *d.rate(&vr)
		if !(p >= 0 && p <= 1) {
			return fmt.Errorf("%w: VariantRates.%s: rate of %s is %v, want a probability in [0, 1]", ErrInvalidConfig, d.field, d.name, p)
		}
		if p != 0 && c.Rates.Of(Kinds[d.kind]) != 0 {
			return fmt.Errorf("%w: Rates.%s is %v and VariantRates.%s is %v: give %s's probabilities in one place, Rates or VariantRates",
				ErrInvalidConfig, kindField(Kinds[d.kind]), c.Rates.Of(Kinds[d.kind]), d.field, p, Kinds[d.kind])
		}
	}
	if c.Mode != Exclusive && c.Mode != Stacked {
		return fmt.Errorf("%w: Mode: unknown mode %d", ErrInvalidConfig, c.Mode)
	}
	p := c.probabilities()
	if c.Mode == Exclusive {
		sum := 0.0
		for _, v := range p {
			sum += v
		}
		if sum > 1+1e-9 {
			return fmt.Errorf("%w: Rates and VariantRates: rates add up to %v; in exclusive mode they must add up to at most 1", ErrInvalidConfig, sum)
		}
		return nil
	}
	for k, kind := range Kinds {
		sum := 0.0
		for v := kindVariants[k][0]; v < kindVariants[k][1]; v++ {
			sum += p[v]
		}
		if sum > 1+1e-9 {
			return fmt.Errorf("%w: VariantRates: the rates of %s's variants add up to %v, want at most 1", ErrInvalidConfig, kind, sum)
		}
	}
	return nil
}

// kindField is the name of k's field in Rates.
func kindField(k Kind) string {
	s := string(k)
	return string(s[0]-'a'+'A') + s[1:]
}

// Label records one corruption: ground truth for scoring detection.
type Label struct {
	// Table is the corrupted table's name.
	Table string `json:"table"`
	// Day is the batch's day, YYYY-MM-DD.
	Day string `json:"day"`
	// Key is the row's key value, as text.
	Key string `json:"key"`
	// Occurrence is 1 for a row as it came, 2 for an added duplicate.
	Occurrence int `json:"occurrence"`
	// Kind and Variant say what was done.
	Kind    Kind   `json:"kind"`
	Variant string `json:"variant"`
	// Column is the changed column; "*" for an added row.
	Column string `json:"column"`
	// Original and Injected are the cell's values before and after, as
	// text; the empty string means NULL. A string cell is its own text;
	// see [TableSpec] for typed values.
	Original string `json:"original"`
	Injected string `json:"injected"`
	// MaskedBy, when set, is the kind of another corruption of the same
	// row and occurrence that makes this one undetectable (see "Labels
	// follow the data" in the package documentation); empty for a
	// detectable corruption.
	MaskedBy Kind `json:"masked_by,omitempty"`
}

// RowKey names one row of a corrupted table as labels do: the row's key,
// as text, and its occurrence (1 for a row as it came, 2 for an added
// duplicate). A duplicated row's clean first copy and its copy have the
// same key but not the same RowKey, so a set of RowKeys tells exactly
// which rows are corrupted.
type RowKey struct {
	Key        string
	Occurrence int
}

// String returns "key" for a first occurrence, "key#2" for a duplicate.
func (r RowKey) String() string {
	if r.Occurrence == 1 {
		return r.Key
	}
	return r.Key + "#" + strconv.Itoa(r.Occurrence)
}

// Row returns the RowKey of the row l labels.
func (l Label) Row() RowKey { return RowKey{Key: l.Key, Occurrence: l.Occurrence} }

// LabelColumns are the columns of [LabelsTable].
var LabelColumns = []string{"table_name", "day", "key", "occurrence", "kind", "variant", "column_name", "original", "injected"}

// LabelsTable renders labels as a table named "chaos_labels", ready to land
// beside the data and load into the warehouse.
func LabelsTable(labels []Label) *edqm.Table {
	t := &edqm.Table{Name: "chaos_labels", Columns: LabelColumns, Rows: make([][]string, len(labels))}
	for i, l := range labels {
		t.Rows[i] = []string{l.Table, l.Day, l.Key, strconv.Itoa(l.Occurrence), string(l.Kind), l.Variant, l.Column, l.Original, l.Injected}
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
