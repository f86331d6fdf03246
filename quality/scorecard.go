package quality

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/edqm/edqm/chaos/chaosdataset"
	"github.com/edqm/edqm/warehouse"
)

// DatasetKindScore is the monitors' score on one dataset-level kind.
type DatasetKindScore struct {
	// Kind is the dataset-level kind scored.
	Kind chaosdataset.Kind `json:"kind"`
	// Injected counts the faults (a table's day with the kind) in the
	// evaluated window; Caught those on a day some monitor found
	// anomalous.
	Injected int     `json:"injected"`
	Caught   int     `json:"caught"`
	Recall   float64 `json:"recall"`
	// Missed are the days of the faults not caught.
	Missed []string `json:"missed,omitempty"`
}

// DatasetScorecard scores the monitors against the dataset-level chaos
// labels, day by day.
//
// The evaluated days are the days on which every anomaly monitor has had a
// band (after the warm-up of the monitor that needed the most history;
// schema checks need none) and at least one monitor has a bucket; for the whole history, run the monitors with a
// detection window that covers it. A fault is caught when any monitor is anomalous
// on its day (the day its batch should have arrived). The days a fault
// touches (its day, and the day a late partition lands) are not clean;
// every other evaluated day is, and a clean day with an anomaly is one
// false alarm, however many monitors fired.
type DatasetScorecard struct {
	// FirstDay and LastDay bound the evaluated days.
	FirstDay string `json:"first_day"`
	LastDay  string `json:"last_day"`
	// Kinds are the per-kind scores, in chaosdataset.Kinds order.
	Kinds []DatasetKindScore `json:"kinds"`
	// Injected, Caught and Recall sum up the kinds.
	Injected int     `json:"injected"`
	Caught   int     `json:"caught"`
	Recall   float64 `json:"recall"`
	// Days counts the evaluated days; CleanDays those no fault touched.
	Days      int `json:"days"`
	CleanDays int `json:"clean_days"`
	// FalseAlarms counts the clean days with an anomaly, listed in
	// FalseAlarmDays; FalseAlarmsPer100 = 100 × FalseAlarms ÷ CleanDays.
	FalseAlarms       int      `json:"false_alarms"`
	FalseAlarmDays    []string `json:"false_alarm_days,omitempty"`
	FalseAlarmsPer100 float64  `json:"false_alarms_per_100_clean_days"`
}

// ScoreMonitors scores monitor results against dataset-level labels. It
// returns nil when no monitor has an evaluated day.
func ScoreMonitors(results []MonitorResult, labels []chaosdataset.Label) *DatasetScorecard {
	evaluated, anomalous := evaluatedDays(results)
	if len(evaluated) == 0 {
		return nil
	}
	days := make([]string, 0, len(evaluated))
	for d := range evaluated {
		days = append(days, d)
	}
	slices.Sort(days)
	sc := &DatasetScorecard{FirstDay: days[0], LastDay: days[len(days)-1], Days: len(days)}
	touched := scoreFaults(sc, labels, evaluated, anomalous)
	for _, d := range days {
		if touched[d] {
			continue
		}
		sc.CleanDays++
		if anomalous[d] {
			sc.FalseAlarms++
			sc.FalseAlarmDays = append(sc.FalseAlarmDays, d)
		}
	}
	if sc.CleanDays > 0 {
		sc.FalseAlarmsPer100 = 100 * float64(sc.FalseAlarms) / float64(sc.CleanDays)
	}
	return sc
}

// evaluatedDays returns the days the monitors judged, from the first day
// every monitor with a band has one (schema checks need no history), and
// the days any monitor found anomalous.
func evaluatedDays(results []MonitorResult) (evaluated, anomalous map[string]bool) {
	evaluated, anomalous = map[string]bool{}, map[string]bool{}
	warmUp := "" // the first day every monitor with a band has one
	for _, r := range results {
		first := ""
		for _, b := range r.Buckets {
			if b.Day == "" {
				continue
			}
			if b.Trained && b.HasValue {
				evaluated[b.Day] = true
				if first == "" || b.Day < first {
					first = b.Day
				}
			}
			if b.Anomalous {
				anomalous[b.Day] = true
			}
		}
		if first > warmUp && r.Type != SchemaMonitor { // schema checks need no history
			warmUp = first
		}
	}
	for d := range evaluated {
		if d < warmUp {
			delete(evaluated, d)
		}
	}
	return evaluated, anomalous
}

// scoreFaults counts each labelled fault on an evaluated day once per
// table, day and kind, as caught when the day is anomalous, into sc's
// kinds and totals. It returns the days a fault touched (its day and the
// day a late partition landed on), which are not clean days.
func scoreFaults(sc *DatasetScorecard, labels []chaosdataset.Label, evaluated, anomalous map[string]bool) map[string]bool {
	touched := map[string]bool{}
	type fault struct {
		table, day string
		kind       chaosdataset.Kind
	}
	seen := map[fault]bool{}
	perKind := map[chaosdataset.Kind]*DatasetKindScore{}
	for _, k := range chaosdataset.Kinds {
		perKind[k] = &DatasetKindScore{Kind: k}
	}
	for _, l := range labels {
		touched[l.Day] = true
		if l.LandOn != "" {
			touched[l.LandOn] = true
		}
		f := fault{l.Table, l.Day, l.Kind}
		if seen[f] || !evaluated[l.Day] {
			continue
		}
		seen[f] = true
		ks, ok := perKind[l.Kind]
		if !ok {
			continue // a kind this version does not know
		}
		ks.Injected++
		if anomalous[l.Day] {
			ks.Caught++
		} else {
			ks.Missed = append(ks.Missed, l.Day)
		}
	}
	for _, k := range chaosdataset.Kinds {
		ks := perKind[k]
		ks.Recall = ratio(int64(ks.Caught), int64(ks.Injected))
		slices.Sort(ks.Missed)
		sc.Injected += ks.Injected
		sc.Caught += ks.Caught
		sc.Kinds = append(sc.Kinds, *ks)
	}
	sc.Recall = ratio(int64(sc.Caught), int64(sc.Injected))
	return touched
}

// ReadDatasetLabels reads dataset-level labels from a table with the
// columns of chaosdataset.LabelColumns (all VARCHAR, as a raw table).
func ReadDatasetLabels(ctx context.Context, w warehouse.Warehouse, table string) ([]chaosdataset.Label, error) {
	if err := warehouse.ValidIdent(table); err != nil {
		return nil, fmt.Errorf("quality: dataset labels: %w", err)
	}
	q := "SELECT COALESCE(table_name, ''), COALESCE(day, ''), COALESCE(kind, ''), COALESCE(variant, ''), COALESCE(column_name, ''), " +
		"COALESCE(original, ''), COALESCE(injected, ''), COALESCE(CAST(line AS VARCHAR), ''), COALESCE(land_on, '') FROM " + table +
		" ORDER BY 2, 1, 3"
	rows, err := w.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("quality: dataset labels: %w", err)
	}
	defer rows.Close()
	var out []chaosdataset.Label
	for rows.Next() {
		var l chaosdataset.Label
		var kind, line string
		if err := rows.Scan(&l.Table, &l.Day, &kind, &l.Variant, &l.Column, &l.Original, &l.Injected, &line, &l.LandOn); err != nil {
			return nil, fmt.Errorf("quality: dataset labels: %w", err)
		}
		l.Kind = chaosdataset.Kind(kind)
		l.Line, _ = strconv.Atoi(line)
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("quality: dataset labels: %w", err)
	}
	return out, nil
}
