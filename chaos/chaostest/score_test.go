package chaostest_test

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/chaos/chaostest"
	"github.com/edqm/edqm/generate"
)

// noDuplication scores every kind a payment can show row by row.
var noDuplication = chaostest.ScoreOptions{Rates: chaos.Rates{Temporal: 0.02, Integrity: 0.02, Domain: 0.02}}

// checkPayment is a per-row validator that forgets the status.
func checkPayment(p payment) error {
	cents, err := edqm.ParseCents(p.Amount)
	switch {
	case err != nil || cents <= 0:
		return errors.New("bad amount")
	case p.Account < 1 || p.Account > 50:
		return errors.New("unknown account")
	case p.Day != chaostest.DefaultDay.Format(edqm.DateLayout):
		return errors.New("not today")
	}
	return nil
}

// TestScoreNamesTheMissedVariant: Require fails the test with a message
// that names the variant missed, a missed row with its label, and the
// replay line.
func TestScoreNamesTheMissedVariant(t *testing.T) {
	f := &fakeTB{name: "TestPayments"}
	var card *chaostest.Scorecard
	f.run(func(tb testing.TB) {
		card = chaostest.Score(tb, paymentSpec, payments(300, chaostest.DefaultDay), checkPayment, noDuplication)
		card.Require(chaostest.Recall(chaos.Domain, 0.99))
		t.Error("Require returned although bad_status is missed")
	})
	require.True(t, f.failed)
	require.NotNil(t, card)
	seed := card.Seeds[0]
	log := fmt.Sprint(f.logs)
	miss, ok := card.Variant(chaos.Domain, "bad_status")
	require.True(t, ok)
	require.Positive(t, miss.Injected)
	require.NotEmpty(t, miss.Misses)
	assert.Contains(t, log, fmt.Sprintf("domain/bad_status: recall 0.000 (0 of %d corrupted rows caught), want ≥ 0.99; missed row %s (seed %d)",
		miss.Injected, miss.Misses[0].Row, miss.Misses[0].Seed))
	assert.Contains(t, log, `domain/bad_status status "`)
	assert.Contains(t, log, fmt.Sprintf("replay with EDQM_CHAOS_SEED=%d go test -run '^TestPayments$'", seed))
	assert.NotContains(t, log, "negative_amount", "a variant caught is not named")

	for _, v := range []string{"negative_amount", "bad_format"} {
		s, ok := card.Variant(chaos.Domain, v)
		require.True(t, ok, v)
		assert.Equal(t, s.Injected, s.Caught, v)
		assert.Positive(t, s.Injected, v)
	}
	_, ok = card.Variant(chaos.Duplication, "exact")
	assert.False(t, ok, "a kind out of Rates is not scored")
	assert.Len(t, card.Seeds, 3)
	assert.Equal(t, seed+2, card.Seeds[2])
}

// TestScorePerfectValidator: a validator that catches everything passes
// every threshold, on the built-in orders too (a Dataset's Spec and Clean
// rows), with testify.
func TestScorePerfectValidator(t *testing.T) {
	ds := chaostest.Orders(t, &chaostest.Options{Orders: 400})
	validate := func(rows []generate.Order) []int {
		check := orderValidator(ds) // a fresh "seen" per batch
		var bad []int
		for i, o := range rows {
			if check(o) != nil {
				bad = append(bad, i)
			}
		}
		return bad
	}
	card := chaostest.Score(t, ds.Spec, ds.Clean, validate)
	require.NoError(t, card.Check(chaostest.Recall("", 1), chaostest.Precision("", 1)), "%s", card)
	card.Require(chaostest.VariantRecall(chaos.Temporal, "before_signup", 1))
	assert.Len(t, card.Variants, 12)
	assert.Positive(t, card.Mixed.Injected)
	assert.Equal(t, card.Mixed.Injected, card.Mixed.Caught)
	domain := card.Kind(chaos.Domain)
	assert.Positive(t, domain.Injected)
	assert.InDelta(t, 1, domain.Recall(), 0)
}

// TestScoreFalseAlarms: a func(T) bool validator that also rejects clean
// rows has a precision below 1, and the failure shows a false alarm.
func TestScoreFalseAlarms(t *testing.T) {
	valid := func(p payment) bool { return checkPayment(p) == nil && p.Status != "REFUNDED" }
	card, err := chaostest.ScoreSeed(t.Context(), 11, paymentSpec, payments(300, chaostest.DefaultDay), valid, noDuplication)
	require.NoError(t, err)
	future, ok := card.Variant(chaos.Temporal, "future")
	require.True(t, ok)
	require.NotEmpty(t, future.FalseAlarms)
	assert.Less(t, future.Precision(), 1.0)
	assert.Empty(t, future.FalseAlarms[0].Labels)
	err = card.Check(chaostest.Precision(chaos.Temporal, 0.99))
	require.ErrorIs(t, err, chaostest.ErrBelowThreshold)
	assert.Contains(t, err.Error(), "temporal/future: precision")
	assert.Contains(t, err.Error(), "false alarm row")
	assert.Contains(t, err.Error(), "Status:REFUNDED")
	assert.Contains(t, err.Error(), "replay with ScoreSeed and seed 11")

	again, err := chaostest.ScoreSeed(t.Context(), 11, paymentSpec, payments(300, chaostest.DefaultDay), valid, noDuplication)
	require.NoError(t, err)
	assert.Equal(t, card.String(), again.String(), "the same seed, the same scorecard")
}

