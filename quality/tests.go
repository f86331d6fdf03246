package quality

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
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

// Status is a test's or a monitor's outcome.
type Status string

// Statuses.
const (
	Pass Status = "pass"
	// Warned: the test found failures but its severity is Warn, or its
	// failures meet warn_if and not error_if.
	Warned Status = "warn"
	Fail   Status = "fail"
	// NoData: a monitor had too little history to compute an expected band.
	NoData Status = "no_data"
)

// ErrBadTest is wrapped by errors in a test's or a monitor's definition.
var ErrBadTest = errors.New("quality: bad test")

// Test types. Each has the dbt meaning; the column is Test.Column, the
// model Test.Model.
const (
	// TypeNotNull fails the rows where the column is NULL.
	TypeNotNull = "not_null"
	// TypeUnique fails each non-NULL value that appears more than once.
	TypeUnique = "unique"
	// TypeAcceptedValues fails the rows whose non-NULL value is not in
	// Test.Values.
	TypeAcceptedValues = "accepted_values"
	// TypeRelationships fails the rows whose non-NULL value is not found in
	// column Test.Field of model Test.To.
	TypeRelationships = "relationships"
	// TypeBetween fails the rows whose value is below Test.Min or above
	// Test.Max (or equal to them when Test.Exclusive). NULLs pass.
	TypeBetween = "between"
	// TypePositive fails the rows whose value is ≤ 0.
	TypePositive = "positive"
	// TypeNonNegative fails the rows whose value is < 0.
	TypeNonNegative = "non_negative"
	// TypeExpression fails the rows where the SQL boolean Test.Expression
	// is false (NULL passes, as in dbt_utils.expression_is_true).
	TypeExpression = "expression"
	// TypeRecency fails when the latest value of the column (a date or a
	// timestamp) is older than Test.MaxAge at the run's time, or when the
	// model is empty.
	TypeRecency = "recency"
	// TypeRowCount fails when the model's row count differs from the row
	// count of Test.To; the failures are the difference.
	TypeRowCount = "row_count"
	// TypeCustomSQL runs Test.SQL, a query returning the failing rows.
	TypeCustomSQL = "custom_sql"
)

// TestTypes lists the test types RunTests knows.
var TestTypes = []string{
	TypeNotNull, TypeUnique, TypeAcceptedValues, TypeRelationships, TypeBetween, TypePositive,
	TypeNonNegative, TypeExpression, TypeRecency, TypeRowCount, TypeCustomSQL,
}

// Test is a dbt-style data test: a query for failing rows, a severity, and
// thresholds that turn the failure count into a status.
//
// SQL text in Where, Expression and SQL is trusted configuration (it is
// pasted into queries, as in dbt); model and column names are checked with
// [warehouse.ValidIdent].
type Test struct {
	// Type is one of the Type* constants.
	Type string
	// Model and Column name what is tested. Column is empty for
	// model-level tests (expression, row_count, custom_sql).
	Model, Column string
	// Values are the accepted values (accepted_values).
	Values []string
	// To and Field name the referenced model and column (relationships);
	// To is the model compared with (row_count).
	To, Field string
	// Min and Max bound the values (between); nil means unbounded.
	Min, Max *float64
	// Exclusive makes the bounds of between strict.
	Exclusive bool
	// Expression is a SQL boolean expression every row must satisfy
	// (expression).
	Expression string
	// SQL is a query returning the failing rows (custom_sql). Model, when
	// set, is the denominator of the failing percentage.
	SQL string
	// MaxAge is the largest acceptable age of the latest value (recency).
	MaxAge time.Duration
	// Where filters the model's rows before testing, as dbt's where config
	// (all types but custom_sql, whose query does its own filtering).
	Where string
	// Severity is Error when empty.
	Severity Severity
	// WarnIf and ErrorIf are thresholds (see [ParseThreshold]); empty
	// means [DefaultThreshold]. With Severity Error, a test fails when
	// ErrorIf holds and warns when only WarnIf holds; with Severity Warn,
	// ErrorIf is ignored.
	WarnIf, ErrorIf string
	// ID replaces the generated name (see Test.Name).
	ID string
	// Kind is the chaos kind the test is meant to catch, for the
	// scorecard; empty means [InferKind].
	Kind chaos.Kind
	// Meta carries free-form metadata, e.g. "owner" (from schema.yml's
	// meta), shown with incidents.
	Meta map[string]string
	// Origin says where the test was defined, e.g. "schema.yml:42".
	Origin string
}

