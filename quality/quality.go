// Package quality measures what bad data costs and whether the checks catch
// it: dbt-style data tests, the Data Health Score, Revenue at Risk, and a
// scorecard that compares the mart's quality flags with the chaos labels
// (the ground truth of what was corrupted).
//
// # Definitions
//
//   - Health Score: 100 × (orders without any flag) ÷ orders; 100 when there
//     are no orders.
//   - Raw revenue: the sum of total_amount over every order row, flagged or
//     not (what a naive report would show).
//   - Clean revenue: the same sum over the rows with no flag.
//   - Revenue at Risk: raw − clean.
//   - Per kind: labelled rows (the chaos labels, by order id and occurrence),
//     flagged rows (the rows the kind's flags mark), true positives (both),
//     precision = true positives ÷ flagged, recall = true positives ÷
//     labelled; a ratio with nothing to divide by is 1 (nothing was missed,
//     nothing was wrongly flagged).
//
// The reporter reads the models built by package transform (fct_orders) and
// the raw_chaos_labels table.
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

// KindScore is the detection scorecard of one chaos kind.
type KindScore struct {
	Kind chaos.Kind `json:"kind"`
	// Labelled is the number of order rows the chaos labels say were
	// corrupted with this kind.
	Labelled int64 `json:"labelled"`
	// Flagged is the number of order rows the kind's flags mark.
	Flagged int64 `json:"flagged"`
	// TruePositives is the number of rows both labelled and flagged.
	TruePositives int64 `json:"true_positives"`
	// Precision and Recall are in [0, 1].
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
}

// Report is what a quality run found.
type Report struct {
	// GeneratedAt comes from the reporter's Clock.
	GeneratedAt time.Time `json:"generated_at"`
	// FirstDay and LastDay bound the batches in fct_orders.
	FirstDay string `json:"first_day,omitempty"`
	LastDay  string `json:"last_day,omitempty"`
	// Orders is the number of order rows in fct_orders; Flagged those with
	// at least one flag.
	Orders  int64 `json:"orders"`
	Flagged int64 `json:"flagged"`
	// HealthScore is in [0, 100].
	HealthScore   float64 `json:"health_score"`
	RawRevenue    Money   `json:"raw_revenue_cents"`
	CleanRevenue  Money   `json:"clean_revenue_cents"`
	RevenueAtRisk Money   `json:"revenue_at_risk_cents"`
	// FlagCounts counts the rows per flag.
	FlagCounts map[string]int64 `json:"flag_counts"`
	// Kinds is the scorecard, in chaos.Kinds order.
	Kinds []KindScore `json:"kinds"`
	// Tests are the data tests' results.
	Tests []TestResult `json:"tests"`
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
