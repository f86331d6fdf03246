package chaos_test

import (
	"math"
	"testing"

	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/chaos/chaosarrow"
	"github.com/edqm/edqm/generate"
)

// variantRows counts, per variant, the rows that got it: a row counts
// once however many cells the variant changed; an added duplicate counts
// through its "*" label.
func variantRows(labels []chaos.Label) map[string]int {
	type hit struct{ day, key, variant string }
	seen := map[hit]bool{}
	n := map[string]int{}
	for _, l := range labels {
		if l.Occurrence != 1 && l.Column != "*" {
			continue
		}
		h := hit{l.Day, l.Key, l.Variant}
		if !seen[h] {
			seen[h] = true
			n[l.Variant]++
		}
	}
	return n
}

// binomial checks that k successes in n trials are within 5 standard
// deviations of probability p: a fixed seed makes the test
// deterministic, the bound says how far chance alone goes.
func binomial(t *testing.T, what string, k, n int, p float64) {
	t.Helper()
	mean, sigma := float64(n)*p, math.Sqrt(float64(n)*p*(1-p))
	if math.Abs(float64(k)-mean) > 5*sigma {
		t.Errorf("%s: %d of %d rows (%.5f), want %.5f ± %.5f (5σ)", what, k, n, float64(k)/float64(n), p, 5*sigma/float64(n))
	} else {
		t.Logf("%s: %d of %d rows (%.5f), want %.5f ± %.5f (5σ)", what, k, n, float64(k)/float64(n), p, 5*sigma/float64(n))
	}
}

// TestVariantRatesHonoured draws clean orders, on which every row can take
// every variant, and checks each variant's observed rate against its
// probability: 100,000 orders in exclusive mode, 50,000 in stacked mode.
func TestVariantRatesHonoured(t *testing.T) {
	t.Parallel()
	g, err := generate.New(generate.Config{Seed: 31, MinOrders: 50_000, MaxOrders: 50_000})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	spec := chaos.OrdersSpec(g.SignupDate)
	vr := chaos.VariantRates{
		Scaled: 0.03, Drifted: 0.06, Future: 0.045, BeforeSignup: 0.015, Ghost: 0.03, Null: 0.06,
		NegativeAmount: 0.03, BadStatus: 0.06, BadQuantity: 0.045, Exact: 0.03, Conflicting: 0.06,
	}
	for _, mode := range []chaos.Mode{chaos.Exclusive, chaos.Stacked} {
		cfg := chaos.Config{Seed: 77, VariantRates: vr, Mode: mode}
		if mode == chaos.Stacked { // each kind's variants add up to at most 1
			cfg.VariantRates = chaos.VariantRates{
				Scaled: 0.1, Drifted: 0.2, Future: 0.15, BeforeSignup: 0.05, Ghost: 0.1, Null: 0.2,
				NegativeAmount: 0.1, BadStatus: 0.2, BadQuantity: 0.15, Exact: 0.1, Conflicting: 0.2,
			}
		}
		j := mustNew(t, cfg)
		last := date(2025, 3, 2) // 100,000 orders
		if mode == chaos.Stacked {
			last = date(2025, 3, 1) // 50,000 orders, at higher rates
		}
		r, err := g.NewOrderReader(ctx, date(2025, 3, 1), last, nil)
		if err != nil {
			t.Fatal(err)
		}
		src, err := chaosarrow.NewRecordReader(ctx, j, spec, r, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Release()
		got := map[string]int{}
		n := 0
		for src.Next() {
			batch := variantRows(src.Labels())
			n += int(src.RecordBatch().NumRows()) - batch["exact"] - batch["conflicting"]
			for v, k := range batch {
				got[v] += k
			}
		}
		if err := src.Err(); err != nil {
			t.Fatal(err)
		}
		src.Release()
		for _, vs := range chaos.Variants {
			for _, v := range vs {
				p := cfg.VariantRate(v)
				if mode == chaos.Stacked && (v == "negative_amount" || v == "bad_quantity" || v == "bad_status") {
					// Both need an amount no Calculation variant changed, so
					// bad_status takes over when one did; the kind's rate holds.
					continue
				}
				binomial(t, modeName(mode)+" "+v, got[v], n, p)
			}
		}
		if mode == chaos.Stacked {
			domain := got["negative_amount"] + got["bad_status"] + got["bad_quantity"]
			binomial(t, "stacked domain", domain, n, 0.45)
			if got["negative_amount"] >= n/10 || got["bad_status"] <= n/5 {
				t.Errorf("stacked: negative_amount %d and bad_status %d rows: the fallback did not happen", got["negative_amount"], got["bad_status"])
			}
		}
	}
}

func modeName(m chaos.Mode) string {
	if m == chaos.Stacked {
		return "stacked"
	}
	return "exclusive"
}
