package quality

import (
	"fmt"
	"math"
	"strings"
	"text/tabwriter"
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
	b.WriteString("\n")
	kinds := [][]string{{"chaos kind", "injected", "masked", "flagged", "caught", "precision", "recall", "tests prec", "tests rec"}}
	for _, k := range rep.Kinds {
		tp, tr := "-", "-"
		if k.Tests != nil {
			tp, tr = percent(k.Tests.Precision), percent(k.Tests.Recall)
		}
		kinds = append(kinds, []string{string(k.Kind), FormatCount(k.Labelled), FormatCount(k.Masked), FormatCount(k.Flagged),
			FormatCount(k.TruePositives), percent(k.Precision), percent(k.Recall), tp, tr})
	}
	writeTable(&b, 1, []int{12, 9, 9, 9, 9, 9, 9, 11, 11}, kinds)
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
	var failing [][]string
	for _, t := range rep.Tests {
		if t.Status != Pass {
			failing = append(failing, []string{"  " + string(t.Status), t.Name, FormatCount(t.Failures), "rows", fmt.Sprintf("(%.2f%%)", t.Percent)})
		}
	}
	writeTable(&b, 2, []int{6, 45, 0, 0, 0}, failing)
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
		var kinds [][]string
		for _, k := range d.Kinds {
			kinds = append(kinds, []string{"  " + string(k.Kind), fmt.Sprint(k.Caught), "of", fmt.Sprint(k.Injected), "caught"})
		}
		writeTable(&b, 1, []int{18, 3, 0, 3, 0}, kinds)
	}
	return b.String()
}

// writeTable writes rows to b as a table aligned with text/tabwriter, a
// line each: the first left columns left-aligned, the others (the numbers)
// right-aligned, one space between columns. A cell is at least its
// column's width in widths, and a column as wide as its widest cell, so a
// long name or a 10-digit count widens its column instead of shifting the
// rest of its line.
func writeTable(b *strings.Builder, left int, widths []int, rows [][]string) {
	// The right-aligned cells first, each line padded on the left by at
	// least one space: the separator from the left columns.
	var right strings.Builder
	tw := tabwriter.NewWriter(&right, 0, 0, 1, ' ', tabwriter.AlignRight)
	for _, row := range rows {
		for i := left; i < len(row); i++ {
			fmt.Fprintf(tw, "%*s\t", widths[i], row[i])
		}
		fmt.Fprintln(tw)
	}
	_ = tw.Flush() // a strings.Builder does not fail
	lines := strings.Split(right.String(), "\n")
	// Then the left-aligned cells, the right ones' text after them.
	tw = tabwriter.NewWriter(b, 0, 0, 1, ' ', 0)
	for r, row := range rows {
		for i := range min(left, len(row)) {
			fmt.Fprintf(tw, "%-*s\t", widths[i], row[i])
		}
		fmt.Fprintln(tw, strings.TrimPrefix(lines[r], " "))
	}
	_ = tw.Flush()
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
