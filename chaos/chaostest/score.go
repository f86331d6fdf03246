package chaostest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/edqm/edqm/chaos"
)

// Validator is the check [Score] measures, in one of three forms: a
// function that returns an error for a row it rejects (func(T) error), one
// that reports whether it accepts a row (func(T) bool, true for a valid
// row), or one given a whole batch that returns the indexes of the rows it
// rejects (func([]T) []int). A check that needs the whole batch (to find
// duplicate keys, say) takes the last form: each call is a fresh batch.
type Validator[T any] interface {
	func(T) error | func(T) bool | func([]T) []int
}

// ScoreOptions adjusts [Score] and [ScoreSeed]. Zero fields mean their
// defaults.
type ScoreOptions struct {
	// Seed is the first seed when EDQM_CHAOS_SEED is not set (see the
	// package documentation); [ScoreSeed] takes its own.
	Seed uint64
	// Seeds is how many seeds each run is repeated with: the first seed
	// and the next ones (seed+1, seed+2, ...). Zero means 3.
	Seeds int
	// VariantRate is the per-row probability of the one variant injected
	// in each variant's runs. Zero means 0.05.
	VariantRate float64
	// Rates are the kinds scored, and the per-row probabilities of the
	// mixed run, which injects every kind at once. A kind at zero is not
	// scored. Zero means [DefaultRates].
	Rates chaos.Rates
	// Mode is the mode of the mixed run: chaos.Exclusive (the default) or
	// chaos.Stacked, where a row can take several kinds and a corruption
	// another one hides is labelled masked (and is then no miss).
	Mode chaos.Mode
	// Day is the batch day of the chaos: the reference of "future" dates.
	// Zero means [DefaultDay].
	Day time.Time
	// Examples is how many missed rows and false alarms each score keeps
	// (see [VariantScore]). Zero means 3.
	Examples int
}

// withDefaults returns o with its zero fields set to their defaults.
func (o ScoreOptions) withDefaults() ScoreOptions {
	if o.Seeds == 0 {
		o.Seeds = 3
	}
	if o.VariantRate == 0 {
		o.VariantRate = 0.05
	}
	if o.Rates == (chaos.Rates{}) {
		o.Rates = DefaultRates
	}
	if o.Day.IsZero() {
		o.Day = DefaultDay
	}
	if o.Examples == 0 {
		o.Examples = 3
	}
	return o
}

// Score measures validate against chaos: for each kind that opts.Rates
// scores and each of its variants, it injects that variant alone into
// rows (opts.VariantRate of them, described by spec) with each seed, and
// tallies, per row of the dirty batch (a row is its key and occurrence,
// see [chaos.RowKey]), what validate rejects against the labels. A mixed
// run then injects every kind at its rate. A variant the table cannot take
// at all (before_signup without a foreign key with Since, say) is listed
// as skipped, with the reason.
//
// The seeds start at the seed of t (see the package documentation), so
// EDQM_CHAOS_SEED replays them. A bad spec, a validator that returns an
// index out of range, or rows that are not structs stop the test with
// t.Fatal. The result is checked with [Scorecard.Require] or
// [Scorecard.Check]. Use [ScoreOptions] as the last argument to change
// the defaults; only the first counts.
//
// For the built-in orders, pass a [Dataset]'s Spec and Clean rows.
func Score[T any, V Validator[T]](t testing.TB, spec chaos.TableSpec, rows []T, validate V, opts ...ScoreOptions) *Scorecard {
	t.Helper()
	var o ScoreOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	o.Seed = seeded(t, &Options{Seed: o.Seed}).Seed
	card, err := ScoreSeed(t.Context(), o.Seed, spec, rows, validate, o)
	if err != nil {
		t.Fatalf("%v", err)
	}
	card.t, card.test = t, t.Name()
	return card
}

