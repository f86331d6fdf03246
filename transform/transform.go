// Package transform turns raw tables into typed, flagged tables by running
// SQL models in dependency order, in the manner of dbt.
//
// # Models
//
// A model is one SELECT statement in a .sql file; its name is the file's
// base name ("stg_orders.sql" is the model stg_orders) and it is
// materialized as a view or a table of that name. The SQL is a text/template
// with these actions:
//
//	{{ ref "stg_orders" }}            the relation of another model (and a dependency on it)
//	{{ source "raw" "orders" }}       a raw table: source "raw" renders "raw_orders"
//	{{ config "materialized" "table" }}  renders nothing; "view" (the default), "table" or "incremental"
//	{{ config "incremental_key" "batch_date" }}  the column an incremental run replaces by
//	{{ batch_date "_file" }}          the DATE in a landing key's "date=YYYY-MM-DD", as SQL
//	{{ run_date }}                    the run's date (RunOptions.RunDate), as SQL
//	{{ if is_incremental }}…{{ end }} true when an incremental model merges into its table
//	{{ this }}                        the model's own relation
//	{{ .Dialect.ParseDate "x" }}      the engine's [warehouse.Dialect]: its methods render
//	                                  what differs per engine (ParseDate, ParseAmount,
//	                                  ParseQuantity, DateLiteral, BatchDate, SemiJoin;
//	                                  .Dialect.Name is its name)
//
// ref, source, batch_date, run_date and the dialect's methods keep the
// model text identical across engines: everything engine-specific goes
// through them, never through an {{ if }} on the engine's name; the rest of
// the SQL sticks to what DuckDB and Snowflake share (TRY_CAST, QUALIFY,
// CASE, COALESCE). Text is read as a date, an amount or a quantity only
// through the dialect's Parse methods, which follow the library's rules
// on every engine ([github.com/edqm/edqm.ParseCents], ISO dates,
// integers): a value they refuse is NULL, which the bundled fct_orders
// flags (has_bad_amount, has_bad_quantity, has_bad_date), never a lenient
// cast. The run date is a parameter, never the wall clock, so a
// run can be repeated: a model that uses run_date fails when
// RunOptions.RunDate is not set.
//
// [ParseModel] executes the template with is_incremental false and true,
// with recording functions and with every registered dialect (see
// [warehouse.RegisterDialect]) besides a placeholder one, so that a model's
// refs, sources and configuration are known before any SQL runs; refs used
// only under {{ if is_incremental }} are found too.
//
// # Incremental models
//
// An incremental model is built in full (CREATE OR REPLACE TABLE) the first
// time, when its relation is not a table, and with RunOptions.FullRefresh.
// Otherwise the run compiles it with is_incremental true (the model then
// selects only what is new, usually by comparing with {{ this }}), puts
// those rows in a work table, deletes the table's rows whose
// incremental_key value appears among them (NULL included) and inserts
// them, the DELETE and INSERT in one transaction when the warehouse is a
// [warehouse.AtomicExecer]. Re-running is therefore harmless: the same key
// values are replaced, not added twice. When the new rows' columns differ
// from the table's (the model changed), the table is rebuilt in full.
//
// # Projects
//
// [NewProject] checks a set of models as a whole: unique names, refs to
// existing models, and no cycle (an error wrapping [ErrCycle] shows the
// path, such as "a -> b -> a"). [Project.Levels] sorts the models into
// levels: a model's refs are all in earlier levels, so the models of one
// level can run at the same time (RunOptions.Parallelism, with errgroup).
// [Project.Run] materializes them level by level; the first failing model
// stops the run and nothing downstream of it runs.
//
// # Compile mode
//
// [Project.CompileAll] renders every model, and the statements Run would
// execute for it, for a dialect named as registered by the engine's
// package (import warehouse/duckdbwarehouse or warehouse/snowflakewarehouse
// for theirs), without a warehouse; [Script] prints them
// as one SQL script (examples/compile is the command line for it). The
// Snowflake and DuckDB golden files of the built-in models
// (testdata/compiled_*.sql) come from it.
//
// # Built-in models
//
// [Builtin] returns EDQM's models, embedded from models/*.sql:
//
//   - stg_customers, stg_products (views): typed, one row per id, the
//     latest row (by _file, then _line) winning.
//   - stg_orders (incremental, key batch_date): typed orders, not
//     deduplicated, with their raw values, batch_date (the day of the file
//     they arrived in) and occurrence (1 for the first row of an order_id,
//     2 for the next..., in _file then _line order, over every raw row). A
//     table, so that tests and monitors do not number the orders again at
//     each query; an incremental run rebuilds the days from the earliest
//     day with a new file, numbering them after the rows it keeps.
//   - fct_orders (incremental, key batch_date): one row per stg_orders row
//     with product price, customer signup date and region, and boolean
//     quality flags (never NULL): has_math_error, is_future_order,
//     is_before_signup, is_orphan_order, has_negative_amount,
//     has_bad_amount, has_bad_status, has_bad_quantity, has_bad_date,
//     is_duplicate and is_flagged (any of them). An incremental run
//     rebuilds the batch days from the earliest day with a file not yet in
//     the table: usually just the new day; after a late file of an earlier
//     day, that day and every later one, because occurrence numbers the
//     rows of an order_id across days. Built day by day or all at once,
//     the table is the same, as long as customers and products do not
//     change after orders refer to them (a later version of a customer
//     does not rewrite old days: run with FullRefresh), and a file
//     reloaded with new content (a forced load) needs FullRefresh too.
//   - mart_daily_revenue (table): per batch_date, orders, flagged_orders,
//     raw_revenue, clean_revenue (unflagged orders only), revenue_at_risk
//     = raw_revenue - clean_revenue, and the orders flagged per chaos kind
//     (calculation_issues, temporal_issues, integrity_issues,
//     domain_issues, duplication_issues, grouping the flags as the quality
//     package's KindFlags does).
//
// They read the raw tables listed in [RawTables].
package transform

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/edqm/edqm/warehouse"
)

