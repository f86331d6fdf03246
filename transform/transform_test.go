package transform_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/transform"
	"github.com/edqm/edqm/warehouse"
)

func mustParse(t *testing.T, name, text string) *transform.Model {
	t.Helper()
	m, err := transform.ParseModel(name, text)
	if err != nil {
		t.Fatalf("ParseModel(%s): %v", name, err)
	}
	return m
}

func TestParseModelDiscovers(t *testing.T) {
	m := mustParse(t, "fct", `{{ config "materialized" "table" }}
SELECT * FROM {{ ref "b" }} JOIN {{ ref "a" }} USING (id)
JOIN {{ source "raw" "orders" }} USING (id)
{{/* Discouraged (use the dialect's methods), but discovered: ParseModel runs every registered dialect. */ -}}
{{ if eq .Dialect.Name "snowflake" }}JOIN {{ ref "sf_only" }} USING (id){{ end }}
JOIN {{ ref "a" }} a2 USING (id)`)
	if m.Materialized != transform.Table {
		t.Errorf("Materialized = %q, want table", m.Materialized)
	}
	if want := []string{"a", "b", "sf_only"}; !reflect.DeepEqual(m.Refs, want) {
		t.Errorf("Refs = %q, want %q", m.Refs, want)
	}
	if want := [][2]string{{"raw", "orders"}}; !reflect.DeepEqual(m.Sources, want) {
		t.Errorf("Sources = %q, want %q", m.Sources, want)
	}
	if m.Name != "fct" || !strings.Contains(m.SQL, `{{ ref "b" }}`) {
		t.Errorf("model = %+v, want the name and the template text", m)
	}
	if v := mustParse(t, "v", "SELECT 1"); v.Materialized != transform.View || v.Refs != nil || v.Sources != nil {
		t.Errorf("default model = %+v, want a view with no refs nor sources", v)
	}
}

func TestParseModelErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"bad_syntax", "SELECT 1\nFROM x\nWHERE {{ ref \"a\" ", []string{"bad_syntax", ":3"}},
		{"unknown_func", "SELECT 1\n\n{{ reff \"a\" }}", []string{"unknown_func", ":3", "reff"}},
		{"bad_config", "SELECT 1\n{{ config \"materialized\" \"tabel\" }}", []string{"bad_config", ":2", "tabel"}},
		{"bad_config_key", "{{ config \"materialised\" \"table\" }}SELECT 1", []string{"bad_config_key", ":1", "materialised"}},
		{"bad_ref", "SELECT 1\n{{ ref \"a; DROP TABLE b\" }}", []string{"bad_ref", ":2", "bad identifier"}},
		{"bad_field", "SELECT {{ .Nope }}", []string{"bad_field", ":1", "Nope"}},
		{"x; DROP TABLE y", "SELECT 1", []string{"bad identifier"}},
	} {
		_, err := transform.ParseModel(tc.name, tc.text)
		if err == nil {
			t.Errorf("ParseModel(%s) succeeded", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("ParseModel(%s) error %q does not contain %q", tc.name, err, w)
			}
		}
	}
}

func TestUnknownRef(t *testing.T) {
	_, err := transform.NewProject([]*transform.Model{
		mustParse(t, "a", "SELECT 1"),
		mustParse(t, "b", `SELECT * FROM {{ ref "a" }}, {{ ref "ghost" }}`),
	}, nil)
	if err == nil || !strings.Contains(err.Error(), "model b") || !strings.Contains(err.Error(), "ghost") {
		t.Errorf("error = %v, want one naming model b and the missing ref ghost", err)
	}
}

func TestDuplicateAndSourceErrors(t *testing.T) {
	_, err := transform.NewProject([]*transform.Model{mustParse(t, "a", "SELECT 1"), mustParse(t, "a", "SELECT 2")}, nil)
	if err == nil || !strings.Contains(err.Error(), "a") {
		t.Errorf("duplicate: error = %v", err)
	}
	_, err = transform.NewProject([]*transform.Model{mustParse(t, "a", `SELECT * FROM {{ source "lake" "x" }}`)}, nil)
	if err == nil || !strings.Contains(err.Error(), "lake") || !strings.Contains(err.Error(), "model a") {
		t.Errorf("unknown source: error = %v", err)
	}
	p, err := transform.NewProject([]*transform.Model{mustParse(t, "a", `SELECT * FROM {{ source "lake" "x" }}, {{ source "raw" "y" }}`)},
		&transform.ProjectOptions{Sources: map[string]string{"lake": "lake_"}})
	if err != nil {
		t.Fatal(err)
	}
	q, err := p.Compile("a", transform.DuckDB, nil)
	if err != nil || q != "SELECT * FROM lake_x, raw_y" {
		t.Errorf("Compile = %q, %v", q, err)
	}
}