// ScoreSeed is [Score] with exactly seed as the first seed, without a test:
// for tools and Examples. Its error names what went wrong; the card's
// [Scorecard.Require] needs a card from Score, [Scorecard.Check] does not.
func ScoreSeed[T any, V Validator[T]](ctx context.Context, seed uint64, spec chaos.TableSpec, rows []T, validate V, opts ...ScoreOptions) (*Scorecard, error) {
	var o ScoreOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	o = o.withDefaults()
	if o.Seeds < 0 || !(o.VariantRate > 0 && o.VariantRate <= 1) || o.Examples < 0 {
		return nil, fmt.Errorf("chaostest: ScoreOptions: Seeds %d, VariantRate %v, Examples %d: want Seeds ≥ 0, VariantRate in (0, 1], Examples ≥ 0",
			o.Seeds, o.VariantRate, o.Examples)
	}
	s := &scorer[T]{spec: spec, rows: rows, validate: batch[T](validate), opts: o}
	card := &Scorecard{Rows: len(rows), VariantRate: o.VariantRate, Rates: o.Rates}
	for i := range o.Seeds {
		card.Seeds = append(card.Seeds, seed+uint64(i))
	}
	for _, k := range chaos.Kinds {
		if o.Rates.Of(k) == 0 {
			continue
		}
		for _, v := range chaos.Variants[k] {
			vs := VariantScore{Kind: k, Variant: v}
			for _, sd := range card.Seeds {
				cfg := chaos.Config{Seed: sd, VariantRates: chaos.VariantRates{}.With(v, o.VariantRate)}
				err := s.run(ctx, cfg, &vs, nil)
				if errors.Is(err, chaos.ErrVariantUnavailable) {
					_, why, _ := strings.Cut(err.Error(), "cannot be drawn: ")
					vs = VariantScore{Kind: k, Variant: v, Skipped: why}
					break
				}
				if err != nil {
					return nil, fmt.Errorf("chaostest: scoring %s/%s, seed %d: %w", k, v, sd, err)
				}
			}
			card.Variants = append(card.Variants, vs)
		}
	}
	card.Mixed = VariantScore{Variant: "mixed"}
	byKind := map[chaos.Kind]*VariantScore{}
	for _, k := range chaos.Kinds {
		if o.Rates.Of(k) > 0 {
			byKind[k] = &VariantScore{Kind: k, Variant: "mixed"}
		}
	}
	for _, sd := range card.Seeds {
		if err := s.run(ctx, chaos.Config{Seed: sd, Rates: o.Rates, Mode: o.Mode}, &card.Mixed, byKind); err != nil {
			return nil, fmt.Errorf("chaostest: scoring every kind at once, seed %d: %w", sd, err)
		}
	}
	for _, k := range chaos.Kinds {
		if ks := byKind[k]; ks != nil {
			card.MixedKinds = append(card.MixedKinds, *ks)
		}
	}
	return card, nil
}

// batch turns any form of validator into the batch form.
func batch[T any, V Validator[T]](validate V) func([]T) []int {
	switch f := any(validate).(type) {
	case func([]T) []int:
		return f
	case func(T) error:
		return func(rows []T) []int {
			var out []int
			for i, r := range rows {
				if f(r) != nil {
					out = append(out, i)
				}
			}
			return out
		}
	case func(T) bool:
		return func(rows []T) []int {
			var out []int
			for i, r := range rows {
				if !f(r) {
					out = append(out, i)
				}
			}
			return out
		}
	}
	panic("chaostest: unreachable: a Validator of no known form")
}

// scorer runs the injections of one Score.
type scorer[T any] struct {
	spec     chaos.TableSpec
	rows     []T
	validate func([]T) []int
	opts     ScoreOptions
}

// run injects rows with cfg, validates the dirty rows and adds the tally
// to vs, and to byKind (when not nil) each kind's.
func (s *scorer[T]) run(ctx context.Context, cfg chaos.Config, vs *VariantScore, byKind map[chaos.Kind]*VariantScore) error {
	j, err := chaos.New(cfg)
	if err != nil {
		return err
	}
	dirty, labels, err := chaos.InjectSlice(ctx, j, s.opts.Day, s.spec, s.rows)
	if err != nil {
		return err
	}
	keys, err := chaos.SliceRows(s.spec, dirty)
	if err != nil {
		return err
	}
	rejected := make([]bool, len(dirty))
	for _, i := range s.validate(dirty) {
		if i < 0 || i >= len(dirty) {
			return fmt.Errorf("the validator rejected row %d of a batch of %d rows", i, len(dirty))
		}
		rejected[i] = true
	}
	byRow := map[chaos.RowKey][]chaos.Label{}
	for _, l := range labels {
		byRow[l.Row()] = append(byRow[l.Row()], l)
	}
	for i, key := range keys {
		row := ScoredRow{Seed: cfg.Seed, Row: key, Value: dirty[i], Labels: byRow[key]}
		vs.tally(row, "", rejected[i], s.opts.Examples)
		for k, ks := range byKind {
			ks.tally(row, k, rejected[i], s.opts.Examples)
		}
	}
	return nil
}

