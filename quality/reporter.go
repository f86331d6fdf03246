package quality

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/warehouse"
)

// Options configure a Reporter. A nil *Options means defaults.
type Options struct {
	// Clock stamps Report.GeneratedAt; nil leaves it zero.
	Clock edqm.Clock
	// Tests run with each report; nil means DefaultTests(). An empty,
	// non-nil slice runs none.
	Tests []Test
	// LabelsTable is the raw table of chaos labels; default
	// "raw_chaos_labels". When it does not exist, every kind counts zero
	// labels.
	LabelsTable string
}

// Reporter is the default QualityReporter: it reads fct_orders and the
// chaos labels.
type Reporter struct {
	opts Options
}

var _ QualityReporter = (*Reporter)(nil)

// NewReporter returns a Reporter. It validates the options.
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
	if err := warehouse.ValidIdent(o.LabelsTable); err != nil {
		return nil, fmt.Errorf("quality.NewReporter: labels table: %w", err)
	}
	return &Reporter{opts: o}, nil
}

// Report computes the report. fct_orders must exist.
func (r *Reporter) Report(ctx context.Context, w warehouse.Warehouse) (*Report, error) {
	rep := &Report{FlagCounts: map[string]int64{}}
	if r.opts.Clock != nil {
		rep.GeneratedAt = r.opts.Clock.Now().UTC()
	}
	if ok, err := w.TableExists(ctx, "fct_orders"); err != nil {
		return nil, fmt.Errorf("quality: %w", err)
	} else if !ok {
		return nil, fmt.Errorf("quality: fct_orders does not exist: run the transform first")
	}

	sums := []string{
		"COUNT(*)",
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
	dest := []any{&rep.Orders, &rep.Flagged, &rep.RawRevenue, &rep.CleanRevenue, &rep.FirstDay, &rep.LastDay}
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
	rep.HealthScore = 100
	if rep.Orders > 0 {
		rep.HealthScore = 100 * float64(rep.Orders-rep.Flagged) / float64(rep.Orders)
	}

	haveLabels, err := w.TableExists(ctx, r.opts.LabelsTable)
	if err != nil {
		return nil, fmt.Errorf("quality: %w", err)
	}
	for _, k := range chaos.Kinds {
		ks, err := r.score(ctx, w, k, haveLabels)
		if err != nil {
			return nil, fmt.Errorf("quality: scorecard %s: %w", k, err)
		}
		rep.Kinds = append(rep.Kinds, ks)
	}

	if rep.Tests, err = RunTests(ctx, w, r.opts.Tests); err != nil {
		return nil, err
	}
	return rep, nil
}

// countIf renders a portable conditional count (Snowflake has no FILTER).
func countIf(cond string) string {
	return "COALESCE(SUM(CASE WHEN " + cond + " THEN 1 ELSE 0 END), 0)"
}

// cents renders a SUM of a DECIMAL amount as BIGINT cents, 0 when empty.
func cents(sum string) string {
	return "CAST(ROUND(COALESCE(" + sum + ", 0) * 100) AS BIGINT)"
}

func (r *Reporter) score(ctx context.Context, w warehouse.Warehouse, k chaos.Kind, haveLabels bool) (KindScore, error) {
	ks := KindScore{Kind: k}
	flagged := "SELECT DISTINCT order_id AS k, occurrence AS o FROM fct_orders WHERE " + strings.Join(KindFlags[k], " OR ")
	labelled := "SELECT NULL AS k, NULL AS o WHERE 1 = 0"
	if haveLabels {
		labelled = fmt.Sprintf("SELECT DISTINCT key AS k, TRY_CAST(occurrence AS INTEGER) AS o FROM %s WHERE table_name = 'orders' AND kind = '%s'", r.opts.LabelsTable, k)
	}
	q := fmt.Sprintf(`WITH f AS (%s), l AS (%s)
SELECT (SELECT COUNT(*) FROM l), (SELECT COUNT(*) FROM f),
       (SELECT COUNT(*) FROM f JOIN l ON f.k = l.k AND f.o = l.o)`, flagged, labelled)
	if err := scanOne(ctx, w, q, &ks.Labelled, &ks.Flagged, &ks.TruePositives); err != nil {
		return ks, err
	}
	ks.Precision = ratio(ks.TruePositives, ks.Flagged)
	ks.Recall = ratio(ks.TruePositives, ks.Labelled)
	return ks, nil
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func scanOne(ctx context.Context, w warehouse.Warehouse, q string, dest ...any) error {
	rows, err := w.Query(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}

// Summary is a short, human-readable rendering of the report for a
// terminal.
func (rep *Report) Summary() string {
	var b strings.Builder
	span := ""
	if rep.FirstDay != "" {
		span = fmt.Sprintf(" (%s to %s)", rep.FirstDay, rep.LastDay)
	}
	fmt.Fprintf(&b, "Orders             %s%s\n", FormatCount(rep.Orders), span)
	fmt.Fprintf(&b, "Raw revenue        %s\n", rep.RawRevenue)
	fmt.Fprintf(&b, "Clean revenue      %s\n", rep.CleanRevenue)
	fmt.Fprintf(&b, "Revenue at Risk    %s\n", rep.RevenueAtRisk)
	fmt.Fprintf(&b, "Data Health Score  %.2f%% (%s flagged orders)\n", rep.HealthScore, FormatCount(rep.Flagged))
	fmt.Fprintf(&b, "\n%-12s %9s %9s %9s %9s %9s\n", "chaos kind", "injected", "flagged", "caught", "precision", "recall")
	for _, k := range rep.Kinds {
		fmt.Fprintf(&b, "%-12s %9s %9s %9s %8.1f%% %8.1f%%\n", k.Kind, FormatCount(k.Labelled), FormatCount(k.Flagged),
			FormatCount(k.TruePositives), 100*k.Precision, 100*k.Recall)
	}
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
	for _, t := range rep.Tests {
		if t.Status != Pass {
			fmt.Fprintf(&b, "  %-4s %-45s %s rows (%.2f%%)\n", t.Status, t.Name, FormatCount(t.Failures), t.Percent)
		}
	}
	return b.String()
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
