package quality

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/edqm/edqm/warehouse"
)

// ErrBadSchema is wrapped by every error of a schema.yml.
var ErrBadSchema = errors.New("quality: bad schema.yml")

// SchemaError is an error at a place in a schema.yml. It wraps
// [ErrBadSchema] (and the underlying error, if any).
type SchemaError struct {
	// File, Line and Column locate the error (1-based); Msg says what is
	// wrong; Err is the underlying error, if any.
	File         string
	Line, Column int
	Msg          string
	Err          error
}

// Error renders "file:line:column: message".
func (e *SchemaError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
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
	tr, err := RunTestsWith(ctx, w, s.Tests, opts)
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
		return nil, &SchemaError{File: name, Line: 1, Column: 1, Msg: err.Error(), Err: err}
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
				tkv, err := p.pairs(tn, "source table")
				if err != nil {
					return err
				}
				var st SourceTable
				for _, e := range tkv {
					switch e[0].Value {
					case "name":
						st.Name = e[1].Value
					case "identifier":
						st.Identifier = e[1].Value
					default:
						if !slices.Contains(sourceTableKeys, e[0].Value) {
							return p.errf(e[0], "source table: unknown key %q", e[0].Value)
						}
					}
				}
				if st.Name == "" {
					return p.errf(tn, "source table without a name")
				}
				st.Relation = st.Name
				if st.Identifier != "" {
					st.Relation = st.Identifier
				}
				if o, ok := p.overrides[src.Name+"."+st.Name]; ok {
					st.Relation = o
				}
				if err := warehouse.ValidIdent(st.Relation); err != nil {
					return &SchemaError{File: p.file, Line: tn.Line, Column: tn.Column, Msg: fmt.Sprintf("source %s.%s: %v", src.Name, st.Name, err), Err: err}
				}
				p.sources[src.Name+"."+st.Name] = st.Relation
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

// testArgs are a test's arguments by name, with their nodes.
type testArgs struct {
	p     *schemaParser
	name  string
	nameN *yaml.Node
	args  map[string]*yaml.Node
	keys  map[string]*yaml.Node // key nodes, for positions
	used  map[string]bool
}

func (a *testArgs) get(k string) *yaml.Node {
	a.used[k] = true
	return a.args[k]
}

func (a *testArgs) str(k string) (string, error) {
	n := a.get(k)
	if n == nil {
		return "", nil
	}
	return a.p.str(n, a.name+": "+k)
}

func (a *testArgs) need(k string) (*yaml.Node, error) {
	n := a.get(k)
	if n == nil {
		return nil, a.p.errf(a.nameN, "%s: missing argument %q", a.name, k)
	}
	return n, nil
}

func (a *testArgs) float(k string) (*float64, error) {
	n := a.get(k)
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil, nil
	}
	v, err := a.p.float(n, a.name+": "+k)
	return &v, err
}

func (a *testArgs) boolean(k string, def bool) (bool, error) {
	n := a.get(k)
	if n == nil {
		return def, nil
	}
	return a.p.boolean(n, a.name+": "+k)
}

// unused reports the first argument no one read.
func (a *testArgs) unused() error {
	var first *yaml.Node
	name := ""
	for k, kn := range a.keys {
		if !a.used[k] && (first == nil || kn.Line < first.Line || (kn.Line == first.Line && kn.Column < first.Column)) {
			first, name = kn, k
		}
	}
	if first != nil {
		return a.p.errf(first, "%s: unknown argument %q", a.name, name)
	}
	return nil
}

var (
	refRE    = regexp.MustCompile(`^\s*ref\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]+)['"]\s*)?(?:,\s*v(?:ersion)?\s*=\s*[^)]*)?\)\s*$`)
	sourceRE = regexp.MustCompile(`^\s*source\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]\s*\)\s*$`)
)

