package generate_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/generate"
)

func TestEpochFor(t *testing.T) {
	for _, c := range []struct{ first, want time.Time }{
		{date(2024, 1, 1), generate.DefaultEpoch},
		{date(2025, 12, 5), generate.DefaultEpoch},
		{time.Date(2026, 3, 10, 23, 30, 0, 0, time.FixedZone("X", -3600)), generate.DefaultEpoch},
		{date(2123, 12, 31), generate.DefaultEpoch},
		{date(2023, 12, 31), date(2023, 12, 31)},
		{date(2022, 10, 27), date(2022, 10, 27)},
		{date(2124, 1, 1), date(2124, 1, 1)},
		{date(9998, 12, 27), date(9998, 12, 27)},
	} {
		assert.Equal(t, c.want, generate.EpochFor(c.first), "EpochFor(%s)", c.first)
	}
}

// TestBackfillBeforeDefaultEpoch is the -days 1500 case of examples/full:
// a range starting before 2024 generates from its first day with the
// Epoch EpochFor gives, where the zero Config refuses it.
func TestBackfillBeforeDefaultEpoch(t *testing.T) {
	first := date(2022, 10, 27)
	_, err := mustNew(t, generate.Config{Seed: 42}).Orders(t.Context(), first)
	require.True(t, errors.Is(err, generate.ErrBeforeEpoch), "the zero Config accepts %s: %v", first, err)

	g := mustNew(t, generate.Config{Seed: 42, Epoch: generate.EpochFor(first)})
	o, err := g.Orders(t.Context(), first)
	require.NoError(t, err)
	require.NotEmpty(t, o.Rows)
	c, err := g.Customers(t.Context(), time.Time{}, first)
	require.NoError(t, err)
	assert.Len(t, c.Rows, generate.DefaultCustomersPerDay, "customers on the first day")
	for _, row := range o.Rows {
		signup, ok := g.SignupDate(row[1])
		require.True(t, ok, "unknown customer %s", row[1])
		assert.False(t, signup.After(first), "customer %s signs up on %s, after the order", row[1], signup)
	}
}

// TestEpochForKeepsValidRanges: a range that was valid with the zero
// Config gives the same bytes with the Epoch EpochFor picks.
func TestEpochForKeepsValidRanges(t *testing.T) {
	day := date(2026, 3, 10)
	zero := mustNew(t, generate.Config{Seed: 42})
	picked := mustNew(t, generate.Config{Seed: 42, Epoch: generate.EpochFor(day.AddDate(0, 0, -364))})
	assert.Equal(t, csvOf(t, orders(t, zero, day)), csvOf(t, orders(t, picked, day)))
}

func TestOrderBand(t *testing.T) {
	for _, c := range []struct{ perDay, lo, hi int }{{100, 50, 150}, {1, 1, 1}, {2, 1, 3}, {3, 1, 4}, {1000, 500, 1500}} {
		lo, hi, err := generate.OrderBand(c.perDay)
		require.NoError(t, err)
		assert.Equal(t, []int{c.lo, c.hi}, []int{lo, hi}, "OrderBand(%d)", c.perDay)
	}
	_, _, err := generate.OrderBand(0)
	assert.ErrorIs(t, err, generate.ErrInvalidConfig)
}

// A backfill of 1,500 days ending on 2026-12-04 starts in 2022, before
// DefaultEpoch: its Epoch is its first day.
func ExampleEpochFor() {
	last := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	for _, days := range []int{365, 1500} {
		first := last.AddDate(0, 0, -(days - 1))
		fmt.Println(days, "days from", first.Format(time.DateOnly), "epoch", generate.EpochFor(first).Format(time.DateOnly))
	}
	// Output:
	// 365 days from 2025-12-05 epoch 2024-01-01
	// 1500 days from 2022-10-27 epoch 2022-10-27
}
