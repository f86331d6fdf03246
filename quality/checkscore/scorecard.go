package checkscore

import (
	"slices"
	"strings"
	"time"

	"github.com/edqm/edqm/chaos"
)

// Scorecard is the score of a suite of tests against labelled chaos: per
// variant (the mutation-testing view), per kind, per test and per column.
// It is JSON-serialisable; see WriteText for a terminal.
type Scorecard struct {
	// Seeds and Rate are the trials' chaos seeds and per-row probability;
	// Trials counts the trials run, the clean one included.
	Seeds  []uint64 `json:"seeds"`
	Rate   float64  `json:"rate"`
	Trials int      `json:"trials"`
	// Mutants counts the variants injected (with at least one labelled
	// row); Killed those at least one test killed; Score = Killed ÷
	// Mutants, 1 when nothing was injected.
	Mutants int     `json:"mutants"`
	Killed  int     `json:"killed"`
	Score   float64 `json:"score"`
	// Survivors are the injected variants no test killed, as
	// "kind/variant"; Gaps say it in a sentence each:
	// "domain/bad_status: no test fails on it".
	Survivors []string `json:"survivors"`
	Gaps      []string `json:"gaps"`
	// Uncaught are the kinds injected of which no test killed any variant,
	// in chaos.Kinds order.
	Uncaught []chaos.Kind `json:"uncaught_kinds"`
	// NotInjected are the variants the target could not take (its spec
	// lacks a role the variant needs), as "kind/variant".
	NotInjected []string `json:"not_injected,omitempty"`
	// Variants, Kinds, Tests and Columns are the detailed scores: variants
	// and kinds in chaos.Kinds order, tests in the suite's order, columns
	// by name.
	Variants []VariantScore `json:"variants"`
	Kinds    []KindScore    `json:"kinds"`
	Tests    []TestScore    `json:"tests"`
	Columns  []ColumnScore  `json:"columns"`
	// Duration is the time Score took.
	Duration time.Duration `json:"duration_ns"`
}

// VariantScore is the score of one variant: one mutant.
type VariantScore struct {
	Kind    chaos.Kind `json:"kind"`
	Variant string     `json:"variant"`
	// Injected counts the rows (key and occurrence) labelled with the
	// variant detectably, over all seeds; Masked the rows whose labels
	// another corruption masks (see chaos.Label.MaskedBy).
	Injected int `json:"injected"`
	Masked   int `json:"masked"`
	// Caught counts the Injected rows among some test's failing rows;
	// Recall = Caught ÷ Injected, 1 when nothing was injected.
	Caught int     `json:"caught"`
	Recall float64 `json:"recall"`
	// Killed says whether any test killed the variant, KilledBy which
	// (sorted): a test killed it when it caught one of its rows, or, for a
	// test not attributed to rows, when it found more failures than on the
	// clean trial.
	Killed   bool     `json:"killed"`
	KilledBy []string `json:"killed_by"`
	// Missed are examples of rows injected but not caught, each with the
	// seed that replays it.
	Missed []Miss `json:"missed,omitempty"`
}

// Name returns "kind/variant".
func (v VariantScore) Name() string { return string(v.Kind) + "/" + v.Variant }

// Miss is a labelled row no test caught.
type Miss struct {
	// Seed is the chaos seed of the trial (chaos.Config.Seed, with the
	// variant alone at the scorecard's Rate).
	Seed uint64 `json:"seed"`
	// Label is one label of the row.
	Label chaos.Label `json:"label"`
}

// KindScore sums up the variants of one kind.
type KindScore struct {
	Kind chaos.Kind `json:"kind"`
	// Variants counts the kind's variants injected, Killed those killed;
	// Survivors names the others ("kind/variant").
	Variants  int      `json:"variants"`
	Killed    int      `json:"killed"`
	Survivors []string `json:"survivors"`
	// Injected, Caught and Recall sum the kind's variants.
	Injected int     `json:"injected"`
	Caught   int     `json:"caught"`
	Recall   float64 `json:"recall"`
	// Tests are the tests that killed a variant of the kind, sorted.
	Tests []string `json:"tests"`
}

// TestScore is the score of one test over the variants' trials.
type TestScore struct {
	// Name, Type, Model, Column and Origin identify the test (see
	// quality.Test).
	Name   string `json:"name"`
	Type   string `json:"type"`
	Model  string `json:"model"`
	Column string `json:"column,omitempty"`
	Origin string `json:"origin,omitempty"`
	// Attributed says whether the test's failing rows name rows (they
	// have the key column); when false only Kills is scored.
	Attributed bool `json:"attributed"`
	// CleanFailures is the test's failure count on the clean trial: a
	// test that fails on clean data raises false alarms.
	CleanFailures int64 `json:"clean_failures"`
	// Flagged counts its failing rows, summed over the variants' trials;
	// Caught those labelled (masked labels included); FalseAlarms the
	// others; Precision = Caught ÷ Flagged, 1 when nothing was flagged.
	Flagged     int     `json:"flagged"`
	Caught      int     `json:"caught"`
	FalseAlarms int     `json:"false_alarms"`
	Precision   float64 `json:"precision"`
	// Kills are the variants the test killed, as "kind/variant", with the
	// rows of each it caught.
	Kills []Kill `json:"kills"`
}