// relationRef resolves "ref('m')", "source('s', 't')" or a plain name.
func (p *schemaParser) relationRef(n *yaml.Node, what string) (string, error) {
	s, err := p.str(n, what)
	if err != nil {
		return "", err
	}
	if m := refRE.FindStringSubmatch(s); m != nil {
		if m[2] != "" {
			return m[2], nil // ref('package', 'model')
		}
		return m[1], nil
	}
	if m := sourceRE.FindStringSubmatch(s); m != nil {
		t, ok := p.sources[m[1]+"."+m[2]]
		if !ok {
			return "", p.errf(n, "%s: unknown source %s.%s", what, m[1], m[2])
		}
		return t, nil
	}
	if warehouse.ValidIdent(s) == nil {
		return s, nil
	}
	return "", p.errf(n, "%s: %q: want ref('model'), source('source', 'table') or a table name", what, s)
}

// test reads one entry of a tests list.
func (p *schemaParser) test(n *yaml.Node, table, column string, meta map[string]string) error {
	a := &testArgs{p: p, nameN: n, args: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}, used: map[string]bool{}}
	customName := ""
	switch n.Kind {
	case yaml.ScalarNode:
		a.name = n.Value
	case yaml.MappingNode:
		kv, _ := p.pairs(n, "test")
		var isLong bool
		for _, e := range kv {
			if e[0].Value == "test_name" {
				isLong = true
			}
		}
		if isLong || len(kv) != 1 {
			// The long form: test_name, name, and the arguments beside them.
			for _, e := range kv {
				switch e[0].Value {
				case "test_name":
					a.name, a.nameN = e[1].Value, e[1]
				case "name":
					customName = e[1].Value
				default:
					a.args[e[0].Value], a.keys[e[0].Value] = e[1], e[0]
				}
			}
			if a.name == "" {
				return p.errf(n, "test: want the test's name as the only key, or test_name")
			}
		} else {
			a.name, a.nameN = kv[0][0].Value, kv[0][0]
			akv, err := p.pairs(kv[0][1], a.name)
			if err != nil {
				return err
			}
			for _, e := range akv {
				a.args[e[0].Value], a.keys[e[0].Value] = e[1], e[0]
			}
		}
	default:
		return p.errf(n, "test: want a name or a mapping")
	}
	if !slices.Contains(SchemaTests, a.name) {
		return p.errf(a.nameN, "unknown test %q (known: %s)", a.name, strings.Join(SchemaTests, ", "))
	}
	// dbt 1.10 nests a test's arguments under arguments:.
	if an, ok := a.args["arguments"]; ok {
		a.used["arguments"] = true
		kv, err := p.pairs(an, a.name+": arguments")
		if err != nil {
			return err
		}
		for _, e := range kv {
			if _, dup := a.args[e[0].Value]; dup {
				return p.errf(e[0], "%s: argument %q given twice", a.name, e[0].Value)
			}
			a.args[e[0].Value], a.keys[e[0].Value] = e[1], e[0]
		}
	}

	// Config, at the top level (older dbt) or under config.
	base := Test{Model: table, Column: column, Origin: p.origin(a.nameN), ID: customName, Meta: map[string]string{}}
	for k, v := range meta {
		base.Meta[k] = v
	}
	enabled := true
	readConfig := func(kv map[string]*yaml.Node, mark func(string)) error {
		for k, v := range kv {
			switch k {
			case "severity":
				mark(k)
				s, err := p.str(v, a.name+": severity")
				if err != nil {
					return err
				}
				base.Severity = Severity(strings.ToLower(s))
				if base.Severity != Warn && base.Severity != Error {
					return p.errf(v, "%s: severity %q: want warn or error", a.name, s)
				}
			case "warn_if", "error_if":
				mark(k)
				s, err := p.str(v, a.name+": "+k)
				if err != nil {
					return err
				}
				if _, err := ParseThreshold(s); err != nil {
					return &SchemaError{File: p.file, Line: v.Line, Column: v.Column, Msg: fmt.Sprintf("%s: %s: %v", a.name, k, err), Err: err}
				}
				if k == "warn_if" {
					base.WarnIf = s
				} else {
					base.ErrorIf = s
				}
			case "where":
				mark(k)
				s, err := p.str(v, a.name+": where")
				if err != nil {
					return err
				}
				base.Where = s
			case "enabled":
				mark(k)
				b, err := p.boolean(v, a.name+": enabled")
				if err != nil {
					return err
				}
				enabled = b
			case "meta":
				mark(k)
				if err := p.meta(v, base.Meta); err != nil {
					return err
				}
			case "tags", "store_failures", "store_failures_as", "limit", "alias", "schema", "database", "group":
				mark(k) // no effect on how EDQM runs a test
			case "fail_calc":
				return p.errf(v, "%s: config fail_calc is not supported", a.name)
			}
		}
		return nil
	}
	if err := readConfig(a.args, func(k string) { a.used[k] = true }); err != nil {
		return err
	}
	if cn := a.get("config"); cn != nil {
		ckv, err := p.pairs(cn, a.name+": config")
		if err != nil {
			return err
		}
		cargs, ckeys := map[string]*yaml.Node{}, map[string]*yaml.Node{}
		for _, e := range ckv {
			cargs[e[0].Value], ckeys[e[0].Value] = e[1], e[0]
		}
		cused := map[string]bool{}
		if err := readConfig(cargs, func(k string) { cused[k] = true }); err != nil {
			return err
		}
		for k, kn := range ckeys {
			if !cused[k] {
				return p.errf(kn, "%s: unknown config %q", a.name, k)
			}
		}
	}
	if cn := a.get("column_name"); cn != nil {
		s, err := p.str(cn, a.name+": column_name")
		if err != nil {
			return err
		}
		base.Column = s
	}

	tests, monitors, err := p.build(a, base)
	if err != nil {
		return err
	}
	if err := a.unused(); err != nil {
		return err
	}
	if !enabled {
		return nil
	}
	for _, t := range tests {
		if err := t.Validate(); err != nil {
			return &SchemaError{File: p.file, Line: a.nameN.Line, Column: a.nameN.Column, Msg: err.Error(), Err: err}
		}
		p.suite.Tests = append(p.suite.Tests, t)
	}
	for _, m := range monitors {
		if err := m.Validate(); err != nil {
			return &SchemaError{File: p.file, Line: a.nameN.Line, Column: a.nameN.Column, Msg: err.Error(), Err: err}
		}
		p.suite.Monitors = append(p.suite.Monitors, m)
	}
	return nil
}

