package checkscore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/warehouse"
)

// A Target puts a trial's data where the tests read it. Score calls Load
// once per trial, on a fresh warehouse.
//
// How to implement a Target:
//
//  1. Corrupt the clean rows with inj (nil means none: load them clean and
//     return no label), with the injector's Inject or chaos.InjectSlice.
//  2. Land and load them into wh, and build what the tests read.
//  3. Return the labels and a Loaded.Occurrences query that numbers the
//     rows of each key in the order the injector numbered them (the added
//     duplicate after its source row).
//
// Load must be deterministic: the same inj gives the same data.
type Target interface {
	// Load loads one trial's data into wh, corrupted by inj (nil: clean),
	// and returns the labels and how to match failing rows to them. An
	// error wrapping chaos.ErrVariantUnavailable says the target cannot
	// take inj's variant at all.
	Load(ctx context.Context, wh warehouse.Warehouse, inj *chaos.Injector) (*Loaded, error)
}

// Loaded is what a Target loaded for a trial.
type Loaded struct {
	// Labels are the chaos labels of the trial's corruptions; none for
	// clean data.
	Labels []chaos.Label
	// Key is the key column, as the tests' failing rows name it: the
	// column whose values are the labels' Key. It must be a plain
	// identifier.
	Key string
	// Occurrences is a query returning one row per row of the tested
	// data: k, the key as VARCHAR; o, its occurrence (INTEGER, 1 for the
	// first row of its key); f, the landing key the row came from; n,
	// its line in that file (BIGINT). Failing rows are matched to labels
	// through it (see the package documentation).
	Occurrences string
	// Now is the run's time, for recency tests; zero when no test needs
	// it.
	Now time.Time
}

// failingRows returns the rows (key, occurrence) among the failing rows of
// test t, whose result is r, or nil when its failing rows have no key
// column (see the package documentation).
func failingRows(ctx context.Context, wh warehouse.Warehouse, l *Loaded, t quality.Test, r quality.TestResult) (map[rowKey]bool, error) {
	cols, err := columns(ctx, wh, r.SQL)
	if err != nil {
		return nil, err
	}
	key := l.Key
	if !cols[strings.ToLower(key)] {
		return nil, nil
	}
	out := map[rowKey]bool{}
	if r.Failures == 0 {
		return out, nil
	}
	var q string
	switch {
	case cols["occurrence"]:
		q = "SELECT DISTINCT CAST(" + key + " AS VARCHAR), CAST(occurrence AS INTEGER) FROM (" + r.SQL +
			") AS failing WHERE " + key + " IS NOT NULL AND occurrence IS NOT NULL"
	case cols["_file"] && cols["_line"]:
		q = "SELECT DISTINCT occ.k, occ.o FROM (" + r.SQL + ") AS failing JOIN (" + l.Occurrences +
			") AS occ ON occ.k = CAST(failing." + key + " AS VARCHAR) AND occ.f = failing._file AND occ.n = CAST(failing._line AS BIGINT)"
	default:
		dups := ""
		if t.Type == quality.TypeUnique && strings.EqualFold(t.Column, key) {
			dups = " AND occ.o > 1"
		}
		q = "SELECT DISTINCT occ.k, occ.o FROM (" + l.Occurrences + ") AS occ WHERE occ.k IN (SELECT CAST(" + key +
			" AS VARCHAR) FROM (" + r.SQL + ") AS failing)" + dups
	}
	rows, err := wh.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("failing rows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k rowKey
		if err := rows.Scan(&k.k, &k.o); err != nil {
			return nil, fmt.Errorf("failing rows: %w", err)
		}
		out[k] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("failing rows: %w", err)
	}
	return out, rows.Close()
}

// columns returns the lower-cased column names of query q.
func columns(ctx context.Context, wh warehouse.Warehouse, q string) (map[string]bool, error) {
	rows, err := wh.Query(ctx, "SELECT * FROM ("+q+") AS probe WHERE 1 = 0")
	if err != nil {
		return nil, fmt.Errorf("columns of the failing rows: %w", err)
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("columns of the failing rows: %w", err)
	}
	out := map[string]bool{}
	for _, c := range names {
		out[strings.ToLower(c)] = true
	}
	return out, rows.Close()
}
