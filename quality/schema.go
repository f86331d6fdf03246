package quality

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/edqm/edqm/warehouse"
)

// ErrBadSchema is wrapped by every error of a schema.yml.
var ErrBadSchema = errors.New("quality: bad schema.yml")

// SchemaError is an error at a place in a schema.yml. It wraps
// [ErrBadSchema] (and the underlying error, if any).
type SchemaError struct {
	// File, Line and Column locate the error (1-based); Column is 0 when
	// only the line is known (a YAML syntax error: the line the YAML
	// parser names, where the construct it could not read starts). Msg
	// says what is wrong; Err is the underlying error, if any.
	File         string
	Line, Column int
	Msg          string
	Err          error
}

// Error renders "file:line:column: message", or "file:line: message"
// when the column is unknown.
func (e *SchemaError) Error() string {
	if e.Column == 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

// yamlLine reads the YAML parser's "yaml: line N: message": the line
// (1 when the message names none) and the message without its prefix.
func yamlLine(err error) (line int, msg string) {
	msg = strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok {
			if l, err := strconv.Atoi(n); err == nil && l > 0 {
				return l, after
			}
		}
	}
	return 1, msg
}

// Unwrap returns ErrBadSchema and the underlying error.
func (e *SchemaError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrBadSchema, e.Err}
	}
	return []error{ErrBadSchema}
}

// SourceTable is a table of a schema.yml source and the warehouse table it
// maps to.
type SourceTable struct {
	// Name is the table's name in the source; Identifier the name in the
	// source's database, when it differs.
	Name, Identifier string
	// Relation is the warehouse table the tests run against.
	Relation string
}

// Source is a schema.yml source: a database and schema of raw tables.
type Source struct {
	// Name, Database and Schema are the source's (the latter two are kept
	// but not used to qualify tables); Tables are its tables.
	Name, Database, Schema string
	Tables                 []SourceTable
}

// ModelInfo is what a schema.yml says about a model besides its tests.
type ModelInfo struct {
	// Name is the model's name.
	Name string
	// Meta merges the model's meta and config.meta (owner, ...).
	Meta map[string]string
	// Columns are the documented columns, as "name" or "name TYPE" when
	// data_type is given.
	Columns []string
}

// Suite is a set of tests and monitors, from Go or from a schema.yml.
type Suite struct {
	// Name is the suite's name: the file's base name for a schema.yml.
	Name string
	// Sources and Models are what a schema.yml declared.
	Sources []Source
	Models  []ModelInfo
	// Tests and Monitors run, in order, with Suite.Run.
	Tests    []Test
	Monitors []Monitor
}

// SuiteResult is the outcome of Suite.Run.
type SuiteResult struct {
	// Tests and Monitors are in the suite's order.
	Tests    []TestResult
	Monitors []MonitorResult
}

// Run runs the suite's tests, then its monitors.
func (s *Suite) Run(ctx context.Context, w warehouse.Warehouse, opts *RunOptions) (*SuiteResult, error) {
	tr, err := RunTests(ctx, w, s.Tests, opts)
	if err != nil {
		return nil, err
	}
	mr, err := RunMonitors(ctx, w, s.Monitors, opts)
	if err != nil {
		return nil, err
	}
	return &SuiteResult{Tests: tr, Monitors: mr}, nil
}

// SchemaOptions configure the reading of a schema.yml. A nil
// *SchemaOptions means defaults.
type SchemaOptions struct {
	// Sources maps "source.table" (e.g. "raw_layer.raw_orders") to a
	// warehouse table. Unmapped source tables map to their identifier, or
	// their name: EDQM's raw tables have the original pipeline's names.
	Sources map[string]string
}

// SchemaTests lists the test names a schema.yml may use. The dbt_utils,
// dbt_expectations and elementary ones take the arguments of their
// packages (those EDQM supports: others are errors); the bare EDQM ones
// take:
//
//	between: min, max, exclusive     positive, non_negative
//	expression: expression           recency: field, max_age ("24h", "2d")
//	row_count: to                    custom_sql: sql
//
// Every test takes config (severity, warn_if, error_if, where, enabled,
// meta, tags; also at the top level, as older dbt allowed).
var SchemaTests = []string{
	"not_null", "unique", "accepted_values", "relationships",
	"between", "positive", "non_negative", "expression", "recency", "row_count", "custom_sql",
	"dbt_utils.accepted_range", "dbt_utils.expression_is_true", "dbt_utils.recency", "dbt_utils.equal_rowcount",
	"dbt_utils.not_null_proportion", "dbt_utils.unique_combination_of_columns",
	"dbt_expectations.expect_column_values_to_be_between", "dbt_expectations.expect_column_values_to_not_be_null",
	"dbt_expectations.expect_column_values_to_be_unique", "dbt_expectations.expect_column_values_to_be_in_set",
	"elementary.volume_anomalies", "elementary.freshness_anomalies", "elementary.column_anomalies",
	"elementary.dimension_anomalies", "elementary.schema_changes", "elementary.schema_changes_from_baseline",
}

