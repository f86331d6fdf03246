package chaostest

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/edqm/edqm/chaos"
)

// ErrBelowThreshold is wrapped by the error of [Scorecard.Check] when a
// score is below its threshold.
var ErrBelowThreshold = errors.New("chaostest: score below threshold")

// Scorecard is what [Score] measured: a score per kind and variant, and
// one for the mixed run.
type Scorecard struct {
	// Seeds are the seeds every run was repeated with; the first replays
	// them all (EDQM_CHAOS_SEED in a test).
	Seeds []uint64
	// Rows is the number of the team's rows, before chaos.
	Rows int
	// VariantRate is the per-row probability of the variant runs, Rates
	// the kinds scored and the probabilities of the mixed run.
	VariantRate float64
	Rates       chaos.Rates
	// Variants are the scores per variant, in the order of chaos.Kinds
	// and chaos.Variants.
	Variants []VariantScore
	// Mixed is the score of the runs with every kind at its rate.
	Mixed VariantScore
	// MixedKinds are the recall of each kind scored within the mixed runs
	// (Variant "mixed"): a row counts for each kind it has a detectable
	// label of; Rejected, and so precision, are not counted per kind.
	MixedKinds []VariantScore

	t    testing.TB // the test of Score; nil from ScoreSeed
	test string     // its name
}

// Kind returns the total of k's variant runs (Variant is empty; the
// examples are those of its variants).
func (c *Scorecard) Kind(k chaos.Kind) VariantScore {
	total := VariantScore{Kind: k}
	for _, v := range c.Variants {
		if v.Kind != k || v.Skipped != "" {
			continue
		}
		total.Injected += v.Injected
		total.Rejected += v.Rejected
		total.Caught += v.Caught
		total.Masked += v.Masked
		total.Misses = append(total.Misses, v.Misses...)
		total.FalseAlarms = append(total.FalseAlarms, v.FalseAlarms...)
	}
	return total
}

// Variant returns the score of variant of kind k, and false when it was
// not scored (its kind is not in Rates, or no such variant).
func (c *Scorecard) Variant(k chaos.Kind, variant string) (VariantScore, bool) {
	for _, v := range c.Variants {
		if v.Kind == k && v.Variant == variant {
			return v, true
		}
	}
	return VariantScore{}, false
}

