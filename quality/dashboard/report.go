package dashboard

// This file is the only one that reads the fields of quality.Report and
// quality.HistoryRecord: the rest of the package works on summary. When the
// report grows a field the dashboard can use (a per-day count per kind, the
// status distribution), read it here and the live-mode query that stands in
// for it becomes a fallback.

import (
	"encoding/json"
	"math"
	"sort"
	"time"

	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/quality"
)

// summary is what the dashboard takes from a quality report.
type summary struct {
	GeneratedAt time.Time
	RunID       string
	// FirstDay and LastDay bound the data, YYYY-MM-DD ("" when empty).
	FirstDay, LastDay string
	Totals            totals
	Days              []dayRow
	// FlagRows counts the rows of each flag over the whole data.
	FlagRows map[string]int64
	// Kinds is the detection scorecard, in chaos.Kinds order.
	Kinds     []kindScore
	Tests     []testRow
	Monitors  []monitorRow
	Datasets  *datasetScore
	Incidents incidentCount
}

// totals are the headline figures.
type totals struct {
	Orders, Flagged int64
	Raw, Clean      quality.Money
	Risk            quality.Money
	// Health is in [0, 100].
	Health float64
	// Labels is true when chaos labels were available; then TrueRisk is
	// the Revenue at Risk they imply.
	Labels   bool
	TrueRisk quality.Money
}

// dayRow are one batch day's figures.
type dayRow struct {
	Day             string
	Orders, Flagged int64
	Raw, Clean      quality.Money
	Risk, TrueRisk  quality.Money
}

// kindScore is one row of the detection scorecard.
type kindScore struct {
	Kind                      chaos.Kind
	Labelled, Flagged, Caught int64
	Precision, Recall         float64
	Risk, TrueRisk            quality.Money
	HasTests                  bool
	TestPrecision, TestRecall float64
	TestLabelled, TestFlagged int64
	TestNames                 []string
}

// testRow is one data test's result.
type testRow struct {
	Name, Type, Model, Column string
	Severity, Status          string
	Kind                      chaos.Kind
	Failures, Rows            int64
	Percent                   float64
	Sample                    *quality.Sample
	// SQL is the failing-rows query; it is only ever run when trusted is
	// true (it came from the warehouse's own history, the caller's report
	// or the caller's tests, never from a snapshot file).
	SQL     string
	trusted bool
}

// monitorRow is one monitor's result.
type monitorRow struct {
	Name, Type, Model, Column, Metric string
	Status, Message                   string
	Anomalies                         int
	Buckets                           []bucketRow
	Changes                           []string
	// Columns are a schema monitor's columns; SQL the query the monitor
	// ran (shown, never run).
	Columns []string
	SQL     string
}

// bucketRow is one day of a monitor's series with its band.
type bucketRow struct {
	Day, Dimension         string
	Value                  float64
	HasValue               bool
	Expected, Lower, Upper float64
	Trained, Anomalous     bool
}

// datasetScore scores the monitors against dataset-level chaos.
type datasetScore struct {
	FirstDay, LastDay string
	Injected, Caught  int
	Recall            float64
	Days, CleanDays   int
	FalseAlarms       int
	FalseAlarmsPer100 float64
	Kinds             []datasetKind
}

// datasetKind is one dataset-level kind's score.
type datasetKind struct {
	Kind             string
	Injected, Caught int
	Recall           float64
	Missed           []string
}

// incidentCount counts a report's incidents by severity.
type incidentCount struct {
	Total, Errors, Warnings int
	// List holds the incidents, to count them over a date range.
	List []incidentRow
}

// incidentRow is one incident: a test's or monitor's (Source), or the
// Health Score's.
type incidentRow struct {
	Source, Name string
	Error        bool
	// Days are a monitor's anomalous days.
	Days []string
}