// Name is the test's name: ID when set, otherwise dbt style, e.g.
// "unique_fct_orders_order_id", or "expression_fct_orders" for a
// model-level test.
func (t Test) Name() string {
	if t.ID != "" {
		return t.ID
	}
	n := t.Type + "_" + t.Model
	if t.Column != "" {
		n += "_" + t.Column
	}
	return n
}

// severity returns the effective severity.
func (t Test) severity() Severity {
	if t.Severity == "" {
		return Error
	}
	return t.Severity
}

// bad wraps ErrBadTest with the test's name and origin.
func (t Test) bad(format string, a ...any) error {
	where := ""
	if t.Origin != "" {
		where = " (" + t.Origin + ")"
	}
	return fmt.Errorf("%w %s%s: "+format, append([]any{ErrBadTest, t.Name(), where}, a...)...)
}

// Validate checks the definition without running it: the type, the
// identifiers, the arguments the type needs, the severity and the
// thresholds. The error wraps [ErrBadTest].
func (t Test) Validate() error {
	_, err := t.FailingRowsSQLAt(time.Unix(0, 0))
	return err
}

// FailingRowsSQL returns a query selecting the failing rows (dbt's
// convention: a test passes when its query returns no row). A recency
// test needs a time: use FailingRowsSQLAt.
func (t Test) FailingRowsSQL() (string, error) {
	if t.Type == TypeRecency {
		return "", t.bad("recency needs the run's time: use FailingRowsSQLAt")
	}
	return t.FailingRowsSQLAt(time.Time{})
}

// FailingRowsSQLAt is FailingRowsSQL for a run at now (used by recency).
// The SQL is portable: it runs on DuckDB and Snowflake.
func (t Test) FailingRowsSQLAt(now time.Time) (string, error) {
	q, _, err := t.compile(now)
	return q, err
}

// checkIdents validates identifiers, naming the role of the first bad one.
func (t Test) checkIdents(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := warehouse.ValidIdent(pairs[i+1]); err != nil {
			return t.bad("%s: %w", pairs[i], err)
		}
	}
	return nil
}

// compile returns the failing-rows query and the SQL of the failure count
// over it ("" for COUNT(*)).
func (t Test) compile(now time.Time) (q, failCalc string, err error) {
	if err := t.checkConfig(); err != nil {
		return "", "", err
	}
	if t.Type == TypeCustomSQL {
		if t.Model != "" {
			if err := t.checkIdents("model", t.Model); err != nil {
				return "", "", err
			}
		}
		s := strings.TrimRight(strings.TrimSpace(t.SQL), ";")
		if s == "" {
			return "", "", t.bad("custom_sql needs a query")
		}
		return s, "", nil
	}
	if err := t.checkIdents("model", t.Model); err != nil {
		return "", "", err
	}
	needsColumn := t.Type != TypeExpression && t.Type != TypeRowCount
	if needsColumn || t.Column != "" {
		if err := t.checkIdents("column", t.Column); err != nil {
			return "", "", err
		}
	}
	src := t.Model
	if w := strings.TrimSpace(t.Where); w != "" {
		src = "(SELECT * FROM " + t.Model + " WHERE (" + w + ")) AS " + t.Model
	}
	return t.failingSQL(src, now)
}

