package edqm_test

import (
	"os"
	"strings"
	"testing"

	"github.com/edqm/edqm"
)

// A Table is what every stage passes on; empty cells are NULL.
func ExampleWriteCSV() {
	t := &edqm.Table{
		Name:    "orders",
		Columns: []string{"order_id", "status", "note"},
		Rows:    [][]string{{"o1", "COMPLETED", "gift, wrapped"}, {"o2", "", `said "hi"`}},
	}
	if err := edqm.WriteCSV(os.Stdout, t); err != nil {
		panic(err)
	}
	// Output:
	// order_id,status,note
	// o1,COMPLETED,"gift, wrapped"
	// o2,,"said ""hi"""
}

func TestTable(t *testing.T) {
	tab := &edqm.Table{Name: "t", Columns: []string{"a", "b"}, Rows: [][]string{{"1", "2"}}}
	if tab.Col("b") != 1 || tab.Col("zz") != -1 || tab.MustCol("a") != 0 {
		t.Fatal("Col")
	}
	c := tab.Clone()
	c.Rows[0][0] = "changed"
	c.Columns[0] = "changed"
	if tab.Rows[0][0] != "1" || tab.Columns[0] != "a" {
		t.Fatal("Clone shares cells with its source")
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), `"zz"`) {
			t.Fatalf("MustCol panic = %v", r)
		}
	}()
	tab.MustCol("zz")
}

func TestWriteCSVRejectsRaggedRows(t *testing.T) {
	tab := &edqm.Table{Name: "t", Columns: []string{"a", "b"}, Rows: [][]string{{"1"}}}
	var b strings.Builder
	if err := edqm.WriteCSV(&b, tab); err == nil || !strings.Contains(err.Error(), "row 0 has 1 cells, want 2") {
		t.Fatalf("err = %v", err)
	}
}
