package transform_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/transform"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// day is one batch of landed files.
type day struct {
	date  time.Time
	files map[string]map[string]string // raw table -> key -> content
}

// generatedDays generates, corrupts and lays out n days the way
// examples/full lands them, with heavy chaos, plus one order file on the
// last day that repeats an order of the second day (a duplicate across
// days).
func generatedDays(t *testing.T, n int) []day {
	t.Helper()
	ctx := t.Context()
	gen, err := generate.New(generate.Config{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	inj, err := chaos.New(chaos.Config{Seed: 7, Rates: chaos.Uniform(0.05)})
	if err != nil {
		t.Fatal(err)
	}
	spec := chaos.OrdersSpec(gen.SignupDate)
	csv := func(tab *edqm.Table) string {
		var b bytes.Buffer
		if err := edqm.WriteCSV(&b, tab); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	first := time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
	var days []day
	var secondDayOrder string
	for i := range n {
		d := day{date: first.AddDate(0, 0, i), files: map[string]map[string]string{}}
		add := func(table, key, content string) {
			if d.files[table] == nil {
				d.files[table] = map[string]string{}
			}
			d.files[table][key] = content
		}
		var tabs []*edqm.Table
		if i == 0 {
			p, err := gen.Products(ctx)
			if err != nil {
				t.Fatal(err)
			}
			c, err := gen.Customers(ctx, time.Time{}, d.date)
			if err != nil {
				t.Fatal(err)
			}
			tabs = append(tabs, p, c)
		} else {
			c, err := gen.Customers(ctx, d.date, d.date)
			if err != nil {
				t.Fatal(err)
			}
			tabs = append(tabs, c)
		}
		clean, err := gen.Orders(ctx, d.date)
		if err != nil {
			t.Fatal(err)
		}
		dirty, labels, err := inj.Inject(ctx, d.date, spec, clean)
		if err != nil {
			t.Fatal(err)
		}
		tabs = append(tabs, dirty)
		for _, tab := range tabs {
			add("raw_"+tab.Name, landing.DataKey(tab.Name, d.date, "csv"), csv(tab))
		}
		add("raw_chaos_labels", landing.LabelsKey(dirty.Name, d.date), csv(chaos.LabelsTable(labels)))
		if i == 1 {
			lines := strings.SplitN(csv(dirty), "\n", 3)
			secondDayOrder = lines[0] + "\n" + lines[1] + "\n"
		}
		if i == n-1 {
			add("raw_orders", strings.TrimSuffix(landing.DataKey("orders", d.date, "csv"), ".csv")+"-late.csv", secondDayOrder)
		}
		days = append(days, d)
	}
	return days
}

// loadDay loads a day's files.
func loadDay(t *testing.T, w warehouse.Warehouse, d day) {
	t.Helper()
	ctx := t.Context()
	l := memlanding.New()
	for _, rt := range transform.RawTables {
		files := d.files[rt.Name]
		var keys []string
		for k, v := range files {
			if err := l.Put(ctx, k, strings.NewReader(v)); err != nil {
				t.Fatal(err)
			}
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if _, err := w.Load(ctx, warehouse.LoadRequest{Table: rt.Name, Columns: rt.Columns, Source: l, Keys: keys}); err != nil {
			t.Fatal(err)
		}
	}
}

func openDuck(t *testing.T) *duckdbwarehouse.Warehouse {
	t.Helper()
	w, err := duckdbwarehouse.Open(t.Context(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	return w
}

// run runs the built-in models and returns fct_orders' result.
func run(t *testing.T, w warehouse.Warehouse, opts *transform.RunOptions) transform.ModelResult {
	t.Helper()
	models, err := transform.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	p, err := transform.NewProject(models, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(t.Context(), w, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range res.Models {
		if m.Name == "fct_orders" {
			return m
		}
	}
	t.Fatal("fct_orders did not run")
	return transform.ModelResult{}
}

// contentHash hashes every row of a table, in a fixed order, as text.
func contentHash(t *testing.T, w warehouse.Warehouse, table, orderBy string) (string, int) {
	t.Helper()
	r, err := w.Query(t.Context(), `SELECT * FROM `+table+` WHERE 1 = 0`)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := r.Columns()
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cols {
		cols[i] = "CAST(" + c + " AS VARCHAR)"
	}
	rows := strs(t, w, `SELECT `+strings.Join(cols, ", ")+` FROM `+table+` ORDER BY `+orderBy)
	h := sha256.New()
	for _, r := range rows {
		fmt.Fprintf(h, "%q\n", r)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], len(rows)
}

const fctOrder = "order_id, occurrence, _file, _line"

// TestIncrementalMatchesFullBuild builds fct_orders and the daily mart
// three ways from the same generated days: all at once; day by day
// (incremental); and day by day with the second day landing last, after
// the later days that repeat one of its orders. The tables must be
// identical.
func TestIncrementalMatchesFullBuild(t *testing.T) {
	days := generatedDays(t, 6)

	all := openDuck(t)
	for _, d := range days {
		loadDay(t, all, d)
	}
	if r := run(t, all, nil); r.Incremental {
		t.Error("the first build of fct_orders was incremental")
	}
	wantFct, n := contentHash(t, all, "fct_orders", fctOrder)
	wantMart, _ := contentHash(t, all, "mart_daily_revenue", "batch_date")
	dups := strs(t, all, `SELECT count(*) FROM fct_orders WHERE is_duplicate AND batch_date = '2024-02-06'`)
	if n < 6*50 || dups[0][0] == "0" {
		t.Fatalf("fct_orders has %d rows and %s duplicates on the last day: the fixture is too small", n, dups[0][0])
	}
	for _, kind := range []string{"calculation", "temporal", "integrity", "domain", "duplication"} {
		if got := strs(t, all, `SELECT CAST(SUM(`+kind+`_issues) AS VARCHAR) FROM mart_daily_revenue`); got[0][0] == "0" {
			t.Errorf("no %s issue in the generated days", kind)
		}
	}

	orders := map[string][]int{
		"day by day":      {0, 1, 2, 3, 4, 5},
		"second day late": {0, 2, 3, 4, 5, 1},
	}
	for name, order := range orders {
		t.Run(name, func(t *testing.T) {
			w := openDuck(t)
			for i, di := range order {
				loadDay(t, w, days[di])
				r := run(t, w, &transform.RunOptions{Parallelism: 3})
				if r.Incremental != (i > 0) {
					t.Errorf("run %d: fct_orders incremental = %v", i, r.Incremental)
				}
			}
			gotFct, m := contentHash(t, w, "fct_orders", fctOrder)
			gotMart, _ := contentHash(t, w, "mart_daily_revenue", "batch_date")
			if gotFct != wantFct || m != n {
				t.Errorf("fct_orders: %d rows, hash %s; all at once: %d rows, hash %s", m, gotFct, n, wantFct)
			}
			if gotMart != wantMart {
				t.Errorf("mart_daily_revenue hash %s, all at once %s", gotMart, wantMart)
			}
			if ok, _ := w.TableExists(t.Context(), "_edqm_new_fct_orders"); ok {
				t.Error("the work table was left behind")
			}
		})
	}
}

// TestIncrementalMergesOnlyNewDays marks a built day, runs again with a
// new day, and checks that the mark survived (the old day was not
// rebuilt), then that FullRefresh rebuilds everything.
func TestIncrementalMergesOnlyNewDays(t *testing.T) {
	days := generatedDays(t, 3)
	w := openDuck(t)
	ctx := t.Context()
	loadDay(t, w, days[0])
	run(t, w, nil)
	if err := w.Exec(ctx, `UPDATE fct_orders SET region = 'MARK' WHERE batch_date = '2024-02-01'`); err != nil {
		t.Fatal(err)
	}
	marked := strs(t, w, `SELECT count(*) FROM fct_orders WHERE region = 'MARK'`)[0][0]

	loadDay(t, w, days[1])
	if r := run(t, w, nil); !r.Incremental {
		t.Fatal("the second run was not incremental")
	}
	if got := strs(t, w, `SELECT count(*) FROM fct_orders WHERE region = 'MARK'`)[0][0]; got != marked {
		t.Errorf("%s marked rows after an incremental run, want %s: the old day was rebuilt", got, marked)
	}
	if got := strs(t, w, `SELECT count(DISTINCT batch_date) FROM fct_orders`)[0][0]; got != "2" {
		t.Errorf("%s days in fct_orders, want 2", got)
	}
	// Nothing new: nothing changes, and running again adds no rows.
	before, _ := contentHash(t, w, "fct_orders", fctOrder)
	run(t, w, nil)
	if after, _ := contentHash(t, w, "fct_orders", fctOrder); after != before {
		t.Error("a run without new files changed fct_orders")
	}

	loadDay(t, w, days[2])
	if r := run(t, w, &transform.RunOptions{FullRefresh: true}); r.Incremental {
		t.Error("FullRefresh ran incrementally")
	}
	if got := strs(t, w, `SELECT count(*) FROM fct_orders WHERE region = 'MARK'`)[0][0]; got != "0" {
		t.Errorf("%s marked rows after FullRefresh, want 0", got)
	}
}

// TestMartKindsFollowQualityKindFlags checks the mart's per-kind counts
// against the flags quality.KindFlags groups under each kind.
func TestMartKindsFollowQualityKindFlags(t *testing.T) {
	w := openDuck(t)
	for _, d := range generatedDays(t, 2) {
		loadDay(t, w, d)
	}
	run(t, w, nil)
	if len(quality.KindFlags) != len(chaos.Kinds) {
		t.Fatalf("quality.KindFlags has %d kinds, chaos %d", len(quality.KindFlags), len(chaos.Kinds))
	}
	for _, k := range chaos.Kinds {
		flags := quality.KindFlags[k]
		want := strs(t, w, `SELECT CAST(batch_date AS VARCHAR), CAST(SUM(CASE WHEN `+strings.Join(flags, " OR ")+
			` THEN 1 ELSE 0 END) AS VARCHAR) FROM fct_orders GROUP BY batch_date ORDER BY batch_date`)
		got := strs(t, w, `SELECT CAST(batch_date AS VARCHAR), CAST(`+string(k)+`_issues AS VARCHAR) FROM mart_daily_revenue ORDER BY batch_date`)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s_issues = %v, want %v (flags %s)", k, got, want, strings.Join(flags, ", "))
		}
	}
}

func TestIncrementalModelChangeRebuilds(t *testing.T) {
	w := newLoadedWarehouse(t)
	ctx := t.Context()
	build := func(text string) transform.ModelResult {
		m, err := transform.ParseModel("inc", text)
		if err != nil {
			t.Fatal(err)
		}
		p, err := transform.NewProject([]*transform.Model{m}, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.Run(ctx, w, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res.Models[0]
	}
	const v1 = `{{ config "materialized" "incremental" }}{{ config "incremental_key" "order_id" }}
SELECT order_id, status FROM {{ source "raw" "orders" }}
{{ if is_incremental }}WHERE order_id NOT IN (SELECT order_id FROM {{ this }}){{ end }}`
	if r := build(v1); r.Incremental {
		t.Error("first run incremental")
	}
	if r := build(v1); !r.Incremental {
		t.Error("second run not incremental")
	}
	if got := strs(t, w, `SELECT count(*) FROM inc`)[0][0]; got != "14" {
		t.Errorf("inc has %s rows, want 14 (the re-run adds nothing)", got)
	}
	// A new column: the table is rebuilt with it.
	v2 := strings.Replace(v1, "SELECT order_id, status", "SELECT order_id, status, quantity", 1)
	if r := build(v2); r.Incremental {
		t.Error("a changed model merged instead of rebuilding")
	}
	if got := strs(t, w, `SELECT count(quantity) FROM inc`)[0][0]; got != "14" {
		t.Errorf("inc has %s quantities, want 14", got)
	}
	// A view of the same name is replaced by the table.
	if err := w.Exec(ctx, `DROP TABLE inc`); err != nil {
		t.Fatal(err)
	}
	if err := w.Exec(ctx, `CREATE VIEW inc AS SELECT 1 AS x`); err != nil {
		t.Fatal(err)
	}
	if r := build(v2); r.Incremental {
		t.Error("merged into a view")
	}
}

func TestIncrementalConfig(t *testing.T) {
	for text, want := range map[string]string{
		`{{ config "materialized" "incremental" }}SELECT 1`:                                                "incremental_key",
		`{{ config "incremental_key" "a b" }}SELECT 1`:                                                     "bad identifier",
		`{{ config "incremental_key" "a" }}{{ config "incremental_key" "b" }}SELECT 1`:                     `set to "a" and to "b"`,
		`{{ config "materialized" "incremental" }}{{ config "incremental_key" "a" }}{{ this }} {{ nope }}`: "nope",
	} {
		if _, err := transform.ParseModel("m", text); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseModel(%s): %v, want %q", text, err, want)
		}
	}
	m, err := transform.ParseModel("m", `{{ config "materialized" "incremental" }}{{ config "incremental_key" "day" }}
SELECT 1 AS day{{ if is_incremental }} FROM {{ ref "only_incremental" }}{{ end }}`)
	if err != nil {
		t.Fatal(err)
	}
	if m.Materialized != transform.Incremental || m.IncrementalKey != "day" || !slices.Equal(m.Refs, []string{"only_incremental"}) {
		t.Errorf("model = %+v, want incremental on day with the ref under is_incremental", m)
	}
}

func TestRunDate(t *testing.T) {
	w := newLoadedWarehouse(t)
	ctx := t.Context()
	m, err := transform.ParseModel("due", `{{ config "materialized" "table" }}
SELECT order_id, {{ batch_date "_file" }} < {{ run_date }} AS past FROM {{ source "raw" "orders" }}`)
	if err != nil {
		t.Fatal(err)
	}
	p, err := transform.NewProject([]*transform.Model{m}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run(ctx, w, nil); err == nil || !strings.Contains(err.Error(), "RunDate") || !strings.Contains(err.Error(), "due") {
		t.Errorf("run without a run date: %v, want an error naming the model and RunDate", err)
	}
	if _, err := p.Run(ctx, w, &transform.RunOptions{RunDate: time.Date(2024, 1, 11, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	got := strs(t, w, `SELECT CAST(past AS VARCHAR), count(*) FROM due GROUP BY past ORDER BY past`)
	if fmt.Sprint(got) != "[[false 1] [true 13]]" {
		t.Errorf("rows before 2024-01-11 = %v, want 13 past and 1 not", got)
	}
	q, err := p.Compile("due", transform.Snowflake, &transform.CompileOptions{RunDate: time.Date(2024, 1, 11, 0, 0, 0, 0, time.UTC)})
	if err != nil || !strings.Contains(q, "< CAST('2024-01-11' AS DATE) AS past") {
		t.Errorf("compiled: %s, %v", q, err)
	}
}

// TestOccurrenceMatchesWindow builds stg_orders all at once from raw rows
// made by hand (an id seen three times across files, ids seen once, one
// and then two NULL ids) and checks occurrence against the definition:
// row_number() over every row of an order_id, NULL ids together, by file
// then line.
func TestOccurrenceMatchesWindow(t *testing.T) {
	for _, nulls := range []int{0, 1, 2} {
		t.Run(fmt.Sprintf("%d NULL ids", nulls), func(t *testing.T) {
			w := openDuck(t)
			ctx := t.Context()
			for _, rt := range transform.RawTables {
				cols := make([]string, 0, len(rt.Columns)+2)
				for _, c := range rt.Columns {
					cols = append(cols, c+" VARCHAR")
				}
				cols = append(cols, "_file VARCHAR", "_line BIGINT")
				require.NoError(t, w.Exec(ctx, "CREATE TABLE "+rt.Name+" ("+strings.Join(cols, ", ")+")"))
			}
			ins := `INSERT INTO raw_orders (order_id, status, _file, _line) VALUES
				('A', 'PENDING', 'orders/date=2024-01-02/b.csv', 2),
				('B', 'PENDING', 'orders/date=2024-01-01/a.csv', 3),
				('A', 'SHIPPED', 'orders/date=2024-01-01/a.csv', 9),
				('C', 'PENDING', 'orders/date=2024-01-01/a.csv', 2),
				('A', 'PENDING', 'orders/date=2024-01-01/a.csv', 4)`
			for i := range nulls {
				ins += fmt.Sprintf(", (NULL, 'PENDING', 'orders/date=2024-01-0%d/a.csv', 5)", 2-i)
			}
			require.NoError(t, w.Exec(ctx, ins))
			run(t, w, nil)
			got := strs(t, w, `SELECT CAST(count(*) AS VARCHAR), CAST(count(*) FILTER (WHERE s.occurrence = r.n) AS VARCHAR),
				CAST(max(s.occurrence) AS VARCHAR)
				FROM stg_orders AS s JOIN (
					SELECT _file, _line, row_number() OVER (PARTITION BY order_id ORDER BY _file, _line) AS n FROM raw_orders
				) AS r USING (_file, _line)`)
			n := fmt.Sprint(5 + nulls)
			assert.Equal(t, []string{n, n, "3"}, got[0], "rows, rows numbered as the window numbers them, highest occurrence")
			if nulls > 0 {
				assert.Equal(t, fmt.Sprint(nulls), strs(t, w, `SELECT CAST(max(occurrence) AS VARCHAR) FROM stg_orders WHERE order_id IS NULL`)[0][0])
			}
		})
	}
}
