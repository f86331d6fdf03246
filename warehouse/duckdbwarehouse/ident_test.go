package duckdbwarehouse_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// badNames are table or column names that would change a statement if
// they were pasted into SQL, quoted or not.
var badNames = []string{
	"x; DROP TABLE y",
	`x"; DROP TABLE y; --`,
	"x' OR '1'='1",
	"x--",
	"y.z",
	"",
	"1x",
	"x\x00y",
	strings.Repeat("a", 129),
}

// TestIdentifiersAreRefused shows that Load refuses a table or a column
// whose name is not a plain identifier, with an error wrapping
// warehouse.ErrBadIdentifier that names the role of the name, before any
// SQL runs (table y is still there); and that TableExists takes any name
// as a value, never as SQL.
func TestIdentifiersAreRefused(t *testing.T) {
	ctx := t.Context()
	w, err := duckdbwarehouse.Open(ctx, ":memory:", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Exec(ctx, "CREATE TABLE y (v INTEGER)"); err != nil {
		t.Fatal(err)
	}
	src := memlanding.New()
	if err := src.Put(ctx, "a.csv", strings.NewReader("id\n1\n")); err != nil {
		t.Fatal(err)
	}
	for _, name := range badNames {
		for _, tc := range []struct {
			role string
			req  warehouse.LoadRequest
		}{
			{"table", warehouse.LoadRequest{Table: name, Columns: []string{"id"}, Source: src, Keys: []string{"a.csv"}}},
			{"column", warehouse.LoadRequest{Table: "raw_x", Columns: []string{name}, Source: src, Keys: []string{"a.csv"}}},
		} {
			_, err := w.Load(ctx, tc.req)
			if !errors.Is(err, warehouse.ErrBadIdentifier) {
				t.Errorf("Load with %s %q: err = %v, want ErrBadIdentifier", tc.role, name, err)
				continue
			}
			if !strings.Contains(err.Error(), tc.role) {
				t.Errorf("Load with %s %q: the error does not say which name is bad: %v", tc.role, name, err)
			}
		}
		if ok, err := w.TableExists(ctx, name); err != nil || ok {
			t.Errorf("TableExists(%q) = %v, %v; want false, nil", name, ok, err)
		}
	}
	if ok, err := w.TableExists(ctx, "y"); err != nil || !ok {
		t.Fatalf("table y is gone: %v, %v", ok, err)
	}
	if ok, err := w.TableExists(ctx, "raw_x"); err != nil || ok {
		t.Errorf("a refused load created raw_x: %v, %v", ok, err)
	}
}
