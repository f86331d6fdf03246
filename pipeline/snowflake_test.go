package pipeline_test

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
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
	"github.com/edqm/edqm/transform"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
	_ "github.com/edqm/edqm/warehouse/snowflakewarehouse" // snowflake://
	"github.com/edqm/edqm/warehouse/snowflakewarehouse/sftest"
)

const sfPassword = "EDQMpipelineS3CRETpw"

// openSnowflake starts the Snowflake test server and opens the product on
// it through warehouse.Open, as a user's URL would.
func openSnowflake(t *testing.T) warehouse.Warehouse {
	t.Helper()
	srv := sftest.Start(t, &sftest.Options{Users: map[string]sftest.User{"EDQM": {Password: sfPassword}}})
	srv.SetEnv(t, sfPassword)
	w, err := warehouse.Open(t.Context(), srv.URL("EDQM", "EDQM", "RAW", ""), &warehouse.OpenOptions{Clock: edqm.FixedClock(day0)})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, w.Close()) })
	return w
}

func openDuckDB(t *testing.T) warehouse.Warehouse {
	t.Helper()
	w, err := duckdbwarehouse.Open(t.Context(), "", &duckdbwarehouse.Options{Clock: edqm.FixedClock(day0)})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, w.Close()) })
	return w
}

// chaoticOptions has record-level chaos of every kind and dataset-level
// chaos of every kind (volume drops and spikes, late partitions, schema
// changes, whose files are quarantined, and malformed lines, unclosed
// quotes among them: snowflakewarehouse loads a repaired copy of those
// files, so that both engines reject the same lines).
func chaoticOptions(t *testing.T) *pipeline.Options {
	t.Helper()
	gen, err := generate.New(generate.Config{Seed: 11})
	require.NoError(t, err)
	inj, err := chaos.New(chaos.Config{Seed: 11, Rates: chaos.Uniform(0.03)})
	require.NoError(t, err)
	ds, err := chaosdataset.New(chaosdataset.Config{Seed: 11, Rates: chaosdataset.Rates{
		VolumeDrop: 0.1, VolumeSpike: 0.1, LatePartition: 0.15, SchemaChange: 0.15, MalformedLines: 0.3}})
	require.NoError(t, err)
	return &pipeline.Options{Generator: gen, Injector: inj, Dataset: ds, Clock: edqm.FixedClock(day0), Day: day0, Days: 8}
}

// norm renders a value the same way whichever engine returned it: numbers
// rounded to 6 decimals (gosnowflake returns NUMBER as text, DuckDB as
// integers, floats or decimals), booleans as 1 and 0 (gosnowflake returns
// BOOLEAN as the text of Snowflake's JSON result, "1" or "0": converter.go
// stringToValue has no boolean case), dates as YYYY-MM-DD, timestamps in
// UTC.
func norm(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		x = x.UTC()
		if x.Equal(edqm.Day(x)) {
			return x.Format(edqm.DateLayout)
		}
		return x.Format(time.RFC3339Nano)
	case []byte:
		return norm(string(x))
	case bool:
		return map[bool]string{true: "1", false: "0"}[x]
	case string:
		if f, err := strconv.ParseFloat(x, 64); err == nil && strings.TrimSpace(x) == x {
			return normFloat(f)
		}
		return x
	case interface{ Float64() float64 }: // duckdb.Decimal
		return normFloat(x.Float64())
	case fmt.Stringer:
		return norm(x.String())
	}
	if f, err := strconv.ParseFloat(fmt.Sprint(v), 64); err == nil {
		return normFloat(f)
	}
	return fmt.Sprint(v)
}

