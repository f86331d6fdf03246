package quality

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/warehouse"
)

// MonitorType is what a monitor measures.
type MonitorType string

// Monitor types, after Elementary's anomaly tests.
const (
	// VolumeMonitor counts the rows of each day (volume_anomalies). Days
	// without rows count 0, from the first day with data on.
	VolumeMonitor MonitorType = "volume"
	// FreshnessMonitor measures, for each day, the hours from the latest
	// timestamp at or before the day's end to the day's end
	// (freshness_anomalies): 24 for a DATE column that has the day, 48 when
	// the day is missing, and so on.
	FreshnessMonitor MonitorType = "freshness"
	// ColumnMonitor computes a [Metric] of a column per day
	// (column_anomalies).
	ColumnMonitor MonitorType = "column"
	// DimensionMonitor counts the rows of each value of the Dimensions per
	// day (dimension_anomalies); a value new in the detection window is
	// anomalous, its training being all zeros.
	DimensionMonitor MonitorType = "dimension"
	// SchemaMonitor compares a table's columns with a baseline
	// (schema_changes): Monitor.Columns when given, else the columns the
	// results history recorded last time.
	SchemaMonitor MonitorType = "schema_changes"
)

// Metric is a column metric.
type Metric string

// Column metrics.
const (
	NullCount   Metric = "null_count"
	NullPercent Metric = "null_percent"
	ZeroCount   Metric = "zero_count"
	ZeroPercent Metric = "zero_percent"
	MinValue    Metric = "min"
	MaxValue    Metric = "max"
	Average     Metric = "average"
	Sum         Metric = "sum"
)

// Metrics lists the column metrics.
var Metrics = []Metric{NullCount, NullPercent, ZeroCount, ZeroPercent, MinValue, MaxValue, Average, Sum}

// metricSQL renders a metric's aggregate over column c.
func metricSQL(m Metric, c string) (string, bool) {
	isNull := "SUM(CASE WHEN " + c + " IS NULL THEN 1 ELSE 0 END)"
	isZero := "SUM(CASE WHEN " + c + " = 0 THEN 1 ELSE 0 END)"
	num := "CAST(" + c + " AS DOUBLE)"
	switch m {
	case NullCount:
		return "CAST(" + isNull + " AS DOUBLE)", true
	case NullPercent:
		return "100.0 * " + isNull + " / COUNT(*)", true
	case ZeroCount:
		return "CAST(" + isZero + " AS DOUBLE)", true
	case ZeroPercent:
		return "100.0 * " + isZero + " / COUNT(*)", true
	case MinValue:
		return "MIN(" + num + ")", true
	case MaxValue:
		return "MAX(" + num + ")", true
	case Average:
		return "AVG(" + num + ")", true
	case Sum:
		return "SUM(" + num + ")", true
	}
	return "", false
}

// DefaultTimeColumn is the column monitors bucket by when Monitor.TimeColumn
// is empty: the day a row's batch arrived, in the built-in models.
const DefaultTimeColumn = "batch_date"

// Monitor is an Elementary-style anomaly monitor over daily buckets. See
// [Detection] for the z-score and its band.
//
// Where is trusted SQL, pasted into the query; names are checked with
// [warehouse.ValidIdent].
type Monitor struct {
	// ID replaces the generated name (see Monitor.Name).
	ID string
	// Type is what is measured.
	Type MonitorType
	// Model is the table or view.
	Model string
	// Column is the measured column (ColumnMonitor) or the timestamp
	// (FreshnessMonitor; default TimeColumn).
	Column string
	// Metric is the column metric (ColumnMonitor).
	Metric Metric
	// Dimensions are the columns whose values are counted
	// (DimensionMonitor).
	Dimensions []string
	// TimeColumn buckets the rows by day; default [DefaultTimeColumn].
	TimeColumn string
	// TimeFromKey says TimeColumn holds landing keys: the bucket is the
	// date in their "date=YYYY-MM-DD" segment (for the warehouse's ledger
	// and rejects tables, whose file column is a key).
	TimeFromKey bool
	// Where filters the rows, as Elementary's where_expression.
	Where string
	// Detection tunes the z-score; the zero value means defaults.
	Detection Detection
	// Severity of an anomaly: Warn when empty (anomalies are statistical).
	Severity Severity
	// Columns are the expected columns (SchemaMonitor), as "name" or
	// "name TYPE"; nil means the baseline from the results history.
	Columns []string
	// AllowAdded makes columns added to the baseline no change
	// (SchemaMonitor; Elementary's fail_on_added: false).
	AllowAdded bool
	// Meta carries free-form metadata, e.g. "owner".
	Meta map[string]string
	// Origin says where the monitor was defined, e.g. "schema.yml:42".
	Origin string
}

