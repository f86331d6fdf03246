package duckdbwarehouse_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// FuzzLoadCSV loads arbitrary bytes as a CSV file: no panic, and nothing
// lost — every data row read is either loaded or kept as a reject, and the
// tables hold exactly what the result says. Fuzz longer with:
// go test ./warehouse/duckdbwarehouse -run '^$' -fuzz FuzzLoadCSV -fuzztime 60s
func FuzzLoadCSV(f *testing.F) {
	for _, s := range []string{
		"a,b,c\n1,2,3\n",
		"a,b,c\n1,2\n1,2,3,4\n\"x\"y,2,3\n",
		"a,b,c\r\n1,\"two, with comma\",3\r\n",
		"a,b\n1,2\n",
		"",
		"a,b,c\n\"unterminated,2,3\n4,5,6\n",
		"a,b,c\n,,\n\n7,8,9",
	} {
		f.Add([]byte(s))
	}
	ctx := f.Context()
	w, err := duckdbwarehouse.Open(ctx, "", nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { w.Close() })
	l := memlanding.New()
	n := 0
	f.Fuzz(func(t *testing.T, data []byte) {
		n++
		key := fmt.Sprintf("t/date=2026-01-01/f%d.csv", n)
		if err := l.Put(ctx, key, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		res, err := w.Load(ctx, warehouse.LoadRequest{Table: "raw_fuzz", Columns: []string{"a", "b", "c"}, Source: l, Keys: []string{key}})
		if err != nil {
			if !errors.Is(err, warehouse.ErrBadFile) {
				t.Fatalf("load %q: %v, want nil or ErrBadFile", data, err)
			}
			return
		}
		fr := res.Files[0]
		if fr.Parsed != fr.Loaded+fr.Rejected {
			t.Fatalf("load %q: parsed %d != loaded %d + rejected %d", data, fr.Parsed, fr.Loaded, fr.Rejected)
		}
		var loaded, rejected int64
		if err := scan(ctx, w, "SELECT COUNT(*) FROM raw_fuzz WHERE _file = ?", key, &loaded); err != nil {
			t.Fatal(err)
		}
		if err := scan(ctx, w, "SELECT COUNT(*) FROM "+warehouse.RejectsTable+" WHERE file = ?", key, &rejected); err != nil {
			t.Fatal(err)
		}
		if loaded != fr.Loaded || rejected != fr.Rejected {
			t.Fatalf("load %q: tables hold %d rows and %d rejects, result says %d and %d", data, loaded, rejected, fr.Loaded, fr.Rejected)
		}
	})
}

func scan(ctx context.Context, w warehouse.Warehouse, q string, arg any, dst *int64) error {
	rows, err := w.Query(ctx, q, arg)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		return fmt.Errorf("no row from %s", q)
	}
	return rows.Scan(dst)
}
