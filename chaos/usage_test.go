package chaos_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
)

// account is a team's own row type, with integer keys.
type account struct {
	ID      int64  `edqm:"id"`
	Owner   int64  `edqm:"owner"`
	Opened  string `edqm:"opened"`
	State   string `edqm:"state"`
	Balance int64  `edqm:"balance"`
}

func accounts(n int) []account {
	rows := make([]account, n)
	for i := range rows {
		rows[i] = account{ID: int64(i + 1), Owner: int64(i%10 + 1), Opened: "2025-01-02", State: "OPEN", Balance: 1000}
	}
	return rows
}

func accountSpec() chaos.TableSpec {
	return chaos.TableSpec{Table: "accounts", Key: "id", Date: "opened", Status: "state", Accepted: []string{"OPEN", "CLOSED"},
		Amount: "balance", ForeignKeys: []chaos.ForeignKey{{Column: "owner", IntKeys: []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}}}}
}

var usageDay = time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)

// TestTableNameRequired: every injection names its table, the same way.
func TestTableNameRequired(t *testing.T) {
	j := mustNew(t, chaos.Config{Seed: 1, Rates: chaos.Uniform(0.1)})
	spec := accountSpec()
	spec.Table = ""
	_, _, err := chaos.InjectSlice(t.Context(), j, usageDay, spec, accounts(20))
	require.ErrorIs(t, err, chaos.ErrInvalidSpec)
	assert.Contains(t, err.Error(), "Table is empty")

	in := &edqm.Table{Columns: []string{"id", "state"}, Rows: [][]string{{"1", "OPEN"}, {"2", "OPEN"}}}
	status := chaos.TableSpec{Key: "id", Status: "state", Accepted: []string{"OPEN", "CLOSED"}}
	_, _, err = j.Inject(t.Context(), usageDay, status, in)
	require.ErrorIs(t, err, chaos.ErrInvalidSpec, "a table without a name and a spec without Table")

	status.Table = "accounts"
	all := mustNew(t, chaos.Config{Seed: 1, Rates: chaos.Rates{Domain: 1}})
	_, labels, err := all.Inject(t.Context(), usageDay, status, in)
	require.NoError(t, err)
	require.NotEmpty(t, labels)
	assert.Equal(t, "accounts", labels[0].Table, "an unnamed table takes spec.Table")

	in.Name = "accounts_v2"
	_, labels, err = all.Inject(t.Context(), usageDay, status, in)
	require.NoError(t, err)
	assert.Equal(t, "accounts_v2", labels[0].Table, "a named table keeps its name")
}

// TestBeforeSignupWithoutSince: asking for before_signup on a table that
// cannot take it is refused; a Temporal rate goes wholly to future.
func TestBeforeSignupWithoutSince(t *testing.T) {
	spec := accountSpec()
	j := mustNew(t, chaos.Config{Seed: 3, VariantRates: chaos.VariantRates{BeforeSignup: 0.2}})
	_, _, err := chaos.InjectSlice(t.Context(), j, usageDay, spec, accounts(50))
	require.ErrorIs(t, err, chaos.ErrVariantUnavailable)
	require.ErrorIs(t, err, chaos.ErrInvalidSpec)
	assert.Contains(t, err.Error(), "VariantRates.BeforeSignup is 0.2, but before_signup cannot be drawn: no foreign key has Since")

	j = mustNew(t, chaos.Config{Seed: 3, Rates: chaos.Rates{Temporal: 0.2}})
	_, labels, err := chaos.InjectSlice(t.Context(), j, usageDay, spec, accounts(500))
	require.NoError(t, err)
	require.NotEmpty(t, labels)
	for _, l := range labels {
		assert.Equal(t, "future", l.Variant)
	}

	spec.ForeignKeys[0].Since = func(id string) (time.Time, bool) { return usageDay.AddDate(0, 0, -10), true }
	j = mustNew(t, chaos.Config{Seed: 3, VariantRates: chaos.VariantRates{BeforeSignup: 0.2}})
	_, labels, err = chaos.InjectSlice(t.Context(), j, usageDay, spec, accounts(50))
	require.NoError(t, err, "with Since")
	assert.NotEmpty(t, labels)
}