// checkConfig checks the severity and the thresholds.
func (t Test) checkConfig() error {
	switch t.Severity {
	case "", Warn, Error:
	default:
		return t.bad("severity %q: want warn or error", t.Severity)
	}
	for _, th := range []string{t.WarnIf, t.ErrorIf} {
		if th != "" {
			if _, err := ParseThreshold(th); err != nil {
				return t.bad("%w", err)
			}
		}
	}
	return nil
}

// failingSQL renders the failing-rows query of a test other than
// custom_sql over src, the tested relation (filtered by Where), and its
// failure count ("" for COUNT(*)).
func (t Test) failingSQL(src string, now time.Time) (q, failCalc string, err error) {
	c := t.Column
	switch t.Type {
	case TypeNotNull:
		return fmt.Sprintf("SELECT * FROM %s WHERE %s IS NULL", src, c), "", nil
	case TypeUnique:
		return fmt.Sprintf("SELECT %s, COUNT(*) AS n_records FROM %s WHERE %s IS NOT NULL GROUP BY %s HAVING COUNT(*) > 1", c, src, c, c), "", nil
	case TypeAcceptedValues:
		if len(t.Values) == 0 {
			return "", "", t.bad("accepted_values needs values")
		}
		return fmt.Sprintf("SELECT * FROM %s WHERE %s IS NOT NULL AND %s NOT IN (%s)", src, c, c, quoteList(t.Values)), "", nil
	case TypeRelationships:
		if err := t.checkIdents("to", t.To, "field", t.Field); err != nil {
			return "", "", err
		}
		return fmt.Sprintf("SELECT c.* FROM %s AS c LEFT JOIN %s AS p ON c.%s = p.%s WHERE c.%s IS NOT NULL AND p.%s IS NULL",
			srcAs(t), t.To, c, t.Field, c, t.Field), "", nil
	case TypeBetween, TypePositive, TypeNonNegative:
		q, err := t.rangeSQL(src)
		return q, "", err
	case TypeExpression:
		e := strings.TrimSpace(t.Expression)
		if e == "" {
			return "", "", t.bad("expression needs an expression")
		}
		return fmt.Sprintf("SELECT * FROM %s WHERE NOT (%s)", src, e), "", nil
	case TypeRecency:
		if t.MaxAge <= 0 {
			return "", "", t.bad("recency needs a positive max age")
		}
		if now.IsZero() {
			return "", "", t.bad("recency needs the run's time (RunOptions.Now)")
		}
		cutoff := now.UTC().Add(-t.MaxAge).Format("2006-01-02 15:04:05")
		return fmt.Sprintf("SELECT MAX(%s) AS latest FROM %s HAVING MAX(%s) IS NULL OR MAX(%s) < CAST('%s' AS TIMESTAMP)",
			c, src, c, c, cutoff), "", nil
	case TypeRowCount:
		if err := t.checkIdents("to", t.To); err != nil {
			return "", "", err
		}
		return fmt.Sprintf("SELECT a.n AS model_rows, b.n AS other_rows, ABS(a.n - b.n) AS difference "+
				"FROM (SELECT COUNT(*) AS n FROM %s) AS a CROSS JOIN (SELECT COUNT(*) AS n FROM %s) AS b WHERE a.n <> b.n", src, t.To),
			"COALESCE(SUM(difference), 0)", nil
	}
	return "", "", t.bad("unknown test type %q (known: %s)", t.Type, strings.Join(TestTypes, ", "))
}

// rangeSQL renders the failing rows of between, positive and non_negative.
func (t Test) rangeSQL(src string) (string, error) {
	c := t.Column
	lo, hi, strict := t.Min, t.Max, t.Exclusive
	zero := 0.0
	switch t.Type {
	case TypePositive:
		lo, hi, strict = &zero, nil, true
	case TypeNonNegative:
		lo, hi, strict = &zero, nil, false
	}
	if lo == nil && hi == nil {
		return "", t.bad("between needs min or max")
	}
	ltOp, gtOp := "<", ">"
	if strict {
		ltOp, gtOp = "<=", ">="
	}
	var conds []string
	for _, b := range []struct {
		v  *float64
		op string
	}{{lo, ltOp}, {hi, gtOp}} {
		if b.v == nil {
			continue
		}
		if math.IsNaN(*b.v) || math.IsInf(*b.v, 0) {
			return "", t.bad("bound %v is not a finite number", *b.v)
		}
		conds = append(conds, fmt.Sprintf("%s %s %s", c, b.op, strconv.FormatFloat(*b.v, 'f', -1, 64)))
	}
	return fmt.Sprintf("SELECT * FROM %s WHERE %s", src, strings.Join(conds, " OR ")), nil
}