func TestCycle(t *testing.T) {
	for _, tc := range []struct {
		models []*transform.Model
		want   string
	}{
		{[]*transform.Model{
			mustParse(t, "a", `SELECT * FROM {{ ref "b" }}`),
			mustParse(t, "b", `SELECT * FROM {{ ref "c" }}`),
			mustParse(t, "c", `SELECT * FROM {{ ref "a" }}`),
			mustParse(t, "d", `SELECT * FROM {{ ref "a" }}`),
		}, "a -> b -> c -> a"},
		{[]*transform.Model{mustParse(t, "self", `SELECT * FROM {{ ref "self" }}`)}, "self -> self"},
		{[]*transform.Model{
			mustParse(t, "x", "SELECT 1"),
			mustParse(t, "y", `SELECT * FROM {{ ref "x" }}, {{ ref "z" }}`),
			mustParse(t, "z", `SELECT * FROM {{ ref "y" }}`),
		}, "y -> z -> y"},
	} {
		_, err := transform.NewProject(tc.models, nil)
		if !errors.Is(err, transform.ErrCycle) {
			t.Errorf("error = %v, want ErrCycle", err)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %q does not show the path %q", err, tc.want)
		}
	}
}

func levelNames(p *transform.Project) [][]string {
	var out [][]string
	for _, l := range p.Levels() {
		var names []string
		for _, m := range l {
			names = append(names, m.Name)
		}
		out = append(out, names)
	}
	return out
}

func TestLevels(t *testing.T) {
	p, err := transform.NewProject([]*transform.Model{
		mustParse(t, "z_root", "SELECT 1"),
		mustParse(t, "a_root", "SELECT 1"),
		mustParse(t, "mid", `SELECT * FROM {{ ref "z_root" }}`),
		mustParse(t, "top", `SELECT * FROM {{ ref "mid" }}, {{ ref "a_root" }}`),
		mustParse(t, "b_mid", `SELECT * FROM {{ ref "a_root" }}`),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"a_root", "z_root"}, {"b_mid", "mid"}, {"top"}}
	if got := levelNames(p); !reflect.DeepEqual(got, want) {
		t.Errorf("Levels = %q, want %q", got, want)
	}
}

func TestBuiltin(t *testing.T) {
	models, err := transform.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	p, err := transform.NewProject(models, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"stg_customers", "stg_orders", "stg_products"}, {"fct_orders"}, {"mart_daily_revenue"}}
	if got := levelNames(p); !reflect.DeepEqual(got, want) {
		t.Errorf("Levels = %q, want %q", got, want)
	}
	mat := map[string]transform.Materialization{}
	for _, m := range models {
		mat[m.Name] = m.Materialized
		if m.Path != "models/"+m.Name+".sql" {
			t.Errorf("%s: Path = %q", m.Name, m.Path)
		}
	}
	wantMat := map[string]transform.Materialization{
		"stg_customers": transform.View, "stg_products": transform.View, "stg_orders": transform.Incremental,
		"fct_orders": transform.Incremental, "mart_daily_revenue": transform.Table,
	}
	if !reflect.DeepEqual(mat, wantMat) {
		t.Errorf("materializations = %v, want %v", mat, wantMat)
	}
	for _, m := range models {
		for _, d := range []string{transform.DuckDB, transform.Snowflake} {
			q, err := p.Compile(m.Name, d, nil)
			if err != nil {
				t.Errorf("Compile(%s, %s): %v", m.Name, d, err)
				continue
			}
			if strings.Contains(q, "{{") || strings.Contains(q, "}}") || !strings.Contains(q, "SELECT") {
				t.Errorf("Compile(%s, %s) = %q", m.Name, d, q)
			}
		}
	}
	duck, _ := p.Compile("stg_orders", transform.DuckDB, nil)
	snow, _ := p.Compile("stg_orders", transform.Snowflake, nil)
	if !strings.Contains(duck, "regexp_extract(f._file,") || !strings.Contains(duck, "FROM raw_orders") {
		t.Errorf("duckdb stg_orders:\n%s", duck)
	}
	if !strings.Contains(snow, "TO_DATE(REGEXP_SUBSTR(f._file, 'date=([0-9]{4}-[0-9]{2}-[0-9]{2})', 1, 1, 'e', 1), 'YYYY-MM-DD')") {
		t.Errorf("snowflake stg_orders:\n%s", snow)
	}
	if _, err := p.Compile("stg_orders", "oracle", nil); err == nil {
		t.Error("Compile for an unknown dialect succeeded")
	}
	if _, err := p.Compile("nope", transform.DuckDB, nil); err == nil {
		t.Error("Compile of an unknown model succeeded")
	}
}

