// Package quality measures what bad data costs and whether the checks catch
// it: dbt-style data tests, Elementary-style anomaly monitors, an
// append-only results history, the Data Health Score, Revenue at Risk, a
// scorecard that compares the checks with the chaos labels (the ground
// truth of what was corrupted), JSON snapshots and alerts.
//
// # Definitions
//
//   - Health Score: 100 × (orders without any flag) ÷ orders; 100 when there
//     are no orders.
//   - Raw revenue: the sum of total_amount over every order row, flagged or
//     not (what a naive report would show).
//   - Clean revenue: the same sum over the rows with no flag.
//   - Revenue at Risk: raw − clean. True Revenue at Risk: the sum of
//     total_amount over the rows the record-level chaos labels name (by
//     order id and occurrence); the gap between the two is the measurement
//     error.
//   - Per kind (the scorecard): labelled rows (the chaos labels, by order id
//     and occurrence, that a check can see), masked rows (labelled, but
//     only masked; see below), flagged rows (the rows the kind's flags
//     mark), true positives (labelled and flagged), precision = flagged rows
//     with a label of the kind ÷ flagged, recall = true positives ÷
//     labelled; a ratio with nothing to divide by is 1 (nothing was missed,
//     nothing was wrongly flagged), and no ratio can exceed 1. The same is
//     computed for the kind's tests, by the same key: the (order id,
//     occurrence) of their failing rows, made distinct over all the kind's
//     tests (a unique test on order_id names the occurrences after the
//     first).
//
// # Labels follow the data
//
// The scorecard reads the labels by two rules, the ones package chaos
// labels by:
//
//   - Duplicates inherit their source's corruptions: a duplicate carries
//     its source row's corruptions as labels of its own occurrence, so a
//     flag on a corrupted duplicate is a true positive.
//   - A corruption that another corruption of the same row makes
//     undetectable is masked ([MaskedLabel]; chaos.Label.MaskedBy): a
//     calculation error on a row whose product_id is a ghost or NULL (no
//     unit price to check the total against), a date before signup on a row
//     whose customer_id is (no signup date). Masked corruptions are
//     labelled and not counted as misses: recall counts only the
//     detectable labels, and the scorecard shows the masked ones in their
//     own column. True Revenue at Risk still counts every labelled row, masked
//     or not: a masked row always has the detectable label that masks it.
//
// The reporter reads the models built by package transform (fct_orders), the
// raw_chaos_labels table and, for the monitors' scorecard, the
// raw_chaos_dataset_labels table.
//
// # Tests
//
// A [Test] is a query for failing rows (dbt's convention) with a severity
// and thresholds on the failure count or percentage: not_null, unique,
// accepted_values, relationships, between (and positive, non_negative),
// expression, recency, row_count, custom_sql. Failures and a sample of the
// failing rows are kept whatever the status. All SQL is portable between
// DuckDB and Snowflake (CASE rather than FILTER, CAST rather than ::).
//
// # schema.yml
//
// [ParseSchema] and [LoadSchemaFile] read a dbt schema.yml (version 2):
// sources, models, columns and their tests, with config severity, warn_if,
// error_if and where; relationships with to: ref('model'); the dbt_utils,
// dbt_expectations and elementary tests listed in [SchemaTests]. An unknown
// test is an error naming the file and line. Sources map to warehouse
// tables by their table name (EDQM's raw tables are named like the
// original's: raw_orders...); the source's database and schema are kept
// but not used to qualify names. [SchemaOptions.Sources] overrides the
// mapping.
//
// # Monitors
//
// A [Monitor] computes a metric per day (volume, freshness, a column metric,
// counts per dimension value) and flags the days outside an expected band:
// a robust z-score (median and median absolute deviation) over a training
// window of the days it judged normal, with optional day-of-week
// seasonality (see [Detection]), so that faults in the training window,
// the first days included, do not widen the band. Every bucket keeps its
// value, expected value and band. Run with a results history
// (RunOptions.History), a monitor keeps the verdicts of earlier runs and
// judges every day exactly once, so a daily job is scored by
// [History.Verdicts] and [ScoreMonitors]. Schema monitors compare a
// table's columns with a baseline; [CheckHeaders] does the same for landed
// CSV files before they are loaded.
//
// # History
//
// [History] appends every result of every run (passes too) to one table in
// the warehouse, under a run id the caller chooses.
//
// # Snapshots and alerts
//
// [WriteSnapshot] writes the [Report] as JSON to a landing.Lander (the
// dashboard's demo mode reads it); [Report.Summary] renders it for a
// terminal. [Alerts] compares two reports and a [Notifier] (such as
// quality/webhook) sends what opened and what resolved.
package quality

