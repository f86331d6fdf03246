package quality

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/warehouse"
)

// DefaultHistoryTable is the results history table when History.Table is
// empty. Like the warehouse's own tables, its name starts with _edqm_.
const DefaultHistoryTable = "_edqm_quality_results"

// ErrRunExists is wrapped by the error [History.Append] returns when the
// history already holds results of the report's run id.
var ErrRunExists = errors.New("quality: run already in the results history")

// HistoryColumns are the columns of the results history table, in order:
//
//   - run_id, run_at: the run (run_at from the reporter's Clock);
//   - result_type: "test" or "monitor"; name, type (test type or monitor
//     type), model, column_name, severity, status;
//   - failures, row_count, failing_percent (tests);
//   - sample_json: JSON, the failing rows of a test or the columns of a
//     schema monitor (named sample before; SAMPLE is reserved in
//     Snowflake, https://docs.snowflake.com/en/sql-reference/reserved-keywords,
//     and [History.Ensure] renames the old column); sql_text: the query run;
//   - bucket_day, dimension, metric_value, expected, lower_bound,
//     upper_bound, anomaly_score, anomalous (monitors: one row per bucket
//     of the detection window);
//   - message, duration_ms.
var HistoryColumns = []string{
	"run_id", "run_at", "result_type", "name", "type", "model", "column_name", "severity", "status",
	"failures", "row_count", "failing_percent", "sample_json", "sql_text",
	"bucket_day", "dimension", "metric_value", "expected", "lower_bound", "upper_bound", "anomaly_score", "anomalous",
	"message", "duration_ms",
}

const historyDDL = `(
	run_id VARCHAR, run_at TIMESTAMP, result_type VARCHAR, name VARCHAR, type VARCHAR, model VARCHAR,
	column_name VARCHAR, severity VARCHAR, status VARCHAR,
	failures BIGINT, row_count BIGINT, failing_percent DOUBLE, sample_json VARCHAR, sql_text VARCHAR,
	bucket_day DATE, dimension VARCHAR, metric_value DOUBLE, expected DOUBLE, lower_bound DOUBLE,
	upper_bound DOUBLE, anomaly_score DOUBLE, anomalous BOOLEAN,
	message VARCHAR, duration_ms DOUBLE
)`

// History is the append-only results table in the warehouse: every test
// and every monitor bucket of every run, passes included. The zero value
// uses [DefaultHistoryTable].
//
// Nothing in it is updated or deleted; each run adds its rows under its
// run id, which the caller chooses (see [History.NextRunID]) and which
// never comes from the wall clock.
type History struct {
	// Table is the table's name; empty means DefaultHistoryTable.
	Table string
}

func (h History) table() (string, error) {
	t := h.Table
	if t == "" {
		t = DefaultHistoryTable
	}
	if err := warehouse.ValidIdent(t); err != nil {
		return "", fmt.Errorf("quality: history table: %w", err)
	}
	return t, nil
}

// Ensure creates the table if it does not exist (portable DDL). A table
// made by an earlier version, with a column sample (a reserved word in
// Snowflake), has it renamed sample_json.
func (h History) Ensure(ctx context.Context, w warehouse.Warehouse) error {
	t, err := h.table()
	if err != nil {
		return err
	}
	ok, err := migrateHistory(ctx, w, t)
	if err != nil || ok {
		return err
	}
	if err := w.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+t+" "+historyDDL); err != nil {
		return fmt.Errorf("quality: history: %w", err)
	}
	return nil
}

// migrateHistory renames the column sample of a history table made by an
// earlier version to sample_json (only DuckDB could create it: SAMPLE is
// reserved in Snowflake). It reports whether the table exists.
func migrateHistory(ctx context.Context, w warehouse.Warehouse, t string) (bool, error) {
	var cols, old int64
	q := "SELECT COUNT(*), COALESCE(SUM(CASE WHEN UPPER(column_name) = 'SAMPLE' THEN 1 ELSE 0 END), 0) FROM information_schema.columns" +
		" WHERE table_schema = CURRENT_SCHEMA() AND UPPER(table_name) = UPPER(?)"
	if err := queryRow(ctx, w, q, []any{t}, &cols, &old); err != nil {
		return false, fmt.Errorf("quality: history: %w", err)
	}
	if old > 0 {
		if err := w.Exec(ctx, "ALTER TABLE "+t+" RENAME COLUMN sample TO sample_json"); err != nil {
			return true, fmt.Errorf("quality: history: renaming its column sample: %w", err)
		}
	}
	return cols > 0, nil
}

