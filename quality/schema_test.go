package quality_test

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edqm/edqm/internal/flowtest"
	"github.com/edqm/edqm/quality"
)

// The original pipeline's schema.yml, kept verbatim in testdata, loads
// with the right tests and severities.
func TestOriginalSchemaLoads(t *testing.T) {
	s, err := quality.LoadSchemaFile("testdata/schema.yml", nil)
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ name, typ, model, column, sev, warnIf, errorIf, origin string }
	var got []row
	for _, tc := range s.Tests {
		got = append(got, row{tc.Name(), tc.Type, tc.Model, tc.Column, string(tc.Severity), tc.WarnIf, tc.ErrorIf, tc.Origin})
	}
	want := []row{
		{"unique_stg_customers_customer_id", "unique", "stg_customers", "customer_id", "", "", "", "schema.yml:17"},
		{"not_null_stg_customers_customer_id", "not_null", "stg_customers", "customer_id", "", "", "", "schema.yml:18"},
		{"unique_stg_products_product_id", "unique", "stg_products", "product_id", "", "", "", "schema.yml:24"},
		{"not_null_stg_products_product_id", "not_null", "stg_products", "product_id", "", "", "", "schema.yml:25"},
		{"unique_stg_orders_order_id", "unique", "stg_orders", "order_id", "warn", "", "", "schema.yml:31"},
		{"not_null_stg_orders_order_id", "not_null", "stg_orders", "order_id", "", "", "", "schema.yml:34"},
		{"unique_fct_orders_order_id", "unique", "fct_orders", "order_id", "warn", "", "", "schema.yml:43"},
		{"not_null_fct_orders_order_id", "not_null", "fct_orders", "order_id", "", "", "", "schema.yml:46"},
		{"relationships_fct_orders_customer_id", "relationships", "fct_orders", "customer_id", "warn", ">0", ">1000", "schema.yml:53"},
		{"dbt_expectations_expect_column_values_to_be_between_fct_orders_total_amount", "between", "fct_orders", "total_amount", "warn", "", "", "schema.yml:64"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("tests:\n got %v\nwant %v", got, want)
	}
	rel := s.Tests[8]
	if rel.To != "stg_customers" || rel.Field != "customer_id" || rel.Meta["owner"] != "Data Team" {
		t.Errorf("relationships: %+v", rel)
	}
	if b := s.Tests[9]; b.Min == nil || *b.Min != 0 || b.Max != nil || b.Exclusive {
		t.Errorf("between: %+v", b)
	}
	if len(s.Sources) != 1 || s.Sources[0].Database != "EDQM_DB" || s.Sources[0].Schema != "RAW" || len(s.Sources[0].Tables) != 3 ||
		s.Sources[0].Tables[2].Relation != "raw_orders" {
		t.Errorf("sources: %+v", s.Sources)
	}
	if len(s.Monitors) != 0 || s.Name != "schema.yml" {
		t.Errorf("suite %q with monitors %+v", s.Name, s.Monitors)
	}
}

// ... and runs as it is against the built-in models.
func TestOriginalSchemaRuns(t *testing.T) {
	wo := flowtest.New(t, flowtest.Config{Days: 10, Seed: 5, Rate: 0.05, Build: true})
	s, err := quality.LoadSchemaFile("testdata/schema.yml", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Run(t.Context(), wo.Warehouse, nil)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]quality.Status{}
	for _, r := range res.Tests {
		status[r.Name] = r.Status
		if r.Status != quality.Pass && r.Sample == nil {
			t.Errorf("%s: no sample", r.Name)
		}
	}
	want := map[string]quality.Status{
		"unique_stg_customers_customer_id":                                            quality.Pass,
		"not_null_stg_customers_customer_id":                                          quality.Pass,
		"unique_stg_products_product_id":                                              quality.Pass,
		"not_null_stg_products_product_id":                                            quality.Pass,
		"unique_stg_orders_order_id":                                                  quality.Warned, // duplicates
		"not_null_stg_orders_order_id":                                                quality.Pass,
		"unique_fct_orders_order_id":                                                  quality.Warned,
		"not_null_fct_orders_order_id":                                                quality.Pass,
		"relationships_fct_orders_customer_id":                                        quality.Warned, // ghosts: > 0, not > 1000
		"dbt_expectations_expect_column_values_to_be_between_fct_orders_total_amount": quality.Warned, // negative amounts
	}
	for n, st := range want {
		if status[n] != st {
			t.Errorf("%s: %s, want %s", n, status[n], st)
		}
	}
}