// Kill is a variant a test killed.
type Kill struct {
	Variant string `json:"variant"`
	// Caught counts the variant's rows the test caught (0 for a test not
	// attributed to rows); Recall = Caught ÷ the variant's Injected rows
	// (0 for a test not attributed to rows).
	Caught int     `json:"caught"`
	Recall float64 `json:"recall"`
}

// ColumnScore is the score of the labels on one column of the target.
type ColumnScore struct {
	// Column is the labels' column; "*" for added rows (duplicates).
	Column string `json:"column"`
	// Variants are the variants that changed it, as "kind/variant".
	Variants []string `json:"variants"`
	// Injected counts the rows with a detectable label on the column;
	// Caught those some test caught; Recall = Caught ÷ Injected.
	Injected int     `json:"injected"`
	Caught   int     `json:"caught"`
	Recall   float64 `json:"recall"`
	// Declared are the tests declared on a column of that name whose
	// failing rows name the target's rows (Attributed: a test on another
	// table's column of the same name is not one); CaughtBy the tests that
	// caught its rows. Both sorted.
	Declared []string `json:"declared"`
	CaughtBy []string `json:"caught_by"`
}

// scorer accumulates the trials into a Scorecard.
type scorer struct {
	o       Options
	kinds   map[string]chaos.Kind
	base    *trial
	vars    map[string]*VariantScore
	tests   []TestScore
	kills   []map[string]int // per test: variant → rows caught
	cols    map[string]*ColumnScore
	colBy   map[string]map[string]bool
	colVars map[string]map[string]bool
}

func newScorer(o Options) *scorer {
	s := &scorer{o: o, kinds: variantKinds(), vars: map[string]*VariantScore{},
		cols: map[string]*ColumnScore{}, colBy: map[string]map[string]bool{}, colVars: map[string]map[string]bool{}}
	for _, t := range o.Tests {
		s.tests = append(s.tests, TestScore{Name: t.Name(), Type: t.Type, Model: t.Model, Column: t.Column, Origin: t.Origin})
		s.kills = append(s.kills, map[string]int{})
	}
	for _, v := range o.Variants {
		s.vars[v] = &VariantScore{Kind: s.kinds[v], Variant: v, KilledBy: []string{}}
	}
	return s
}

// baseline records the clean trial.
func (s *scorer) baseline(tr *trial) {
	s.base = tr
	for i, r := range tr.results {
		s.tests[i].CleanFailures = r.Failures
		s.tests[i].Attributed = tr.rows[i] != nil
	}
}

// labelledRow is what the labels say of one row.
type labelledRow struct {
	detectable bool
	columns    []string
	first      chaos.Label
}

// rowsOf groups a trial's labels by row.
func rowsOf(labels []chaos.Label) map[rowKey]*labelledRow {
	out := map[rowKey]*labelledRow{}
	for _, l := range labels {
		k := rowKey{l.Key, l.Occurrence}
		r := out[k]
		if r == nil {
			r = &labelledRow{first: l}
			out[k] = r
		}
		if l.MaskedBy == "" {
			r.detectable = true
			if !slices.Contains(r.columns, l.Column) {
				r.columns = append(r.columns, l.Column)
			}
		}
	}
	return out
}

// add records the trial of variant v with the given seed.
func (s *scorer) add(v string, seed uint64, tr *trial) {
	vs := s.vars[v]
	labelled := rowsOf(tr.labels)
	caughtBy := map[rowKey][]string{}
	for i, r := range tr.results {
		ts := &s.tests[i]
		ts.Attributed = ts.Attributed || tr.rows[i] != nil
		if tr.rows[i] == nil {
			if _, ok := s.kills[i][v]; !ok && r.Failures > s.base.results[i].Failures {
				s.kills[i][v] = 0 // killed, with no row to count
			}
			continue
		}
		for k := range tr.rows[i] {
			ts.Flagged++
			lr := labelled[k]
			if lr == nil {
				ts.FalseAlarms++
				continue
			}
			ts.Caught++
			if lr.detectable {
				caughtBy[k] = append(caughtBy[k], ts.Name)
				s.kills[i][v]++
			}
		}
	}
	for _, l := range tr.labels { // in label order, so examples are deterministic
		k := rowKey{l.Key, l.Occurrence}
		lr := labelled[k]
		if lr == nil {
			continue
		}
		delete(labelled, k)
		if !lr.detectable {
			vs.Masked++
			continue
		}
		vs.Injected++
		by := caughtBy[k]
		if len(by) > 0 {
			vs.Caught++
		} else if len(vs.Missed) < s.o.Examples {
			vs.Missed = append(vs.Missed, Miss{Seed: seed, Label: lr.first})
		}
		s.addColumns(v, lr, by)
	}
}

