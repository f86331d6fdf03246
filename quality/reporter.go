package quality

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/warehouse"
)

// Options configure a Reporter. A nil *Options means defaults.
type Options struct {
	// Clock stamps Report.GeneratedAt, gives the run's time to recency
	// tests and monitors, and the default RunID; nil leaves them zero.
	Clock edqm.Clock
	// RunID identifies the run in the report and the results history;
	// empty means the Clock's time in RFC 3339 (UTC), or none without a
	// Clock. It never comes from the wall clock.
	RunID string
	// Tests run with each report; nil means DefaultTests(). An empty,
	// non-nil slice runs none.
	Tests []Test
	// Monitors run with each report; nil runs none (see DefaultMonitors).
	Monitors []Monitor
	// MonitorResults are added to the report's monitors as they are: the
	// results of checks made before the load, such as [CheckHeaders].
	MonitorResults []MonitorResult
	// LabelsTable is the raw table of chaos labels; default
	// "raw_chaos_labels". When it does not exist, every kind counts zero
	// labels.
	LabelsTable string
	// DatasetLabelsTable is the raw table of dataset-level chaos labels
	// (chaosdataset.LabelColumns of package chaos/chaosdataset); default "raw_chaos_dataset_labels".
	// When it exists and monitors ran, the report scores them.
	DatasetLabelsTable string
	// MinHealthScore, when positive, makes a Health Score below it an
	// incident (error severity).
	MinHealthScore float64
	// SampleSize is the number of failing rows kept per test (see
	// RunOptions.SampleSize).
	SampleSize int
	// History, when set, gives schema monitors their baseline and series
	// monitors the verdicts of earlier runs (see RunOptions.History). The
	// reporter only reads it: append the report with History.Append.
	History *History
}

// Reporter is the default QualityReporter: it reads fct_orders and the
// chaos labels, and runs the tests and monitors.
type Reporter struct {
	opts Options
}

var _ QualityReporter = (*Reporter)(nil)

// NewReporter returns a Reporter. It validates the options, the tests and
// the monitors (errors wrap [ErrBadTest] or warehouse.ErrBadIdentifier).
func NewReporter(opts *Options) (*Reporter, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Tests == nil {
		o.Tests = DefaultTests()
	}
	if o.LabelsTable == "" {
		o.LabelsTable = "raw_chaos_labels"
	}
	if o.DatasetLabelsTable == "" {
		o.DatasetLabelsTable = "raw_chaos_dataset_labels"
	}
	for _, t := range []string{o.LabelsTable, o.DatasetLabelsTable} {
		if err := warehouse.ValidIdent(t); err != nil {
			return nil, fmt.Errorf("quality.NewReporter: labels table: %w", err)
		}
	}
	for _, t := range o.Tests {
		if err := t.Validate(); err != nil {
			return nil, fmt.Errorf("quality.NewReporter: %w", err)
		}
	}
	for _, m := range o.Monitors {
		if err := m.Validate(); err != nil {
			return nil, fmt.Errorf("quality.NewReporter: %w", err)
		}
	}
	if o.RunID == "" && o.Clock != nil {
		o.RunID = o.Clock.Now().UTC().Format(time.RFC3339)
	}
	return &Reporter{opts: o}, nil
}