// LoadSchemaFile reads a schema.yml from disk; see ParseSchema.
func LoadSchemaFile(path string, opts *SchemaOptions) (*Suite, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("quality: %w", err)
	}
	return ParseSchema(path, data, opts)
}

// ParseSchema reads a dbt schema.yml (version 2) named name: its sources,
// models, columns and their tests (see [SchemaTests]). Errors are
// *SchemaError values naming the file, line and column: an unknown test,
// an unknown argument, a missing one, a bad value. The suite's tests and
// monitors are in file order; each has its Origin ("schema.yml:42") and
// the model's meta (owner).
func ParseSchema(name string, data []byte, opts *SchemaOptions) (*Suite, error) {
	p := &schemaParser{file: name, suite: &Suite{Name: filepath.Base(name)}, sources: map[string]string{}}
	if opts != nil {
		p.overrides = opts.Sources
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, msg := yamlLine(err)
		return nil, &SchemaError{File: name, Line: line, Msg: "YAML syntax: " + msg, Err: err}
	}
	if len(doc.Content) == 0 {
		return p.suite, nil
	}
	root := doc.Content[0]
	if err := p.root(root); err != nil {
		return nil, err
	}
	return p.suite, nil
}

type schemaParser struct {
	file      string
	suite     *Suite
	overrides map[string]string
	// sources maps "source.table" to the warehouse table.
	sources map[string]string
}

func (p *schemaParser) errf(n *yaml.Node, format string, a ...any) error {
	return &SchemaError{File: p.file, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, a...)}
}

func (p *schemaParser) origin(n *yaml.Node) string {
	return filepath.Base(p.file) + ":" + strconv.Itoa(n.Line)
}

// pairs returns a mapping's key and value nodes; an error for anything
// but a mapping (or null, which gives nothing).
func (p *schemaParser) pairs(n *yaml.Node, what string) ([][2]*yaml.Node, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, nil
	}
	if n.Kind == yaml.AliasNode {
		return p.pairs(n.Alias, what)
	}
	if n.Kind != yaml.MappingNode {
		return nil, p.errf(n, "%s: want a mapping", what)
	}
	out := make([][2]*yaml.Node, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, [2]*yaml.Node{n.Content[i], n.Content[i+1]})
	}
	return out, nil
}

func (p *schemaParser) seq(n *yaml.Node, what string) ([]*yaml.Node, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, nil
	}
	if n.Kind == yaml.AliasNode {
		return p.seq(n.Alias, what)
	}
	if n.Kind != yaml.SequenceNode {
		return nil, p.errf(n, "%s: want a list", what)
	}
	return n.Content, nil
}

func (p *schemaParser) str(n *yaml.Node, what string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", p.errf(n, "%s: want a string", what)
	}
	return n.Value, nil
}

func (p *schemaParser) strs(n *yaml.Node, what string) ([]string, error) {
	items, err := p.seq(n, what)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, err := p.str(it, what)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func (p *schemaParser) float(n *yaml.Node, what string) (float64, error) {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!float") {
		if v, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); err == nil {
			return v, nil
		}
	}
	return 0, p.errf(n, "%s: want a number, got %q", what, n.Value)
}

func (p *schemaParser) integer(n *yaml.Node, what string) (int, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		if v, err := strconv.Atoi(n.Value); err == nil {
			return v, nil
		}
	}
	return 0, p.errf(n, "%s: want a whole number, got %q", what, n.Value)
}

func (p *schemaParser) boolean(n *yaml.Node, what string) (bool, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		var b bool
		if err := n.Decode(&b); err == nil {
			return b, nil
		}
	}
	return false, p.errf(n, "%s: want true or false, got %q", what, n.Value)
}