// Materialization says how a model is stored in the warehouse.
type Materialization string

// The materializations.
const (
	// View stores the query: it runs again each time the view is read.
	View Materialization = "view"
	// Table stores the query's result.
	Table Materialization = "table"
	// Incremental stores the query's result and, on later runs, merges
	// only new rows into it; see the package documentation.
	Incremental Materialization = "incremental"
)

// The names of the dialects of this module's engines, for
// [Project.Compile] and [Project.CompileAll]: the same as
// duckdbwarehouse.DialectName and snowflakewarehouse.DialectName. Compiling
// for one needs its engine's package imported (which registers it); the
// registered names are [warehouse.DialectNames].
const (
	DuckDB    = "duckdb"
	Snowflake = "snowflake"
)

// ErrCycle is wrapped by the error NewProject returns when models depend on
// each other in a circle.
var ErrCycle = errors.New("transform: dependency cycle")

// Model is one SQL model.
type Model struct {
	// Name is the model's name and the name of the view or table it
	// creates; a plain identifier.
	Name string
	// Path is where the model was read from, for messages; it may be empty.
	Path string
	// SQL is the model's template text.
	SQL string
	// Materialized is set by the model's config action ("view" by
	// default). Changing it before NewProject overrides the config.
	Materialized Materialization
	// IncrementalKey is the column whose values an incremental run
	// replaces: the target's rows with a key value found in the new rows
	// are deleted before the new rows are inserted. Set by
	// {{ config "incremental_key" "column" }}; required for incremental
	// models.
	IncrementalKey string
	// Refs are the models this one references, sorted, without repeats.
	Refs []string
	// Sources are the (source, table) pairs it reads, sorted, without
	// repeats.
	Sources [][2]string
}

