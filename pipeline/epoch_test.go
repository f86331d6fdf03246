package pipeline_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/pipeline"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// TestDefaultGeneratorBefore2024: with no Generator, a run whose days
// reach before 2024 lands them (the calendar starts on the first day
// landed, generate.EpochFor), and the next day's run keeps that calendar:
// its day's files are those of a run given the same Epoch.
func TestDefaultGeneratorBefore2024(t *testing.T) {
	ctx := t.Context()
	wh, err := duckdbwarehouse.Open(ctx, "", nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = wh.Close() })
	land := memlanding.New()
	day := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	res, err := pipeline.Run(ctx, land, wh, &pipeline.Options{Clock: edqm.FixedClock(day), Days: 5})
	require.NoError(t, err)
	first := time.Date(2023, 12, 29, 0, 0, 0, 0, time.UTC)
	require.Len(t, res.Days, 5)
	assert.Equal(t, first, res.Days[0])
	assert.Positive(t, res.Orders)
	for _, d := range res.Days {
		_, _, err := land.ReadVersioned(ctx, landing.DataKey("orders", d, "csv"))
		require.NoError(t, err, "orders of %s", d.Format(edqm.DateLayout))
	}
	assert.Positive(t, res.Report.Orders)

	next, err := pipeline.Run(ctx, land, wh, &pipeline.Options{Clock: edqm.FixedClock(day.AddDate(0, 0, 1))})
	require.NoError(t, err)
	require.Len(t, next.Days, 1)

	// The same day landed with the Epoch of the first day landed.
	gen, err := generate.New(generate.Config{Epoch: generate.EpochFor(first)})
	require.NoError(t, err)
	ref := memlanding.New()
	_, err = pipeline.LandDays(ctx, ref, next.Days, false, &pipeline.Options{Generator: gen})
	require.NoError(t, err)
	key := landing.DataKey("orders", next.Days[0], "csv")
	want, _, err := ref.ReadVersioned(ctx, key)
	require.NoError(t, err)
	got, _, err := land.ReadVersioned(ctx, key)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "the second run keeps the first day's calendar")

	// LandDays alone, with no Generator, on an empty landing zone.
	alone := memlanding.New()
	landed, err := pipeline.LandDays(ctx, alone, []time.Time{first.AddDate(0, -6, 0)}, true, nil)
	require.NoError(t, err)
	assert.Positive(t, landed.Orders)
}