// percentText renders a share as a percentage without rounding noise:
// 0.05 gives "5".
func percentText(share float64) string {
	return strconv.FormatFloat(math.Round(share*100*1e9)/1e9, 'f', -1, 64)
}

// mostly turns dbt_expectations' mostly (the share of rows that must pass)
// into an error_if on the failing percentage.
func (a *testArgs) mostly(t *Test) error {
	v, err := a.float("mostly")
	if err != nil || v == nil {
		return err
	}
	if *v <= 0 || *v > 1 {
		return a.p.errf(a.args["mostly"], "%s: mostly %v: want a share in (0, 1]", a.name, *v)
	}
	pct := percentText(1 - *v)
	t.ErrorIf = ">" + pct + "%"
	t.WarnIf = ">" + pct + "%"
	return nil
}

func (a *testArgs) rowCondition(t *Test) error {
	s, err := a.str("row_condition")
	if err != nil || s == "" {
		return err
	}
	if t.Where != "" {
		t.Where = "(" + t.Where + ") AND (" + s + ")"
	} else {
		t.Where = s
	}
	return nil
}

// build turns a test's arguments into EDQM tests or monitors.
func (p *schemaParser) build(a *testArgs, t Test) ([]Test, []Monitor, error) {
	needColumn := func() error {
		if t.Column == "" {
			return p.errf(a.nameN, "%s: needs a column (put it under a column, or give column_name)", a.name)
		}
		return nil
	}
	if strings.HasPrefix(a.name, "elementary.") {
		return p.monitor(a, t, needColumn)
	}
	name := strings.ReplaceAll(a.name, ".", "_")
	if t.ID == "" && strings.Contains(a.name, ".") {
		t.ID = name + "_" + t.Model
		if t.Column != "" {
			t.ID += "_" + t.Column
		}
	}
	one := func(t Test, err error) ([]Test, []Monitor, error) {
		if err != nil {
			return nil, nil, err
		}
		return []Test{t}, nil, nil
	}
	switch a.name {
	case "not_null", "dbt_expectations.expect_column_values_to_not_be_null":
		t.Type = TypeNotNull
		if err := a.mostly(&t); err != nil {
			return nil, nil, err
		}
		return one(t, errors.Join(needColumn(), a.rowCondition(&t)))
	case "unique", "dbt_expectations.expect_column_values_to_be_unique":
		t.Type = TypeUnique
		return one(t, errors.Join(needColumn(), a.rowCondition(&t)))
	case "accepted_values", "dbt_expectations.expect_column_values_to_be_in_set":
		t.Type = TypeAcceptedValues
		key := "values"
		if a.name != "accepted_values" {
			key = "value_set"
			a.get("quote_values")
			if err := errors.Join(a.mostly(&t), a.rowCondition(&t)); err != nil {
				return nil, nil, err
			}
		} else {
			a.get("quote")
		}
		vn, err := a.need(key)
		if err != nil {
			return nil, nil, err
		}
		items, err := p.seq(vn, a.name+": "+key)
		if err != nil {
			return nil, nil, err
		}
		for _, it := range items {
			if it.Kind != yaml.ScalarNode {
				return nil, nil, p.errf(it, "%s: %s: want scalar values", a.name, key)
			}
			t.Values = append(t.Values, it.Value)
		}
		return one(t, needColumn())
	case "relationships":
		t.Type = TypeRelationships
		tn, err := a.need("to")
		if err != nil {
			return nil, nil, err
		}
		if t.To, err = p.relationRef(tn, "relationships: to"); err != nil {
			return nil, nil, err
		}
		fn, err := a.need("field")
		if err != nil {
			return nil, nil, err
		}
		if t.Field, err = p.str(fn, "relationships: field"); err != nil {
			return nil, nil, err
		}
		return one(t, needColumn())
	case "between", "dbt_utils.accepted_range", "dbt_expectations.expect_column_values_to_be_between":
		t.Type = TypeBetween
		lo, hi := "min", "max"
		if a.name != "between" {
			lo, hi = "min_value", "max_value"
		}
		var err error
		if t.Min, err = a.float(lo); err != nil {
			return nil, nil, err
		}
		if t.Max, err = a.float(hi); err != nil {
			return nil, nil, err
		}
		if t.Min == nil && t.Max == nil {
			return nil, nil, p.errf(a.nameN, "%s: needs %s or %s", a.name, lo, hi)
		}
		switch a.name {
		case "between":
			t.Exclusive, err = a.boolean("exclusive", false)
		case "dbt_utils.accepted_range":
			var inclusive bool
			inclusive, err = a.boolean("inclusive", true)
			t.Exclusive = !inclusive
		default:
			t.Exclusive, err = a.boolean("strictly", false)
			err = errors.Join(err, a.mostly(&t), a.rowCondition(&t))
		}
		if err != nil {
			return nil, nil, err
		}
		return one(t, needColumn())
	case "positive", "non_negative":
		t.Type = a.name
		return one(t, needColumn())
	case "expression", "dbt_utils.expression_is_true":
		t.Type = TypeExpression
		en, err := a.need("expression")
		if err != nil {
			return nil, nil, err
		}
		e, err := p.str(en, a.name+": expression")
		if err != nil {
			return nil, nil, err
		}
		if a.name == "dbt_utils.expression_is_true" && t.Column != "" {
			e = t.Column + " " + e // dbt_utils prefixes the column
		}
		t.Expression = e
		if c, err := a.str("condition"); err != nil {
			return nil, nil, err
		} else if c != "" {
			t.Where = c
		}
		if t.ID == "" && t.Column != "" {
			t.ID = "expression_" + t.Model + "_" + t.Column
		}
		t.Column = ""
		return one(t, nil)
	case "recency", "dbt_utils.recency":
		t.Type = TypeRecency
		fn, err := a.need("field")
		if err != nil {
			return nil, nil, err
		}
		if t.Column, err = p.str(fn, a.name+": field"); err != nil {
			return nil, nil, err
		}
		if a.name == "recency" {
			mn, err := a.need("max_age")
			if err != nil {
				return nil, nil, err
			}
			if t.MaxAge, err = p.age(mn); err != nil {
				return nil, nil, err
			}
		} else {
			dn, err := a.need("datepart")
			if err != nil {
				return nil, nil, err
			}
			in, err := a.need("interval")
			if err != nil {
				return nil, nil, err
			}
			n, err := p.integer(in, a.name+": interval")
			if err != nil {
				return nil, nil, err
			}
			unit, ok := dateparts[strings.ToLower(dn.Value)]
			if !ok || n <= 0 {
				return nil, nil, p.errf(dn, "%s: datepart %q with interval %d: want a positive interval of minute, hour, day or week", a.name, dn.Value, n)
			}
			t.MaxAge = time.Duration(n) * unit
			a.get("ignore_time_component")
		}
		return one(t, nil)
	case "row_count", "dbt_utils.equal_rowcount":
		t.Type = TypeRowCount
		key := "to"
		if a.name != "row_count" {
			key = "compare_model"
		}
		tn, err := a.need(key)
		if err != nil {
			return nil, nil, err
		}
		t.To, err = p.relationRef(tn, a.name+": "+key)
		t.Column = ""
		return one(t, err)
	case "custom_sql":
		t.Type = TypeCustomSQL
		sn, err := a.need("sql")
		if err != nil {
			return nil, nil, err
		}
		t.SQL, err = p.str(sn, "custom_sql: sql")
		if t.ID == "" {
			t.ID = "custom_sql_" + t.Model + "_" + strconv.Itoa(a.nameN.Line)
		}
		return one(t, err)
	case "dbt_utils.not_null_proportion":
		t.Type = TypeNotNull
		atLeast, err := a.float("at_least")
		if err != nil {
			return nil, nil, err
		}
		if atLeast == nil || *atLeast < 0 || *atLeast > 1 {
			return nil, nil, p.errf(a.nameN, "%s: at_least: want a share in [0, 1]", a.name)
		}
		a.get("at_most")
		pct := percentText(1 - *atLeast)
		t.ErrorIf, t.WarnIf = ">"+pct+"%", ">"+pct+"%"
		return one(t, needColumn())
	case "dbt_utils.unique_combination_of_columns":
		cn, err := a.need("combination_of_columns")
		if err != nil {
			return nil, nil, err
		}
		cols, err := p.strs(cn, a.name+": combination_of_columns")
		if err != nil {
			return nil, nil, err
		}
		for _, c := range cols {
			if err := warehouse.ValidIdent(c); err != nil {
				return nil, nil, &SchemaError{File: p.file, Line: cn.Line, Column: cn.Column, Msg: fmt.Sprintf("%s: %v", a.name, err), Err: err}
			}
		}
		a.get("quote_columns")
		t.Type = TypeCustomSQL
		list := strings.Join(cols, ", ")
		src := t.Model
		if t.Where != "" {
			src = "(SELECT * FROM " + t.Model + " WHERE (" + t.Where + ")) AS " + t.Model
		}
		t.SQL = "SELECT " + list + ", COUNT(*) AS n_records FROM " + src + " GROUP BY " + list + " HAVING COUNT(*) > 1"
		t.Column = ""
		t.ID = name + "_" + t.Model + "_" + strings.Join(cols, "__")
		return one(t, nil)
	}
	return nil, nil, p.errf(a.nameN, "unknown test %q", a.name)
}