// RawTable describes a raw table the built-in models read: the CSV's
// columns, all VARCHAR; the warehouse adds _file and _line.
type RawTable struct {
	// Name is the raw table, for example "raw_orders".
	Name string
	// Columns are the file's columns, in order.
	Columns []string
}

// RawTables are the raw tables the built-in models read, plus the chaos
// labels (raw_chaos_labels) that quality checks compare the flags with.
var RawTables = []RawTable{
	{Name: "raw_customers", Columns: []string{"customer_id", "name", "email", "signup_date", "region"}},
	{Name: "raw_products", Columns: []string{"product_id", "product_name", "category", "price", "stock_level"}},
	{Name: "raw_orders", Columns: []string{"order_id", "customer_id", "product_id", "quantity", "total_amount", "order_date", "status"}},
	{Name: "raw_chaos_labels", Columns: []string{"table_name", "day", "key", "occurrence", "kind", "variant", "column_name", "original", "injected"}},
}

// templateData is what a model's template sees as ".".
type templateData struct {
	// Dialect is the engine's dialect.
	Dialect warehouse.Dialect
}

// renderer supplies the template functions' behaviour: recording during
// discovery, rendering during compilation.
type renderer struct {
	dialect     warehouse.Dialect
	this        string
	incremental bool
	ref         func(name string) (string, error)
	source      func(src, table string) (string, error)
	config      func(key, value string) error
	runDate     func() (string, error)
}

func (r *renderer) funcs() template.FuncMap {
	return template.FuncMap{
		"ref": func(name string) (string, error) {
			if err := warehouse.ValidIdent(name); err != nil {
				return "", fmt.Errorf("ref: %w", err)
			}
			return r.ref(name)
		},
		"source": func(src, table string) (string, error) {
			if src == "" {
				return "", errors.New("source: empty source name")
			}
			if err := warehouse.ValidIdent(table); err != nil {
				return "", fmt.Errorf("source %q: %w", src, err)
			}
			return r.source(src, table)
		},
		"config": func(key, value string) (string, error) {
			return "", r.config(key, value)
		},
		"batch_date": func(column string) (string, error) {
			for _, part := range strings.Split(column, ".") {
				if err := warehouse.ValidIdent(part); err != nil {
					return "", fmt.Errorf("batch_date: column: %w", err)
				}
			}
			return r.dialect.BatchDate(column), nil
		},
		"this":           func() string { return r.this },
		"is_incremental": func() bool { return r.incremental },
		"run_date":       func() (string, error) { return r.runDate() },
	}
}

// discovery is the placeholder dialect ParseModel renders with, besides
// the registered ones, so that a model is discovered even when no engine
// package is imported.
type discovery struct{}

func (discovery) Name() string                             { return "discovery" }
func (discovery) DateLiteral(time.Time) string             { return "NULL" }
func (discovery) ParseDate(string) string                  { return "NULL" }
func (discovery) ParseAmount(string) string                { return "NULL" }
func (discovery) ParseQuantity(string) string              { return "NULL" }
func (discovery) BatchDate(string) string                  { return "NULL" }
func (discovery) SemiJoin(table, _, _, _, _ string) string { return "FROM " + table }

// parse parses a model's text with r's functions.
func parse(name, text string, r *renderer) (*template.Template, error) {
	t, err := template.New(name).Option("missingkey=error").Funcs(r.funcs()).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("transform: model %s: %w", name, err)
	}
	return t, nil
}