import (
	"context"
	"fmt"
	"time"

	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/warehouse"
)

// Money is an amount in cents.
type Money int64

// String formats m as dollars with thousands separators, e.g. "$1,234.50"
// or "-$3.00".
func (m Money) String() string {
	sign := ""
	v := int64(m)
	if v < 0 {
		sign = "-"
		v = -v
	}
	return fmt.Sprintf("%s$%s.%02d", sign, FormatCount(v/100), v%100)
}

// KindFlags maps each chaos kind to the fct_orders flags that must catch it.
var KindFlags = map[chaos.Kind][]string{
	chaos.Calculation: {"has_math_error"},
	chaos.Temporal:    {"is_future_order", "is_before_signup"},
	chaos.Integrity:   {"is_orphan_order"},
	chaos.Domain:      {"has_negative_amount", "has_bad_amount", "has_bad_status", "has_bad_quantity", "has_bad_date"},
	chaos.Duplication: {"is_duplicate"},
}

// Flags lists every quality flag of fct_orders, in report order.
var Flags = []string{
	"has_math_error", "is_future_order", "is_before_signup", "is_orphan_order",
	"has_negative_amount", "has_bad_amount", "has_bad_status", "has_bad_quantity",
	"has_bad_date", "is_duplicate",
}

// DetectionScore compares a set of detections with the labels.
type DetectionScore struct {
	// Labelled, Flagged and TruePositives count labelled items, detected
	// items and items both labelled and detected.
	Labelled      int64 `json:"labelled"`
	Flagged       int64 `json:"flagged"`
	TruePositives int64 `json:"true_positives"`
	// Precision and Recall are in [0, 1].
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	// Tests names the tests scored (test scores only).
	Tests []string `json:"tests,omitempty"`
}

// KindScore is the detection scorecard of one chaos kind.
type KindScore struct {
	Kind chaos.Kind `json:"kind"`
	// Labelled is the number of order rows (order id and occurrence) the
	// chaos labels say were corrupted with this kind, detectably; Masked
	// the rows whose only labels of the kind are masked by another
	// corruption of the row (see [MaskedLabel]), which no flag can see.
	Labelled int64 `json:"labelled"`
	Masked   int64 `json:"masked"`
	// Flagged is the number of order rows the kind's flags mark.
	Flagged int64 `json:"flagged"`
	// TruePositives is the number of rows both detectably labelled and
	// flagged.
	TruePositives int64 `json:"true_positives"`
	// Precision (flagged rows with a label of the kind, masked or not, over
	// flagged rows) and Recall (TruePositives over Labelled) of the flags,
	// in [0, 1].
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	// RevenueAtRisk sums total_amount over the rows the kind's flags mark;
	// TrueRevenueAtRisk over the rows labelled with the kind. A row with
	// several kinds counts in each.
	RevenueAtRisk     Money `json:"revenue_at_risk_cents"`
	TrueRevenueAtRisk Money `json:"true_revenue_at_risk_cents"`
	// Tests scores the kind's tests, by (order id, occurrence) as the
	// flags are; nil when the kind has no test with an order_id in its
	// failing rows.
	Tests *DetectionScore `json:"tests,omitempty"`
}

// DayFigures are the report's figures for one batch day.
type DayFigures struct {
	// Day is the batch day, YYYY-MM-DD; the other fields are the
	// Report's, for that day's orders (Labelled counts the order rows the
	// labels name).
	Day               string  `json:"day"`
	Orders            int64   `json:"orders"`
	Flagged           int64   `json:"flagged"`
	Labelled          int64   `json:"labelled"`
	HealthScore       float64 `json:"health_score"`
	RawRevenue        Money   `json:"raw_revenue_cents"`
	CleanRevenue      Money   `json:"clean_revenue_cents"`
	RevenueAtRisk     Money   `json:"revenue_at_risk_cents"`
	TrueRevenueAtRisk Money   `json:"true_revenue_at_risk_cents"`
}