// NextRunID returns prefix when the history holds no run with that id,
// otherwise prefix followed by "#2", "#3"...: a run id unique in the
// history, derived from what the caller knows (such as the run's day),
// never from the wall clock. prefix must not be empty.
func (h History) NextRunID(ctx context.Context, w warehouse.Warehouse, prefix string) (string, error) {
	t, err := h.table()
	if err != nil {
		return "", err
	}
	if prefix == "" {
		return "", errors.New("quality: history: empty run id prefix")
	}
	if ok, err := w.TableExists(ctx, t); err != nil || !ok {
		return prefix, err
	}
	rows, err := w.Query(ctx, "SELECT DISTINCT run_id FROM "+t+" WHERE SUBSTR(run_id, 1, ?) = ?", len(prefix), prefix)
	if err != nil {
		return "", fmt.Errorf("quality: history: %w", err)
	}
	defer rows.Close()
	seen, last := false, int64(1)
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return "", fmt.Errorf("quality: history: %w", err)
		}
		if id == prefix {
			seen = true
		} else if n, err := strconv.ParseInt(strings.TrimPrefix(id, prefix+"#"), 10, 64); err == nil && strings.HasPrefix(id, prefix+"#") {
			seen, last = true, max(last, n)
		}
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("quality: history: %w", err)
	}
	if !seen {
		return prefix, nil
	}
	return prefix + "#" + strconv.FormatInt(last+1, 10), nil
}

// Append adds the report's results: one row per test, and one row per
// bucket of each monitor's detection window (a monitor without buckets
// gets one row). It creates the table if needed. rep.RunID must be set and
// not yet in the history (the error wraps [ErrRunExists]). It returns the
// number of rows added.
//
// The run is added whole or not at all: the rows go to a scratch table
// (the history's name with "_scratch"), which one INSERT … SELECT copies
// into the history, in one transaction when the warehouse is a
// [warehouse.AtomicExecer]. A scratch table left by an interrupted append
// is dropped by the next one.
func (h History) Append(ctx context.Context, w warehouse.Warehouse, rep *Report) (int, error) {
	t, err := h.table()
	if err != nil {
		return 0, err
	}
	if rep == nil || rep.RunID == "" {
		return 0, errors.New("quality: history: the report has no run id (set Options.RunID or a Clock)")
	}
	scratch := History{Table: t + "_scratch"}
	if err := w.Exec(ctx, "DROP TABLE IF EXISTS "+scratch.Table); err != nil {
		return 0, fmt.Errorf("quality: history: %w", err)
	}
	if err := h.Ensure(ctx, w); err != nil {
		return 0, err
	}
	var n int64
	if err := queryRow(ctx, w, "SELECT COUNT(*) FROM "+t+" WHERE run_id = ?", []any{rep.RunID}, &n); err != nil {
		return 0, fmt.Errorf("quality: history: %w", err)
	}
	if n > 0 {
		return 0, fmt.Errorf("%w: %q", ErrRunExists, rep.RunID)
	}
	if err := w.Exec(ctx, "CREATE TABLE "+scratch.Table+" "+historyDDL); err != nil {
		return 0, fmt.Errorf("quality: history: %w", err)
	}
	rows := historyRows(rep)
	if err := insertRows(ctx, w, scratch.Table, rows); err != nil {
		return 0, err
	}
	cols := strings.Join(HistoryColumns, ", ")
	stmts := []string{
		"INSERT INTO " + t + " (" + cols + ") SELECT " + cols + " FROM " + scratch.Table,
		"DROP TABLE " + scratch.Table,
	}
	if a, ok := w.(warehouse.AtomicExecer); ok {
		err = a.ExecAtomic(ctx, stmts...)
	} else {
		for _, q := range stmts {
			if err = w.Exec(ctx, q); err != nil {
				break
			}
		}
	}
	if err != nil {
		return 0, fmt.Errorf("quality: history: %w", err)
	}
	return len(rows), nil
}