func TestSchemaErrorsNameFileAndLine(t *testing.T) {
	orig, err := os.ReadFile("testdata/schema.yml")
	if err != nil {
		t.Fatal(err)
	}
	// Line 18 of the original is "          - not_null".
	bad := strings.Replace(string(orig), "          - not_null\n", "          - not_nul\n", 1)
	_, err = quality.ParseSchema("models/schema.yml", []byte(bad), nil)
	var se *quality.SchemaError
	if !errors.As(err, &se) || !errors.Is(err, quality.ErrBadSchema) || se.File != "models/schema.yml" || se.Line != 18 ||
		!strings.HasPrefix(err.Error(), `models/schema.yml:18:13: unknown test "not_nul"`) {
		t.Fatalf("err = %v", err)
	}
	for _, c := range []struct{ yaml, want string }{
		{"version: 2\nmodels:\n  - name: m\n    columns:\n      - name: c\n        tests:\n          - unique:\n              severty: warn\n",
			`x.yml:8:15: unique: unknown argument "severty"`},
		{"version: 2\nmodels:\n  - name: m\n    columns:\n      - name: c\n        tests:\n          - relationships:\n              field: id\n",
			`x.yml:7:13: relationships: missing argument "to"`},
		{"version: 2\nmodels:\n  - name: m\n    columns:\n      - name: c\n        tests:\n          - unique:\n              config:\n                severity: fatal\n",
			`x.yml:9:27: unique: severity "fatal": want warn or error`},
		{"version: 2\nmodels:\n  - name: m\n    columns:\n      - name: c\n        tests:\n          - not_null:\n              config:\n                error_if: lots\n",
			`x.yml:9:27: not_null: error_if:`},
		{"version: 2\nmodels:\n  - name: m\n    colums:\n      - name: c\n", `x.yml:4:5: model: unknown key "colums"`},
		{"version: 3\n", `x.yml:1:10: version 3`},
		{"version: 2\nmodels:\n  - name: m\n    tests:\n      - unique\n", `x.yml:5:9: unique: needs a column`},
		{"version: 2\nmodels:\n  - name: m\n    columns:\n      - name: c\n        tests:\n          - relationships:\n              to: source('raw', 'x')\n              field: id\n",
			`x.yml:8:19: relationships: to: unknown source raw.x`},
		{"version: 2\nmodels:\n  - name: m\n    tests:\n      - elementary.volume_anomalies:\n          time_bucket: {period: hour, count: 1}\n",
			`x.yml:6:24: elementary.volume_anomalies: time_bucket: want a positive count of days or weeks`},
		{"models: [\n", "x.yml:1: YAML syntax: did not find expected node content"},
		{"version: 2\nmodels:\n  - name: m\n    description: \"open\n", "x.yml:4: YAML syntax: found unexpected end of stream"},
		{"version: 2\nmodels:\n  - name: m\n    columns:\n\t- name: c\n", "x.yml:5: YAML syntax: found character that cannot start any token"},
		{"version: 2\nmodels:\n  - name: m\n    columns: *nope\n", "x.yml:1: YAML syntax: unknown anchor 'nope' referenced"},
	} {
		_, err := quality.ParseSchema("x.yml", []byte(c.yaml), nil)
		if !errors.Is(err, quality.ErrBadSchema) || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q:\n got %v\nwant %s…", c.yaml, err, c.want)
		}
	}
}

const richSchema = `version: 2
sources:
  - name: raw_layer
    database: EDQM_DB
    schema: RAW
    tables:
      - name: raw_orders
        columns:
          - name: order_id
            data_tests:
              - not_null
models:
  - name: fct_orders
    meta:
      owner: payments
    columns:
      - name: order_id
        data_type: VARCHAR
      - name: status
        tests:
          - accepted_values:
              values: ['COMPLETED', 'PENDING', 'SHIPPED', 'CANCELLED']
              config:
                where: "batch_date >= DATE '2026-01-01'"
                error_if: ">5%"
          - dbt_expectations.expect_column_values_to_be_in_set:
              value_set: ['COMPLETED', 'PENDING', 'SHIPPED', 'CANCELLED']
              mostly: 0.95
      - name: quantity
        tests:
          - dbt_utils.accepted_range:
              arguments:
                min_value: 1
                max_value: 5
          - positive
          - dbt_utils.expression_is_true:
              expression: "<= 5"
      - name: customer_id
        tests:
          - dbt_utils.not_null_proportion:
              at_least: 0.99
          - elementary.column_anomalies:
              column_anomalies: [null_percent]
              timestamp_column: batch_date
    tests:
      - dbt_utils.recency:
          datepart: day
          field: batch_date
          interval: 2
      - dbt_utils.equal_rowcount:
          compare_model: source('raw_layer', 'raw_orders')
          severity: warn
      - dbt_utils.unique_combination_of_columns:
          combination_of_columns: [order_id, occurrence]
      - custom_sql:
          sql: "SELECT * FROM fct_orders WHERE total_amount > 100000"
      - test_name: expression
        name: amount_matches_price
        expression: "ABS(total_amount - quantity * unit_price) <= 0.05"
        config:
          enabled: false
      - elementary.volume_anomalies:
          training_period: {period: week, count: 4}
          detection_period: {period: day, count: 3}
          anomaly_sensitivity: 2.5
          seasonality: day_of_week
          anomaly_direction: drop
          ignore_small_changes:
            drop_failure_percent_threshold: 20
      - elementary.freshness_anomalies:
          timestamp_column: batch_date
      - elementary.dimension_anomalies:
          dimensions: [status]
      - elementary.schema_changes_from_baseline
`