// FailingTest is a test with failures, for the report's top list.
type FailingTest struct {
	// The fields are the TestResult's.
	Name     string  `json:"name"`
	Model    string  `json:"model"`
	Column   string  `json:"column,omitempty"`
	Status   Status  `json:"status"`
	Failures int64   `json:"failures"`
	Percent  float64 `json:"percent"`
}

// ReportSchemaVersion is the version of the Report's JSON shape. It grows
// when a field changes meaning; adding fields keeps it.
//
// Version 3: KindScore.Labelled counts the detectably labelled rows only
// (version 2 counted masked ones too; KindScore.Masked, Report.OrderIDs
// are new) and tests are scored by (order id, occurrence) as flags are;
// a monitor's Bucket.Expected is the training median and Score a robust
// z-score (version 2: the mean and a z-score over the standard
// deviation). [ReadSnapshot] reads versions 1 to 3.
const ReportSchemaVersion = 3

// Report is what a quality run found.
type Report struct {
	// SchemaVersion is ReportSchemaVersion.
	SchemaVersion int `json:"schema_version"`
	// RunID identifies the run (Options.RunID, or derived from the Clock).
	RunID string `json:"run_id,omitempty"`
	// GeneratedAt comes from the reporter's Clock.
	GeneratedAt time.Time `json:"generated_at"`
	// FirstDay and LastDay bound the batches in fct_orders.
	FirstDay string `json:"first_day,omitempty"`
	LastDay  string `json:"last_day,omitempty"`
	// Orders is the number of order rows in fct_orders (duplicates
	// included); Flagged those with at least one flag. OrderIDs is the
	// number of distinct order ids among them: Orders − OrderIDs rows
	// repeat an order id.
	Orders   int64 `json:"orders"`
	OrderIDs int64 `json:"order_ids"`
	Flagged  int64 `json:"flagged"`
	// HealthScore is in [0, 100].
	HealthScore   float64 `json:"health_score"`
	RawRevenue    Money   `json:"raw_revenue_cents"`
	CleanRevenue  Money   `json:"clean_revenue_cents"`
	RevenueAtRisk Money   `json:"revenue_at_risk_cents"`
	// Labels is true when the chaos labels table exists; then
	// TrueRevenueAtRisk is the Revenue at Risk the labels imply and
	// LabelledRows the number of order rows they name.
	Labels            bool  `json:"labels"`
	LabelledRows      int64 `json:"labelled_rows"`
	TrueRevenueAtRisk Money `json:"true_revenue_at_risk_cents"`
	// FlagCounts counts the rows per flag.
	FlagCounts map[string]int64 `json:"flag_counts"`
	// Kinds is the scorecard, in chaos.Kinds order.
	Kinds []KindScore `json:"kinds"`
	// Days are the figures per batch day, in order.
	Days []DayFigures `json:"days"`
	// Tests are the data tests' results.
	Tests []TestResult `json:"tests"`
	// Monitors are the monitors' results.
	Monitors []MonitorResult `json:"monitors"`
	// Datasets scores the monitors against the dataset-level chaos labels;
	// nil without monitors or without those labels.
	Datasets *DatasetScorecard `json:"dataset_scorecard,omitempty"`
	// Incidents are the failing and warning tests and monitors, and a
	// Health Score under Options.MinHealthScore.
	Incidents []Incident `json:"incidents"`
	// TopFailing are the tests with the most failures, at most 10.
	TopFailing []FailingTest `json:"top_failing_tests"`
}

// QualityReporter computes a Report from a warehouse whose models are built.
//
// Contract for every implementation: it only reads (no table is created or
// changed), so a report can be produced at any time; it honours ctx; the
// same warehouse content and Clock give the same Report, test durations
// aside.
type QualityReporter interface {
	Report(ctx context.Context, w warehouse.Warehouse) (*Report, error)
}