// insertRows inserts rows of HistoryColumns into table, 50 to a statement.
func insertRows(ctx context.Context, w warehouse.Warehouse, table string, rows [][]any) error {
	const perInsert = 50
	ph := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(HistoryColumns)), ", ") + ")"
	for i := 0; i < len(rows); i += perInsert {
		batch := rows[i:min(i+perInsert, len(rows))]
		var args []any
		vals := make([]string, len(batch))
		for j, r := range batch {
			vals[j] = ph
			args = append(args, r...)
		}
		q := "INSERT INTO " + table + " (" + strings.Join(HistoryColumns, ", ") + ") VALUES " + strings.Join(vals, ", ")
		if err := w.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("quality: history: %w", err)
		}
	}
	return nil
}

// historyRows renders a report as rows of HistoryColumns.
func historyRows(rep *Report) [][]any {
	runAt := rep.GeneratedAt.UTC()
	var out [][]any
	for _, t := range rep.Tests {
		var sample any
		if t.Sample != nil {
			b, _ := json.Marshal(t.Sample) // values are JSON-friendly by construction
			sample = string(b)
		}
		out = append(out, []any{
			rep.RunID, runAt, "test", t.Name, t.Type, t.Model, nullable(t.Column), string(t.Severity), string(t.Status),
			t.Failures, t.Rows, t.Percent, sample, t.SQL,
			nil, nil, nil, nil, nil, nil, nil, nil,
			nil, ms(t.Duration),
		})
	}
	for _, m := range rep.Monitors {
		var sample any
		if m.Type == SchemaMonitor && len(m.Columns) > 0 {
			b, _ := json.Marshal(m.Columns)
			sample = string(b)
		}
		base := []any{rep.RunID, runAt, "monitor", m.Name, string(m.Type), m.Model, nullable(m.Column), string(m.Severity), string(m.Status),
			int64(m.Anomalies), nil, nil, sample, m.SQL}
		if len(m.Buckets) == 0 {
			out = append(out, append(append(base, nil, nil, nil, nil, nil, nil, nil, nil), m.Message, ms(m.Duration)))
			continue
		}
		for _, b := range m.Buckets {
			var day, value, expected, lower, upper, score any
			if d, err := time.Parse(edqm.DateLayout, b.Day); err == nil {
				day = d
			}
			if b.HasValue {
				value = b.Value
			}
			if b.Trained {
				expected, lower, upper, score = b.Expected, b.Lower, b.Upper, b.Score
			}
			row := append(append([]any(nil), base...), day, nullable(b.Dimension), value, expected, lower, upper, score, b.Anomalous,
				m.Message, ms(m.Duration))
			out = append(out, row)
		}
	}
	return out
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// HistoryRecord is one row of the results history.
type HistoryRecord struct {
	// The fields are the columns of HistoryColumns, in order, NULLs read
	// as zero values (or NaN for the band). RunID and RunAt identify the
	// run.
	RunID      string
	RunAt      time.Time
	ResultType string // "test" or "monitor"
	Name       string
	Type       string
	Model      string
	Column     string
	Severity   Severity
	Status     Status
	Failures   int64
	Rows       int64
	Percent    float64
	// Sample is the JSON text of the sample (tests) or columns (schema
	// monitors); "" when none.
	Sample string
	SQL    string
	// Day is the bucket's day (monitors), "" for tests.
	Day       string
	Dimension string
	// Value, Expected, Lower, Upper and Score are NaN when absent.
	Value, Expected, Lower, Upper, Score float64
	Anomalous                            bool
	Message                              string
	DurationMS                           float64
}

// Records returns the history's rows of one run (all runs when runID is
// ""), ordered by run, then tests before monitors, then name, bucket day
// and dimension. A missing table gives no rows.
func (h History) Records(ctx context.Context, w warehouse.Warehouse, runID string) ([]HistoryRecord, error) {
	t, err := h.table()
	if err != nil {
		return nil, err
	}
	if ok, err := migrateHistory(ctx, w, t); err != nil || !ok {
		return nil, err
	}
	q := "SELECT " + strings.Join(HistoryColumns, ", ") + " FROM " + t
	var args []any
	if runID != "" {
		q += " WHERE run_id = ?"
		args = append(args, runID)
	}
	q += " ORDER BY run_at, run_id, result_type DESC, name, bucket_day, dimension"
	rows, err := w.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("quality: history: %w", err)
	}
	defer rows.Close()
	var out []HistoryRecord
	for rows.Next() {
		var (
			r                                                HistoryRecord
			col, sample, sqlText, dim, msg, sev, status, typ sql.NullString
			failures, rowCount                               sql.NullInt64
			pct, value, expected, lower, upper, score, durMS sql.NullFloat64
			day                                              sql.NullTime
			anomalous                                        sql.NullBool
		)
		if err := rows.Scan(&r.RunID, &r.RunAt, &r.ResultType, &r.Name, &typ, &r.Model, &col, &sev, &status,
			&failures, &rowCount, &pct, &sample, &sqlText,
			&day, &dim, &value, &expected, &lower, &upper, &score, &anomalous, &msg, &durMS); err != nil {
			return nil, fmt.Errorf("quality: history: %w", err)
		}
		r.Type, r.Column, r.Severity, r.Status = typ.String, col.String, Severity(sev.String), Status(status.String)
		r.Failures, r.Rows, r.Percent, r.Sample, r.SQL = failures.Int64, rowCount.Int64, pct.Float64, sample.String, sqlText.String
		if day.Valid {
			r.Day = day.Time.Format(edqm.DateLayout)
		}
		r.Dimension, r.Anomalous, r.Message, r.DurationMS = dim.String, anomalous.Bool, msg.String, durMS.Float64
		r.Value, r.Expected, r.Lower, r.Upper, r.Score = orNaN(value), orNaN(expected), orNaN(lower), orNaN(upper), orNaN(score)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("quality: history: %w", err)
	}
	return out, nil
}