// meta reads a meta mapping into strings (non-scalar values as YAML text).
func (p *schemaParser) meta(n *yaml.Node, into map[string]string) error {
	kv, err := p.pairs(n, "meta")
	if err != nil {
		return err
	}
	for _, e := range kv {
		if e[1].Kind == yaml.ScalarNode {
			into[e[0].Value] = e[1].Value
			continue
		}
		b, _ := yaml.Marshal(e[1])
		into[e[0].Value] = strings.TrimSpace(string(b))
	}
	return nil
}

var ignoredTop = []string{"seeds", "snapshots", "analyses", "macros", "exposures", "metrics", "semantic_models",
	"saved_queries", "unit_tests", "groups"}

func (p *schemaParser) root(n *yaml.Node) error {
	kv, err := p.pairs(n, "schema.yml")
	if err != nil {
		return err
	}
	// Sources first: models' tests may refer to them, wherever they are.
	for _, e := range kv {
		if e[0].Value == "sources" {
			if err := p.sourcesNode(e[1]); err != nil {
				return err
			}
		}
	}
	for _, e := range kv {
		switch k := e[0].Value; k {
		case "version":
			if e[1].Value != "2" {
				return p.errf(e[1], "version %s: only version 2 is supported", e[1].Value)
			}
		case "sources":
		case "models":
			items, err := p.seq(e[1], "models")
			if err != nil {
				return err
			}
			for _, m := range items {
				if err := p.model(m); err != nil {
					return err
				}
			}
		default:
			if !slices.Contains(ignoredTop, k) {
				return p.errf(e[0], "unknown key %q (want version, sources, models)", k)
			}
		}
	}
	return nil
}

var sourceKeys = []string{"name", "description", "database", "schema", "tables", "loader", "loaded_at_field", "freshness",
	"meta", "tags", "config", "quoting", "overrides", "docs"}
var sourceTableKeys = []string{"name", "identifier", "description", "columns", "tests", "data_tests", "loaded_at_field",
	"freshness", "meta", "tags", "config", "quoting", "external", "docs", "loader"}

func (p *schemaParser) sourcesNode(n *yaml.Node) error {
	items, err := p.seq(n, "sources")
	if err != nil {
		return err
	}
	type pending struct {
		table string
		node  *yaml.Node
		meta  map[string]string
	}
	var todo []pending
	for _, it := range items {
		kv, err := p.pairs(it, "source")
		if err != nil {
			return err
		}
		var src Source
		var tables *yaml.Node
		meta := map[string]string{}
		for _, e := range kv {
			switch e[0].Value {
			case "name":
				src.Name = e[1].Value
			case "database":
				src.Database = e[1].Value
			case "schema":
				src.Schema = e[1].Value
			case "tables":
				tables = e[1]
			case "meta":
				if err := p.meta(e[1], meta); err != nil {
					return err
				}
			default:
				if !slices.Contains(sourceKeys, e[0].Value) {
					return p.errf(e[0], "source: unknown key %q", e[0].Value)
				}
			}
		}
		if src.Name == "" {
			return p.errf(it, "source without a name")
		}
		if tables != nil {
			tabs, err := p.seq(tables, "tables")
			if err != nil {
				return err
			}
			for _, tn := range tabs {
				st, err := p.sourceTable(&src, tn)
				if err != nil {
					return err
				}
				src.Tables = append(src.Tables, st)
				todo = append(todo, pending{st.Relation, tn, meta})
			}
		}
		p.suite.Sources = append(p.suite.Sources, src)
	}
	for _, t := range todo {
		if err := p.relation(t.node, t.table, t.meta); err != nil {
			return err
		}
	}
	return nil
}

// sourceTable reads a table of source src and maps it to its warehouse
// table: SchemaOptions.Sources, else its identifier, else its name.
func (p *schemaParser) sourceTable(src *Source, tn *yaml.Node) (SourceTable, error) {
	var st SourceTable
	tkv, err := p.pairs(tn, "source table")
	if err != nil {
		return st, err
	}
	for _, e := range tkv {
		switch e[0].Value {
		case "name":
			st.Name = e[1].Value
		case "identifier":
			st.Identifier = e[1].Value
		default:
			if !slices.Contains(sourceTableKeys, e[0].Value) {
				return st, p.errf(e[0], "source table: unknown key %q", e[0].Value)
			}
		}
	}
	if st.Name == "" {
		return st, p.errf(tn, "source table without a name")
	}
	st.Relation = st.Name
	if st.Identifier != "" {
		st.Relation = st.Identifier
	}
	if o, ok := p.overrides[src.Name+"."+st.Name]; ok {
		st.Relation = o
	}
	if err := warehouse.ValidIdent(st.Relation); err != nil {
		return st, &SchemaError{File: p.file, Line: tn.Line, Column: tn.Column, Msg: fmt.Sprintf("source %s.%s: %v", src.Name, st.Name, err), Err: err}
	}
	p.sources[src.Name+"."+st.Name] = st.Relation
	return st, nil
}

