package pipeline_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/chaos/chaosdataset"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/pipeline"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/warehouse"
)

// formatOptions are the options of the CSV/Parquet comparisons: record-level
// chaos of every kind (bad_format's text included) and the dataset-level
// chaos that has a Parquet meaning (volume drops and spikes, late
// partitions), over 12 days.
func formatOptions(t *testing.T, f pipeline.Format, dataset bool) *pipeline.Options {
	t.Helper()
	gen, err := generate.New(generate.Config{Seed: 21})
	require.NoError(t, err)
	inj, err := chaos.New(chaos.Config{Seed: 21, Rates: chaos.Uniform(0.04)})
	require.NoError(t, err)
	o := &pipeline.Options{Generator: gen, Injector: inj, Clock: edqm.FixedClock(day0), Day: day0, Days: 12, Format: f}
	if dataset {
		ds, err := chaosdataset.New(chaosdataset.Config{Seed: 21, Rates: chaosdataset.Rates{VolumeDrop: 0.15, VolumeSpike: 0.15, LatePartition: 0.2}})
		require.NoError(t, err)
		o.Dataset = ds
	}
	return o
}

// asCSV rewrites what differs between a report built from Parquet files
// and one built from CSV files, by construction: the files' extension in
// the failing rows' _file.
func asCSV(rep *quality.Report) {
	for i := range rep.Tests {
		s := rep.Tests[i].Sample
		if s == nil {
			continue
		}
		for _, row := range s.Rows {
			for c, v := range row {
				if text, ok := v.(string); ok {
					row[c] = strings.ReplaceAll(text, ".parquet", ".csv")
				}
			}
		}
	}
}

// untimed zeroes the durations of a report's tests and monitors.
func untimed(rep *quality.Report) {
	for i := range rep.Monitors {
		rep.Monitors[i].Duration = 0
	}
	for i := range rep.Tests {
		rep.Tests[i].Duration = 0
	}
}

// runFormat runs the flow in format f and returns its result and warehouse.
func runFormat(t *testing.T, f pipeline.Format, dataset bool, wh warehouse.Warehouse) *pipeline.Result {
	t.Helper()
	res, err := pipeline.Run(t.Context(), memlanding.New(), wh, formatOptions(t, f, dataset))
	require.NoError(t, err)
	require.NotNil(t, res.Report)
	return res
}

// assertSameReport checks that the Parquet run's report, once asCSV, is
// the CSV run's, and that the models hold the same rows.
func assertSameReport(t *testing.T, csvRes, pqRes *pipeline.Result, csvWH, pqWH warehouse.Warehouse) {
	t.Helper()
	assert.Equal(t, csvRes.Orders, pqRes.Orders)
	assert.Equal(t, csvRes.Labels, pqRes.Labels)
	assert.Equal(t, csvRes.Rows, pqRes.Rows)
	assert.Equal(t, csvRes.Rejected, pqRes.Rejected)
	asCSV(pqRes.Report)
	untimed(csvRes.Report)
	untimed(pqRes.Report)
	a, err := json.MarshalIndent(csvRes.Report, "", " ")
	require.NoError(t, err)
	b, err := json.MarshalIndent(pqRes.Report, "", " ")
	require.NoError(t, err)
	assert.Equal(t, string(a), string(b))
	assert.Positive(t, csvRes.Report.Flagged, "the comparison compares chaos")
	for _, table := range []string{"stg_customers", "stg_products", "raw_chaos_labels"} {
		_, x := tableRows(t, csvWH, table)
		_, y := tableRows(t, pqWH, table)
		for i := range y {
			y[i] = strings.ReplaceAll(y[i], ".parquet", ".csv")
		}
		assert.Equal(t, len(x), len(y), table)
	}
}

// TestParquetReportEqualsCSV: for the same seed and days, the models,
// tests, monitors and report built from Parquet files equal those built
// from CSV files, on DuckDB.
func TestParquetReportEqualsCSV(t *testing.T) {
	for _, dataset := range []bool{false, true} {
		name := map[bool]string{false: "record chaos", true: "record and dataset chaos"}[dataset]
		t.Run(name, func(t *testing.T) {
			csvWH, pqWH := openDuckDB(t), openDuckDB(t)
			assertSameReport(t, runFormat(t, pipeline.FormatCSV, dataset, csvWH), runFormat(t, pipeline.FormatParquet, dataset, pqWH), csvWH, pqWH)
		})
	}
}