// Name is the monitor's name: ID when set, otherwise Elementary style,
// e.g. "volume_anomalies_stg_orders",
// "column_anomalies_fct_orders_total_amount_null_percent",
// "dimension_anomalies_fct_orders_status", "schema_changes_raw_orders".
func (m Monitor) Name() string {
	if m.ID != "" {
		return m.ID
	}
	switch m.Type {
	case VolumeMonitor, FreshnessMonitor:
		return string(m.Type) + "_anomalies_" + m.Model
	case ColumnMonitor:
		return "column_anomalies_" + m.Model + "_" + m.Column + "_" + string(m.Metric)
	case DimensionMonitor:
		return "dimension_anomalies_" + m.Model + "_" + strings.Join(m.Dimensions, "_")
	case SchemaMonitor:
		return "schema_changes_" + m.Model
	}
	return string(m.Type) + "_" + m.Model
}

func (m Monitor) bad(format string, a ...any) error {
	where := ""
	if m.Origin != "" {
		where = " (" + m.Origin + ")"
	}
	return fmt.Errorf("%w %s%s: "+format, append([]any{ErrBadTest, m.Name(), where}, a...)...)
}

// detection returns the monitor's Detection with its defaults.
func (m Monitor) detection() Detection {
	scale := Linear
	if m.Type == VolumeMonitor || m.Type == DimensionMonitor {
		scale = Log
	}
	return m.Detection.withDefaults(scale)
}

func (m Monitor) timeColumn() string {
	if m.TimeColumn == "" {
		return DefaultTimeColumn
	}
	return m.TimeColumn
}

// Validate checks the definition without running it. The error wraps
// [ErrBadTest].
func (m Monitor) Validate() error {
	if err := warehouse.ValidIdent(m.Model); err != nil {
		return m.bad("model: %w", err)
	}
	switch m.Severity {
	case "", Warn, Error:
	default:
		return m.bad("severity %q: want warn or error", m.Severity)
	}
	if m.Type == SchemaMonitor {
		for _, c := range m.Columns {
			f := strings.Fields(c)
			if len(f) == 0 || warehouse.ValidIdent(f[0]) != nil {
				return m.bad("expected column %q: want a name, optionally followed by a type", c)
			}
		}
		return nil
	}
	if err := warehouse.ValidIdent(m.timeColumn()); err != nil {
		return m.bad("time column: %w", err)
	}
	switch m.Type {
	case VolumeMonitor:
	case FreshnessMonitor:
		if m.Column != "" {
			if err := warehouse.ValidIdent(m.Column); err != nil {
				return m.bad("column: %w", err)
			}
		}
	case ColumnMonitor:
		if err := warehouse.ValidIdent(m.Column); err != nil {
			return m.bad("column: %w", err)
		}
		if _, ok := metricSQL(m.Metric, m.Column); !ok {
			return m.bad("unknown metric %q (known: %s)", m.Metric, joinMetrics())
		}
	case DimensionMonitor:
		if len(m.Dimensions) == 0 {
			return m.bad("dimension monitor needs dimensions")
		}
		for _, d := range m.Dimensions {
			if err := warehouse.ValidIdent(d); err != nil {
				return m.bad("dimension: %w", err)
			}
		}
	default:
		return m.bad("unknown monitor type %q (known: volume, freshness, column, dimension, schema_changes)", m.Type)
	}
	if err := m.detection().validate(); err != nil {
		return m.bad("%v", err)
	}
	return nil
}

