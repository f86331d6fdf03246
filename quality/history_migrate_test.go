package quality_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// TestHistoryRenamesSample: a history made before sample was renamed
// sample_json (SAMPLE is reserved in Snowflake) keeps working: reading
// or appending renames the column, keeping its values.
func TestHistoryRenamesSample(t *testing.T) {
	ctx := t.Context()
	w, err := duckdbwarehouse.Open(ctx, "", nil)
	require.NoError(t, err)
	defer w.Close()
	old := `CREATE TABLE _edqm_quality_results (
	run_id VARCHAR, run_at TIMESTAMP, result_type VARCHAR, name VARCHAR, type VARCHAR, model VARCHAR,
	column_name VARCHAR, severity VARCHAR, status VARCHAR,
	failures BIGINT, row_count BIGINT, failing_percent DOUBLE, sample VARCHAR, sql_text VARCHAR,
	bucket_day DATE, dimension VARCHAR, metric_value DOUBLE, expected DOUBLE, lower_bound DOUBLE,
	upper_bound DOUBLE, anomaly_score DOUBLE, anomalous BOOLEAN,
	message VARCHAR, duration_ms DOUBLE)`
	require.NoError(t, w.Exec(ctx, old))
	require.NoError(t, w.Exec(ctx, `INSERT INTO _edqm_quality_results (run_id, run_at, result_type, name, type, model, sample)
		VALUES ('r1', TIMESTAMP '2024-01-10 00:00:00', 'test', 'not_null_x', 'not_null', 'm', '{"columns":["x"]}')`))
	recs, err := quality.History{}.Records(ctx, w, "")
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, `{"columns":["x"]}`, recs[0].Sample)
	// Again: nothing left to rename.
	require.NoError(t, quality.History{}.Ensure(ctx, w))
	rows, err := w.Query(ctx, "SELECT sample_json FROM _edqm_quality_results")
	require.NoError(t, err)
	defer rows.Close()
	require.True(t, rows.Next())
	assert.Contains(t, quality.HistoryColumns, "sample_json")
	assert.NotContains(t, quality.HistoryColumns, "sample")
}
