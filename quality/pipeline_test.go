package quality_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/edqm/edqm/internal/flowtest"
	"github.com/edqm/edqm/quality"
)

// backtestMonitors are DefaultMonitors with a detection window covering
// every day, so that each day is judged by the days before it.
func backtestMonitors(days int) []quality.Monitor {
	ms := quality.DefaultMonitors()
	for i := range ms {
		ms[i].Detection.DetectionDays = days
	}
	return ms
}

// TestPipelineScorecard runs the whole pipeline with the default record
// chaos and dataset-level chaos at 2 % of days per kind, and checks the
// issue's bar: every kind's precision and recall ≥ 0.99 (flags and tests),
// Revenue at Risk within 0.1 % of the label truth, monitors catching ≥ 95 %
// of the dataset faults with ≤ 1 false alarm per 100 clean days.
// EDQM_BACKTEST_DAYS changes the number of days (default 365; 120 with
// -short).
func TestPipelineScorecard(t *testing.T) {
	days := 365
	if testing.Short() {
		days = 120
	}
	if s := os.Getenv("EDQM_BACKTEST_DAYS"); s != "" {
		if _, err := fmt.Sscan(s, &days); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	wo := flowtest.New(t, flowtest.Config{Days: days, Seed: 42, DatasetRate: 0.02, Build: true})
	built := time.Since(start)
	r, err := quality.NewReporter(&quality.Options{
		Clock:          wo.Clock,
		Monitors:       backtestMonitors(days),
		MonitorResults: []quality.MonitorResult{*wo.Headers},
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.Report(t.Context(), wo.Warehouse)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d days: built in %v, reported in %v\n%s", days, built.Round(time.Millisecond), (time.Since(start) - built).Round(time.Millisecond), rep.Summary())
	for _, k := range rep.Kinds {
		if k.Labelled == 0 || k.Precision < 0.99 || k.Recall < 0.99 {
			t.Errorf("%s flags: %+v", k.Kind, k)
		}
		if k.Tests == nil || k.Tests.Precision < 0.99 || k.Tests.Recall < 0.99 {
			t.Errorf("%s tests: %+v", k.Kind, k.Tests)
		}
	}
	if off := abs(float64(rep.RevenueAtRisk-rep.TrueRevenueAtRisk)) / float64(rep.TrueRevenueAtRisk); !(off <= 0.001) {
		t.Errorf("Revenue at Risk %v vs labels %v: off by %.3f%%", rep.RevenueAtRisk, rep.TrueRevenueAtRisk, 100*off)
	}
	d := rep.Datasets
	if d == nil {
		t.Fatal("no dataset scorecard")
	}
	if d.Injected < days/20 || d.Recall < 0.95 || d.FalseAlarmsPer100 > 1 {
		t.Errorf("dataset scorecard: %+v", *d)
	}
	for _, k := range d.Kinds {
		if k.Injected == 0 && days >= 365 {
			t.Errorf("no %s fault in %d days", k.Kind, days)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
