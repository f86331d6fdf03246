package checkscore_test

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/quality/checkscore"
	"github.com/edqm/edqm/transform"
	"github.com/edqm/edqm/warehouse"
)

// testScore returns the score of the test named name.
func testScore(t *testing.T, sc *checkscore.Scorecard, name string) checkscore.TestScore {
	t.Helper()
	i := slices.IndexFunc(sc.Tests, func(ts checkscore.TestScore) bool { return ts.Name == name })
	require.GreaterOrEqual(t, i, 0, "no test %s", name)
	return sc.Tests[i]
}

// columnScore returns the score of the column named name.
func columnScore(t *testing.T, sc *checkscore.Scorecard, name string) checkscore.ColumnScore {
	t.Helper()
	i := slices.IndexFunc(sc.Columns, func(cs checkscore.ColumnScore) bool { return cs.Column == name })
	require.GreaterOrEqual(t, i, 0, "no column %s", name)
	return sc.Columns[i]
}

// TestTableTestsAndColumns scores a team's own table and checks the
// per-test and per-column tallies: rows matched through _file and _line,
// a unique test's duplicates, a test not attributed to rows killing by its
// count, and a test that fails on clean data counted as false alarms.
func TestTableTestsAndColumns(t *testing.T) {
	rows, spec := payments()
	suite, err := quality.ParseSchema("schema.yml", []byte(paymentsSchema), nil)
	require.NoError(t, err)
	tests := append(suite.Tests,
		quality.Test{Type: quality.TypeCustomSQL, ID: "at_most_200_payments", Model: "payments",
			SQL: "SELECT COUNT(*) AS n FROM payments HAVING COUNT(*) > 200"},
		quality.Test{Type: quality.TypeExpression, ID: "no_refunds", Model: "payments", Expression: "status <> 'REFUNDED'"})
	sc, err := checkscore.Score(t.Context(), &checkscore.Table{Spec: spec, Rows: rows},
		&checkscore.Options{Tests: tests, Seeds: []uint64{7}, Rate: 0.1,
			Variants: []string{"bad_status", "exact", "conflicting"}})
	require.NoError(t, err)

	status := testScore(t, sc, "accepted_values_payments_status")
	assert.True(t, status.Attributed)
	assert.Positive(t, status.Caught)
	assert.Zero(t, status.FalseAlarms)
	require.Len(t, status.Kills, 1)
	assert.Equal(t, "domain/bad_status", status.Kills[0].Variant)
	assert.Equal(t, status.Caught, status.Kills[0].Caught)
	assert.Greater(t, status.Kills[0].Recall, 0.5)
	assert.LessOrEqual(t, status.Kills[0].Recall, 1.0)

	unique := testScore(t, sc, "unique_payments_payment_id")
	assert.Equal(t, []string{"duplication/exact", "duplication/conflicting"},
		[]string{unique.Kills[0].Variant, unique.Kills[1].Variant})
	assert.Zero(t, unique.FalseAlarms, "only the duplicates, not their source rows")

	count := testScore(t, sc, "at_most_200_payments")
	assert.False(t, count.Attributed)
	assert.Equal(t, []checkscore.Kill{{Variant: "duplication/exact"}, {Variant: "duplication/conflicting"}}, count.Kills)

	refunds := testScore(t, sc, "no_refunds")
	assert.Positive(t, refunds.CleanFailures)
	assert.Positive(t, refunds.FalseAlarms)
	assert.Less(t, refunds.Precision, 1.0)

	col := columnScore(t, sc, "status")
	assert.Equal(t, []string{"accepted_values_payments_status"}, col.Declared)
	assert.Contains(t, col.CaughtBy, "accepted_values_payments_status")
	assert.Equal(t, []string{"domain/bad_status", "duplication/conflicting"}, col.Variants)
	assert.Equal(t, 3, sc.Mutants)
	assert.Equal(t, 4, sc.Trials)
}

// TestScoreRefuses checks the options Score cannot run with.
func TestScoreRefuses(t *testing.T) {
	rows, spec := payments()
	target := &checkscore.Table{Spec: spec, Rows: rows}
	tests := []quality.Test{{Type: quality.TypeNotNull, Model: "payments", Column: "payment_id"}}
	for name, o := range map[string]*checkscore.Options{
		"nil options":     nil,
		"no tests":        {},
		"rate above 1":    {Tests: tests, Rate: 1.5},
		"unknown variant": {Tests: tests, Variants: []string{"typo"}},
		"no seeds":        {Tests: tests, Seeds: []uint64{}},
		"bad test":        {Tests: []quality.Test{{Type: "nope", Model: "payments"}}},
	} {
		_, err := checkscore.Score(t.Context(), target, o)
		assert.ErrorIs(t, err, checkscore.ErrInvalidOptions, name)
	}
	_, err := checkscore.Score(t.Context(), nil, &checkscore.Options{Tests: tests})
	assert.ErrorIs(t, err, checkscore.ErrInvalidOptions)
}