// TestScoreChecksItsInput: a threshold on what was not injected, a
// validator that returns a row out of range, and bad options are errors.
func TestScoreChecksItsInput(t *testing.T) {
	rows := payments(100, chaostest.DefaultDay)
	card, err := chaostest.ScoreSeed(t.Context(), 1, paymentSpec, rows, checkPayment, noDuplication)
	require.NoError(t, err)
	s, ok := card.Variant(chaos.Temporal, "before_signup")
	require.True(t, ok)
	assert.Contains(t, s.Skipped, "no foreign key has Since")
	assert.True(t, math.IsNaN(s.Recall()))
	err = card.Check(chaostest.VariantRecall(chaos.Temporal, "before_signup", 0.5))
	require.ErrorIs(t, err, chaostest.ErrBelowThreshold)
	assert.Contains(t, err.Error(), "recall of temporal/before_signup ≥ 0.5: nothing to check")

	outOfRange := func(rows []payment) []int { return []int{len(rows)} }
	_, err = chaostest.ScoreSeed(t.Context(), 1, paymentSpec, rows, outOfRange, noDuplication)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the validator rejected row 100 of a batch of 100 rows")

	_, err = chaostest.ScoreSeed(t.Context(), 1, paymentSpec, rows, checkPayment, chaostest.ScoreOptions{VariantRate: 2})
	assert.ErrorContains(t, err, "VariantRate 2")

	f := &fakeTB{name: "TestBadSpec"}
	f.run(func(tb testing.TB) {
		chaostest.Score(tb, chaos.TableSpec{Table: "p", Key: "nope"}, rows, checkPayment)
		t.Error("Score returned with a bad spec")
	})
	assert.True(t, f.failed)
}

// TestScoreReplaysFromTheEnvironment: EDQM_CHAOS_SEED sets the first seed.
func TestScoreReplaysFromTheEnvironment(t *testing.T) {
	t.Setenv(chaostest.SeedEnv, "77")
	card := chaostest.Score(t, paymentSpec, payments(50, chaostest.DefaultDay), checkPayment, noDuplication)
	assert.Equal(t, []uint64{77, 78, 79}, card.Seeds)
}

// TestPaymentValidator is the README's test: one call with thresholds the
// team's validator reaches (it misses domain/bad_status, which
// ExampleScore shows failing).
func TestPaymentValidator(t *testing.T) {
	day := chaostest.DefaultDay
	opts := chaostest.ScoreOptions{Rates: chaos.Rates{Temporal: 0.02, Integrity: 0.02, Domain: 0.02, Duplication: 0.02}}
	chaostest.Score(t, paymentSpec, payments(400, day), validatePayments(day), opts).
		Require(chaostest.Recall(chaos.Temporal, 0.99), chaostest.Recall(chaos.Duplication, 0.99), chaostest.Precision("", 0.99))
}

// TestScoreMaskedIsNoMiss: in a stacked mixed run, a calculation error that
// a ghost product hides (no product, no unit price) is labelled masked and
// is not a miss of a validator that cannot see it; the ghost itself is.
func TestScoreMaskedIsNoMiss(t *testing.T) {
	ds := chaostest.Orders(t, &chaostest.Options{Orders: 600})
	price := map[string]int64{}
	for _, p := range ds.Products {
		price[p.ProductID] = p.PriceCents
	}
	statuses := map[string]bool{"COMPLETED": true, "PENDING": true, "SHIPPED": true, "CANCELLED": true}
	// lenient checks no reference: an unknown product or customer passes,
	// and so does what only they would tell.
	lenient := func(rows []generate.Order) []int {
		var bad []int
		seen := map[string]bool{}
		for i, o := range rows {
			unit, priced := price[o.ProductID]
			signup, known := ds.Generator.SignupDate(o.CustomerID)
			if seen[o.OrderID] || o.Quantity < 1 || o.Quantity > generate.MaxQuantity || o.TotalCents < 0 ||
				(priced && o.TotalCents != int64(o.Quantity)*unit) || o.OrderDate.After(ds.Day) ||
				(known && o.OrderDate.Before(signup)) || !statuses[o.Status] {
				bad = append(bad, i)
			}
			seen[o.OrderID] = true
		}
		return bad
	}
	card := chaostest.Score(t, ds.Spec, ds.Clean, lenient,
		chaostest.ScoreOptions{Rates: chaos.Uniform(0.1), Mode: chaos.Stacked, Seeds: 2})
	require.Len(t, card.MixedKinds, len(chaos.Kinds))
	calc := card.MixedKinds[0]
	require.Equal(t, chaos.Calculation, calc.Kind)
	assert.Positive(t, calc.Masked, "some calculation errors are masked by a ghost or NULL product")
	assert.Equal(t, calc.Injected, calc.Caught, "a masked calculation error is no miss: %v", calc.Misses)
	integrity := card.MixedKinds[2]
	assert.Less(t, integrity.Recall(), 0.5, "the validator checks no reference")
	assert.Contains(t, card.String(), "calculation  mixed")
	assert.Equal(t, "calculation in the mixed run", calc.Name())
}