// monitor turns an elementary test's arguments into monitors.
func (p *schemaParser) monitor(a *testArgs, t Test, needColumn func() error) ([]Test, []Monitor, error) {
	m := Monitor{ID: t.ID, Model: t.Model, Column: t.Column, Severity: t.Severity, Meta: t.Meta, Origin: t.Origin, Where: t.Where}
	if t.WarnIf != "" || t.ErrorIf != "" {
		return nil, nil, p.errf(a.nameN, "%s: warn_if and error_if do not apply to anomaly monitors", a.name)
	}
	if err := p.detection(a, &m); err != nil {
		return nil, nil, err
	}
	switch a.name {
	case "elementary.volume_anomalies":
		m.Type, m.Column = VolumeMonitor, ""
		return nil, []Monitor{m}, nil
	case "elementary.freshness_anomalies":
		m.Type = FreshnessMonitor
		if m.Column == "" {
			m.Column = m.TimeColumn
		}
		return nil, []Monitor{m}, nil
	case "elementary.column_anomalies":
		if err := needColumn(); err != nil {
			return nil, nil, err
		}
		m.Type = ColumnMonitor
		metrics := []string{string(NullPercent), string(ZeroPercent), string(MinValue), string(MaxValue), string(Average)}
		if mn := a.get("column_anomalies"); mn != nil {
			var err error
			if metrics, err = p.strs(mn, a.name+": column_anomalies"); err != nil {
				return nil, nil, err
			}
		}
		var out []Monitor
		for _, s := range metrics {
			mm := m
			mm.Metric = Metric(s)
			if _, ok := metricSQL(mm.Metric, "x"); !ok {
				return nil, nil, p.errf(a.args["column_anomalies"], "%s: unknown metric %q (known: %s)", a.name, s, joinMetrics())
			}
			out = append(out, mm)
		}
		return nil, out, nil
	case "elementary.dimension_anomalies":
		dn, err := a.need("dimensions")
		if err != nil {
			return nil, nil, err
		}
		if m.Dimensions, err = p.strs(dn, a.name+": dimensions"); err != nil {
			return nil, nil, err
		}
		m.Type, m.Column = DimensionMonitor, ""
		return nil, []Monitor{m}, nil
	case "elementary.schema_changes", "elementary.schema_changes_from_baseline":
		m.Type, m.Column = SchemaMonitor, ""
		if a.name == "elementary.schema_changes_from_baseline" {
			for _, mi := range p.suite.Models {
				if mi.Name == t.Model {
					m.Columns = mi.Columns
				}
			}
			if m.Columns == nil {
				return nil, nil, p.errf(a.nameN, "%s: the model documents no columns to compare with", a.name)
			}
			failOnAdded, err := a.boolean("fail_on_added", false)
			if err != nil {
				return nil, nil, err
			}
			enforceTypes, err := a.boolean("enforce_types", false)
			if err != nil {
				return nil, nil, err
			}
			m.AllowAdded = !failOnAdded
			if !enforceTypes {
				cols := make([]string, len(m.Columns))
				for i, c := range m.Columns {
					cols[i] = strings.Fields(c)[0]
				}
				m.Columns = cols
			}
		}
		return nil, []Monitor{m}, nil
	}
	return nil, nil, p.errf(a.nameN, "unknown test %q", a.name)
}