// String renders the scorecard as a table, one line per variant and one
// for the mixed run, then the first miss and false alarm of each variant.
func (c *Scorecard) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d rows; seeds %s; each variant alone at %s of rows, then every kind at once\n",
		c.Rows, c.seedList(), percent(c.VariantRate))
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "kind\tvariant\tinjected\trejected\tcaught\tprecision\trecall")
	for _, v := range slices.Concat(c.Variants, []VariantScore{c.Mixed}, c.MixedKinds) {
		kind, rejected := string(v.Kind), fmt.Sprint(v.Rejected)
		switch {
		case v.Kind == "":
			kind = "all"
		case v.Variant == "mixed":
			rejected = "-"
		}
		if v.Skipped != "" {
			fmt.Fprintf(w, "%s\t%s\t-\t-\t-\t-\t-  skipped: %s\n", kind, v.Variant, v.Skipped)
			continue
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%d\t%s\t%s\n", kind, v.Variant, v.Injected, rejected, v.Caught,
			percent(v.Precision()), percent(v.Recall()))
	}
	w.Flush()
	for _, v := range append(slices.Clip(c.Variants), c.Mixed) { // a kind's misses in the mix are the mix's
		if len(v.Misses) > 0 {
			fmt.Fprintf(&b, "missed %s: %s\n", v.Name(), v.Misses[0])
		}
		if len(v.FalseAlarms) > 0 {
			fmt.Fprintf(&b, "false alarm in %s: %s\n", v.Name(), v.FalseAlarms[0])
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// seedList writes the seeds as "7, 8, 9".
func (c *Scorecard) seedList() string {
	s := make([]string, len(c.Seeds))
	for i, sd := range c.Seeds {
		s[i] = fmt.Sprint(sd)
	}
	return strings.Join(s, ", ")
}

// percent writes a share as "97.5%", and NaN as "-".
func percent(f float64) string {
	if math.IsNaN(f) {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*f)
}

// Threshold is a minimum a [Scorecard] must reach; see [Recall],
// [Precision] and [VariantRecall].
type Threshold struct {
	kind      chaos.Kind
	variant   string // "" for every variant of kind
	precision bool
	min       float64
}

// Recall requires every variant of kind (of every kind scored when kind
// is empty) that was injected to have a recall of at least min: so a
// variant the validator never catches fails, however rare it is.
func Recall(kind chaos.Kind, min float64) Threshold { return Threshold{kind: kind, min: min} }

// Precision requires every variant of kind (of every kind scored when
// kind is empty) whose runs saw a rejection to have a precision of at
// least min.
func Precision(kind chaos.Kind, min float64) Threshold {
	return Threshold{kind: kind, precision: true, min: min}
}

// VariantRecall requires variant of kind to have been injected and to have
// a recall of at least min.
func VariantRecall(kind chaos.Kind, variant string, min float64) Threshold {
	return Threshold{kind: kind, variant: variant, min: min}
}

// String writes the threshold as "recall of domain ≥ 0.99".
func (th Threshold) String() string {
	metric, what := "recall", "every kind"
	if th.precision {
		metric = "precision"
	}
	switch {
	case th.variant != "":
		what = string(th.kind) + "/" + th.variant
	case th.kind != "":
		what = string(th.kind)
	}
	return fmt.Sprintf("%s of %s ≥ %g", metric, what, th.min)
}

// Check returns nil when the scorecard reaches every threshold, else an
// error wrapping [ErrBelowThreshold] that names, for each variant below
// its threshold, its score, an example of a missed row (for recall) or of
// a false alarm (for precision) with its labels and seed, and how to
// replay the runs.
func (c *Scorecard) Check(thresholds ...Threshold) error {
	var fails []string
	for _, th := range thresholds {
		fails = append(fails, c.failures(th)...)
	}
	if len(fails) == 0 {
		return nil
	}
	return fmt.Errorf("%w:\n\t%s\n\t%s", ErrBelowThreshold, strings.Join(fails, "\n\t"), c.replay())
}

// failures lists how the scorecard falls short of th.
func (c *Scorecard) failures(th Threshold) []string {
	var fails []string
	checked := 0
	for _, v := range c.Variants {
		if (th.kind != "" && v.Kind != th.kind) || (th.variant != "" && v.Variant != th.variant) {
			continue
		}
		if th.precision && v.Rejected > 0 {
			checked++
			if p := v.Precision(); p < th.min {
				fails = append(fails, fmt.Sprintf("%s: precision %.3f (%d of %d rejected rows corrupted), want ≥ %g%s",
					v.Name(), p, v.Caught, v.Rejected, th.min, firstOf(v.FalseAlarms, "false alarm")))
			}
		}
		if !th.precision && v.Injected > 0 {
			checked++
			if r := v.Recall(); r < th.min {
				fails = append(fails, fmt.Sprintf("%s: recall %.3f (%d of %d corrupted rows caught), want ≥ %g%s",
					v.Name(), r, v.Caught, v.Injected, th.min, firstOf(v.Misses, "missed")))
			}
		}
	}
	if checked == 0 && !th.precision {
		fails = append(fails, fmt.Sprintf("%s: nothing to check: no row of it was injected (is the kind in ScoreOptions.Rates? can the table take it?)", th))
	}
	return fails
}

// firstOf writes the first example as "; missed row ...", or "".
func firstOf(examples []ScoredRow, what string) string {
	if len(examples) == 0 {
		return ""
	}
	return fmt.Sprintf("; %s %s", what, examples[0])
}

// replay says how to run the same scoring again.
func (c *Scorecard) replay() string {
	if len(c.Seeds) == 0 {
		return "no seeds"
	}
	if c.test == "" {
		return fmt.Sprintf("seeds %s; replay with ScoreSeed and seed %d, or %s=%d in a test", c.seedList(), c.Seeds[0], SeedEnv, c.Seeds[0])
	}
	return fmt.Sprintf("seeds %s; replay with %s=%d go test -run '^%s$'", c.seedList(), SeedEnv, c.Seeds[0], c.test)
}

// Require stops the test of [Score] with t.Fatal, and the message of
// [Scorecard.Check], when the scorecard misses a threshold. It panics on a
// card from [ScoreSeed], which has no test: use Check there (with
// testify, require.NoError(t, card.Check(...)) reads the same).
func (c *Scorecard) Require(thresholds ...Threshold) {
	if c.t == nil {
		panic("chaostest: Scorecard.Require on a card without a test (from ScoreSeed): use Check")
	}
	c.t.Helper()
	if err := c.Check(thresholds...); err != nil {
		c.t.Fatalf("%v", err)
	}
}

// Assert is [Scorecard.Require] that reports with t.Errorf and lets the
// test go on; it returns whether every threshold holds.
func (c *Scorecard) Assert(thresholds ...Threshold) bool {
	if c.t == nil {
		panic("chaostest: Scorecard.Assert on a card without a test (from ScoreSeed): use Check")
	}
	c.t.Helper()
	if err := c.Check(thresholds...); err != nil {
		c.t.Errorf("%v", err)
		return false
	}
	return true
}