// addColumns records a detectable labelled row in its columns' scores.
func (s *scorer) addColumns(v string, lr *labelledRow, by []string) {
	for _, c := range lr.columns {
		cs := s.cols[c]
		if cs == nil {
			cs = &ColumnScore{Column: c}
			s.cols[c], s.colBy[c], s.colVars[c] = cs, map[string]bool{}, map[string]bool{}
		}
		s.colVars[c][string(s.kinds[v])+"/"+v] = true
		cs.Injected++
		if len(by) > 0 {
			cs.Caught++
		}
		for _, name := range by {
			s.colBy[c][name] = true
		}
	}
}

// scorecard renders what was accumulated.
func (s *scorer) scorecard() *Scorecard {
	sc := &Scorecard{Seeds: s.o.Seeds, Rate: s.o.Rate, Survivors: []string{}, Gaps: []string{}, Uncaught: []chaos.Kind{}}
	for i := range s.tests {
		ts := &s.tests[i]
		ts.Precision = ratio(ts.Caught, ts.Flagged)
		ts.Kills = []Kill{}
		for _, k := range chaos.Kinds {
			for _, v := range chaos.Variants[k] {
				if n, ok := s.kills[i][v]; ok {
					kill := Kill{Variant: string(k) + "/" + v, Caught: n}
					if ts.Attributed {
						kill.Recall = ratio(n, s.vars[v].Injected)
					}
					ts.Kills = append(ts.Kills, kill)
					s.vars[v].KilledBy = append(s.vars[v].KilledBy, ts.Name)
				}
			}
		}
	}
	for _, k := range chaos.Kinds {
		ks := KindScore{Kind: k, Survivors: []string{}, Tests: []string{}}
		for _, v := range chaos.Variants[k] {
			vs := s.vars[v]
			if vs == nil {
				continue
			}
			s.scoreVariant(sc, &ks, vs)
		}
		ks.Recall = ratio(ks.Caught, ks.Injected)
		if ks.Variants > 0 && ks.Killed == 0 {
			sc.Uncaught = append(sc.Uncaught, k)
		}
		slices.Sort(ks.Tests)
		ks.Tests = slices.Compact(ks.Tests)
		sc.Kinds = append(sc.Kinds, ks)
	}
	sc.Score = ratio(sc.Killed, sc.Mutants)
	sc.Tests = s.tests
	sc.Columns = []ColumnScore{}
	for _, c := range sortedKeys(s.cols) {
		cs := s.cols[c]
		cs.Recall = ratio(cs.Caught, cs.Injected)
		cs.Variants = sortedKeys(s.colVars[c])
		cs.CaughtBy = sortedKeys(s.colBy[c])
		cs.Declared = []string{}
		for i, t := range s.o.Tests {
			if s.tests[i].Attributed && t.Column != "" && strings.EqualFold(t.Column, c) {
				cs.Declared = append(cs.Declared, t.Name())
			}
		}
		slices.Sort(cs.Declared)
		sc.Columns = append(sc.Columns, *cs)
	}
	return sc
}

// scoreVariant finishes vs and adds it to the scorecard and its kind.
func (s *scorer) scoreVariant(sc *Scorecard, ks *KindScore, vs *VariantScore) {
	slices.Sort(vs.KilledBy)
	vs.KilledBy = slices.Compact(vs.KilledBy)
	vs.Recall = ratio(vs.Caught, vs.Injected)
	vs.Killed = len(vs.KilledBy) > 0
	sc.Variants = append(sc.Variants, *vs)
	if vs.Injected+vs.Masked == 0 && !vs.Killed {
		sc.NotInjected = append(sc.NotInjected, vs.Name())
		return
	}
	sc.Mutants++
	ks.Variants++
	ks.Injected += vs.Injected
	ks.Caught += vs.Caught
	ks.Tests = append(ks.Tests, vs.KilledBy...)
	if vs.Killed {
		sc.Killed++
		ks.Killed++
		return
	}
	sc.Survivors = append(sc.Survivors, vs.Name())
	ks.Survivors = append(ks.Survivors, vs.Name())
	sc.Gaps = append(sc.Gaps, vs.Name()+": no test fails on it")
}

// ratio is a ÷ b, 1 when b is 0 (nothing to find, nothing missed).
func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}