func TestRichSchema(t *testing.T) {
	s, err := quality.ParseSchema("rich.yml", []byte(richSchema), &quality.SchemaOptions{Sources: map[string]string{"raw_layer.raw_orders": "raw_orders"}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tc := range s.Tests {
		names = append(names, fmt.Sprintf("%s %s %s/%s", tc.Name(), tc.Type, tc.WarnIf, tc.ErrorIf))
	}
	want := []string{
		"not_null_raw_orders_order_id not_null /",
		"accepted_values_fct_orders_status accepted_values />5%",
		"dbt_expectations_expect_column_values_to_be_in_set_fct_orders_status accepted_values >5%/>5%",
		"dbt_utils_accepted_range_fct_orders_quantity between /",
		"positive_fct_orders_quantity positive /",
		"dbt_utils_expression_is_true_fct_orders_quantity expression /",
		"dbt_utils_not_null_proportion_fct_orders_customer_id not_null >1%/>1%",
		"dbt_utils_recency_fct_orders recency /",
		"dbt_utils_equal_rowcount_fct_orders row_count /",
		"dbt_utils_unique_combination_of_columns_fct_orders_order_id__occurrence custom_sql /",
		"custom_sql_fct_orders_55 custom_sql /",
	}
	if !slices.Equal(names, want) {
		t.Errorf("tests:\n got %q\nwant %q", names, want)
	}
	if e := s.Tests[5].Expression; e != "quantity <= 5" {
		t.Errorf("column-level expression %q", e)
	}
	if r := s.Tests[7]; r.MaxAge != 48*time.Hour || r.Column != "batch_date" {
		t.Errorf("recency %+v", r)
	}
	if r := s.Tests[8]; r.To != "raw_orders" || r.Severity != quality.Warn {
		t.Errorf("equal_rowcount %+v", r)
	}
	if r := s.Tests[1]; r.Where != "batch_date >= DATE '2026-01-01'" || r.Meta["owner"] != "payments" {
		t.Errorf("accepted_values %+v", r)
	}
	var mons []string
	for _, m := range s.Monitors {
		mons = append(mons, m.Name())
	}
	wantMons := []string{
		"column_anomalies_fct_orders_customer_id_null_percent",
		"volume_anomalies_fct_orders",
		"freshness_anomalies_fct_orders",
		"dimension_anomalies_fct_orders_status",
		"schema_changes_fct_orders",
	}
	if !slices.Equal(mons, wantMons) {
		t.Errorf("monitors %q, want %q", mons, wantMons)
	}
	v := s.Monitors[1].Detection
	if v.TrainingDays != 28 || v.DetectionDays != 3 || v.Sensitivity != 2.5 || v.Seasonality != quality.DayOfWeek ||
		v.Direction != quality.Drop || v.MinDropPercent != 20 || v.MinSpikePercent != 0 {
		t.Errorf("volume detection %+v", v)
	}
	// Without enforce_types, the documented data_type is not compared;
	// without fail_on_added, undocumented columns are fine.
	if m := s.Monitors[4]; !slices.Equal(m.Columns, []string{"order_id", "status", "quantity", "customer_id"}) || !m.AllowAdded {
		t.Errorf("baseline %q, allow added %v", m.Columns, m.AllowAdded)
	}

	// The suite runs against the built-in models.
	wo := flowtest.New(t, flowtest.Config{Days: 20, Seed: 3, Rate: 0.02, Build: true})
	res, err := s.Run(t.Context(), wo.Warehouse, &quality.RunOptions{Now: wo.Last()})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tests) != len(s.Tests) || len(res.Monitors) != len(s.Monitors) {
		t.Fatalf("%d tests, %d monitors", len(res.Tests), len(res.Monitors))
	}
	status := map[string]quality.Status{}
	for _, r := range res.Tests {
		status[r.Name] = r.Status
	}
	for _, r := range res.Monitors {
		status[r.Name] = r.Status
	}
	for name, want := range map[string]quality.Status{
		"dbt_utils_equal_rowcount_fct_orders":                                     quality.Pass, // every raw row reaches the mart
		"dbt_utils_recency_fct_orders":                                            quality.Pass,
		"dbt_utils_accepted_range_fct_orders_quantity":                            quality.Fail, // bad_quantity
		"dbt_utils_unique_combination_of_columns_fct_orders_order_id__occurrence": quality.Pass,
		"schema_changes_fct_orders":                                               quality.Pass, // undocumented columns are additions
		"volume_anomalies_fct_orders":                                             quality.NoData,
	} {
		if status[name] != want {
			t.Errorf("%s: %s, want %s", name, status[name], want)
		}
	}
}