func joinMetrics() string {
	s := make([]string, len(Metrics))
	for i, m := range Metrics {
		s[i] = string(m)
	}
	return strings.Join(s, ", ")
}

// SchemaChange is one difference between a table's columns and its
// baseline.
type SchemaChange struct {
	// Change is "added", "removed", "renamed" or "type_changed".
	Change string `json:"change"`
	// Column is the column's current name ("removed": its old name).
	Column string `json:"column"`
	// From is the old name ("renamed") or type ("type_changed").
	From string `json:"from,omitempty"`
	// To is the new type ("type_changed").
	To string `json:"to,omitempty"`
}

// String renders the change, e.g. `renamed status -> order_status`.
func (c SchemaChange) String() string {
	switch c.Change {
	case "renamed":
		return "renamed " + c.From + " -> " + c.Column
	case "type_changed":
		return c.Column + " type " + c.From + " -> " + c.To
	}
	return c.Change + " " + c.Column
}

// MonitorResult is the outcome of one monitor: the buckets of its
// detection window (and the days it judged for the first time) with their
// expected bands, whatever the status.
type MonitorResult struct {
	// Name, Type, Model, Column, Metric and Dimensions identify the
	// monitor (see Monitor); Severity is the effective one (Warn when the
	// monitor left it empty).
	Name       string      `json:"name"`
	Type       MonitorType `json:"type"`
	Model      string      `json:"model"`
	Column     string      `json:"column,omitempty"`
	Metric     Metric      `json:"metric,omitempty"`
	Dimensions []string    `json:"dimensions,omitempty"`
	Severity   Severity    `json:"severity"`
	// Status is Pass, Warned or Fail (an anomaly, by severity), or NoData
	// when no bucket of the window had enough training.
	Status Status `json:"status"`
	// Detection is the monitor's, with its defaults.
	Detection Detection `json:"detection"`
	// Buckets are the detection window, oldest first (for a dimension
	// monitor, per dimension value), preceded, with a results history, by
	// the older days this run judged for the first time (see
	// RunOptions.History).
	Buckets []Bucket `json:"buckets"`
	// Anomalies counts the anomalous buckets.
	Anomalies int `json:"anomalies"`
	// Columns are the table's current columns as "name TYPE"
	// (SchemaMonitor), and Changes their differences with the baseline.
	Columns []string       `json:"columns,omitempty"`
	Changes []SchemaChange `json:"changes,omitempty"`
	// Message explains the status in one line.
	Message string `json:"message"`
	// Owner comes from the monitor's meta "owner"; Origin is the
	// monitor's.
	Owner  string `json:"owner,omitempty"`
	Origin string `json:"origin,omitempty"`
	// SQL is the query run; Duration the time the monitor took.
	SQL      string        `json:"sql"`
	Duration time.Duration `json:"duration_ns"`
}

// AnomalousDays returns the days (YYYY-MM-DD) with an anomalous bucket.
func (r MonitorResult) AnomalousDays() []string {
	var days []string
	for _, b := range r.Buckets {
		if b.Anomalous && !slices.Contains(days, b.Day) {
			days = append(days, b.Day)
		}
	}
	slices.Sort(days)
	return days
}

