package pipeline_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/pipeline"
	"github.com/edqm/edqm/warehouse"
)

// TestBadFormatFlagged: the chaos's "bad_format" values (an amount in
// scientific notation, padded or with three decimals, a quantity as "2.0",
// a date as "2026-3-9" or MM/DD/YYYY) are NULL after the strict parsing of
// the staging models, so the has_bad_* flag of their column catches them,
// on DuckDB and on the Snowflake test server: precision and recall of each
// flag against the labels of its column are at least 99 %.
func TestBadFormatFlagged(t *testing.T) {
	flags := map[string]string{"total_amount": "has_bad_amount", "quantity": "has_bad_quantity", "order_date": "has_bad_date"}
	for name, open := range map[string]func(*testing.T) warehouse.Warehouse{"duckdb": openDuckDB, "snowflake": openSnowflake} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			w := open(t)
			gen, err := generate.New(generate.Config{Seed: 5})
			require.NoError(t, err)
			inj, err := chaos.New(chaos.Config{Seed: 5, VariantRates: chaos.VariantRates{BadFormat: 0.15}})
			require.NoError(t, err)
			_, err = pipeline.Run(ctx, memlanding.New(), w, &pipeline.Options{
				Generator: gen, Injector: inj, Clock: edqm.FixedClock(day0), Day: day0, Days: 4})
			require.NoError(t, err)
			for column, flag := range flags {
				labelled := badFormatKeys(t, w, "SELECT key || '#' || occurrence FROM raw_chaos_labels WHERE variant = 'bad_format' AND column_name = '"+column+"'")
				flagged := badFormatKeys(t, w, "SELECT order_id || '#' || CAST(occurrence AS VARCHAR) FROM fct_orders WHERE "+flag)
				require.NotEmpty(t, labelled, "no bad_format label on %s", column)
				tp := 0
				for k := range flagged {
					if labelled[k] {
						tp++
					}
				}
				precision, recall := float64(tp)/float64(max(len(flagged), 1)), float64(tp)/float64(len(labelled))
				assert.GreaterOrEqual(t, precision, 0.99, "%s: %d flagged, %d of them labelled bad_format on %s", flag, len(flagged), tp, column)
				assert.GreaterOrEqual(t, recall, 0.99, "%s: %d labels on %s, %d flagged", flag, len(labelled), column, tp)
			}
		})
	}
}

// badFormatKeys returns the single text column of q's rows, as a set.
func badFormatKeys(t *testing.T, w warehouse.Warehouse, q string) map[string]bool {
	t.Helper()
	rows, err := w.Query(t.Context(), q)
	require.NoError(t, err, q)
	defer func() { _ = rows.Close() }()
	set := map[string]bool{}
	for rows.Next() {
		var k string
		require.NoError(t, rows.Scan(&k))
		set[k] = true
	}
	require.NoError(t, rows.Err())
	return set
}