// TestIntKeys: integer keys need no formatting, and ghosts land above them.
func TestIntKeys(t *testing.T) {
	j := mustNew(t, chaos.Config{Seed: 9, VariantRates: chaos.VariantRates{Ghost: 0.3}})
	dirty, labels, err := chaos.InjectSlice(t.Context(), j, usageDay, accountSpec(), accounts(100))
	require.NoError(t, err)
	require.NotEmpty(t, labels)
	for i, l := range labels {
		v, err := strconv.ParseInt(l.Injected, 10, 64)
		require.NoError(t, err, "label %d", i)
		assert.Greater(t, v, int64(10), "label %d: a ghost above the largest key", i)
	}
	ghosts := 0
	for _, a := range dirty {
		if a.Owner > 10 {
			ghosts++
		}
	}
	assert.Equal(t, len(labels), ghosts)

	spec := accountSpec()
	spec.ForeignKeys[0].IntKeys = nil
	require.ErrorIs(t, spec.Validate(), chaos.ErrInvalidSpec, "no key set at all")
}

// TestRoleTypeMessage: a column of the wrong type is named in good English.
func TestRoleTypeMessage(t *testing.T) {
	type bad struct {
		ID      int
		Balance bool
	}
	j := mustNew(t, chaos.Config{Seed: 1})
	_, _, err := chaos.InjectSlice(t.Context(), j, usageDay, chaos.TableSpec{Table: "t", Key: "ID", Amount: "Balance"}, []bad{{1, true}})
	require.ErrorIs(t, err, chaos.ErrInvalidSpec)
	assert.Contains(t, err.Error(), `Amount: column "Balance" is bool, which an amount cannot be`)
}

// TestSliceRowsMatchLabels: SliceRows numbers a duplicated row's copies as
// labels do, so the labelled rows are exactly the corrupted ones.
func TestSliceRowsMatchLabels(t *testing.T) {
	rows := accounts(400)
	j := mustNew(t, chaos.Config{Seed: 11, Rates: chaos.Rates{Domain: 0.05, Duplication: 0.1}})
	dirty, labels, err := chaos.InjectSlice(t.Context(), j, usageDay, accountSpec(), rows)
	require.NoError(t, err)
	keys, err := chaos.SliceRows(accountSpec(), dirty)
	require.NoError(t, err)
	require.Len(t, keys, len(dirty))
	labelled := map[chaos.RowKey]bool{}
	for _, l := range labels {
		labelled[l.Row()] = true
	}
	clean := map[int64]account{}
	for _, r := range rows {
		clean[r.ID] = r
	}
	dups, corrupted := 0, 0
	for i, r := range dirty {
		if keys[i].Occurrence == 2 {
			dups++
		}
		if changed := keys[i].Occurrence == 2 || r != clean[r.ID]; changed {
			corrupted++
			assert.True(t, labelled[keys[i]], "row %s changed but is not labelled", keys[i])
		} else {
			assert.False(t, labelled[keys[i]], "row %s is clean but labelled", keys[i])
		}
	}
	assert.Positive(t, dups)
	assert.Equal(t, len(labelled), corrupted)
	assert.Equal(t, "7#2", chaos.RowKey{Key: "7", Occurrence: 2}.String())

	_, err = chaos.SliceRows(chaos.TableSpec{Key: "nope"}, dirty)
	require.ErrorIs(t, err, chaos.ErrInvalidSpec)
}

// TestVariantRatesWith: With sets one variant by its label name.
func TestVariantRatesWith(t *testing.T) {
	for _, k := range chaos.Kinds {
		for _, v := range chaos.Variants[k] {
			vr := chaos.VariantRates{}.With(v, 0.25)
			assert.InDelta(t, 0.25, vr.Of(v), 0, v)
			cfg := chaos.Config{VariantRates: vr}
			require.NoError(t, cfg.Validate(), v)
			assert.InDelta(t, 0.25, cfg.VariantRate(v), 0, v)
		}
	}
	assert.Equal(t, chaos.VariantRates{}, chaos.VariantRates{}.With("nope", 0.5))
}