// RunMonitors runs each monitor against w, in order. A monitor whose SQL
// fails is an error naming it; anomalies are results, not errors.
func RunMonitors(ctx context.Context, w warehouse.Warehouse, monitors []Monitor, opts *RunOptions) ([]MonitorResult, error) {
	out := make([]MonitorResult, 0, len(monitors))
	var past map[string]recorded
	if opts != nil && opts.History != nil {
		ok, err := opts.History.exists(ctx, w)
		if err != nil {
			return out, err
		}
		past = map[string]recorded{}
		if !ok { // nothing recorded yet
			o := *opts
			o.History = nil
			opts = &o
		} else if past, err = opts.History.recordedSince(ctx, w, earliestDay(monitors, opts)); err != nil {
			return out, err
		}
	}
	for _, m := range monitors {
		r, err := runMonitor(ctx, w, m, opts, past)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// earliestDay is the first day a series monitor can read when the run
// ends on opts.Now; zero (every day) without it.
func earliestDay(monitors []Monitor, opts *RunOptions) time.Time {
	if opts.Now.IsZero() {
		return time.Time{}
	}
	until := edqm.Day(opts.Now.UTC())
	first := until
	for _, m := range monitors {
		d := m.detection()
		if from := until.AddDate(0, 0, -(d.DetectionDays - 1 + d.lookback())); from.Before(first) {
			first = from
		}
	}
	return first
}

// runMonitor runs m; past are the verdicts of the results history, by
// monitor name (nil without a history, empty when it records nothing).
func runMonitor(ctx context.Context, w warehouse.Warehouse, m Monitor, opts *RunOptions, past map[string]recorded) (MonitorResult, error) {
	if err := m.Validate(); err != nil {
		return MonitorResult{}, err
	}
	sev := m.Severity
	if sev == "" {
		sev = Warn
	}
	r := MonitorResult{Name: m.Name(), Type: m.Type, Model: m.Model, Column: m.Column, Metric: m.Metric,
		Dimensions: m.Dimensions, Severity: sev, Status: Pass, Owner: m.Meta["owner"], Origin: m.Origin}
	start := time.Now()
	var err error
	if m.Type == SchemaMonitor {
		err = runSchemaMonitor(ctx, w, m, opts, &r)
	} else {
		r.Detection = m.detection()
		err = runSeriesMonitor(ctx, w, m, opts, past, &r)
	}
	if err != nil {
		return r, fmt.Errorf("quality: monitor %s: %w", r.Name, err)
	}
	if r.Anomalies > 0 {
		r.Status = Fail
		if sev == Warn {
			r.Status = Warned
		}
	}
	r.Duration = time.Since(start)
	return r, nil
}

// bucketExpr renders the SQL of a row's day, in dialect d. The time
// column is checked by Validate.
func (m Monitor) bucketExpr(d warehouse.Dialect) string {
	if m.TimeFromKey {
		return d.BatchDate(m.timeColumn())
	}
	return "CAST(" + m.timeColumn() + " AS DATE)"
}

// runSeriesMonitor runs a volume, freshness, column or dimension monitor:
// it finds the window of days, builds the query of the series, reads the
// series and detects the anomalies in it.
func runSeriesMonitor(ctx context.Context, w warehouse.Warehouse, m Monitor, opts *RunOptions, past map[string]recorded, r *MonitorResult) error {
	dialect := w.Dialect()
	b := m.bucketExpr(dialect)
	win, noData, err := m.seriesWindow(ctx, w, b, opts, r.Detection)
	if err != nil {
		return err
	}
	if noData != "" {
		r.Status, r.Message, r.SQL = NoData, noData, win.sql
		return nil
	}
	r.SQL = m.seriesSQL(dialect, b, win)
	all, dims, err := m.readSeries(ctx, w, r.SQL, win)
	if err != nil {
		return err
	}
	r.Buckets = m.detectSeries(all, dims, r.Detection, past[r.Name], past != nil)
	m.summarize(r)
	return nil
}

// seriesWindow is the span of days a series monitor reads.
type seriesWindow struct {
	// from and until are the first and the last day; days their number.
	from, until time.Time
	days        int
	// sql is the query that found the series' first and last days.
	sql string
}

// index returns the position of t's day in the window (out of [0, days)
// when t is outside it).
func (win seriesWindow) index(t time.Time) int { return int(edqm.Day(t).Sub(win.from).Hours() / 24) }

// newSeries returns an empty series over the window; fill marks every day
// as having a value (0 until set).
func (win seriesWindow) newSeries(fill bool) series {
	s := series{first: win.from, values: make([]float64, win.days), has: make([]bool, win.days)}
	for i := range s.has {
		s.has[i] = fill
	}
	return s
}

// where renders the monitor's Where as " AND (…)", or "".
func (m Monitor) where() string {
	if s := strings.TrimSpace(m.Where); s != "" {
		return " AND (" + s + ")"
	}
	return ""
}

// seriesWindow finds the days a series monitor reads, the day of a row
// being b: the series starts on the first day with data (or the first day
// the detection needs) and ends on the run's day (or the last day with
// data). noData says why there is nothing to read, if so.
func (m Monitor) seriesWindow(ctx context.Context, w warehouse.Warehouse, b string, opts *RunOptions, d Detection) (win seriesWindow, noData string, err error) {
	var first, last sql.NullTime
	win.sql = "SELECT MIN(" + b + "), MAX(" + b + ") FROM " + m.Model + " WHERE " + b + " IS NOT NULL" + m.where()
	if err := scanOne(ctx, w, win.sql, &first, &last); err != nil {
		return win, "", err
	}
	if !first.Valid {
		return win, "no rows", nil
	}
	win.until = edqm.Day(last.Time)
	if opts != nil && !opts.Now.IsZero() {
		win.until = edqm.Day(opts.Now.UTC())
	}
	win.from = win.until.AddDate(0, 0, -(d.DetectionDays - 1 + d.lookback()))
	if seriesStart := edqm.Day(first.Time); seriesStart.After(win.from) {
		win.from = seriesStart
	}
	if win.from.After(win.until) {
		return win, "no rows on or before " + win.until.Format(edqm.DateLayout), nil
	}
	win.days = int(win.until.Sub(win.from).Hours()/24) + 1
	return win, "", nil
}

// seriesSQL builds the query of a series monitor over the window, in
// dialect d: one row per day (and dimension value), the day first, b
// being a row's day.
func (m Monitor) seriesSQL(d warehouse.Dialect, b string, win seriesWindow) string {
	rng := " AND " + b + " >= " + d.DateLiteral(win.from) + " AND " + b + " <= " + d.DateLiteral(win.until)
	if m.Type == FreshnessMonitor {
		rng = " AND " + b + " <= " + d.DateLiteral(win.until) // the latest time before the window counts
	}
	var agg string
	switch m.Type {
	case VolumeMonitor:
		agg = "CAST(COUNT(*) AS DOUBLE)"
	case FreshnessMonitor:
		ts := m.Column
		if ts == "" {
			ts = m.timeColumn()
		}
		agg = "MAX(CAST(" + ts + " AS TIMESTAMP))"
		if m.TimeFromKey && m.Column == "" {
			agg = "MAX(CAST(" + b + " AS TIMESTAMP))"
		}
	case ColumnMonitor:
		agg, _ = metricSQL(m.Metric, m.Column)
	case DimensionMonitor:
		parts := make([]string, len(m.Dimensions))
		for i, dim := range m.Dimensions {
			parts[i] = "COALESCE(CAST(" + dim + " AS VARCHAR), 'NULL')"
		}
		agg = strings.Join(parts, " || ' | ' || ") + " AS dim, CAST(COUNT(*) AS DOUBLE)"
	}
	group := b
	if m.Type == DimensionMonitor {
		group = b + ", " + strings.Join(m.Dimensions, ", ")
	}
	return "SELECT " + b + " AS bucket, " + agg + " FROM " + m.Model + " WHERE " + b + " IS NOT NULL" + rng + m.where() + " GROUP BY " + group
}

// readSeries runs q, a monitor's seriesSQL, and returns its series: all
// for volume, freshness and column monitors, one per value for dimension
// monitors.
func (m Monitor) readSeries(ctx context.Context, w warehouse.Warehouse, q string, win seriesWindow) (all series, dims map[string]series, err error) {
	rows, err := w.Query(ctx, q)
	if err != nil {
		return all, nil, err
	}
	defer rows.Close()
	dims = map[string]series{}
	var fresh freshness
	switch m.Type {
	case VolumeMonitor:
		all = win.newSeries(true)
	case ColumnMonitor:
		all = win.newSeries(false)
	case FreshnessMonitor:
		fresh.latest = make([]time.Time, win.days)
	}
	for rows.Next() {
		switch m.Type {
		case VolumeMonitor, ColumnMonitor:
			err = scanValue(rows, win, all)
		case FreshnessMonitor:
			err = fresh.scan(rows, win)
		case DimensionMonitor:
			err = scanDimension(rows, win, dims)
		}
		if err != nil {
			return all, nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return all, nil, err
	}
	if err := rows.Close(); err != nil {
		return all, nil, err
	}
	if m.Type == FreshnessMonitor {
		all = fresh.series(win)
	}
	return all, dims, nil
}

// scanValue reads a day's value into s.
func scanValue(rows *sql.Rows, win seriesWindow, s series) error {
	var day time.Time
	var v sql.NullFloat64
	if err := rows.Scan(&day, &v); err != nil {
		return err
	}
	if i := win.index(day); i >= 0 && i < win.days {
		s.values[i], s.has[i] = v.Float64, v.Valid
	}
	return nil
}

// scanDimension reads a day's count of a dimension value into its series.
func scanDimension(rows *sql.Rows, win seriesWindow, dims map[string]series) error {
	var day time.Time
	var dim string
	var v float64
	if err := rows.Scan(&day, &dim, &v); err != nil {
		return err
	}
	s, ok := dims[dim]
	if !ok {
		s = win.newSeries(true)
		dims[dim] = s
	}
	if i := win.index(day); i >= 0 && i < win.days {
		s.values[i] = v
	}
	return nil
}

// freshness gathers a freshness monitor's rows.
type freshness struct {
	latest []time.Time // the latest time of each day of the window
	before time.Time   // the latest time before the window
}

// scan reads a day's latest time.
func (f *freshness) scan(rows *sql.Rows, win seriesWindow) error {
	var day time.Time
	var ts sql.NullTime
	if err := rows.Scan(&day, &ts); err != nil {
		return err
	}
	if !ts.Valid {
		return nil
	}
	if i := win.index(day); i >= 0 && i < win.days {
		f.latest[i] = ts.Time
	} else if i < 0 && ts.Time.After(f.before) {
		f.before = ts.Time
	}
	return nil
}

// series returns, for each day, the hours from the latest time at or
// before the day's end to the day's end.
func (f *freshness) series(win seriesWindow) series {
	all := win.newSeries(false)
	cur := f.before
	for i := range win.days {
		if f.latest[i].After(cur) {
			cur = f.latest[i]
		}
		if cur.IsZero() {
			continue
		}
		end := win.from.AddDate(0, 0, i+1)
		all.values[i], all.has[i] = end.Sub(cur).Hours(), true
	}
	return all
}

// detectSeries detects anomalies in a monitor's series, the verdicts rec
// holds being kept, and returns the buckets to report (per dimension
// value, in order of value, for a dimension monitor): those of the
// detection window and, with a history (hist), the older ones this run
// judged for the first time (days between two runs, warm-up days judged
// in hindsight), so that every day is judged and recorded once.
func (m Monitor) detectSeries(all series, dims map[string]series, d Detection, rec recorded, hist bool) []Bucket {
	run := func(s series, dim string) []Bucket {
		known := map[int]Bucket{}
		for i := range s.values {
			day := s.first.AddDate(0, 0, i).Format(edqm.DateLayout)
			if b, ok := rec[recordKey(day, dim)]; ok {
				known[i] = b
			}
		}
		bs := detect(s, d, known)
		start := max(0, len(bs)-d.DetectionDays)
		var out []Bucket
		for i, b := range bs {
			if i >= start || (hist && b.Trained && !b.Carried) {
				b.Dimension = dim
				out = append(out, b)
			}
		}
		return out
	}
	if m.Type != DimensionMonitor {
		return run(all, "")
	}
	var out []Bucket
	for _, k := range slices.Sorted(maps.Keys(dims)) {
		out = append(out, run(dims[k], k)...)
	}
	return out
}

// summarize counts r's anomalous buckets and writes its message, naming
// the worst anomaly, or NoData when no bucket had a band.
func (m Monitor) summarize(r *MonitorResult) {
	// The worst anomaly has the largest |score|; a zero-width band's
	// score is 0 but counts as the largest.
	strength := func(b *Bucket) float64 {
		if b.Score == 0 {
			return math.Inf(1)
		}
		return math.Abs(b.Score)
	}
	trained := false
	var worst *Bucket
	for i := range r.Buckets {
		bk := &r.Buckets[i]
		trained = trained || bk.Trained
		if bk.Anomalous {
			r.Anomalies++
			if worst == nil || strength(bk) >= strength(worst) {
				worst = bk
			}
		}
	}
	switch {
	case worst != nil:
		r.Message = fmt.Sprintf("%d anomalous bucket(s); %s", r.Anomalies, describe(m, *worst))
	case !trained:
		r.Status, r.Message = NoData, fmt.Sprintf("fewer than %d days of training data", r.Detection.MinTrainingPoints)
	default:
		last := r.Buckets[len(r.Buckets)-1]
		r.Message = "within the expected band; " + describe(m, last)
	}
}

// describe renders a bucket for a person.
func describe(m Monitor, b Bucket) string {
	what := map[MonitorType]string{VolumeMonitor: "rows", FreshnessMonitor: "hours since the latest data", DimensionMonitor: "rows"}[m.Type]
	if m.Type == ColumnMonitor {
		what = string(m.Metric) + " of " + m.Column
	}
	dim := ""
	if b.Dimension != "" {
		dim = " [" + b.Dimension + "]"
	}
	if !b.HasValue {
		return fmt.Sprintf("%s%s: no value", b.Day, dim)
	}
	value := num(b.Value) + " " + what
	if m.Type == ColumnMonitor {
		value = what + " " + num(b.Value)
	}
	if !b.Trained {
		return fmt.Sprintf("%s%s: %s (no band yet)", b.Day, dim, value)
	}
	return fmt.Sprintf("%s%s: %s, expected %s to %s", b.Day, dim, value, num(b.Lower), num(b.Upper))
}

// num formats a metric value with at most two decimals.
func num(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// runSchemaMonitor compares a table's columns with the baseline.
func runSchemaMonitor(ctx context.Context, w warehouse.Warehouse, m Monitor, opts *RunOptions, r *MonitorResult) error {
	cur, q, err := tableColumns(ctx, w, m.Model)
	if err != nil {
		return err
	}
	r.SQL = q
	for _, c := range cur {
		r.Columns = append(r.Columns, c[0]+" "+c[1])
	}
	day := ""
	if opts != nil && !opts.Now.IsZero() {
		day = edqm.Day(opts.Now.UTC()).Format(edqm.DateLayout)
	}
	base := m.Columns
	source := "the expected columns"
	if base == nil {
		source = "the last recorded columns"
		if opts != nil && opts.History != nil {
			if base, err = opts.History.lastColumns(ctx, w, r.Name); err != nil {
				return err
			}
		}
		if base == nil {
			r.Message = "baseline recorded: " + strconv.Itoa(len(cur)) + " columns"
			if len(cur) == 0 {
				r.Status, r.Message = NoData, "table "+m.Model+" not found"
			}
			return nil
		}
	}
	var want [][2]string
	for _, c := range base {
		f := strings.Fields(c)
		typ := ""
		if len(f) > 1 {
			typ = strings.Join(f[1:], " ")
		}
		want = append(want, [2]string{f[0], typ})
	}
	for _, c := range diffColumns(want, cur) {
		if !(m.AllowAdded && c.Change == "added") {
			r.Changes = append(r.Changes, c)
		}
	}
	b := Bucket{Day: day, Value: float64(len(r.Changes)), HasValue: true, Trained: true, Anomalous: len(r.Changes) > 0}
	r.Buckets = []Bucket{b}
	if len(r.Changes) > 0 {
		r.Anomalies = 1
		parts := make([]string, len(r.Changes))
		for i, c := range r.Changes {
			parts[i] = c.String()
		}
		r.Message = "schema differs from " + source + ": " + strings.Join(parts, "; ")
	} else {
		r.Message = "schema matches " + source
	}
	return nil
}

// tableColumns returns a table's columns as (name, type), in order, from
// information_schema (portable: DuckDB and Snowflake).
func tableColumns(ctx context.Context, w warehouse.Warehouse, table string) ([][2]string, string, error) {
	q := "SELECT column_name, data_type FROM information_schema.columns WHERE UPPER(table_name) = UPPER('" + table +
		"') AND table_schema = CURRENT_SCHEMA() ORDER BY ordinal_position"
	rows, err := w.Query(ctx, q)
	if err != nil {
		return nil, q, err
	}
	defer rows.Close()
	var cols [][2]string
	for rows.Next() {
		var c [2]string
		if err := rows.Scan(&c[0], &c[1]); err != nil {
			return nil, q, err
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, q, err
	}
	return cols, q, rows.Close()
}

// diffColumns explains how have differs from want (names compared without
// case; types only when want has one). A column removed and another added
// at the same position count as a rename.
func diffColumns(want, have [][2]string) []SchemaChange {
	pos := func(cols [][2]string, name string) int {
		for i, c := range cols {
			if strings.EqualFold(c[0], name) {
				return i
			}
		}
		return -1
	}
	var removed, added []int
	var changes []SchemaChange
	for i, c := range want {
		j := pos(have, c[0])
		if j < 0 {
			removed = append(removed, i)
			continue
		}
		if c[1] != "" && !strings.EqualFold(c[1], have[j][1]) {
			changes = append(changes, SchemaChange{Change: "type_changed", Column: have[j][0], From: c[1], To: have[j][1]})
		}
	}
	for j, c := range have {
		if pos(want, c[0]) < 0 {
			added = append(added, j)
		}
	}
	for _, i := range removed {
		if k := slices.Index(added, i); k >= 0 {
			changes = append(changes, SchemaChange{Change: "renamed", Column: have[i][0], From: want[i][0]})
			added = slices.Delete(added, k, k+1)
			continue
		}
		changes = append(changes, SchemaChange{Change: "removed", Column: want[i][0]})
	}
	for _, j := range added {
		changes = append(changes, SchemaChange{Change: "added", Column: have[j][0]})
	}
	return changes
}

// DefaultMonitors watch the orders of the built-in models for the
// dataset-level faults of package chaos:
//
//   - volume_anomalies_stg_orders: the rows of each batch day that belong to
//     it (OnTime: no order_date before the batch day), for volume drops
//     and spikes and for days that never arrived. It alarms only when a
//     day at least doubles or halves (MinSpikePercent 100, MinDropPercent
//     50) besides leaving the band: the generator's Black Friday, Cyber
//     Monday, Christmas and New Year's Day move the volume by up to about
//     that much, and are business, not faults. A late batch's rows are not
//     counted on the day they land, so a late batch cannot refill a day
//     whose own batch was dropped or is itself late;
//   - late_rows_stg_orders: the rows of each batch day whose order_date is
//     before it (spikes only, at least doubling): a late batch, reported on
//     the day it lands as what it is;
//   - freshness_anomalies_stg_orders: hours since the latest batch, for late
//     and missing partitions;
//   - malformed_lines_raw_orders: the rows the warehouse rejected per day
//     (from its load ledger), for malformed lines;
//   - schema_changes_raw_orders: the raw table's columns against the last
//     recorded ones.
//
// Column and dimension monitors are not among them: record-level chaos
// makes the metrics they watch (nulls, minimums, new status values) vary
// every day on purpose, so they would alarm daily. Add them for your own
// tables.
func DefaultMonitors() []Monitor {
	return []Monitor{
		{Type: VolumeMonitor, Model: "stg_orders", Where: OnTime, Detection: Detection{MinSpikePercent: 100, MinDropPercent: 50}},
		{ID: "late_rows_stg_orders", Type: VolumeMonitor, Model: "stg_orders", Where: "NOT (" + OnTime + ")",
			Detection: Detection{Direction: Spike, MinSpikePercent: 100}},
		{Type: FreshnessMonitor, Model: "stg_orders"},
		{ID: "malformed_lines_raw_orders", Type: ColumnMonitor, Model: warehouse.LedgerTable, Column: "rows_rejected", Metric: Sum,
			TimeColumn: "file", TimeFromKey: true, Where: "table_name = 'raw_orders'"},
		{Type: SchemaMonitor, Model: "raw_orders"},
	}
}

// OnTime is the Where of the default volume monitor: the rows of stg_orders
// whose order_date is not before their batch day (a row with no readable
// date counts as on time).
const OnTime = "order_date IS NULL OR order_date >= batch_date"
