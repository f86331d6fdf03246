package dashboard

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/warehouse"
)

// maxHistoryRuns is the number of latest runs a history sparkline shows.
const maxHistoryRuns = 30

// runStatus is one test's or monitor's result in one run of the results
// history.
type runStatus struct {
	RunID string
	// Day is the run's day (run_at, UTC), YYYY-MM-DD.
	Day      string
	Status   string
	Failures int64
}

// histories are the runs of each test and monitor, oldest first, keyed by
// historyKey.
type histories map[string][]runStatus

// historyKey keys a test's ("test") or monitor's ("monitor") runs.
func historyKey(resultType, name string) string { return resultType + "\x00" + name }

// statusRank orders statuses from best to worst, to pick a run's status
// when its rows disagree.
var statusRank = map[string]int{"pass": 0, "no_data": 1, "warn": 2, "fail": 3}

// readHistory reads the latest maxHistoryRuns runs of the results history
// table: per run, each test's and monitor's status and failures (the
// anomalous buckets of a monitor). A missing table gives none.
func readHistory(ctx context.Context, w warehouse.Warehouse, table string) (histories, error) {
	ok, err := w.TableExists(ctx, table)
	if err != nil || !ok {
		return nil, err
	}
	var runs []any
	err = eachRow(ctx, w, "SELECT run_id, MAX(run_at) FROM "+table+" GROUP BY run_id ORDER BY 2 DESC, 1 DESC LIMIT "+fmt.Sprint(maxHistoryRuns), nil,
		func(rows *sql.Rows) error {
			var id string
			var at time.Time
			if err := rows.Scan(&id, &at); err != nil {
				return err
			}
			runs = append(runs, id)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("results history: %w", err)
	}
	if len(runs) == 0 {
		return histories{}, nil
	}
	out := histories{}
	q := "SELECT run_id, MAX(run_at), result_type, name, COALESCE(status, ''), COALESCE(MAX(failures), 0) FROM " + table +
		" WHERE run_id IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(runs)), ", ") + ")" +
		" GROUP BY run_id, result_type, name, status ORDER BY 2, 1, 3, 4"
	err = eachRow(ctx, w, q, runs, func(rows *sql.Rows) error {
		var r runStatus
		var at time.Time
		var typ, name string
		if err := rows.Scan(&r.RunID, &at, &typ, &name, &r.Status, &r.Failures); err != nil {
			return err
		}
		r.Day = at.UTC().Format(edqm.DateLayout)
		k := historyKey(typ, name)
		rs := out[k]
		if n := len(rs); n > 0 && rs[n-1].RunID == r.RunID {
			if statusRank[r.Status] > statusRank[rs[n-1].Status] {
				rs[n-1].Status = r.Status
			}
			rs[n-1].Failures = max(rs[n-1].Failures, r.Failures)
			return nil
		}
		out[k] = append(rs, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("results history: %w", err)
	}
	return out, nil
}

// historyView is a sparkline of a test's or monitor's runs: one bar per
// run, its height the failures, its colour the status.
type historyView struct {
	W, H, Base float64
	Runs       []sparkRun
	// Since is the day of the first run of the current failing streak
	// ("" when the latest run passed); Text says it for people.
	Since, Text string
	Label       string
}

// sparkRun is one run's bar.
type sparkRun struct {
	runStatus
	X, Y, BW, BH float64
	Title        string
}

// newHistoryView draws runs (oldest first); nil when there are none.
// unit names what failures count ("failing rows", "anomalous days").
func newHistoryView(runs []runStatus, unit string) *historyView {
	if len(runs) == 0 {
		return nil
	}
	const bw, gap, h = 6.0, 2.0, 22.0
	v := &historyView{W: float64(len(runs))*(bw+gap) - gap, H: h, Base: h - 0.5}
	var hi int64
	for _, r := range runs {
		hi = max(hi, r.Failures)
	}
	for i, r := range runs {
		bh := 3.0 // a run without failures still shows
		if hi > 0 && r.Failures > 0 {
			bh = math.Max(3, (h-1)*math.Sqrt(float64(r.Failures)/float64(hi)))
		}
		v.Runs = append(v.Runs, sparkRun{runStatus: r, X: float64(i) * (bw + gap), Y: h - 0.5 - bh, BW: bw, BH: bh,
			Title: fmt.Sprintf("run %s (%s): %s, %d %s", r.RunID, r.Day, r.Status, r.Failures, unit)})
	}
	for i := len(runs) - 1; i >= 0 && runs[i].Status != "pass" && runs[i].Status != "no_data"; i-- {
		v.Since = runs[i].Day
	}
	n := len(runs)
	switch {
	case v.Since != "":
		v.Text = "failing since " + v.Since
		if runs[n-1].Status == "warn" {
			v.Text = "warning since " + v.Since
		}
	case runs[n-1].Status == "no_data":
		v.Text = "no data in the latest run"
	default:
		v.Text = fmt.Sprintf("passing · %s", plural(n, "run"))
	}
	v.Label = fmt.Sprintf("%s of the latest %d: %s", unit, n, v.Text)
	return v
}
