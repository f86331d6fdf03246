package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runScore runs the program in-process and returns its exit code and
// outputs.
func runScore(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(t.Context(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestSeedSchemaIsTheSeedProjects checks that the embedded schema.yml is
// the one quality's tests read.
func TestSeedSchemaIsTheSeedProjects(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("..", "..", "quality", "testdata", "schema.yml"))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(seedSchema))
}

// TestScoreSeedSchema runs the program on the seed schema.yml, on two days
// and one seed, and checks the table, the score and the survivors.
func TestScoreSeedSchema(t *testing.T) {
	code, out, errOut := runScore(t, "-days", "2", "-seeds", "1")
	require.Equal(t, 0, code, errOut)
	for _, want := range []string{
		"Scoring the 10 tests of the seed project's schema.yml against the built-in models: 2 days of orders, each variant alone on 5 % of rows, chaos seed 42.\n",
		"variant  ",
		"duplication/exact        unique_fct_orders_order_id, unique_stg_orders_order_id",
		"mutation score: 4 of 12 variants killed (33 %)\nkinds no test catches: calculation, temporal\n",
		"survivors (8):\n",
		"  domain/bad_status: no test fails on it\n",
		"  integrity/null: no test fails on it\n",
	} {
		assert.Contains(t, out, want)
	}
	assert.Empty(t, errOut)
}

// TestScoreJSON checks -json on a schema.yml of one's own (-schema).
func TestScoreJSON(t *testing.T) {
	schema := filepath.Join(t.TempDir(), "schema.yml")
	require.NoError(t, os.WriteFile(schema, []byte(`version: 2
models:
  - name: fct_orders
    columns:
      - name: status
        tests:
          - accepted_values:
              values: ['COMPLETED', 'PENDING', 'SHIPPED', 'CANCELLED']
`), 0o644))
	code, out, errOut := runScore(t, "-schema", schema, "-days", "1", "-seeds", "1", "-rate", "0.2", "-json")
	require.Equal(t, 0, code, errOut)
	var sc struct {
		Mutants   int      `json:"mutants"`
		Killed    int      `json:"killed"`
		Survivors []string `json:"survivors"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &sc))
	assert.Equal(t, 12, sc.Mutants)
	assert.Equal(t, 1, sc.Killed, "only bad_status")
	assert.NotContains(t, sc.Survivors, "domain/bad_status")
	assert.Len(t, sc.Survivors, 11)
}

// TestScoreBadCommandLine checks the exit code and message of bad flags.
func TestScoreBadCommandLine(t *testing.T) {
	for _, args := range [][]string{{"-seeds", "0"}, {"-days", "0"}, {"-rate", "2"}, {"extra"}, {"-nope"}} {
		code, out, errOut := runScore(t, args...)
		assert.Equal(t, 2, code, args)
		assert.Empty(t, out, args)
		assert.NotEmpty(t, errOut, args)
	}
	code, _, errOut := runScore(t, "-schema", filepath.Join(t.TempDir(), "missing.yml"))
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "missing.yml")
}