var dateparts = map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour, "week": 7 * 24 * time.Hour}

// age reads a duration such as "24h", "90m" or "2d".
func (p *schemaParser) age(n *yaml.Node) (time.Duration, error) {
	s := strings.TrimSpace(n.Value)
	if d, ok := strings.CutSuffix(s, "d"); ok {
		if v, err := strconv.Atoi(d); err == nil && v > 0 {
			return time.Duration(v) * 24 * time.Hour, nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return d, nil
	}
	return 0, p.errf(n, "max_age %q: want a positive duration such as 24h or 2d", s)
}

// period reads Elementary's {period: day, count: n} as days.
func (p *schemaParser) period(n *yaml.Node, what string) (int, error) {
	kv, err := p.pairs(n, what)
	if err != nil {
		return 0, err
	}
	unit, count := "day", 0
	for _, e := range kv {
		switch e[0].Value {
		case "period":
			unit = e[1].Value
		case "count":
			if count, err = p.integer(e[1], what+": count"); err != nil {
				return 0, err
			}
		default:
			return 0, p.errf(e[0], "%s: unknown key %q", what, e[0].Value)
		}
	}
	per := map[string]int{"day": 1, "week": 7}[unit]
	if per == 0 || count <= 0 {
		return 0, p.errf(n, "%s: want a positive count of days or weeks", what)
	}
	return count * per, nil
}

// detection reads Elementary's anomaly arguments.
func (p *schemaParser) detection(a *testArgs, m *Monitor) error {
	d := &m.Detection
	var err error
	if s, e := a.str("timestamp_column"); e != nil {
		return e
	} else if s != "" {
		m.TimeColumn = s
	}
	if s, e := a.str("where_expression"); e != nil {
		return e
	} else if s != "" {
		if m.Where != "" {
			m.Where = "(" + m.Where + ") AND (" + s + ")"
		} else {
			m.Where = s
		}
	}
	if n := a.get("anomaly_sensitivity"); n != nil {
		if d.Sensitivity, err = p.float(n, a.name+": anomaly_sensitivity"); err != nil {
			return err
		}
	}
	for _, k := range []string{"training_period", "days_back"} {
		if n := a.get(k); n != nil {
			if k == "days_back" {
				d.TrainingDays, err = p.integer(n, a.name+": days_back")
			} else {
				d.TrainingDays, err = p.period(n, a.name+": training_period")
			}
			if err != nil {
				return err
			}
		}
	}
	for _, k := range []string{"detection_period", "backfill_days"} {
		if n := a.get(k); n != nil {
			if k == "backfill_days" {
				d.DetectionDays, err = p.integer(n, a.name+": backfill_days")
			} else {
				d.DetectionDays, err = p.period(n, a.name+": detection_period")
			}
			if err != nil {
				return err
			}
		}
	}
	if n := a.get("time_bucket"); n != nil {
		days, err := p.period(n, a.name+": time_bucket")
		if err != nil {
			return err
		}
		if days != 1 {
			return p.errf(n, "%s: time_bucket: only daily buckets are supported", a.name)
		}
	}
	if n := a.get("min_training_set_size"); n != nil {
		if d.MinTrainingPoints, err = p.integer(n, a.name+": min_training_set_size"); err != nil {
			return err
		}
	}
	if s, e := a.str("seasonality"); e != nil {
		return e
	} else {
		d.Seasonality = Seasonality(s)
	}
	if s, e := a.str("anomaly_direction"); e != nil {
		return e
	} else if s != "" {
		d.Direction = Direction(strings.ToLower(s))
	}
	if s, e := a.str("scale"); e != nil {
		return e
	} else if s != "" {
		d.Scale = Scale(s)
	}
	if n := a.get("ignore_small_changes"); n != nil {
		kv, err := p.pairs(n, a.name+": ignore_small_changes")
		if err != nil {
			return err
		}
		for _, e := range kv {
			switch e[0].Value {
			case "spike_failure_percent_threshold", "drop_failure_percent_threshold":
				if e[1].Tag == "!!null" {
					continue
				}
				v, err := p.float(e[1], a.name+": "+e[0].Value)
				if err != nil {
					return err
				}
				if e[0].Value == "spike_failure_percent_threshold" {
					d.MinSpikePercent = v
				} else {
					d.MinDropPercent = v
				}
			default:
				return p.errf(e[0], "%s: ignore_small_changes: unknown key %q", a.name, e[0].Value)
			}
		}
	}
	return nil
}