// TestScoreNeedsAnEmptyWarehouse checks that a warehouse that already has a
// load ledger is refused, naming the trial.
func TestScoreNeedsAnEmptyWarehouse(t *testing.T) {
	rows, spec := payments()
	open := func(ctx context.Context) (warehouse.Warehouse, error) {
		wh, err := warehouse.Open(ctx, checkscore.DefaultWarehouseURL, nil)
		if err != nil {
			return nil, err
		}
		return wh, wh.Exec(ctx, "CREATE TABLE "+warehouse.LedgerTable+" AS SELECT 'orders/x.csv' AS file")
	}
	_, err := checkscore.Score(t.Context(), &checkscore.Table{Spec: spec, Rows: rows},
		&checkscore.Options{Tests: []quality.Test{{Type: quality.TypeNotNull, Model: "payments", Column: "payment_id"}}, Open: open})
	require.ErrorIs(t, err, checkscore.ErrNotEmpty)
	assert.ErrorContains(t, err, "clean trial")
}

// TestURLOpenerTrialPlaceholder scores on a DuckDB file per trial, named
// by the trial's number: the same warehouse URL without the placeholder
// fails at the second trial, whose file is not empty.
func TestURLOpenerTrialPlaceholder(t *testing.T) {
	rows, spec := payments()
	dir := t.TempDir()
	opts := &checkscore.Options{Tests: []quality.Test{{Type: quality.TypeNotNull, Model: "payments", Column: "customer_id"}},
		Variants: []string{"null"}, Seeds: []uint64{1, 2}}
	opts.Open = checkscore.URLOpener("duckdb://"+filepath.ToSlash(dir)+"/t{trial}.duckdb", nil)
	sc, err := checkscore.Score(t.Context(), &checkscore.Table{Spec: spec, Rows: rows}, opts)
	require.NoError(t, err)
	assert.Equal(t, 1, sc.Killed)
	for _, name := range []string{"t0.duckdb", "t1.duckdb", "t2.duckdb"} {
		assert.FileExists(t, filepath.Join(dir, name))
	}
	opts.Open = checkscore.URLOpener("duckdb://"+filepath.ToSlash(dir)+"/shared.duckdb", nil)
	_, err = checkscore.Score(t.Context(), &checkscore.Table{Spec: spec, Rows: rows}, opts)
	require.ErrorIs(t, err, checkscore.ErrNotEmpty)
	assert.ErrorContains(t, err, "trial null seed 1")
}

// TestTableProject scores a test on the team's own staging model, built
// over the raw table: its failing rows name rows by their occurrence.
func TestTableProject(t *testing.T) {
	rows, spec := payments()
	m, err := transform.ParseModel("stg_payments", `{{ config "materialized" "table" -}}
SELECT payment_id, {{ .Dialect.ParseAmount "amount" }} AS amount,
       row_number() OVER (PARTITION BY payment_id ORDER BY _file, _line) AS occurrence
FROM {{ source "team" "payments" }}`)
	require.NoError(t, err)
	p, err := transform.NewProject([]*transform.Model{m}, &transform.ProjectOptions{Sources: map[string]string{"team": ""}})
	require.NoError(t, err)
	zero := 0.0
	sc, err := checkscore.Score(t.Context(), &checkscore.Table{Spec: spec, Rows: rows, Project: p},
		&checkscore.Options{Tests: []quality.Test{{Type: quality.TypeBetween, Model: "stg_payments", Column: "amount", Min: &zero}},
			Variants: []string{"negative_amount", "exact"}})
	require.NoError(t, err)
	require.Len(t, sc.Variants, 2)
	assert.True(t, sc.Variants[0].Killed)
	assert.Equal(t, sc.Variants[0].Injected, sc.Variants[0].Caught)
	assert.Positive(t, sc.Variants[0].Injected)
	assert.False(t, sc.Variants[1].Killed, "a range test does not see a copy of a good row")
	assert.Equal(t, []string{"duplication/exact: no test fails on it"}, sc.Gaps)
}

// TestLandedTable reads a team's landed file back into the rows it wrote,
// and refuses a record of the wrong width, naming the file.
func TestLandedTable(t *testing.T) {
	rows, _ := payments()
	l := memlanding.New()
	var buf bytes.Buffer
	require.NoError(t, edqm.WriteCSV(&buf, rows))
	require.NoError(t, l.Put(t.Context(), "payments/p.csv", &buf))
	got, err := checkscore.LandedTable(t.Context(), l, "payments/p.csv", "payments")
	require.NoError(t, err)
	assert.Equal(t, rows.Columns, got.Columns)
	assert.Equal(t, rows.Rows, got.Rows)

	require.NoError(t, l.Put(t.Context(), "payments/bad.csv", strings.NewReader("a,b\n1,2\n3\n")))
	_, err = checkscore.LandedTable(t.Context(), l, "payments/bad.csv", "payments")
	assert.ErrorContains(t, err, "payments/bad.csv")
	_, err = checkscore.LandedTable(t.Context(), l, "payments/missing.csv", "payments")
	assert.ErrorIs(t, err, landing.ErrNotFound)
}