// fromReport converts a report. trusted says whether the SQL of its tests
// may be run (see testRow.SQL).
func fromReport(rep *quality.Report, trusted bool) *summary {
	s := &summary{
		GeneratedAt: rep.GeneratedAt,
		RunID:       rep.RunID,
		FirstDay:    rep.FirstDay,
		LastDay:     rep.LastDay,
		Totals: totals{
			Orders: rep.Orders, Flagged: rep.Flagged,
			Raw: rep.RawRevenue, Clean: rep.CleanRevenue, Risk: rep.RevenueAtRisk,
			Health: rep.HealthScore, Labels: rep.Labels, TrueRisk: rep.TrueRevenueAtRisk,
		},
		FlagRows: map[string]int64{},
	}
	for _, d := range rep.Days {
		s.Days = append(s.Days, dayRow{Day: d.Day, Orders: d.Orders, Flagged: d.Flagged,
			Raw: d.RawRevenue, Clean: d.CleanRevenue, Risk: d.RevenueAtRisk, TrueRisk: d.TrueRevenueAtRisk})
	}
	for f, n := range rep.FlagCounts {
		s.FlagRows[f] = n
	}
	for _, k := range rep.Kinds {
		ks := kindScore{Kind: k.Kind, Labelled: k.Labelled, Flagged: k.Flagged, Caught: k.TruePositives,
			Precision: k.Precision, Recall: k.Recall, Risk: k.RevenueAtRisk, TrueRisk: k.TrueRevenueAtRisk}
		if t := k.Tests; t != nil {
			ks.HasTests = true
			ks.TestPrecision, ks.TestRecall = t.Precision, t.Recall
			ks.TestLabelled, ks.TestFlagged = t.Labelled, t.Flagged
			ks.TestNames = t.Tests
		}
		s.Kinds = append(s.Kinds, ks)
	}
	for _, t := range rep.Tests {
		s.Tests = append(s.Tests, testRow{Name: t.Name, Type: t.Type, Model: t.Model, Column: t.Column,
			Severity: string(t.Severity), Status: string(t.Status), Kind: t.Kind,
			Failures: t.Failures, Rows: t.Rows, Percent: t.Percent, Sample: t.Sample, SQL: t.SQL, trusted: trusted})
	}
	for _, m := range rep.Monitors {
		mr := monitorRow{Name: m.Name, Type: string(m.Type), Model: m.Model, Column: m.Column, Metric: string(m.Metric),
			Status: string(m.Status), Message: m.Message, Anomalies: m.Anomalies, Columns: m.Columns, SQL: m.SQL}
		for _, b := range m.Buckets {
			mr.Buckets = append(mr.Buckets, bucketRow{Day: b.Day, Dimension: b.Dimension, Value: b.Value, HasValue: b.HasValue,
				Expected: b.Expected, Lower: b.Lower, Upper: b.Upper, Trained: b.Trained, Anomalous: b.Anomalous})
		}
		for _, c := range m.Changes {
			mr.Changes = append(mr.Changes, c.String())
		}
		s.Monitors = append(s.Monitors, mr)
	}
	if d := rep.Datasets; d != nil {
		ds := &datasetScore{FirstDay: d.FirstDay, LastDay: d.LastDay, Injected: d.Injected, Caught: d.Caught, Recall: d.Recall,
			Days: d.Days, CleanDays: d.CleanDays, FalseAlarms: d.FalseAlarms, FalseAlarmsPer100: d.FalseAlarmsPer100}
		for _, k := range d.Kinds {
			ds.Kinds = append(ds.Kinds, datasetKind{Kind: string(k.Kind), Injected: k.Injected, Caught: k.Caught, Recall: k.Recall, Missed: k.Missed})
		}
		s.Datasets = ds
	}
	s.Incidents.Total = len(rep.Incidents)
	for _, i := range rep.Incidents {
		s.Incidents.List = append(s.Incidents.List, incidentRow{Source: i.Source, Name: i.Name, Error: i.Severity == quality.Error, Days: i.Days})
		if i.Severity == quality.Error {
			s.Incidents.Errors++
		} else {
			s.Incidents.Warnings++
		}
	}
	return s
}

// monitorsFromHistory rebuilds the monitor results of one run of the
// results history, in the order of their first record, so that live mode
// can show the monitors the pipeline ran.
func monitorsFromHistory(recs []quality.HistoryRecord) []quality.MonitorResult {
	var out []quality.MonitorResult
	index := map[string]int{}
	for _, r := range recs {
		if r.ResultType != "monitor" {
			continue
		}
		i, ok := index[r.Name]
		if !ok {
			i = len(out)
			index[r.Name] = i
			m := quality.MonitorResult{Name: r.Name, Type: quality.MonitorType(r.Type), Model: r.Model, Column: r.Column,
				Severity: r.Severity, Status: r.Status, Message: r.Message, Anomalies: int(r.Failures), SQL: r.SQL}
			if m.Type == quality.SchemaMonitor && r.Sample != "" {
				_ = json.Unmarshal([]byte(r.Sample), &m.Columns) // the columns are shown, not needed
			}
			out = append(out, m)
		}
		if r.Day == "" {
			continue
		}
		b := quality.Bucket{Day: r.Day, Dimension: r.Dimension, Anomalous: r.Anomalous}
		if !math.IsNaN(r.Value) {
			b.Value, b.HasValue = r.Value, true
		}
		if !math.IsNaN(r.Expected) {
			b.Expected, b.Lower, b.Upper, b.Trained = r.Expected, r.Lower, r.Upper, true
			if !math.IsNaN(r.Score) {
				b.Score = r.Score
			}
		}
		out[i].Buckets = append(out[i].Buckets, b)
	}
	for i := range out {
		sort.SliceStable(out[i].Buckets, func(a, b int) bool { return out[i].Buckets[a].Day < out[i].Buckets[b].Day })
	}
	return out
}
