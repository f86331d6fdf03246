package checkscore_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/quality/checkscore"
	_ "github.com/edqm/edqm/warehouse/snowflakewarehouse" // snowflake://
	"github.com/edqm/edqm/warehouse/snowflakewarehouse/sftest"
)

// TestScoreOnSnowflake scores a team's table on the Snowflake test server,
// through a URL with a schema per trial, and finds what DuckDB finds; with
// one schema for every trial, the second trial is refused.
func TestScoreOnSnowflake(t *testing.T) {
	const pw = "EDQMscoreS3CRETpw"
	srv := sftest.Start(t, &sftest.Options{Users: map[string]sftest.User{"EDQM": {Password: pw}}})
	srv.SetEnv(t, pw)
	url := strings.Replace(srv.URL("EDQM", "EDQM", "SCOREX", "setup=all"), "SCOREX", "SCORE_{trial}", 1)
	rows, spec := payments()
	suite, err := quality.ParseSchema("schema.yml", []byte(paymentsSchema), nil)
	require.NoError(t, err)
	opts := &checkscore.Options{Tests: suite.Tests, Seeds: []uint64{1}, Variants: []string{"bad_status", "exact", "ghost"}}
	want, err := checkscore.Score(t.Context(), &checkscore.Table{Spec: spec, Rows: rows}, opts)
	require.NoError(t, err)
	opts.Open = checkscore.URLOpener(url, nil)
	got, err := checkscore.Score(t.Context(), &checkscore.Table{Spec: spec, Rows: rows}, opts)
	require.NoError(t, err)
	assert.Equal(t, want.Variants, got.Variants)
	assert.Equal(t, want.Tests, got.Tests)
	assert.Equal(t, []string{"integrity/ghost"}, got.Survivors)

	opts.Open = checkscore.URLOpener(strings.Replace(url, "{trial}", "shared", 1), nil)
	_, err = checkscore.Score(t.Context(), &checkscore.Table{Spec: spec, Rows: rows}, opts)
	require.ErrorIs(t, err, checkscore.ErrNotEmpty, "one schema for every trial")
	assert.ErrorContains(t, err, "trial bad_status seed 1")
}
