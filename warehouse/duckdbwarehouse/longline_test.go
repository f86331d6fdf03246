package duckdbwarehouse_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// TestLoadLongLines: a line of MaxPlainLine bytes (the longest read_csv
// reads, after its line number) and one a byte longer (appended by Go)
// load whole, beside short ones, with their lines; read_csv's buffers are
// sized for the first.
func TestLoadLongLines(t *testing.T) {
	w, l := openMemory(t), memlanding.New()
	longest := "2,n," + strings.Repeat("9", duckdbwarehouse.MaxPlainLine-4)
	longer := "3,n," + strings.Repeat("8", duckdbwarehouse.MaxPlainLine-3)
	require.Len(t, longest, duckdbwarehouse.MaxPlainLine)
	put(t, l, "t/long.csv", "id,name,amount\n1,a,1.50\n"+longest+"\n"+longer+"\n4,b,2.50\n")
	res, err := w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_t", Columns: cols, Source: l, Keys: []string{"t/long.csv"}})
	require.NoError(t, err)
	f := res.Files[0]
	assert.Equal(t, [3]int64{4, 4, 0}, [3]int64{f.Parsed, f.Loaded, f.Rejected})
	got := queryStrings(t, w, "SELECT id || ' ' || CAST(length(amount) AS VARCHAR) || ' ' || CAST(_line AS VARCHAR) FROM raw_t ORDER BY _line")
	assert.Equal(t, []string{"1 4 2", "2 " + strconv.Itoa(duckdbwarehouse.MaxPlainLine-4) + " 3", "3 " + strconv.Itoa(duckdbwarehouse.MaxPlainLine-3) + " 4", "4 4 5"}, got)
}
