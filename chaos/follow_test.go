package chaos_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/chaos"
)

// TestStackedLabelsFollowTheData checks the two rules of "Labels follow the
// data" on stacked chaos: on every row and occurrence, the kinds the mart's
// flags see are exactly the kinds of the detectable (not masked) labels, and
// every masked label's row carries a detectable label of the kind that
// masks it.
func TestStackedLabelsFollowTheData(t *testing.T) {
	w := getWorld(t)
	first := date(2024, 3, 1)
	masked, inherited := 0, 0
	for i := range 30 {
		day := first.AddDate(0, 0, i*7)
		rate := []float64{0.01, 0.1, 0.3, 0.5}[i%4]
		cfg := chaos.Config{Seed: uint64(100 + i), Rates: chaos.Uniform(rate), Mode: chaos.Stacked}
		out, labels, err := mustNew(t, cfg).Inject(t.Context(), day, w.spec(), w.orders(t, day))
		require.NoError(t, err)
		detectable := map[cellKey]map[chaos.Kind]bool{}
		for _, l := range labels {
			ck := cellKey{l.Key, l.Occurrence, ""}
			if l.Occurrence == 2 && l.Kind != chaos.Duplication {
				inherited++
			}
			if l.MaskedBy != "" {
				masked++
				assert.Equal(t, chaos.Integrity, l.MaskedBy, "label %+v", l)
				assert.True(t, l.Kind == chaos.Calculation || l.Variant == "before_signup", "label %+v", l)
				continue
			}
			if detectable[ck] == nil {
				detectable[ck] = map[chaos.Kind]bool{}
			}
			detectable[ck][l.Kind] = true
		}
		all := kindsByRow(labels)
		for _, l := range labels {
			if l.MaskedBy != "" {
				assert.True(t, all[cellKey{l.Key, l.Occurrence, ""}][l.MaskedBy], "masked label %+v without its masker", l)
			}
		}
		for ck, got := range w.flags(t, out, day) {
			want := detectable[ck]
			if len(got) == 0 && len(want) == 0 {
				continue
			}
			assert.Equal(t, want, got, "%s: day %s row %q occurrence %d: labels %v", fmt.Sprint(cfg.Rates.Calculation), day.Format("2006-01-02"), ck.key, ck.occ, labelsOf(labels, ck.key))
		}
	}
	assert.Positive(t, masked, "no masked label: the test does not exercise the rule")
	assert.Positive(t, inherited, "no inherited label: the test does not exercise the rule")
}
