package checkscore_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/quality/checkscore"
	_ "github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// seedSchema is the original pipeline's schema.yml.
const seedSchema = "../testdata/schema.yml"

// TestSeedSchemaPerKind scores the seed project's schema.yml against the
// built-in models and asserts, kind by kind, what its tests catch: the
// relationships test on customer_id kills ghost keys, unique on order_id
// the duplicates, the range on total_amount negative amounts, and nothing
// catches a wrong total, a date out of range, a NULL key or a bad status.
func TestSeedSchemaPerKind(t *testing.T) {
	suite, err := quality.LoadSchemaFile(seedSchema, nil)
	require.NoError(t, err)
	sc, err := checkscore.Score(t.Context(), &checkscore.Builtin{Days: 2}, &checkscore.Options{Tests: suite.Tests, Seeds: []uint64{1}, Rate: 0.1})
	require.NoError(t, err)

	kinds := map[chaos.Kind]checkscore.KindScore{}
	for _, k := range sc.Kinds {
		kinds[k.Kind] = k
	}
	killed := map[chaos.Kind][2]int{} // kind → variants killed, variants injected
	for k, ks := range kinds {
		killed[k] = [2]int{ks.Killed, ks.Variants}
	}
	assert.Equal(t, map[chaos.Kind][2]int{chaos.Calculation: {0, 2}, chaos.Temporal: {0, 2}, chaos.Integrity: {1, 2},
		chaos.Domain: {1, 4}, chaos.Duplication: {2, 2}}, killed)
	assert.Equal(t, []chaos.Kind{chaos.Calculation, chaos.Temporal}, sc.Uncaught)
	assert.Equal(t, 4, sc.Killed)
	assert.Equal(t, 12, sc.Mutants)
	assert.Equal(t, 0, kinds[chaos.Calculation].Killed, "no test checks total = quantity × price")
	assert.Equal(t, 0, kinds[chaos.Temporal].Killed, "no test checks order_date")
	assert.Equal(t, []string{"integrity/null"}, kinds[chaos.Integrity].Survivors, "relationships ignores NULL keys")
	assert.Contains(t, kinds[chaos.Integrity].Tests, "relationships_fct_orders_customer_id")
	assert.Contains(t, kinds[chaos.Domain].Survivors, "domain/bad_status", "no accepted_values on status")
	assert.NotContains(t, kinds[chaos.Domain].Survivors, "domain/negative_amount")
	assert.Equal(t, 2, kinds[chaos.Duplication].Killed, "unique on order_id")
	assert.Equal(t, 1.0, kinds[chaos.Duplication].Recall)
	assert.Contains(t, sc.Gaps, "domain/bad_status: no test fails on it")
	assert.Equal(t, len(sc.Survivors), sc.Mutants-sc.Killed)
	assert.InDelta(t, float64(sc.Killed)/float64(sc.Mutants), sc.Score, 1e-9)
	for _, ts := range sc.Tests {
		assert.Zero(t, ts.CleanFailures, "%s fails on clean data", ts.Name)
		assert.Zero(t, ts.FalseAlarms, "%s", ts.Name)
	}

	var buf bytes.Buffer
	require.NoError(t, checkscore.WriteText(&buf, sc))
	assert.Contains(t, buf.String(), "mutation score: 4 of 12 variants killed (33 %)\nkinds no test catches: calculation, temporal\n")
	assert.Contains(t, buf.String(), "  domain/bad_status: no test fails on it\n")
	js, err := json.Marshal(sc)
	require.NoError(t, err)
	var back checkscore.Scorecard
	require.NoError(t, json.Unmarshal(js, &back))
	assert.Equal(t, sc.Survivors, back.Survivors)
}