var nan = math.NaN()

func orNaN(v sql.NullFloat64) float64 {
	if !v.Valid {
		return nan
	}
	return v.Float64
}

// lastColumns returns the columns a schema monitor recorded last, nil
// when none. The table must exist (RunMonitors checks it once).
func (h History) lastColumns(ctx context.Context, w warehouse.Warehouse, name string) ([]string, error) {
	t, err := h.table()
	if err != nil {
		return nil, err
	}
	q := "SELECT sample_json FROM " + t + " WHERE result_type = 'monitor' AND type = ? AND name = ? AND sample_json IS NOT NULL ORDER BY run_at DESC, run_id DESC LIMIT 1"
	rows, err := w.Query(ctx, q, string(SchemaMonitor), name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	var s string
	if err := rows.Scan(&s); err != nil {
		return nil, err
	}
	var cols []string
	if err := json.Unmarshal([]byte(s), &cols); err != nil {
		return nil, fmt.Errorf("history: recorded columns of %s: %w", name, err)
	}
	return cols, rows.Close()
}

// recorded are the verdicts a monitor's earlier runs left in the history:
// the judged buckets (with a band) by day and dimension (see recordKey),
// each as first recorded.
type recorded map[string]Bucket

// recordKey is the key of a bucket in recorded.buckets.
func recordKey(day, dimension string) string { return day + "\x00" + dimension }

// recordedSince returns, by monitor name, the verdicts the history holds
// on or after day since (all days when since is zero): for each day and
// dimension, the bucket with a band of the first run that recorded it
// (later runs' copies of it are the same). The table must exist
// (RunMonitors checks it once).
func (h History) recordedSince(ctx context.Context, w warehouse.Warehouse, since time.Time) (map[string]recorded, error) {
	t, err := h.table()
	if err != nil {
		return nil, err
	}
	out := map[string]recorded{}
	cols := "name, bucket_day, dimension, metric_value, expected, lower_bound, upper_bound, anomaly_score, anomalous"
	q := "SELECT " + cols + ", MIN(run_at) AS judged_at, MIN(run_id) AS judged_by FROM " + t +
		" WHERE result_type = 'monitor' AND expected IS NOT NULL AND bucket_day >= ? GROUP BY " + cols + " ORDER BY judged_at, judged_by"
	rows, err := w.Query(ctx, q, since)
	if err != nil {
		return nil, fmt.Errorf("quality: history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			name, runID                          string
			day, at                              time.Time
			dim                                  sql.NullString
			value, expected, lower, upper, score sql.NullFloat64
			anom                                 sql.NullBool
		)
		if err := rows.Scan(&name, &day, &dim, &value, &expected, &lower, &upper, &score, &anom, &at, &runID); err != nil {
			return nil, fmt.Errorf("quality: history: %w", err)
		}
		b := Bucket{Day: day.Format(edqm.DateLayout), Dimension: dim.String, Value: value.Float64, HasValue: value.Valid,
			Expected: expected.Float64, Lower: lower.Float64, Upper: upper.Float64, Score: score.Float64, Trained: true, Anomalous: anom.Bool}
		if out[name] == nil {
			out[name] = recorded{}
		}
		if _, dup := out[name][recordKey(b.Day, b.Dimension)]; !dup {
			out[name][recordKey(b.Day, b.Dimension)] = b
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("quality: history: %w", err)
	}
	return out, rows.Close()
}

// Verdicts returns what the monitors of every run decided, each day once:
// one result per monitor (by name, in order of name) whose buckets are the
// days some run judged, with the verdict of the first run that judged
// them (carried copies and buckets without a band left out), in order of
// day and dimension. Pass them to [ScoreMonitors] to score a daily job
// over its whole history. Schema monitors' buckets are included as they
// were recorded. A missing table gives none.
func (h History) Verdicts(ctx context.Context, w warehouse.Warehouse) ([]MonitorResult, error) {
	recs, err := h.Records(ctx, w, "")
	if err != nil {
		return nil, err
	}
	byName := map[string]*MonitorResult{}
	seen := map[string]bool{}
	var names []string
	for _, r := range recs {
		if r.ResultType != "monitor" || r.Day == "" || math.IsNaN(r.Expected) {
			continue
		}
		m, ok := byName[r.Name]
		if !ok {
			m = &MonitorResult{Name: r.Name, Type: MonitorType(r.Type), Model: r.Model, Column: r.Column, Severity: r.Severity}
			byName[r.Name] = m
			names = append(names, r.Name)
		}
		if k := r.Name + "\x00" + recordKey(r.Day, r.Dimension); !seen[k] {
			seen[k] = true
			m.Buckets = append(m.Buckets, Bucket{Day: r.Day, Dimension: r.Dimension, Value: zeroNaN(r.Value), HasValue: !math.IsNaN(r.Value),
				Expected: r.Expected, Lower: zeroNaN(r.Lower), Upper: zeroNaN(r.Upper), Score: zeroNaN(r.Score), Trained: true, Anomalous: r.Anomalous})
		}
	}
	slices.Sort(names)
	out := make([]MonitorResult, 0, len(names))
	for _, n := range names {
		m := byName[n]
		slices.SortFunc(m.Buckets, func(a, b Bucket) int {
			return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.Dimension, b.Dimension))
		})
		for _, b := range m.Buckets {
			if b.Anomalous {
				m.Anomalies++
			}
		}
		out = append(out, *m)
	}
	return out, nil
}

func zeroNaN(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return v
}

// exists reports whether the history table exists, renaming the column of
// an earlier version if needed (see Ensure).
func (h History) exists(ctx context.Context, w warehouse.Warehouse) (bool, error) {
	t, err := h.table()
	if err != nil {
		return false, err
	}
	return migrateHistory(ctx, w, t)
}