// TestParquetLandsParquet: a Parquet run lands .parquet data files and CSV
// labels, and the same options give the same bytes.
func TestParquetLandsParquet(t *testing.T) {
	land := func() map[string]string {
		l := memlanding.New()
		_, err := pipeline.LandDays(t.Context(), l, []time.Time{day0.AddDate(0, 0, -1), day0}, true, formatOptions(t, pipeline.FormatParquet, true))
		require.NoError(t, err)
		objs, err := l.List(t.Context(), "")
		require.NoError(t, err)
		out := map[string]string{}
		for _, o := range objs {
			data, _, err := l.ReadVersioned(t.Context(), o.Key)
			require.NoError(t, err)
			out[o.Key] = string(data)
		}
		return out
	}
	a := land()
	assert.Equal(t, a, land())
	assert.Contains(t, a, "orders/date=2026-03-10/orders-2026-03-10.parquet")
	assert.Contains(t, a, "products/date=2026-03-09/products-2026-03-09.parquet")
	for key := range a {
		assert.False(t, strings.HasPrefix(key, "orders/") && strings.HasSuffix(key, ".csv"), key)
		if strings.HasPrefix(key, "_chaos/") {
			assert.True(t, strings.HasSuffix(key, ".csv"), "labels stay CSV: %s", key)
		}
	}
}

// TestParquetRefusesCSVChaos: dataset chaos that rewrites CSV text (a
// schema change, malformed lines) is refused with Parquet, before anything
// lands; an unknown format is refused too.
func TestParquetRefusesCSVChaos(t *testing.T) {
	for _, r := range []chaosdataset.Rates{{SchemaChange: 0.1}, {MalformedLines: 0.1}} {
		o := formatOptions(t, pipeline.FormatParquet, false)
		ds, err := chaosdataset.New(chaosdataset.Config{Seed: 1, Rates: r})
		require.NoError(t, err)
		o.Dataset = ds
		l := memlanding.New()
		_, err = pipeline.Run(t.Context(), l, openDuckDB(t), o)
		require.ErrorIs(t, err, pipeline.ErrInvalidOptions)
		assert.ErrorContains(t, err, "Parquet")
		objs, err := l.List(t.Context(), "")
		require.NoError(t, err)
		assert.Empty(t, objs)
	}
	o := formatOptions(t, "orc", false)
	_, err := pipeline.Run(t.Context(), memlanding.New(), openDuckDB(t), o)
	require.ErrorIs(t, err, pipeline.ErrInvalidOptions)
	assert.ErrorContains(t, err, `"orc"`)

	for in, want := range map[string]pipeline.Format{"": pipeline.FormatCSV, "CSV": pipeline.FormatCSV, "parquet": pipeline.FormatParquet} {
		got, err := pipeline.ParseFormat(in)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
}

// TestParquetReportEqualsCSVOnSnowflake: the same on the Snowflake test
// server, through the real driver: Parquet files staged with PUT and
// loaded with COPY INTO … FILE_FORMAT = (TYPE = PARQUET)
// MATCH_BY_COLUMN_NAME.
func TestParquetReportEqualsCSVOnSnowflake(t *testing.T) {
	csvWH, pqWH := openSnowflake(t), openSnowflake(t)
	pqRes := runFormat(t, pipeline.FormatParquet, true, pqWH)
	var n int64
	require.NoError(t, warehouse.QueryRow(t.Context(), pqWH, "SELECT COUNT(*) FROM raw_orders WHERE _file LIKE '%.parquet'", nil, &n))
	assert.Equal(t, pqRes.Orders, n, "every order row came from a Parquet file")
	assertSameReport(t, runFormat(t, pipeline.FormatCSV, true, csvWH), pqRes, csvWH, pqWH)
}
