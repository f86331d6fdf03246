package landing_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/parquetfile"
)

// TestFingerprintParquet: a Parquet file's rows are its footer's count,
// not its newline bytes.
func TestFingerprintParquet(t *testing.T) {
	tab := &edqm.Table{Name: "t", Columns: []string{"a"}}
	for range 7 {
		tab.Rows = append(tab.Rows, []string{"x\ny"})
	}
	data, err := parquetfile.EncodeTable(t.Context(), tab, nil)
	require.NoError(t, err)
	f := landing.Fingerprint("t/date=2026-03-09/t-2026-03-09.parquet", data)
	assert.Equal(t, int64(7), f.Rows)
	assert.Equal(t, int64(len(data)), f.Size)
	assert.Zero(t, landing.Fingerprint("t/x.parquet", []byte("not parquet\n\n")).Rows)
}
