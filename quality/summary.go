package quality

import (
	"fmt"
	"math"
	"strings"
)

// Summary is a short, human-readable rendering of the report for a
// terminal: the money, the scorecard (flags and tests against the labels),
// the tests, the monitors and the dataset-level scorecard. It holds no
// timing, so the same data gives the same text.
func (rep *Report) Summary() string {
	var b strings.Builder
	span := ""
	if rep.FirstDay != "" {
		span = fmt.Sprintf(" (%s to %s)", rep.FirstDay, rep.LastDay)
	}
	fmt.Fprintf(&b, "Orders             %s in %s rows%s\n", FormatCount(rep.OrderIDs), FormatCount(rep.Orders), span)
	fmt.Fprintf(&b, "Raw revenue        %s\n", rep.RawRevenue)
	fmt.Fprintf(&b, "Clean revenue      %s\n", rep.CleanRevenue)
	fmt.Fprintf(&b, "Revenue at Risk    %s", rep.RevenueAtRisk)
	if rep.Labels {
		fmt.Fprintf(&b, " (labels say %s: %s)", rep.TrueRevenueAtRisk, gap(rep.RevenueAtRisk, rep.TrueRevenueAtRisk))
	}
	fmt.Fprintf(&b, "\nData Health Score  %.2f%% (%s flagged rows)\n", rep.HealthScore, FormatCount(rep.Flagged))
	fmt.Fprintf(&b, "\n%-12s %9s %9s %9s %9s %9s %9s %11s %11s\n", "chaos kind", "injected", "masked", "flagged", "caught", "precision", "recall", "tests prec", "tests rec")
	for _, k := range rep.Kinds {
		tp, tr := "-", "-"
		if k.Tests != nil {
			tp, tr = percent(k.Tests.Precision), percent(k.Tests.Recall)
		}
		fmt.Fprintf(&b, "%-12s %9s %9s %9s %9s %9s %9s %11s %11s\n", k.Kind, FormatCount(k.Labelled), FormatCount(k.Masked), FormatCount(k.Flagged),
			FormatCount(k.TruePositives), percent(k.Precision), percent(k.Recall), tp, tr)
	}
	var pass, warn, fail int
	for _, t := range rep.Tests {
		switch t.Status {
		case Pass:
			pass++
		case Warned:
			warn++
		case Fail:
			fail++
		}
	}
	fmt.Fprintf(&b, "\nTests: %d passed, %d warned, %d failed\n", pass, warn, fail)
	for _, t := range rep.Tests {
		if t.Status != Pass {
			fmt.Fprintf(&b, "  %-4s %-45s %s rows (%.2f%%)\n", t.Status, t.Name, FormatCount(t.Failures), t.Percent)
		}
	}
	if len(rep.Monitors) > 0 {
		counts := map[Status]int{}
		for _, m := range rep.Monitors {
			counts[m.Status]++
		}
		fmt.Fprintf(&b, "\nMonitors: %d passed, %d warned, %d failed, %d without enough history\n",
			counts[Pass], counts[Warned], counts[Fail], counts[NoData])
		for _, m := range rep.Monitors {
			if m.Status == Warned || m.Status == Fail {
				fmt.Fprintf(&b, "  %-4s %s: %s\n", m.Status, m.Name, m.Message)
			}
		}
	}
	if d := rep.Datasets; d != nil {
		fmt.Fprintf(&b, "\nDataset chaos (%s to %s): %d of %d faults caught (%.1f%%); %d false alarm(s) in %d clean days (%.2f per 100)\n",
			d.FirstDay, d.LastDay, d.Caught, d.Injected, 100*d.Recall, d.FalseAlarms, d.CleanDays, d.FalseAlarmsPer100)
		for _, k := range d.Kinds {
			fmt.Fprintf(&b, "  %-16s %3d of %3d caught\n", k.Kind, k.Caught, k.Injected)
		}
	}
	return b.String()
}

// percent renders a ratio in [0, 1] as a percentage with one decimal. A
// ratio is never above 1 by construction; should one be, it is clamped
// rather than printed over 100 %.
func percent(r float64) string {
	return fmt.Sprintf("%.1f%%", 100*min(max(r, 0), 1))
}

// gap renders how far measured is from truth, e.g. "0.02% over".
func gap(measured, truth Money) string {
	if truth == 0 {
		if measured == 0 {
			return "exact"
		}
		return "none expected"
	}
	d := 100 * float64(measured-truth) / math.Abs(float64(truth))
	switch {
	case measured == truth:
		return "exact"
	case d > 0:
		return fmt.Sprintf("%.2f%% over", d)
	default:
		return fmt.Sprintf("%.2f%% under", -d)
	}
}

// FormatCount formats n with thousands separators, e.g. "36,512".
func FormatCount(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}