// srcAs renders the tested relation, ready for an alias.
func srcAs(t Test) string {
	if w := strings.TrimSpace(t.Where); w != "" {
		return "(SELECT * FROM " + t.Model + " WHERE (" + w + "))"
	}
	return t.Model
}

// quoteList renders SQL string literals separated by commas.
func quoteList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = quote(v)
	}
	return strings.Join(q, ", ")
}

// quote renders v as a string literal that means v on both engines. A
// quote is doubled. A backslash, which escapes in Snowflake's literals and
// not in DuckDB's, never appears inside a literal: it is concatenated as
// chr(92), so no value can end a literal early on either engine.
func quote(v string) string {
	parts := strings.Split(v, `\`)
	for i, p := range parts {
		parts[i] = "'" + strings.ReplaceAll(p, "'", "''") + "'"
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, " || chr(92) || ") + ")"
}

// Sample holds a few failing rows, kept with every result that has
// failures, whatever its status.
type Sample struct {
	// Columns name the values of each row.
	Columns []string `json:"columns"`
	// Rows hold JSON-friendly values: nil, bool, int64, float64 or string
	// (dates as YYYY-MM-DD, timestamps in RFC 3339, decimals as text).
	Rows [][]any `json:"rows"`
}

// TestResult is the outcome of one test. Failures and Sample are always
// kept, even when the test passes under its thresholds.
type TestResult struct {
	// Name, Type, Model and Column identify the test (see Test); Severity
	// is the effective one (Error when the test left it empty), Status the
	// outcome.
	Name     string   `json:"name"`
	Type     string   `json:"type,omitempty"`
	Model    string   `json:"model"`
	Column   string   `json:"column"`
	Severity Severity `json:"severity"`
	Status   Status   `json:"status"`
	// Failures is the number of failing rows (for row_count, the
	// difference in rows); Rows the tested model's row count (after Where);
	// Percent = 100 × Failures ÷ Rows, 0 when Rows is 0.
	Failures int64   `json:"failures"`
	Rows     int64   `json:"rows"`
	Percent  float64 `json:"percent"`
	// WarnIf and ErrorIf are the thresholds applied.
	WarnIf  string `json:"warn_if,omitempty"`
	ErrorIf string `json:"error_if,omitempty"`
	// Sample holds up to RunOptions.SampleSize failing rows; nil when
	// there are none.
	Sample *Sample `json:"sample,omitempty"`
	// Kind is the chaos kind the test is meant to catch, if any.
	Kind chaos.Kind `json:"chaos_kind,omitempty"`
	// Owner comes from the test's meta "owner"; Origin is the test's.
	Owner  string `json:"owner,omitempty"`
	Origin string `json:"origin,omitempty"`
	// SQL is the failing-rows query; Duration the time the test took.
	SQL      string        `json:"sql"`
	Duration time.Duration `json:"duration_ns"`
}

// RunOptions configure a run of tests and monitors. A nil *RunOptions
// means defaults.
type RunOptions struct {
	// Now is the run's time: recency tests measure age from it, and
	// monitors end their detection window on its day. Zero means no
	// recency test may run, and monitors end on the latest day with data.
	Now time.Time
	// SampleSize is the number of failing rows kept per test; 0 means
	// DefaultSampleSize, negative keeps none.
	SampleSize int
	// History, when set, is read for the baselines of schema-change
	// monitors (the last columns recorded) and for the verdicts earlier
	// runs recorded: a series monitor keeps them (Bucket.Carried), trains
	// only on the days they found normal, and reports, besides its
	// detection window, every older day it judges for the first time. It
	// is never written by a run: append the results with History.Append,
	// so that the next run finds them.
	History *History
}

// DefaultSampleSize is the number of failing rows kept per test.
const DefaultSampleSize = 5

func (o *RunOptions) sampleSize() int {
	if o == nil || o.SampleSize == 0 {
		return DefaultSampleSize
	}
	return max(o.SampleSize, 0)
}

// RunTests runs each test against w, in order. opts may be nil (defaults:
// no run time, so a recency test is an error; DefaultSampleSize failing
// rows kept per test). A test whose SQL fails to run is an error naming
// the test; failing rows are results, not errors. The results of the
// tests run so far are returned with the error.
func RunTests(ctx context.Context, w warehouse.Warehouse, tests []Test, opts *RunOptions) ([]TestResult, error) {
	var now time.Time
	if opts != nil {
		now = opts.Now
	}
	out := make([]TestResult, 0, len(tests))
	for _, t := range tests {
		r, err := runTest(ctx, w, t, now, opts.sampleSize())
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

func runTest(ctx context.Context, w warehouse.Warehouse, t Test, now time.Time, sampleSize int) (TestResult, error) {
	q, failCalc, err := t.compile(now)
	if err != nil {
		return TestResult{}, err
	}
	warnIf, errorIf := t.WarnIf, t.ErrorIf
	if warnIf == "" {
		warnIf = DefaultThreshold
	}
	if errorIf == "" {
		errorIf = DefaultThreshold
	}
	r := TestResult{Name: t.Name(), Type: t.Type, Model: t.Model, Column: t.Column, Severity: t.severity(), Status: Pass,
		WarnIf: warnIf, ErrorIf: errorIf, Kind: t.Kind, Owner: t.Meta["owner"], Origin: t.Origin, SQL: q}
	if r.Kind == "" {
		r.Kind = InferKind(t)
	}
	start := time.Now()
	fail := func(err error) (TestResult, error) {
		return r, fmt.Errorf("quality: test %s: %w", t.Name(), err)
	}
	// A unique test's query is costly (it groups every row) and returns
	// few rows (one per duplicated value): its count and its sample come
	// from one run of it, the sample's rows carrying the count. Other
	// tests keep two queries, a count and a top-n sample, which is
	// cheaper for them than ordering every failing row.
	countAndSample := failCalc == "" && sampleSize > 0 && t.Type == TypeUnique
	if countAndSample {
		s, n, err := sample(ctx, w, q, sampleSize, true)
		if err != nil {
			return fail(err)
		}
		r.Failures = n
		if n > 0 {
			r.Sample = s
		}
	} else {
		if failCalc == "" {
			failCalc = "COUNT(*)"
		}
		if err := queryInt(ctx, w, "SELECT "+failCalc+" FROM ("+q+") AS failing", &r.Failures); err != nil {
			return fail(err)
		}
	}
	switch {
	case t.Type == TypeRecency:
		r.Rows = 1
	case t.Model != "":
		src := t.Model
		if wh := strings.TrimSpace(t.Where); wh != "" {
			src += " WHERE (" + wh + ")"
		}
		if err := queryInt(ctx, w, "SELECT COUNT(*) FROM "+src, &r.Rows); err != nil {
			return fail(err)
		}
	}
	if r.Rows > 0 {
		r.Percent = 100 * float64(r.Failures) / float64(r.Rows)
	}
	if r.Failures > 0 && sampleSize > 0 && !countAndSample {
		s, _, err := sample(ctx, w, q, sampleSize, false)
		if err != nil {
			return fail(err)
		}
		r.Sample = s
	}
	wi, _ := ParseThreshold(warnIf) // checked by compile
	ei, _ := ParseThreshold(errorIf)
	switch {
	case r.Severity == Error && ei.Match(r.Failures, r.Percent):
		r.Status = Fail
	case wi.Match(r.Failures, r.Percent):
		r.Status = Warned
	}
	r.Duration = time.Since(start)
	return r, nil
}

// sample returns up to n rows of q, ordered by its first column so that
// the same data gives the same sample. With count, the same query also
// counts all of q's rows (a window over them), returned second; without
// it, the count is 0.
func sample(ctx context.Context, w warehouse.Warehouse, q string, n int, count bool) (*Sample, int64, error) {
	sel := "failing.*"
	if count {
		sel += ", COUNT(*) OVER () AS edqm_failing_rows"
	}
	rows, err := w.Query(ctx, fmt.Sprintf("SELECT %s FROM (%s) AS failing ORDER BY 1 LIMIT %d", sel, q, n))
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, 0, err
	}
	var total sql.NullInt64
	width := len(cols)
	if count {
		width--
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, 0, err
	}
	s := &Sample{Columns: cols[:width], Rows: [][]any{}}
	for rows.Next() {
		vals := make([]any, width)
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if count {
			ptrs[width] = &total
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, 0, err
		}
		for i, v := range vals {
			vals[i] = jsonValue(typedText(v, types[i]))
		}
		s.Rows = append(s.Rows, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return s, total.Int64, rows.Close()
}

// typedText turns the text gosnowflake returns for a BOOLEAN or a NUMBER
// column scanned into any (its converter.go stringToValue hands back the
// JSON result's text for both) into what DuckDB's driver gives: a bool,
// an int64 for a scale of 0, a decimal without trailing zeros otherwise;
// so that a failing-row sample is the same on both engines. Any other
// value is returned as it is.
func typedText(v any, ct *sql.ColumnType) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	switch ct.DatabaseTypeName() {
	case "BOOLEAN":
		if b, err := strconv.ParseBool(s); err == nil {
			return b
		}
	case "FIXED":
		_, scale, ok := ct.DecimalSize()
		switch {
		case ok && scale == 0:
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return n
			}
		case ok && strings.Contains(s, "."):
			// DuckDB's decimals print without trailing zeros: 127.8, 20.
			s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
			if s == "-0" || s == "" {
				s = "0"
			}
			return s
		}
	}
	return v
}

// jsonValue turns a driver value into nil, bool, int64, float64 or string.
func jsonValue(v any) any {
	switch x := v.(type) {
	case nil, bool, int64, string:
		return x
	case int:
		return int64(x)
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x)
		}
		return strconv.FormatUint(x, 10)
	case float32:
		return jsonValue(float64(x))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return strconv.FormatFloat(x, 'g', -1, 64)
		}
		return x
	case []byte:
		return string(x)
	case time.Time:
		if x.Equal(edqm.Day(x)) && x.Location() == time.UTC {
			return x.Format(edqm.DateLayout)
		}
		return x.Format(time.RFC3339Nano)
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

func queryInt(ctx context.Context, w warehouse.Warehouse, q string, dst *int64) error {
	var v sql.NullInt64
	if err := scanOne(ctx, w, q, &v); err != nil {
		return err
	}
	*dst = v.Int64
	return nil
}

// InferKind returns the chaos kind a test on fct_orders or stg_orders is
// meant to catch, from its column and type, or "" when it has none (tests
// on other models, or on columns no kind corrupts):
//
//   - order_id unique: duplication;
//   - customer_id, product_id (relationships, not_null): integrity;
//   - total_amount, quantity, status (ranges, accepted values, not_null):
//     domain;
//   - order_date: temporal;
//   - an expression mentioning unit_price: calculation.
func InferKind(t Test) chaos.Kind {
	if t.Model != "fct_orders" && t.Model != "stg_orders" {
		return ""
	}
	switch {
	case t.Type == TypeExpression && strings.Contains(t.Expression, "unit_price"):
		return chaos.Calculation
	case t.Column == "order_id" && t.Type == TypeUnique:
		return chaos.Duplication
	case t.Column == "customer_id" || t.Column == "product_id":
		if t.Type == TypeRelationships || t.Type == TypeNotNull {
			return chaos.Integrity
		}
	case t.Column == "total_amount" || t.Column == "quantity" || t.Column == "status":
		switch t.Type {
		case TypeBetween, TypePositive, TypeNonNegative, TypeAcceptedValues, TypeNotNull:
			return chaos.Domain
		}
	case t.Column == "order_date":
		return chaos.Temporal
	}
	return ""
}

// DefaultTests is the original pipeline's schema.yml as Go tests, plus the
// checks the five chaos kinds call for, each tagged with its kind.
func DefaultTests() []Test {
	zero, one, five := 0.0, 1.0, 5.0
	return []Test{
		{Type: TypeUnique, Model: "stg_customers", Column: "customer_id"},
		{Type: TypeNotNull, Model: "stg_customers", Column: "customer_id"},
		{Type: TypeUnique, Model: "stg_products", Column: "product_id"},
		{Type: TypeNotNull, Model: "stg_products", Column: "product_id"},
		{Type: TypeUnique, Model: "stg_orders", Column: "order_id", Severity: Warn},
		{Type: TypeNotNull, Model: "stg_orders", Column: "order_id"},
		{Type: TypeUnique, Model: "fct_orders", Column: "order_id", Severity: Warn, Kind: chaos.Duplication},
		{Type: TypeNotNull, Model: "fct_orders", Column: "order_id"},
		{Type: TypeRelationships, Model: "fct_orders", Column: "customer_id", To: "stg_customers", Field: "customer_id", Severity: Warn, Kind: chaos.Integrity},
		{Type: TypeRelationships, Model: "fct_orders", Column: "product_id", To: "stg_products", Field: "product_id", Severity: Warn, Kind: chaos.Integrity},
		{Type: TypeNotNull, Model: "fct_orders", Column: "customer_id", Severity: Warn, Kind: chaos.Integrity},
		{Type: TypeNotNull, Model: "fct_orders", Column: "product_id", Severity: Warn, Kind: chaos.Integrity},
		{Type: TypeBetween, Model: "fct_orders", Column: "total_amount", Min: &zero, Severity: Warn, Kind: chaos.Domain},
		{Type: TypeNotNull, Model: "fct_orders", Column: "status", Severity: Warn, Kind: chaos.Domain},
		{Type: TypeAcceptedValues, Model: "fct_orders", Column: "status", Values: []string{"COMPLETED", "PENDING", "SHIPPED", "CANCELLED"}, Severity: Warn, Kind: chaos.Domain},
		{Type: TypeBetween, Model: "fct_orders", Column: "quantity", Min: &one, Max: &five, Severity: Warn, Kind: chaos.Domain},
		// A value the staging models' strict parsing refuses is NULL.
		{Type: TypeNotNull, Model: "fct_orders", Column: "total_amount", Severity: Warn, Kind: chaos.Domain},
		{Type: TypeNotNull, Model: "fct_orders", Column: "quantity", Severity: Warn, Kind: chaos.Domain},
		{Type: TypeNotNull, Model: "fct_orders", Column: "order_date", Severity: Warn, Kind: chaos.Domain},
		{Type: TypeExpression, ID: "expression_fct_orders_amount_is_quantity_times_price", Model: "fct_orders", Severity: Warn, Kind: chaos.Calculation,
			Expression: "total_amount < 0 OR quantity NOT BETWEEN 1 AND 5 OR ABS(total_amount - quantity * unit_price) <= 0.05"},
		{Type: TypeExpression, ID: "expression_fct_orders_order_date_not_after_batch", Model: "fct_orders", Severity: Warn, Kind: chaos.Temporal,
			Expression: "order_date <= batch_date"},
		{Type: TypeExpression, ID: "expression_fct_orders_order_date_not_before_signup", Model: "fct_orders", Severity: Warn, Kind: chaos.Temporal,
			Expression: "order_date >= signup_date"},
	}
}
