package chaostest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/edqm/edqm/chaos"
)

// TestingT is what the assertions of this package need of a test: the
// interface of testify's require.TestingT, which *testing.T, *testing.B and
// *testing.F satisfy. When t also has a Helper method, it is called, so
// that failures point at the caller's line.
type TestingT interface {
	Errorf(format string, args ...any)
	FailNow()
}

// helper calls t.Helper when t has one, as testify does.
func helper(t TestingT) {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
}

// maxListed is how many missed rows and false alarms a failure lists.
const maxListed = 5

// AssertRejected checks that rejected are exactly the rows that labels
// say are corrupted (see [Corrupted]: masked labels do not count, and a
// row named only by masked labels may be rejected or not). Otherwise it
// reports, with t.Errorf, how many corrupted rows were accepted and how
// many clean rows rejected, listing the first of each with their labels,
// and returns false. rejected may list a row more than once.
func AssertRejected(t TestingT, labels []chaos.Label, rejected []chaos.RowKey) bool {
	helper(t)
	msg := rejectedDiff(labels, rejected)
	if msg == "" {
		return true
	}
	t.Errorf("%s", msg)
	return false
}

// RequireRejected is [AssertRejected] that stops the test (t.FailNow) when
// the rows differ.
func RequireRejected(t TestingT, labels []chaos.Label, rejected []chaos.RowKey) {
	helper(t)
	if !AssertRejected(t, labels, rejected) {
		t.FailNow()
	}
}

// rejectedDiff describes how rejected differs from the corrupted rows of
// labels, or returns "" when they are the same.
func rejectedDiff(labels []chaos.Label, rejected []chaos.RowKey) string {
	corrupted := Corrupted(labels)
	masked := map[chaos.RowKey]bool{}
	for _, l := range labels {
		if l.MaskedBy != "" {
			masked[l.Row()] = true
		}
	}
	got := map[chaos.RowKey]bool{}
	var alarms []chaos.RowKey
	for _, r := range rejected {
		if got[r] {
			continue
		}
		got[r] = true
		if !corrupted[r] && !masked[r] {
			alarms = append(alarms, r)
		}
	}
	var missed []chaos.RowKey
	for r := range corrupted {
		if !got[r] {
			missed = append(missed, r)
		}
	}
	if len(missed) == 0 && len(alarms) == 0 {
		return ""
	}
	slices.SortFunc(missed, compareRows)
	var b strings.Builder
	fmt.Fprintf(&b, "chaostest: the rejected rows are not exactly the corrupted ones: %d of %d corrupted rows accepted, %d clean rows rejected",
		len(missed), len(corrupted), len(alarms))
	for i, r := range missed {
		if i == maxListed {
			fmt.Fprintf(&b, "\n\tand %d more missed", len(missed)-i)
			break
		}
		fmt.Fprintf(&b, "\n\tmissed row %s: %s", r, describeLabels(labels, r))
	}
	for i, r := range alarms {
		if i == maxListed {
			fmt.Fprintf(&b, "\n\tand %d more false alarms", len(alarms)-i)
			break
		}
		fmt.Fprintf(&b, "\n\tfalse alarm: row %s is clean", r)
	}
	return b.String()
}

// compareRows orders row keys by key, then occurrence.
func compareRows(a, b chaos.RowKey) int {
	if c := strings.Compare(a.Key, b.Key); c != 0 {
		return c
	}
	return a.Occurrence - b.Occurrence
}

// describeLabels writes the labels of row r, "kind/variant column
// original → injected", separated by "; ".
func describeLabels(labels []chaos.Label, r chaos.RowKey) string {
	var parts []string
	for _, l := range labels {
		if l.Row() == r {
			parts = append(parts, describeLabel(l))
		}
	}
	return strings.Join(parts, "; ")
}

// describeLabel writes one label as "kind/variant column original →
// injected" (NULL for an empty value; an added row as "added").
func describeLabel(l chaos.Label) string {
	s := fmt.Sprintf("%s/%s", l.Kind, l.Variant)
	if l.Column == "*" {
		s += " added copy"
	} else {
		s += fmt.Sprintf(" %s %s → %s", l.Column, nullable(l.Original), nullable(l.Injected))
	}
	if l.MaskedBy != "" {
		s += fmt.Sprintf(" (masked by %s)", l.MaskedBy)
	}
	return s
}

// nullable quotes a label value, writing the empty string as NULL.
func nullable(v string) string {
	if v == "" {
		return "NULL"
	}
	return fmt.Sprintf("%q", v)
}