// Report computes the report. fct_orders must exist.
func (r *Reporter) Report(ctx context.Context, w warehouse.Warehouse) (*Report, error) {
	rep := &Report{SchemaVersion: ReportSchemaVersion, RunID: r.opts.RunID, FlagCounts: map[string]int64{}}
	var now time.Time
	if r.opts.Clock != nil {
		now = r.opts.Clock.Now().UTC()
		rep.GeneratedAt = now
	}
	if ok, err := w.TableExists(ctx, "fct_orders"); err != nil {
		return nil, fmt.Errorf("quality: %w", err)
	} else if !ok {
		return nil, fmt.Errorf("quality: fct_orders does not exist: run the transform first")
	}

	sums := []string{
		"COUNT(*)",
		"COUNT(DISTINCT order_id)",
		countIf("is_flagged"),
		cents("SUM(total_amount)"),
		cents("SUM(CASE WHEN NOT is_flagged THEN total_amount END)"),
		"COALESCE(CAST(MIN(batch_date) AS VARCHAR), '')",
		"COALESCE(CAST(MAX(batch_date) AS VARCHAR), '')",
	}
	for _, f := range Flags {
		sums = append(sums, countIf(f))
	}
	counts := make([]int64, len(Flags))
	dest := []any{&rep.Orders, &rep.OrderIDs, &rep.Flagged, &rep.RawRevenue, &rep.CleanRevenue, &rep.FirstDay, &rep.LastDay}
	for i := range counts {
		dest = append(dest, &counts[i])
	}
	if err := scanOne(ctx, w, "SELECT "+strings.Join(sums, ", ")+" FROM fct_orders", dest...); err != nil {
		return nil, fmt.Errorf("quality: totals: %w", err)
	}
	for i, f := range Flags {
		rep.FlagCounts[f] = counts[i]
	}
	rep.RevenueAtRisk = rep.RawRevenue - rep.CleanRevenue
	rep.HealthScore = health(rep.Orders, rep.Flagged)

	var err error
	if rep.Labels, err = w.TableExists(ctx, r.opts.LabelsTable); err != nil {
		return nil, fmt.Errorf("quality: %w", err)
	}
	if err := r.days(ctx, w, rep); err != nil {
		return nil, fmt.Errorf("quality: days: %w", err)
	}
	run := &RunOptions{Now: now, SampleSize: r.opts.SampleSize, History: r.opts.History}
	if rep.Tests, err = RunTests(ctx, w, r.opts.Tests, run); err != nil {
		return nil, err
	}
	kinds, err := r.scoreFlags(ctx, w, rep)
	if err != nil {
		return nil, fmt.Errorf("quality: scorecard: %w", err)
	}
	for _, ks := range kinds {
		if err := r.scoreTests(ctx, w, &ks, rep); err != nil {
			return nil, fmt.Errorf("quality: scorecard %s: %w", ks.Kind, err)
		}
		rep.Kinds = append(rep.Kinds, ks)
	}
	if rep.Monitors, err = RunMonitors(ctx, w, r.opts.Monitors, run); err != nil {
		return nil, err
	}
	rep.Monitors = append(rep.Monitors, r.opts.MonitorResults...)
	if len(rep.Monitors) > 0 {
		ok, err := w.TableExists(ctx, r.opts.DatasetLabelsTable)
		if err != nil {
			return nil, fmt.Errorf("quality: %w", err)
		}
		if ok {
			labels, err := ReadDatasetLabels(ctx, w, r.opts.DatasetLabelsTable)
			if err != nil {
				return nil, err
			}
			rep.Datasets = ScoreMonitors(rep.Monitors, labels)
		}
	}
	rep.Incidents = incidents(rep, r.opts.MinHealthScore)
	rep.TopFailing = topFailing(rep.Tests, 10)
	return rep, nil
}

func health(orders, flagged int64) float64 {
	if orders == 0 {
		return 100
	}
	return 100 * float64(orders-flagged) / float64(orders)
}

// countIf renders a portable conditional count (Snowflake has no FILTER).
func countIf(cond string) string {
	return "COALESCE(SUM(CASE WHEN " + cond + " THEN 1 ELSE 0 END), 0)"
}

// cents renders a SUM of a DECIMAL amount as BIGINT cents, 0 when empty.
func cents(sum string) string {
	return "CAST(ROUND(COALESCE(" + sum + ", 0) * 100) AS BIGINT)"
}

