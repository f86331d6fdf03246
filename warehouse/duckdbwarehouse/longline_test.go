package duckdbwarehouse_test

import (
	"fmt"
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

// TestLoadSpilledFiles: files whose plain records go to one batch file,
// files whose records spill to their own temporary file, and files with
// odd records and rejects load the same rows, lines and rejects whatever
// the spill threshold.
func TestLoadSpilledFiles(t *testing.T) {
	l := memlanding.New()
	var keys []string
	for f := range 6 {
		var b strings.Builder
		b.WriteString("id,name,amount\n")
		for r := range 40 * (f + 1) {
			switch {
			case r%17 == 5:
				fmt.Fprintf(&b, "%d,\"quoted, name\",%d.50\n", r, f) // odd: appended
			case r%23 == 7:
				fmt.Fprintf(&b, "%d,too,many,fields\n", r) // a reject
			default:
				fmt.Fprintf(&b, "%d,n%d,%d.25\n", r, f, r)
			}
		}
		key := fmt.Sprintf("t/date=2026-03-0%d/f.csv", f+1)
		put(t, l, key, b.String())
		keys = append(keys, key)
	}
	load := func(spill int) []string {
		old := duckdbwarehouse.SetSpillAt(spill)
		defer duckdbwarehouse.SetSpillAt(old)
		w := openMemory(t)
		res, err := w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_t", Columns: cols, Source: l, Keys: keys})
		require.NoError(t, err)
		require.Len(t, res.Files, len(keys))
		rows := queryStrings(t, w, "SELECT _file || ' ' || CAST(_line AS VARCHAR) || ' ' || id || ' ' || COALESCE(name, 'NULL') || ' ' || amount FROM raw_t ORDER BY _file, _line")
		rejects := queryStrings(t, w, "SELECT file || ' ' || CAST(line AS VARCHAR) FROM "+warehouse.RejectsTable+" ORDER BY file, line")
		return append(rows, rejects...)
	}
	inMemory := load(16 << 20)
	assert.Len(t, inMemory, 40*21)
	assert.Equal(t, inMemory, load(1), "every file spilled")
	assert.Equal(t, inMemory, load(3000), "some files spilled")
}
