package sfsql_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/warehouse/snowflakewarehouse/sftest/sfsql"
)

// newSession opens an engine and a session on EDQM.RAW.
func newSession(t *testing.T, opts sfsql.Options) (*sfsql.Engine, *sfsql.Session) {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	e, err := sfsql.Open(t.Context(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, e.Close()) })
	s, err := e.NewSession(t.Context(), "EDQM", "RAW", "EDQM_WH", "EDQM_LOADER")
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return e, s
}

// exec runs a statement that must succeed.
func exec(t *testing.T, s *sfsql.Session, q string, b ...sfsql.Binding) *sfsql.Result {
	t.Helper()
	r, err := s.Execute(t.Context(), q, b)
	require.NoError(t, err, q)
	return r
}

// values returns the rows as strings ("NULL" for nil).
func values(r *sfsql.Result) [][]string {
	out := make([][]string, len(r.Rows))
	for i, row := range r.Rows {
		for _, v := range row {
			if v == nil {
				out[i] = append(out[i], "NULL")
			} else {
				out[i] = append(out[i], *v)
			}
		}
	}
	return out
}

// stageFile writes a file into a staged folder as the driver would after
// PUT.
func stageFile(t *testing.T, up *sfsql.Upload, name, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(up.StageDir, name), []byte(content), 0o644))
}

// sqlCode is the Snowflake code of err.
func sqlCode(t *testing.T, err error) int {
	t.Helper()
	var e *sfsql.Error
	require.ErrorAs(t, err, &e)
	return e.Code
}
