package duckdbwarehouse_test

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
	"github.com/edqm/edqm/warehouse/internal/csvrec"
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
		"a,b,c\n1,2,3\n4,\"5\n5\",6\n7,8,9\n\"x,1,2\n3,4,5\n \t,é,\\N\n",
		"a,b,c\r\n1,2,3\r\n\r\n4,5,6\n7,8\n",
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
		if utf8.Valid(data) {
			wantRows, wantRejects := csvrecParse(t, data, 3)
			gotRows, gotRejects := tableRows(t, w, key)
			if !slices.Equal(gotRows, wantRows) || !slices.Equal(gotRejects, wantRejects) {
				t.Fatalf("load %q:\nrows    %q\nwant    %q\nrejects %q\nwant    %q", data, gotRows, wantRows, gotRejects, wantRejects)
			}
		}
	})
}

// csvrecParse returns what loading data should give, read record by
// record with csvrec (the loader's reference): each loaded row as
// "LINE|FIELD|…" (NULL for an empty field), each reject as
// "LINE|REASON|RAW".
func csvrecParse(t *testing.T, data []byte, width int) (rows, rejects []string) {
	t.Helper()
	r := csvrec.NewReader(bytes.NewReader(data))
	if _, err := r.Next(); err != nil { // the header
		t.Fatal(err)
	}
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return rows, rejects
		}
		if err != nil {
			t.Fatal(err)
		}
		if reason := rec.Reason(width); reason != "" {
			rejects = append(rejects, fmt.Sprintf("%d|%s|%s", rec.Line, reason, rec.Raw()))
			continue
		}
		s := strconv.FormatInt(rec.Line, 10)
		for _, f := range rec.Fields {
			s += "|" + cmp.Or(f, "NULL")
		}
		rows = append(rows, s)
	}
}

// tableRows returns the rows and rejects of key, as csvrecParse does, in
// line order.
func tableRows(t *testing.T, w warehouse.Warehouse, key string) (rows, rejects []string) {
	t.Helper()
	for _, q := range []struct {
		sql string
		dst *[]string
	}{
		{"SELECT _line::VARCHAR || '|' || coalesce(a, 'NULL') || '|' || coalesce(b, 'NULL') || '|' || coalesce(c, 'NULL') FROM raw_fuzz WHERE _file = ? ORDER BY _line", &rows},
		{"SELECT line::VARCHAR || '|' || reason || '|' || raw FROM " + warehouse.RejectsTable + " WHERE file = ? ORDER BY line", &rejects},
	} {
		rs, err := w.Query(t.Context(), q.sql, key)
		require.NoError(t, err)
		for rs.Next() {
			var s string
			require.NoError(t, rs.Scan(&s))
			*q.dst = append(*q.dst, s)
		}
		require.NoError(t, rs.Err())
		rs.Close()
	}
	return rows, rejects
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
