package pipeline_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/pipeline"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// TestDetectionTruthAtEveryRate runs the flow (pipeline.Run on memlanding
// and an in-memory DuckDB, a few small days) at 1 %, 10 % and 30 % per
// kind, exclusive and stacked, over 5 seeds, and checks the scorecard
// against the labels: the flags' precision and recall (over detectable
// corruptions) are at least 99 % for every kind, the tests' are at least
// 99 % and at most 100 %, no percentage printed by the summary is above
// 100 %, and Revenue at Risk equals the label truth to the cent.
//
// Exclusive mode cannot give five kinds 30 % each (the rates of a row's
// one kind add up to at most 100 %): its top rate is 20 % per kind, every
// row corrupted.
func TestDetectionTruthAtEveryRate(t *testing.T) {
	const days, perDay = 3, 30
	type figures struct{ flagged, caught, labelled, masked int64 }
	var mu sync.Mutex // guards total
	total := map[chaos.Kind]*figures{}
	for _, k := range chaos.Kinds {
		total[k] = &figures{}
	}
	t.Cleanup(func() { // after the parallel subtests
		for _, k := range chaos.Kinds {
			f := total[k]
			t.Logf("%-12s labelled %5d masked %4d flagged %5d caught %5d", k, f.labelled, f.masked, f.flagged, f.caught)
		}
	})
	for _, mode := range []chaos.Mode{chaos.Exclusive, chaos.Stacked} {
		for _, rate := range []float64{0.01, 0.10, 0.30} {
			if mode == chaos.Exclusive && rate > 0.2 {
				rate = 0.2
			}
			for seed := uint64(1); seed <= 5; seed++ {
				name := fmt.Sprintf("mode%d/rate%v/seed%d", mode, rate, seed)
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					rep := detectionRun(t, mode, rate, seed, days, perDay)
					require.True(t, rep.Labels)
					assert.Equal(t, rep.TrueRevenueAtRisk, rep.RevenueAtRisk, "Revenue at Risk against the label truth")
					mu.Lock()
					for _, ks := range rep.Kinds {
						f := total[ks.Kind]
						f.flagged, f.caught, f.labelled, f.masked = f.flagged+ks.Flagged, f.caught+ks.TruePositives, f.labelled+ks.Labelled, f.masked+ks.Masked
					}
					mu.Unlock()
					for _, ks := range rep.Kinds {
						assert.GreaterOrEqual(t, ks.Precision, 0.99, "%s flags precision: %+v", ks.Kind, ks)
						assert.GreaterOrEqual(t, ks.Recall, 0.99, "%s flags recall: %+v", ks.Kind, ks)
						assert.LessOrEqual(t, ks.Precision, 1.0, "%s", ks.Kind)
						assert.LessOrEqual(t, ks.Recall, 1.0, "%s", ks.Kind)
						if mode == chaos.Exclusive {
							assert.Zero(t, ks.Masked, "%s: exclusive chaos masks nothing", ks.Kind)
						}
						if ts := ks.Tests; ts != nil {
							assert.GreaterOrEqual(t, ts.Precision, 0.99, "%s tests precision: %+v", ks.Kind, ts)
							assert.GreaterOrEqual(t, ts.Recall, 0.99, "%s tests recall: %+v", ks.Kind, ts)
							assert.LessOrEqual(t, ts.Precision, 1.0, "%s tests precision: %+v", ks.Kind, ts)
							assert.LessOrEqual(t, ts.Recall, 1.0, "%s tests recall: %+v", ks.Kind, ts)
						}
					}
					assertNoPercentOver100(t, rep.Summary())
				})
			}
		}
	}
}

// detectionRun runs the flow once on a fresh world and returns its report.
func detectionRun(t *testing.T, mode chaos.Mode, rate float64, seed uint64, days, perDay int) *quality.Report {
	t.Helper()
	wh, err := duckdbwarehouse.Open(t.Context(), "", nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = wh.Close() })
	gen, err := generate.New(generate.Config{Seed: seed, MinOrders: perDay, MaxOrders: perDay})
	require.NoError(t, err)
	inj, err := chaos.New(chaos.Config{Seed: seed, Rates: chaos.Uniform(rate), Mode: mode})
	require.NoError(t, err)
	res, err := pipeline.Run(t.Context(), memlanding.New(), wh, &pipeline.Options{
		Generator: gen, Injector: inj, Clock: edqm.FixedClock(day0), Days: days, Monitors: []quality.Monitor{},
	})
	require.NoError(t, err)
	require.NotNil(t, res.Report)
	return res.Report
}

var percentRE = regexp.MustCompile(`(-?[0-9]+(?:\.[0-9]+)?)%`)

// assertNoPercentOver100 checks that no percentage in s is above 100.
func assertNoPercentOver100(t *testing.T, s string) {
	t.Helper()
	for _, m := range percentRE.FindAllStringSubmatch(s, -1) {
		v, err := strconv.ParseFloat(m[1], 64)
		require.NoError(t, err)
		assert.LessOrEqual(t, v, 100.0, "printed %s%% in:\n%s", m[1], s)
	}
}

// TestLoadRejectsBadLabels: a label file with an unknown kind, a wrong
// field count, a bad occurrence or a cut-short end stops the load with an
// error naming the file and the line.
func TestLoadRejectsBadLabels(t *testing.T) {
	const header = "table_name,day,key,occurrence,kind,variant,column_name,original,injected\n"
	for _, tc := range []struct{ name, file, want string }{
		{"unknown kind", header + "orders,2026-03-10,o1,1,gremlins,scaled,total_amount,1.00,2.00\n", `line 2: unknown kind "gremlins"`},
		{"field count", header + "orders,2026-03-10,o1,1,calculation\n", "line 2: 5 fields, want 9"},
		{"occurrence", header + "orders,2026-03-10,o1,x,calculation,scaled,total_amount,1.00,2.00\n", `line 2: occurrence "x"`},
		{"truncated", header + "orders,2026-03-10,o1,1,calculation,sca", "line 2: the file ends inside the line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, 2)
			_, err := pipeline.LandDays(t.Context(), w.land, []time.Time{day0.AddDate(0, 0, -1), day0}, true, w.opts)
			require.NoError(t, err)
			key := landing.LabelsKey("orders", day0)
			require.NoError(t, w.land.Put(t.Context(), key, strings.NewReader(tc.file)))
			_, err = pipeline.LoadAll(t.Context(), w.wh, w.land, false)
			require.ErrorIs(t, err, chaos.ErrBadLabels)
			assert.Contains(t, err.Error(), key+" "+tc.want)
		})
	}
}