var modelKeys = []string{"name", "description", "docs", "config", "meta", "columns", "tests", "data_tests", "tags",
	"access", "group", "latest_version", "versions", "deprecation_date", "constraints", "contract", "quoting"}
var columnKeys = []string{"name", "description", "data_type", "tests", "data_tests", "meta", "tags", "quote",
	"constraints", "policy_tags", "docs", "config", "granularity"}

func (p *schemaParser) model(n *yaml.Node) error {
	kv, err := p.pairs(n, "model")
	if err != nil {
		return err
	}
	info := ModelInfo{Meta: map[string]string{}}
	for _, e := range kv {
		switch e[0].Value {
		case "name":
			info.Name = e[1].Value
		case "meta":
			if err := p.meta(e[1], info.Meta); err != nil {
				return err
			}
		case "config":
			ckv, err := p.pairs(e[1], "config")
			if err != nil {
				return err
			}
			for _, c := range ckv {
				if c[0].Value == "meta" {
					if err := p.meta(c[1], info.Meta); err != nil {
						return err
					}
				}
			}
		default:
			if !slices.Contains(modelKeys, e[0].Value) {
				return p.errf(e[0], "model: unknown key %q", e[0].Value)
			}
		}
	}
	if info.Name == "" {
		return p.errf(n, "model without a name")
	}
	if err := warehouse.ValidIdent(info.Name); err != nil {
		return &SchemaError{File: p.file, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf("model: %v", err), Err: err}
	}
	cols, err := p.columnsOf(n)
	if err != nil {
		return err
	}
	info.Columns = cols
	p.suite.Models = append(p.suite.Models, info)
	return p.relation(n, info.Name, info.Meta)
}

// columnsOf reads a relation's documented columns.
func (p *schemaParser) columnsOf(n *yaml.Node) ([]string, error) {
	kv, _ := p.pairs(n, "relation")
	var out []string
	for _, e := range kv {
		if e[0].Value != "columns" {
			continue
		}
		items, err := p.seq(e[1], "columns")
		if err != nil {
			return nil, err
		}
		for _, c := range items {
			ckv, err := p.pairs(c, "column")
			if err != nil {
				return nil, err
			}
			name, typ := "", ""
			for _, f := range ckv {
				switch f[0].Value {
				case "name":
					name = f[1].Value
				case "data_type":
					typ = f[1].Value
				}
			}
			if typ != "" {
				name += " " + typ
			}
			out = append(out, name)
		}
	}
	return out, nil
}

// relation reads the columns and tests of a model or source table.
func (p *schemaParser) relation(n *yaml.Node, table string, meta map[string]string) error {
	kv, err := p.pairs(n, "relation")
	if err != nil {
		return err
	}
	for _, e := range kv {
		switch e[0].Value {
		case "tests", "data_tests":
			if err := p.tests(e[1], table, "", meta); err != nil {
				return err
			}
		case "columns":
			items, err := p.seq(e[1], "columns")
			if err != nil {
				return err
			}
			for _, c := range items {
				ckv, err := p.pairs(c, "column")
				if err != nil {
					return err
				}
				name := ""
				for _, f := range ckv {
					if f[0].Value == "name" {
						name = f[1].Value
					}
				}
				if name == "" {
					return p.errf(c, "column without a name")
				}
				for _, f := range ckv {
					switch f[0].Value {
					case "tests", "data_tests":
						if err := p.tests(f[1], table, name, meta); err != nil {
							return err
						}
					default:
						if !slices.Contains(columnKeys, f[0].Value) {
							return p.errf(f[0], "column %s: unknown key %q", name, f[0].Value)
						}
					}
				}
			}
		}
	}
	return nil
}

// tests reads a tests list.
func (p *schemaParser) tests(n *yaml.Node, table, column string, meta map[string]string) error {
	items, err := p.seq(n, "tests")
	if err != nil {
		return err
	}
	for _, it := range items {
		if err := p.test(it, table, column, meta); err != nil {
			return err
		}
	}
	return nil
}