// labelledRows renders one row per (order id, occurrence) the labels
// name, as k and o, with two 0/1 columns per chaos kind: l_<kind> when the
// row has a label of the kind, d_<kind> when it has a detectable one (a
// label that no other corruption of the row masks; see [MaskedLabel]). An
// order labelled with two kinds is one row, so a join on it never doubles
// an order.
func (r *Reporter) labelledRows(haveLabels bool) string {
	var perKind []string
	for _, k := range chaos.Kinds {
		perKind = append(perKind,
			"MAX(CASE WHEN kind = '"+string(k)+"' THEN 1 ELSE 0 END) AS l_"+string(k),
			"MAX(CASE WHEN kind = '"+string(k)+"' AND NOT ("+maskedSQL+") THEN 1 ELSE 0 END) AS d_"+string(k))
	}
	labels := "SELECT CAST(NULL AS VARCHAR) AS k, CAST(NULL AS INTEGER) AS o, CAST(NULL AS VARCHAR) AS kind, " +
		"CAST(NULL AS VARCHAR) AS variant, CAST(NULL AS VARCHAR) AS column_name WHERE 1 = 0"
	if haveLabels {
		labels = "SELECT DISTINCT key AS k, TRY_CAST(occurrence AS INTEGER) AS o, kind, variant, column_name FROM " + r.opts.LabelsTable +
			" WHERE table_name = 'orders'"
	}
	maskers := "SELECT k AS mk, o AS mo, " +
		"MAX(CASE WHEN column_name = '" + priceKey + "' THEN 1 ELSE 0 END) AS no_price, " +
		"MAX(CASE WHEN column_name = '" + signupKey + "' THEN 1 ELSE 0 END) AS no_signup " +
		"FROM (" + labels + ") AS ml WHERE kind = '" + string(chaos.Integrity) + "' GROUP BY k, o"
	return "SELECT k, o, " + strings.Join(perKind, ", ") + " FROM (" + labels + ") AS labels LEFT JOIN (" + maskers +
		") AS maskers ON labels.k = maskers.mk AND labels.o = maskers.mo GROUP BY k, o"
}

// The foreign keys of orders whose integrity corruption masks another
// kind (chaos.OrdersSpec marks them: product_id is Priced, customer_id has
// Since).
const (
	priceKey  = "product_id"
	signupKey = "customer_id"
)

// maskedSQL is true on a label row (of labelledRows) that another
// corruption of its row masks: the rule of [MaskedLabel], in SQL.
const maskedSQL = "(kind = '" + string(chaos.Calculation) + "' AND COALESCE(maskers.no_price, 0) = 1) OR " +
	"(variant = 'before_signup' AND COALESCE(maskers.no_signup, 0) = 1)"

// MaskedLabel reports the kind that masks label l among the labels of the
// same order row and occurrence (row), or "" when l is detectable: a
// calculation error is masked by an integrity corruption of product_id (no
// product, no unit price to check the total against), a "before_signup"
// date by one of customer_id (no customer, no signup date). It is the rule
// chaos.OrdersSpec's labels carry in chaos.Label.MaskedBy, applied to
// labels read back from a table that does not record it.
func MaskedLabel(l chaos.Label, row []chaos.Label) chaos.Kind {
	for _, m := range row {
		if m.Kind != chaos.Integrity || m.Key != l.Key || m.Occurrence != l.Occurrence {
			continue
		}
		if (l.Kind == chaos.Calculation && m.Column == priceKey) || (l.Variant == "before_signup" && m.Column == signupKey) {
			return chaos.Integrity
		}
	}
	return ""
}