// tally counts row, rejected or not, with its labels of kind k (of any
// kind when k is empty). A row whose labels are all masked is counted in
// Masked only; a row without labels is clean, a false alarm when rejected
// (not counted for a kind).
func (vs *VariantScore) tally(row ScoredRow, k chaos.Kind, rejected bool, examples int) {
	corrupted, masked := false, false
	for _, l := range row.Labels {
		if k == "" || l.Kind == k {
			corrupted = corrupted || l.MaskedBy == ""
			masked = true
		}
	}
	switch {
	case !corrupted && masked:
		vs.Masked++
	case corrupted && rejected:
		vs.Injected++
		vs.Caught++
		if k == "" {
			vs.Rejected++
		}
	case corrupted:
		vs.Injected++
		if len(vs.Misses) < examples {
			vs.Misses = append(vs.Misses, row)
		}
	case rejected && k == "" && len(row.Labels) == 0:
		vs.Rejected++
		if len(vs.FalseAlarms) < examples {
			vs.FalseAlarms = append(vs.FalseAlarms, row)
		}
	}
}

// ScoredRow is one row of a scored batch: a corrupted row the validator
// accepted (a miss) or a clean row it rejected (a false alarm).
type ScoredRow struct {
	// Seed is the seed of the run the row comes from.
	Seed uint64
	// Row is the row's key and occurrence.
	Row chaos.RowKey
	// Value is the dirty row itself, a T.
	Value any
	// Labels are the row's labels; none for a false alarm.
	Labels []chaos.Label
}

// String writes the row as "row KEY (seed S): VALUE: LABELS".
func (e ScoredRow) String() string {
	s := fmt.Sprintf("row %s (seed %d): %+v", e.Row, e.Seed, e.Value)
	var parts []string
	for _, l := range e.Labels {
		parts = append(parts, describeLabel(l))
	}
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, "; ")
	}
	return s
}

// VariantScore is the tally of one variant over every seed (or of a kind,
// or of the mixed run). Rows are counted by key and occurrence; a row whose
// labels are all masked (chaos.Label.MaskedBy) is counted in Masked only,
// neither a miss nor a false alarm.
type VariantScore struct {
	// Kind and Variant name what was injected; Kind is empty and Variant
	// "mixed" for the mixed run, Variant is "mixed" for a kind within the
	// mixed run (which counts no rejections: a clean row rejected is no
	// kind's), Variant is empty for a kind's total.
	Kind    chaos.Kind
	Variant string
	// Skipped, when set, says why the table cannot take the variant; it
	// was not run.
	Skipped string
	// Injected counts the corrupted rows, Rejected the rows the validator
	// rejected, Caught the corrupted rows it rejected, Masked the rows
	// with masked labels only.
	Injected, Rejected, Caught, Masked int
	// Misses are examples of corrupted rows accepted, FalseAlarms of clean
	// rows rejected.
	Misses, FalseAlarms []ScoredRow
}

// Recall is Caught / Injected: the share of corrupted rows rejected; NaN
// when nothing was injected.
func (s VariantScore) Recall() float64 { return ratio(s.Caught, s.Injected) }

// Precision is Caught / Rejected: the share of rejected rows that are
// corrupted; NaN when nothing was rejected.
func (s VariantScore) Precision() float64 { return ratio(s.Caught, s.Rejected) }

// Name is "kind/variant", the kind alone for a kind's total, "mixed", or
// "kind in the mixed run".
func (s VariantScore) Name() string {
	switch {
	case s.Kind == "":
		return s.Variant
	case s.Variant == "mixed":
		return string(s.Kind) + " in the mixed run"
	case s.Variant == "":
		return string(s.Kind)
	}
	return string(s.Kind) + "/" + s.Variant
}

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}