// ParseModel parses a model's template text and discovers its refs,
// sources and materialization by executing it with each registered
// dialect and a placeholder one. name must be a plain identifier. Template errors name the
// model and the line.
func ParseModel(name, text string) (*Model, error) {
	if err := warehouse.ValidIdent(name); err != nil {
		return nil, fmt.Errorf("transform: model name: %w", err)
	}
	m := &Model{Name: name, SQL: text}
	refs := map[string]bool{}
	sources := map[[2]string]bool{}
	settings := map[string]string{}
	dialects := []warehouse.Dialect{discovery{}}
	for _, name := range warehouse.DialectNames() {
		d, err := warehouse.LookupDialect(name)
		if err != nil {
			return nil, err
		}
		dialects = append(dialects, d)
	}
	for _, d := range dialects {
		for _, incremental := range []bool{false, true} {
			r := &renderer{
				dialect:     d,
				this:        name,
				incremental: incremental,
				ref: func(ref string) (string, error) {
					refs[ref] = true
					return ref, nil
				},
				source: func(src, table string) (string, error) {
					sources[[2]string{src, table}] = true
					return src + "_" + table, nil
				},
				config: func(key, value string) error {
					if err := checkConfig(key, value); err != nil {
						return err
					}
					if old, ok := settings[key]; ok && old != value {
						return fmt.Errorf("config: %s set to %q and to %q", key, old, value)
					}
					settings[key] = value
					return nil
				},
				runDate: func() (string, error) { return d.DateLiteral(time.Time{}), nil },
			}
			t, err := parse(name, text, r)
			if err != nil {
				return nil, err
			}
			if err := t.Execute(discard{}, templateData{Dialect: d}); err != nil {
				return nil, fmt.Errorf("transform: model %s (dialect %s): %w", name, d.Name(), err)
			}
		}
	}
	m.Materialized = View
	if v, ok := settings["materialized"]; ok {
		m.Materialized = Materialization(v)
	}
	m.IncrementalKey = settings["incremental_key"]
	if err := m.checkIncremental(); err != nil {
		return nil, err
	}
	for r := range refs {
		m.Refs = append(m.Refs, r)
	}
	slices.Sort(m.Refs)
	for s := range sources {
		m.Sources = append(m.Sources, s)
	}
	slices.SortFunc(m.Sources, func(a, b [2]string) int {
		if c := strings.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return strings.Compare(a[1], b[1])
	})
	return m, nil
}

// checkConfig checks one config action.
func checkConfig(key, value string) error {
	switch key {
	case "materialized":
		switch Materialization(value) {
		case View, Table, Incremental:
			return nil
		}
		return fmt.Errorf("config: materialized is %q, want %q, %q or %q", value, View, Table, Incremental)
	case "incremental_key":
		if err := warehouse.ValidIdent(value); err != nil {
			return fmt.Errorf("config: incremental_key: %w", err)
		}
		return nil
	}
	return fmt.Errorf("config: unknown key %q (known: materialized, incremental_key)", key)
}

// checkIncremental checks that an incremental model has its key.
func (m *Model) checkIncremental() error {
	if m.Materialized == Incremental && m.IncrementalKey == "" {
		return fmt.Errorf(`transform: model %s: materialized %q needs {{ config "incremental_key" "<column>" }}`, m.Name, Incremental)
	}
	return nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// LoadFS reads every *.sql file directly in dir of fsys as a model named
// after the file's base name, which must be a plain identifier. The models
// are sorted by name.
func LoadFS(fsys fs.FS, dir string) ([]*Model, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("transform: reading models: %w", err)
	}
	var models []*Model
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		p := path.Join(dir, e.Name())
		name := strings.TrimSuffix(e.Name(), ".sql")
		if err := warehouse.ValidIdent(name); err != nil {
			return nil, fmt.Errorf("transform: model file %s: the name must be an identifier: %w", p, err)
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("transform: reading models: %w", err)
		}
		m, err := ParseModel(name, string(b))
		if err != nil {
			return nil, fmt.Errorf("%w (file %s)", err, p)
		}
		m.Path = p
		models = append(models, m)
	}
	slices.SortFunc(models, func(a, b *Model) int { return strings.Compare(a.Name, b.Name) })
	return models, nil
}

//go:embed models/*.sql
var builtinFS embed.FS

// Builtin returns EDQM's built-in models (see the package documentation),
// sorted by name. Each call returns new copies.
func Builtin() ([]*Model, error) {
	return LoadFS(builtinFS, "models")
}