// days fills the per-day figures and the label totals.
func (r *Reporter) days(ctx context.Context, w warehouse.Warehouse, rep *Report) error {
	q := `WITH l AS (` + r.labelledRows(rep.Labels) + `)
SELECT COALESCE(CAST(f.batch_date AS VARCHAR), ''), COUNT(*),
       COALESCE(SUM(CASE WHEN f.is_flagged THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN l.k IS NOT NULL THEN 1 ELSE 0 END), 0),
       ` + cents("SUM(f.total_amount)") + `,
       ` + cents("SUM(CASE WHEN NOT f.is_flagged THEN f.total_amount END)") + `,
       ` + cents("SUM(CASE WHEN l.k IS NOT NULL THEN f.total_amount END)") + `
FROM fct_orders AS f LEFT JOIN l ON f.order_id = l.k AND f.occurrence = l.o
GROUP BY f.batch_date ORDER BY f.batch_date`
	rows, err := w.Query(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	rep.Days = []DayFigures{}
	for rows.Next() {
		var d DayFigures
		if err := rows.Scan(&d.Day, &d.Orders, &d.Flagged, &d.Labelled, &d.RawRevenue, &d.CleanRevenue, &d.TrueRevenueAtRisk); err != nil {
			return err
		}
		d.RevenueAtRisk = d.RawRevenue - d.CleanRevenue
		d.HealthScore = health(d.Orders, d.Flagged)
		rep.LabelledRows += d.Labelled
		rep.TrueRevenueAtRisk += d.TrueRevenueAtRisk
		rep.Days = append(rep.Days, d)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}

// scoreFlags scores the flags of every chaos kind against the labels, in
// one pass over fct_orders: detectable and masked labelled rows, flagged
// and caught rows, and the revenue the flags and the labels put at risk.
// Recall is over the detectable rows; precision counts a flag on any
// labelled row of the kind (masked included) as true.
func (r *Reporter) scoreFlags(ctx context.Context, w warehouse.Warehouse, rep *Report) ([]KindScore, error) {
	var sums []string
	for _, k := range chaos.Kinds {
		lk, dk := "l_"+string(k), "d_"+string(k)
		flags := "(" + strings.Join(KindFlags[k], " OR ") + ")"
		sums = append(sums, // the labelled rows from the labels: a row the mart lost is a miss
			"(SELECT "+countIf(dk+" = 1")+" FROM lk)",
			"(SELECT "+countIf(lk+" = 1 AND "+dk+" = 0")+" FROM lk)",
			countIf(flags),
			countIf(flags+" AND lk."+dk+" = 1"),
			countIf(flags+" AND lk."+lk+" = 1"),
			cents("SUM(CASE WHEN "+flags+" THEN f.total_amount END)"),
			cents("SUM(CASE WHEN lk."+lk+" = 1 THEN f.total_amount END)"))
	}
	q := "WITH lk AS (" + r.labelledRows(rep.Labels) + ")\nSELECT " + strings.Join(sums, ",\n       ") +
		"\nFROM fct_orders AS f LEFT JOIN lk ON f.order_id = lk.k AND f.occurrence = lk.o"
	out := make([]KindScore, len(chaos.Kinds))
	caught := make([]int64, len(chaos.Kinds))
	var dest []any
	for i, k := range chaos.Kinds {
		ks := &out[i]
		ks.Kind = k
		dest = append(dest, &ks.Labelled, &ks.Masked, &ks.Flagged, &ks.TruePositives, &caught[i], &ks.RevenueAtRisk, &ks.TrueRevenueAtRisk)
	}
	if err := scanOne(ctx, w, q, dest...); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Precision = ratio(caught[i], out[i].Flagged)
		out[i].Recall = ratio(out[i].TruePositives, out[i].Labelled)
	}
	return out, nil
}

// scoreTests scores the tests of ks's kind against the labels, by the
// (order id, occurrence) of their failing rows, as the flags are: the
// failing rows of all the kind's tests are made distinct first, so no
// figure goes over 100 %. A test whose failing rows have an order_id but
// no occurrence (unique, grouped by order id) names every occurrence of
// its order ids in fct_orders, or, for a unique test, every occurrence
// after the first (the duplicates).
func (r *Reporter) scoreTests(ctx context.Context, w warehouse.Warehouse, ks *KindScore, rep *Report) error {
	k := ks.Kind
	var parts, names []string
	for _, t := range rep.Tests {
		if t.Kind != k {
			continue
		}
		ok, err := hasColumn(ctx, w, t.SQL, "order_id")
		if err != nil {
			return fmt.Errorf("test %s: %w", t.Name, err)
		}
		if !ok {
			continue
		}
		withOcc, err := hasColumn(ctx, w, t.SQL, "occurrence")
		if err != nil {
			return fmt.Errorf("test %s: %w", t.Name, err)
		}
		alias := "t" + fmt.Sprint(len(parts))
		switch {
		case withOcc:
			parts = append(parts, "SELECT CAST(order_id AS VARCHAR) AS k, CAST(occurrence AS INTEGER) AS o FROM ("+t.SQL+") AS "+alias)
		default:
			dups := ""
			if t.Type == TypeUnique {
				dups = " AND fo.occurrence > 1"
			}
			parts = append(parts, "SELECT CAST(fo.order_id AS VARCHAR) AS k, CAST(fo.occurrence AS INTEGER) AS o FROM fct_orders AS fo"+
				" WHERE CAST(fo.order_id AS VARCHAR) IN (SELECT CAST(order_id AS VARCHAR) FROM ("+t.SQL+") AS "+alias+")"+dups)
		}
		names = append(names, t.Name)
	}
	if len(parts) == 0 {
		return nil
	}
	lk, dk := "l_"+string(k), "d_"+string(k)
	ts := &DetectionScore{Tests: names}
	var caught int64
	q := fmt.Sprintf(`WITH f AS (SELECT DISTINCT k, o FROM (%s) AS failing WHERE k IS NOT NULL), l AS (%s)
SELECT (SELECT COUNT(*) FROM l WHERE %s = 1), (SELECT COUNT(*) FROM f),
       (SELECT COUNT(*) FROM f JOIN l ON f.k = l.k AND f.o = l.o WHERE l.%s = 1),
       (SELECT COUNT(*) FROM f JOIN l ON f.k = l.k AND f.o = l.o WHERE l.%s = 1)`,
		strings.Join(parts, " UNION ALL "), r.labelledRows(rep.Labels), dk, dk, lk)
	if err := scanOne(ctx, w, q, &ts.Labelled, &ts.Flagged, &ts.TruePositives, &caught); err != nil {
		return fmt.Errorf("tests: %w", err)
	}
	ts.Precision = ratio(caught, ts.Flagged)
	ts.Recall = ratio(ts.TruePositives, ts.Labelled)
	ks.Tests = ts
	return nil
}

// hasColumn reports whether query q returns a column named col.
func hasColumn(ctx context.Context, w warehouse.Warehouse, q, col string) (bool, error) {
	rows, err := w.Query(ctx, "SELECT * FROM ("+q+") AS probe WHERE 1 = 0")
	if err != nil {
		return false, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return false, err
	}
	for _, c := range cols {
		if strings.EqualFold(c, col) {
			return true, rows.Close()
		}
	}
	return false, rows.Close()
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// scanOne runs q and scans its single row into dest.
func scanOne(ctx context.Context, w warehouse.Warehouse, q string, dest ...any) error {
	return queryRow(ctx, w, q, nil, dest...)
}

// queryRow runs q with args and scans its single row into dest.
func queryRow(ctx context.Context, w warehouse.Warehouse, q string, args []any, dest ...any) error {
	return warehouse.QueryRow(ctx, w, q, args, dest...)
}

// topFailing returns the tests that did not pass, most failures first.
func topFailing(tests []TestResult, n int) []FailingTest {
	out := []FailingTest{}
	for _, t := range tests {
		if t.Status != Pass && t.Failures > 0 {
			out = append(out, FailingTest{Name: t.Name, Model: t.Model, Column: t.Column, Status: t.Status, Failures: t.Failures, Percent: t.Percent})
		}
	}
	slices.SortStableFunc(out, func(a, b FailingTest) int {
		return cmp.Or(cmp.Compare(b.Failures, a.Failures), cmp.Compare(a.Name, b.Name))
	})
	return out[:min(n, len(out))]
}