func TestBatchDate(t *testing.T) {
	m := mustParse(t, "m", `SELECT {{ batch_date "o._file" }} AS d FROM x AS o`)
	p, err := transform.NewProject([]*transform.Model{m}, nil)
	require.NoError(t, err)
	got, err := p.Compile("m", transform.DuckDB, nil)
	require.NoError(t, err)
	assert.Equal(t, `SELECT CAST(NULLIF(regexp_extract(o._file, 'date=([0-9]{4}-[0-9]{2}-[0-9]{2})', 1), '') AS DATE) AS d FROM x AS o`, got)
	_, err = transform.ParseModel("m", `SELECT {{ batch_date "_file); DROP TABLE x; --" }}`)
	assert.ErrorIs(t, err, warehouse.ErrBadIdentifier)
}

// TestCompileUnknownDialect: a dialect no imported engine registered is
// an error wrapping warehouse.ErrUnknownDialect that names the known ones.
func TestCompileUnknownDialect(t *testing.T) {
	p := builtinProject(t)
	_, err := p.Compile("stg_orders", "oracle", nil)
	require.ErrorIs(t, err, warehouse.ErrUnknownDialect)
	assert.Contains(t, err.Error(), "duckdb, snowflake")
	_, err = p.CompileAll("oracle", nil)
	assert.ErrorIs(t, err, warehouse.ErrUnknownDialect)
}

func TestLoadFS(t *testing.T) {
	fsys := fstest.MapFS{
		"m/b.sql":       {Data: []byte(`SELECT * FROM {{ ref "a" }}`)},
		"m/a.sql":       {Data: []byte(`SELECT 1 AS x`)},
		"m/readme.md":   {Data: []byte(`not a model`)},
		"m/sub/c.sql":   {Data: []byte(`SELECT 2`)},
		"bad/my-m.sql":  {Data: []byte(`SELECT 1`)},
		"bad2/ok.sql":   {Data: []byte("SELECT 1\n{{ oops }}")},
		"empty/.keep":   {Data: nil},
		"nothere/x.txt": {Data: nil},
	}
	models, err := transform.LoadFS(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(models) != 2 || models[0].Name != "a" || models[1].Name != "b" || models[1].Path != "m/b.sql" || models[1].Refs[0] != "a" {
		t.Errorf("models = %+v %+v", models[0], models[1])
	}
	if _, err := transform.LoadFS(fsys, "bad"); !errors.Is(err, warehouse.ErrBadIdentifier) || !strings.Contains(err.Error(), "my-m.sql") {
		t.Errorf("bad name: %v", err)
	}
	if _, err := transform.LoadFS(fsys, "bad2"); err == nil || !strings.Contains(err.Error(), "bad2/ok.sql") || !strings.Contains(err.Error(), ":2") {
		t.Errorf("bad template: %v", err)
	}
	if _, err := transform.LoadFS(fsys, "missing"); err == nil {
		t.Error("LoadFS of a missing dir succeeded")
	}
}

func TestMaterializedOverride(t *testing.T) {
	m := mustParse(t, "a", "SELECT 1")
	m.Materialized = transform.Table
	p, err := transform.NewProject([]*transform.Model{m}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Model("a").Materialized != transform.Table {
		t.Error("override lost")
	}
	m.Materialized = "incremental"
	if _, err := transform.NewProject([]*transform.Model{m}, nil); err == nil {
		t.Error("bad materialization accepted")
	}
}
