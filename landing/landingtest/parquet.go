package landingtest

import (
	"testing"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/parquetfile"
)

// parquetTable is the table the Parquet round trip lands: odd but valid
// values (quotes, commas, a line break, non-ASCII text, NULLs) and more rows
// than one row group holds.
func parquetTable() *edqm.Table {
	t := &edqm.Table{Name: "orders", Columns: []string{"order_id", "note", "total_amount"}}
	odd := []string{`say "hi"`, "a,b", "line\nbreak", "Completado ✓", ""}
	for i := range 300 {
		t.Rows = append(t.Rows, []string{
			edqm.FormatUUID(uint64(i), uint64(i)*7919),
			odd[i%len(odd)],
			edqm.FormatCents(int64(i*137 - 5000)),
		})
	}
	return t
}

// testParquetRoundTrip lands a Parquet file under a data key (the key a
// run with the Parquet format lands) and reads it back: the same bytes,
// the same size in the listing, the same rows.
func testParquetRoundTrip(t *testing.T, l landing.Lander) {
	want := parquetTable()
	data, err := parquetfile.EncodeTable(t.Context(), want, &parquetfile.Options{Codec: parquetfile.Zstd, RowGroupRows: 128})
	if err != nil {
		t.Fatal(err)
	}
	key := landing.DataKey(want.Name, time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), parquetfile.Extension)
	put(t, l, key, string(data))
	if got := get(t, l, key); got != string(data) {
		t.Fatalf("Get %q: %d bytes, not the %d landed", key, len(got), len(data))
	}
	objs := list(t, l, want.Name+"/")
	if len(objs) != 1 || objs[0].Key != key || objs[0].Size != int64(len(data)) {
		t.Fatalf("List: %+v, want %s of %d bytes", objs, key, len(data))
	}
	rc, err := l.Get(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := parquetfile.ReadTable(t.Context(), key, rc)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Rows) != len(want.Rows) {
		t.Fatalf("%s: %d rows read back, want %d", key, len(got.Rows), len(want.Rows))
	}
	for i := range want.Rows {
		for c := range want.Columns {
			if got.Rows[i][c] != want.Rows[i][c] {
				t.Fatalf("%s row %d column %s: %q, want %q", key, i+1, want.Columns[c], got.Rows[i][c], want.Rows[i][c])
			}
		}
	}
}
