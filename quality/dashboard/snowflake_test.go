package dashboard_test

import (
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/pipeline"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/quality/dashboard"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
	_ "github.com/edqm/edqm/warehouse/snowflakewarehouse" // snowflake://
	"github.com/edqm/edqm/warehouse/snowflakewarehouse/sftest"
)

var (
	testRowRE    = regexp.MustCompile(`<tr data-test="([^"]+)" data-status="([^"]+)" data-count="([^"]+)">`)
	monitorRowRE = regexp.MustCompile(`data-monitor="([^"]+)" data-status="([^"]+)" data-buckets="([^"]+)"`)
)

// pageRows returns the matches of re in body, sorted.
func pageRows(body string, re *regexp.Regexp) []string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		out = append(out, m[0])
	}
	slices.Sort(out)
	return out
}

// TestLiveOnSnowflake serves the dashboard in live mode from a warehouse
// on the Snowflake test server (through the real gosnowflake driver), after
// two pipeline runs that filled it, its tests and its results history:
// the KPIs are the run's report, and the tests and monitors sections show
// what the same runs show on DuckDB.
func TestLiveOnSnowflake(t *testing.T) {
	const password = "EDQMdashboardS3CRETpw"
	srv := sftest.Start(t, &sftest.Options{Users: map[string]sftest.User{"EDQM": {Password: password}}})
	srv.SetEnv(t, password)
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	clock := edqm.FixedClock(day.Add(time.Hour))
	sfw, err := warehouse.Open(t.Context(), srv.URL("EDQM", "EDQM", "RAW", ""), &warehouse.OpenOptions{Clock: clock})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, sfw.Close()) })
	duck, err := duckdbwarehouse.Open(t.Context(), "", &duckdbwarehouse.Options{Clock: clock})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, duck.Close()) })

	var bodies [2]string
	var last *quality.Report
	for i, w := range []warehouse.Warehouse{duck, sfw} {
		land := memlanding.New()
		for _, d := range []time.Time{day.AddDate(0, 0, -1), day} {
			gen, err := generate.New(generate.Config{Seed: 5})
			require.NoError(t, err)
			inj, err := chaos.New(chaos.Config{Seed: 5, Rates: chaos.Uniform(0.03)})
			require.NoError(t, err)
			res, err := pipeline.Run(t.Context(), land, w, &pipeline.Options{Generator: gen, Injector: inj,
				Clock: edqm.FixedClock(d), Day: d, Days: 10})
			require.NoError(t, err)
			last = res.Report
		}
		h := newHandler(t, &dashboard.Options{Warehouse: w, Clock: clock})
		bodies[i] = mustGet(t, h, "/")
		require.Equal(t, dashboard.ModeLive, modeOf(bodies[i]), "warehouse %d", i)
	}
	sfBody := bodies[1]
	checkKPIs(t, kpisOf(t, sfBody), wantKPIs(last))

	tests, monitors := pageRows(sfBody, testRowRE), pageRows(sfBody, monitorRowRE)
	require.NotEmpty(t, tests, "no test in the tests section")
	require.NotEmpty(t, monitors, "no monitor in the monitors section")
	withBuckets := 0
	for _, m := range monitorRowRE.FindAllStringSubmatch(sfBody, -1) {
		if m[3] != "0" {
			withBuckets++
		}
	}
	assert.Positive(t, withBuckets, "no monitor shows a bucket from the history")
	assert.Equal(t, pageRows(bodies[0], testRowRE), tests, "tests section: DuckDB, then Snowflake")
	assert.Equal(t, pageRows(bodies[0], monitorRowRE), monitors, "monitors section: DuckDB, then Snowflake")
	assert.NotContains(t, sfBody, "Live mode failed")
	assert.NotContains(t, sfBody, password)
}
