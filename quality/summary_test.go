package quality_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/chaos/chaosdataset"
	"github.com/edqm/edqm/quality"
)

// summaryTable returns the lines of a summary from the line that starts
// with first, up to the next empty line.
func summaryTable(t *testing.T, s, first string) []string {
	t.Helper()
	_, rest, ok := strings.Cut(s, "\n"+first)
	require.True(t, ok, "no %q in\n%s", first, s)
	block, _, _ := strings.Cut(first+rest, "\n\n")
	return strings.Split(strings.TrimSuffix(block, "\n"), "\n")
}

// TestSummaryTablesAtDefaultSizes: with the counts and names of the
// default data, the tables keep their fixed widths.
func TestSummaryTablesAtDefaultSizes(t *testing.T) {
	rep := &quality.Report{
		Kinds: []quality.KindScore{
			{Kind: chaos.Calculation, Labelled: 730, Flagged: 730, TruePositives: 730, Precision: 1, Recall: 1, Tests: &quality.DetectionScore{Precision: 1, Recall: 1}},
			{Kind: chaos.Domain, Labelled: 1863, Masked: 59, Flagged: 1863, TruePositives: 1863, Precision: 1, Recall: 0.5},
		},
		Tests: []quality.TestResult{
			{Name: "unique_fct_orders_order_id", Status: quality.Warned, Failures: 734, Percent: 1.97},
			{Name: "not_null_fct_orders_status", Status: quality.Fail, Failures: 25, Percent: 0.07},
		},
		Datasets: &quality.DatasetScorecard{Kinds: []quality.DatasetKindScore{{Kind: chaosdataset.VolumeDrop, Caught: 3, Injected: 4}}},
	}
	s := rep.Summary()
	assert.Equal(t, []string{
		"chaos kind    injected    masked   flagged    caught precision    recall  tests prec   tests rec",
		"calculation        730         0       730       730    100.0%    100.0%      100.0%      100.0%",
		"domain           1,863        59     1,863     1,863    100.0%     50.0%           -           -",
	}, summaryTable(t, s, "chaos kind"))
	assert.Equal(t, []string{
		"Tests: 0 passed, 1 warned, 1 failed",
		"  warn unique_fct_orders_order_id                    734 rows (1.97%)",
		"  fail not_null_fct_orders_status                     25 rows (0.07%)",
	}, summaryTable(t, s, "Tests:"))
	assert.Contains(t, s, "\n  "+string(chaosdataset.VolumeDrop)+strings.Repeat(" ", 16-len(chaosdataset.VolumeDrop))+"   3 of   4 caught\n")
}

// TestSummaryTablesWiden: a 10-digit count or a long test name widens its
// column; every line of a table keeps its columns aligned.
func TestSummaryTablesWiden(t *testing.T) {
	long := "expression_fct_orders_order_date_not_before_signup_of_the_customer"
	rep := &quality.Report{
		Kinds: []quality.KindScore{
			{Kind: chaos.Calculation, Labelled: 1234567890, Flagged: 1234567890, TruePositives: 1234567890, Precision: 1, Recall: 1},
			{Kind: chaos.Temporal, Labelled: 7, Flagged: 7, TruePositives: 7, Precision: 1, Recall: 1},
		},
		Tests: []quality.TestResult{
			{Name: long, Status: quality.Warned, Failures: 1234567890, Percent: 12.5},
			{Name: "unique_fct_orders_order_id", Status: quality.Warned, Failures: 3, Percent: 0.01},
		},
	}
	s := rep.Summary()
	kinds := summaryTable(t, s, "chaos kind")
	require.Len(t, kinds, 3)
	assert.Equal(t, []string{
		"chaos kind        injected    masked       flagged        caught precision    recall  tests prec   tests rec",
		"calculation  1,234,567,890         0 1,234,567,890 1,234,567,890    100.0%    100.0%           -           -",
		"temporal                 7         0             7             7    100.0%    100.0%           -           -",
	}, kinds)
	tests := summaryTable(t, s, "Tests:")
	assert.Equal(t, []string{
		"Tests: 0 passed, 2 warned, 0 failed",
		"  warn " + long + " 1,234,567,890 rows (12.50%)",
		"  warn unique_fct_orders_order_id" + strings.Repeat(" ", len(long)-len("unique_fct_orders_order_id")) + "             3 rows  (0.01%)",
	}, tests)
}