func normFloat(f float64) string {
	r := math.Round(f*1e6) / 1e6
	if r == 0 {
		r = 0 // no -0
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// tableRows returns a table's columns (lower case) and its rows,
// normalised and sorted.
func tableRows(t *testing.T, w warehouse.Warehouse, table string) ([]string, []string) {
	t.Helper()
	rows, err := w.Query(t.Context(), "SELECT * FROM "+table)
	require.NoError(t, err, table)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	for i := range cols {
		cols[i] = strings.ToLower(cols[i])
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		s := make([]string, len(vals))
		for i, v := range vals {
			s[i] = norm(v)
		}
		out = append(out, strings.Join(s, " | "))
	}
	require.NoError(t, rows.Err())
	slices.Sort(out)
	return cols, out
}

// modelNames are the built-in models, in build order.
func modelNames(t *testing.T) []string {
	t.Helper()
	p := builtin(t)
	var names []string
	for _, level := range p.Levels() {
		for _, m := range level {
			names = append(names, m.Name)
		}
	}
	require.NotEmpty(t, names)
	return names
}

func builtin(t *testing.T) *transform.Project {
	t.Helper()
	ms, err := transform.Builtin()
	require.NoError(t, err)
	p, err := transform.NewProject(ms, nil)
	require.NoError(t, err)
	return p
}

// assertSameTables checks that every table has the same columns and rows
// on both warehouses.
func assertSameTables(t *testing.T, what string, duck, sfw warehouse.Warehouse, tables []string) {
	t.Helper()
	for _, table := range tables {
		dc, dr := tableRows(t, duck, table)
		sc, sr := tableRows(t, sfw, table)
		assert.Equal(t, dc, sc, "%s: %s's columns", what, table)
		if !assert.Equal(t, len(dr), len(sr), "%s: %s's row count", what, table) {
			continue
		}
		for i := range dr {
			if !assert.Equal(t, dr[i], sr[i], "%s: %s's sorted row %d (DuckDB, then Snowflake)", what, table, i) {
				break
			}
		}
		assert.NotEmpty(t, dr, "%s: %s is empty: the comparison shows nothing", what, table)
	}
}

// TestSnowflakeModelsEqualDuckDB loads the same landed files (with
// record-level chaos) into DuckDB and into the
// Snowflake test server through the real driver, builds the built-in
// models incrementally over two loads, then in full, and compares every
// raw table's and every model's rows.
func TestSnowflakeModelsEqualDuckDB(t *testing.T) {
	ctx := t.Context()
	opts := chaoticOptions(t)
	land := memlanding.New()
	duck, sfw := openDuckDB(t), openSnowflake(t)
	p := builtin(t)
	models := modelNames(t)
	var days []time.Time
	for d := day0.AddDate(0, 0, -7); !d.After(day0); d = d.AddDate(0, 0, 1) {
		days = append(days, d)
	}
	for i, part := range [][]time.Time{days[:5], days[5:]} {
		_, err := pipeline.LandDays(ctx, land, part, i == 0, opts)
		require.NoError(t, err)
		var loaded [2]*pipeline.Loaded
		for j, w := range []warehouse.Warehouse{duck, sfw} {
			loaded[j], err = pipeline.LoadAll(ctx, w, land, true)
			require.NoError(t, err)
			res, err := p.Run(ctx, w, nil)
			require.NoError(t, err)
			for _, m := range res.Models {
				require.NoError(t, m.Err, m.Name)
			}
		}
		assert.Equal(t, loaded[0].Files, loaded[1].Files, "files loaded")
		assert.Equal(t, loaded[0].Rows, loaded[1].Rows, "rows loaded")
		assert.Equal(t, loaded[0].Rejected, loaded[1].Rejected, "rows rejected")
		what := fmt.Sprintf("load %d (incremental)", i+1)
		assertSameTables(t, what, duck, sfw, []string{"raw_orders", "raw_customers", "raw_products", "raw_chaos_labels"})
		assertSameTables(t, what, duck, sfw, models)
		_, rd := tableRows(t, duck, `(SELECT table_name, file, line, raw FROM `+warehouse.RejectsTable+`) AS r`)
		_, rs := tableRows(t, sfw, `(SELECT table_name, file, line, raw FROM `+warehouse.RejectsTable+`) AS r`)
		assert.Equal(t, rd, rs, "%s: rejected rows (table, file, line, text)", what)
	}
	// Dataset chaos's unclosed quotes were among the lines compared.
	var unclosed int64
	require.NoError(t, warehouse.QueryRow(ctx, duck, `SELECT COUNT(*) FROM `+warehouse.RejectsTable+
		` WHERE reason LIKE '%not closed on this line%'`, nil, &unclosed))
	assert.Positive(t, unclosed, "no unclosed quote: the comparison misses repaired files")
	for _, w := range []warehouse.Warehouse{duck, sfw} {
		_, err := p.Run(ctx, w, &transform.RunOptions{FullRefresh: true})
		require.NoError(t, err)
	}
	assertSameTables(t, "full refresh", duck, sfw, models)

	// The original pipeline's schema.yml suite (quality's test data): the
	// same results on both engines.
	suite, err := quality.LoadSchemaFile("../quality/testdata/schema.yml", nil)
	require.NoError(t, err)
	require.NotEmpty(t, suite.Tests)
	var results [2]map[string]any
	for i, w := range []warehouse.Warehouse{duck, sfw} {
		res, err := suite.Run(ctx, w, &quality.RunOptions{Now: day0})
		require.NoError(t, err)
		results[i] = comparableValue(t, res)
	}
	assert.Equal(t, results[0], results[1], "schema.yml suite (DuckDB, then Snowflake)")
}

// TestSnowflakeRunEqualsDuckDB runs the whole flow (pipeline.Run: land,
// load, build, tests, monitors, snapshot, results history) twice, a
// backfill then the next day, on DuckDB and on the Snowflake test server:
// the reports' figures, tests and monitors, and the history, agree.
func TestSnowflakeRunEqualsDuckDB(t *testing.T) {
	ctx := t.Context()
	duck, sfw := openDuckDB(t), openSnowflake(t)
	var reports [2][]*quality.Report
	for i, w := range []warehouse.Warehouse{duck, sfw} {
		land := memlanding.New()
		for _, day := range []time.Time{day0, day0.AddDate(0, 0, 1)} {
			o := chaoticOptions(t)
			o.Clock, o.Day = edqm.FixedClock(day), day
			res, err := pipeline.Run(ctx, land, w, o)
			require.NoError(t, err, "run of %s on warehouse %d", day.Format(edqm.DateLayout), i)
			require.NotNil(t, res.Report)
			reports[i] = append(reports[i], res.Report)
		}
	}
	for r := range reports[0] {
		d, s := comparable(t, reports[0][r]), comparable(t, reports[1][r])
		assert.Equal(t, d, s, "report %d (DuckDB, then Snowflake)", r)
		assert.Positive(t, reports[0][r].Orders)
		assert.NotEmpty(t, reports[0][r].Monitors)
		assert.NotEmpty(t, reports[0][r].Tests)
	}
	require.NotNil(t, reports[0][0].Datasets)
	assert.Positive(t, reports[0][0].Datasets.Injected, "no dataset-level fault: the comparison misses quarantines")
	// The results history: the same rows, timings aside.
	cols, hd := historyRows(t, duck)
	_, hs := historyRows(t, sfw)
	assert.NotEmpty(t, hd)
	assert.Equal(t, hd, hs, "history (%v)", cols)
}

// engineTypes maps Snowflake's information_schema type names to DuckDB's
// for the raw tables' columns: Snowflake reports VARCHAR as TEXT
// (https://docs.snowflake.com/en/sql-reference/info-schema/columns) and
// the loader's NUMBER(38,0) _LINE as NUMBER where DuckDB's is BIGINT.
var engineTypes = strings.NewReplacer(" text", " varchar", " number", " bigint")

// columnNames normalises a list of column names ("name" or "name TYPE"):
// Snowflake upper-cases unquoted identifiers, DuckDB keeps their case.
func columnNames(v any) any {
	list, ok := v.([]any)
	if !ok {
		return v
	}
	out := make([]any, len(list))
	for i, c := range list {
		s, _ := c.(string)
		out[i] = engineTypes.Replace(strings.ToLower(s))
	}
	return out
}

// historyRows returns the results history's rows without the columns that
// hold timings, the SQL (each engine's dialect) and the failing-row
// samples (the reports' samples are compared, normalised).
func historyRows(t *testing.T, w warehouse.Warehouse) ([]string, []string) {
	t.Helper()
	cols, rows := tableRows(t, w, quality.DefaultHistoryTable)
	keep := make([]bool, len(cols))
	var kept []string
	for i, c := range cols {
		keep[i] = !strings.Contains(c, "duration") && !strings.Contains(c, "elapsed") && c != "sample_json" && c != "sql_text"
		if keep[i] {
			kept = append(kept, c)
		}
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		var vals []string
		for j, v := range strings.Split(r, " | ") {
			if j < len(keep) && keep[j] {
				vals = append(vals, v)
			}
		}
		out[i] = strings.Join(vals, " | ")
	}
	slices.Sort(out)
	return kept, out
}

// comparable is a report as JSON without its timings and monitors' SQL,
// column names in lower case and numbers normalised by norm, except in
// failing-row samples, compared as they are.
func comparable(t *testing.T, r *quality.Report) map[string]any {
	t.Helper()
	return comparableValue(t, r)
}

// comparableValue is comparable for any value marshalled as JSON.
func comparableValue(t *testing.T, r any) map[string]any {
	t.Helper()
	b, err := json.Marshal(r)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	var strip func(v any) any
	strip = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k := range x {
				switch {
				case strings.Contains(k, "duration") || strings.HasSuffix(k, "_ms") || k == "generated_at" || k == "sql":
					// Timings, and a monitor's SQL in its engine's dialect.
					delete(x, k)
					continue
				case k == "columns":
					x[k] = columnNames(x[k])
					continue
				case k == "rows":
					// Failing-row samples: values as they are (quality
					// types gosnowflake's text), in JSON.
					continue
				}
				x[k] = strip(x[k])
			}
		case []any:
			for i, e := range x {
				x[i] = strip(e)
			}
		case float64, string, bool:
			return norm(x)
		}
		return v
	}
	strip(m)
	return m
}
