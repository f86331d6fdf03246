package transform_test

import (
	"reflect"
	"testing"

	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/transform"
)

// TestRawTablesMatchProducers keeps RawTables in step with the packages
// that produce the files.
func TestRawTablesMatchProducers(t *testing.T) {
	want := map[string][]string{
		"raw_customers":    generate.CustomerColumns,
		"raw_products":     generate.ProductColumns,
		"raw_orders":       generate.OrderColumns,
		"raw_chaos_labels": chaos.LabelColumns,
	}
	if len(transform.RawTables) != len(want) {
		t.Errorf("%d raw tables, want %d", len(transform.RawTables), len(want))
	}
	for _, rt := range transform.RawTables {
		if !reflect.DeepEqual(rt.Columns, want[rt.Name]) {
			t.Errorf("%s columns = %q, want %q", rt.Name, rt.Columns, want[rt.Name])
		}
	}
}
