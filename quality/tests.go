package quality

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/edqm/edqm/warehouse"
)

// Severity says what a failing test means.
type Severity string

// Severities.
const (
	// Warn: failures are reported; the pipeline goes on.
	Warn Severity = "warn"
	// Error: failures make the test fail.
	Error Severity = "error"
)

// Status is a test's outcome.
type Status string

// Statuses.
const (
	Pass Status = "pass"
	// Warned: the test found failures but its severity is Warn.
	Warned Status = "warn"
	Fail   Status = "fail"
)

// ErrBadTest is wrapped by errors in a test's definition.
var ErrBadTest = errors.New("quality: bad test")

// Test is a dbt-style generic data test on one column of a model.
type Test struct {
	// Type is one of not_null, unique, accepted_values, relationships,
	// between.
	Type string
	// Model and Column name what is tested.
	Model, Column string
	// Values are the accepted values (accepted_values).
	Values []string
	// To and Field name the referenced model and column (relationships).
	To, Field string
	// Min and Max bound the values (between); nil means unbounded.
	Min, Max *float64
	// Severity is Error when empty.
	Severity Severity
}

// Name is the test's dbt-style name, e.g. "unique_fct_orders_order_id".
func (t Test) Name() string { return t.Type + "_" + t.Model + "_" + t.Column }

// FailingRowsSQL returns a query selecting the failing rows (dbt's
// convention: a test passes when its query returns no row).
func (t Test) FailingRowsSQL() (string, error) {
	for _, id := range []string{t.Model, t.Column} {
		if err := warehouse.ValidIdent(id); err != nil {
			return "", fmt.Errorf("%w %s: %w", ErrBadTest, t.Name(), err)
		}
	}
	m, c := t.Model, t.Column
	switch t.Type {
	case "not_null":
		return fmt.Sprintf("SELECT * FROM %s WHERE %s IS NULL", m, c), nil
	case "unique":
		return fmt.Sprintf("SELECT %s, COUNT(*) AS n FROM %s WHERE %s IS NOT NULL GROUP BY %s HAVING COUNT(*) > 1", c, m, c, c), nil
	case "accepted_values":
		if len(t.Values) == 0 {
			return "", fmt.Errorf("%w %s: accepted_values needs values", ErrBadTest, t.Name())
		}
		q := make([]string, len(t.Values))
		for i, v := range t.Values {
			q[i] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
		}
		return fmt.Sprintf("SELECT * FROM %s WHERE %s IS NOT NULL AND %s NOT IN (%s)", m, c, c, strings.Join(q, ", ")), nil
	case "relationships":
		for _, id := range []string{t.To, t.Field} {
			if err := warehouse.ValidIdent(id); err != nil {
				return "", fmt.Errorf("%w %s: %w", ErrBadTest, t.Name(), err)
			}
		}
		return fmt.Sprintf("SELECT c.* FROM %s AS c LEFT JOIN %s AS p ON c.%s = p.%s WHERE c.%s IS NOT NULL AND p.%s IS NULL", m, t.To, c, t.Field, c, t.Field), nil
	case "between":
		if t.Min == nil && t.Max == nil {
			return "", fmt.Errorf("%w %s: between needs min or max", ErrBadTest, t.Name())
		}
		var conds []string
		if t.Min != nil {
			conds = append(conds, fmt.Sprintf("%s < %v", c, *t.Min))
		}
		if t.Max != nil {
			conds = append(conds, fmt.Sprintf("%s > %v", c, *t.Max))
		}
		return fmt.Sprintf("SELECT * FROM %s WHERE %s", m, strings.Join(conds, " OR ")), nil
	}
	return "", fmt.Errorf("%w %s: unknown test type %q", ErrBadTest, t.Name(), t.Type)
}

// TestResult is the outcome of one test. Failures is always kept, even when
// the test passes under a warn severity.
type TestResult struct {
	Name     string   `json:"name"`
	Model    string   `json:"model"`
	Column   string   `json:"column"`
	Severity Severity `json:"severity"`
	Status   Status   `json:"status"`
	// Failures is the number of failing rows; Rows the model's row count;
	// Percent = 100 × Failures ÷ Rows.
	Failures int64         `json:"failures"`
	Rows     int64         `json:"rows"`
	Percent  float64       `json:"percent"`
	SQL      string        `json:"sql"`
	Duration time.Duration `json:"duration_ns"`
}

// RunTests runs each test against w, in order. A test whose SQL fails to
// run is an error naming the test; failing rows are results, not errors.
func RunTests(ctx context.Context, w warehouse.Warehouse, tests []Test) ([]TestResult, error) {
	out := make([]TestResult, 0, len(tests))
	for _, t := range tests {
		q, err := t.FailingRowsSQL()
		if err != nil {
			return out, err
		}
		start := time.Now()
		var failures, rows int64
		if err := queryInt(ctx, w, "SELECT COUNT(*) FROM ("+q+") AS failing", &failures); err != nil {
			return out, fmt.Errorf("quality: test %s: %w", t.Name(), err)
		}
		if err := queryInt(ctx, w, "SELECT COUNT(*) FROM "+t.Model, &rows); err != nil {
			return out, fmt.Errorf("quality: test %s: %w", t.Name(), err)
		}
		sev := t.Severity
		if sev == "" {
			sev = Error
		}
		r := TestResult{Name: t.Name(), Model: t.Model, Column: t.Column, Severity: sev, Status: Pass,
			Failures: failures, Rows: rows, SQL: q, Duration: time.Since(start)}
		if rows > 0 {
			r.Percent = 100 * float64(failures) / float64(rows)
		}
		if failures > 0 {
			r.Status = Fail
			if sev == Warn {
				r.Status = Warned
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func queryInt(ctx context.Context, w warehouse.Warehouse, q string, dst *int64) error {
	rows, err := w.Query(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return fmt.Errorf("no row from %q", q)
	}
	if err := rows.Scan(dst); err != nil {
		return err
	}
	return rows.Close()
}

// DefaultTests is the original pipeline's schema.yml as Go tests, plus the
// checks the five chaos kinds call for.
func DefaultTests() []Test {
	zero := 0.0
	return []Test{
		{Type: "unique", Model: "stg_customers", Column: "customer_id"},
		{Type: "not_null", Model: "stg_customers", Column: "customer_id"},
		{Type: "unique", Model: "stg_products", Column: "product_id"},
		{Type: "not_null", Model: "stg_products", Column: "product_id"},
		{Type: "unique", Model: "stg_orders", Column: "order_id", Severity: Warn},
		{Type: "not_null", Model: "stg_orders", Column: "order_id"},
		{Type: "unique", Model: "fct_orders", Column: "order_id", Severity: Warn},
		{Type: "not_null", Model: "fct_orders", Column: "order_id"},
		{Type: "relationships", Model: "fct_orders", Column: "customer_id", To: "stg_customers", Field: "customer_id", Severity: Warn},
		{Type: "relationships", Model: "fct_orders", Column: "product_id", To: "stg_products", Field: "product_id", Severity: Warn},
		{Type: "between", Model: "fct_orders", Column: "total_amount", Min: &zero, Severity: Warn},
		{Type: "accepted_values", Model: "fct_orders", Column: "status", Values: []string{"COMPLETED", "PENDING", "SHIPPED", "CANCELLED"}, Severity: Warn},
	}
}
