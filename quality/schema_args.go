package quality

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/edqm/edqm/warehouse"
)

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

// add records an argument and its key node.
func (a *testArgs) add(k, v *yaml.Node) {
	a.args[k.Value], a.keys[k.Value] = v, k
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
	a, customName, err := p.testArgsOf(n)
	if err != nil {
		return err
	}
	base := Test{Model: table, Column: column, Origin: p.origin(a.nameN), ID: customName, Meta: map[string]string{}}
	for k, v := range meta {
		base.Meta[k] = v
	}
	enabled, err := p.testConfig(a, &base)
	if err != nil {
		return err
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
	return p.add(a, tests, monitors)
}

// add validates a test's tests and monitors and appends them to the suite.
func (p *schemaParser) add(a *testArgs, tests []Test, monitors []Monitor) error {
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

// testArgsOf reads a test's name and arguments, in the short form
// ("not_null", or "relationships: {to: …}") or the long one (test_name,
// name and the arguments beside them), with dbt 1.10's nested
// arguments:. It also returns the test's custom name, if any.
func (p *schemaParser) testArgsOf(n *yaml.Node) (*testArgs, string, error) {
	a := &testArgs{p: p, nameN: n, args: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}, used: map[string]bool{}}
	customName := ""
	switch n.Kind {
	case yaml.ScalarNode:
		a.name = n.Value
	case yaml.MappingNode:
		kv, _ := p.pairs(n, "test")
		isLong := slices.ContainsFunc(kv, func(e [2]*yaml.Node) bool { return e[0].Value == "test_name" })
		if isLong || len(kv) != 1 {
			for _, e := range kv {
				switch e[0].Value {
				case "test_name":
					a.name, a.nameN = e[1].Value, e[1]
				case "name":
					customName = e[1].Value
				default:
					a.add(e[0], e[1])
				}
			}
			if a.name == "" {
				return nil, "", p.errf(n, "test: want the test's name as the only key, or test_name")
			}
		} else {
			a.name, a.nameN = kv[0][0].Value, kv[0][0]
			akv, err := p.pairs(kv[0][1], a.name)
			if err != nil {
				return nil, "", err
			}
			for _, e := range akv {
				a.add(e[0], e[1])
			}
		}
	default:
		return nil, "", p.errf(n, "test: want a name or a mapping")
	}
	if !slices.Contains(SchemaTests, a.name) {
		return nil, "", p.errf(a.nameN, "unknown test %q (known: %s)", a.name, strings.Join(SchemaTests, ", "))
	}
	return a, customName, p.nestedArguments(a)
}

// nestedArguments adds the arguments dbt 1.10 nests under arguments:.
func (p *schemaParser) nestedArguments(a *testArgs) error {
	an, ok := a.args["arguments"]
	if !ok {
		return nil
	}
	a.used["arguments"] = true
	kv, err := p.pairs(an, a.name+": arguments")
	if err != nil {
		return err
	}
	for _, e := range kv {
		if _, dup := a.args[e[0].Value]; dup {
			return p.errf(e[0], "%s: argument %q given twice", a.name, e[0].Value)
		}
		a.add(e[0], e[1])
	}
	return nil
}

// testConfig reads a test's config, at the top level (older dbt) or under
// config:, into t. It reports whether the test is enabled.
func (p *schemaParser) testConfig(a *testArgs, t *Test) (bool, error) {
	enabled := true
	if err := p.readConfig(a, t, &enabled, a.args, func(k string) { a.used[k] = true }); err != nil {
		return false, err
	}
	cn := a.get("config")
	if cn == nil {
		return enabled, nil
	}
	ckv, err := p.pairs(cn, a.name+": config")
	if err != nil {
		return false, err
	}
	cargs, ckeys := map[string]*yaml.Node{}, map[string]*yaml.Node{}
	for _, e := range ckv {
		cargs[e[0].Value], ckeys[e[0].Value] = e[1], e[0]
	}
	cused := map[string]bool{}
	if err := p.readConfig(a, t, &enabled, cargs, func(k string) { cused[k] = true }); err != nil {
		return false, err
	}
	for k, kn := range ckeys {
		if !cused[k] {
			return false, p.errf(kn, "%s: unknown config %q", a.name, k)
		}
	}
	return enabled, nil
}

// readConfig reads the config keys found in kv into t and enabled,
// marking each one it knows.
func (p *schemaParser) readConfig(a *testArgs, t *Test, enabled *bool, kv map[string]*yaml.Node, mark func(string)) error {
	for k, v := range kv {
		var err error
		switch k {
		case "severity":
			mark(k)
			err = p.severity(a, t, v)
		case "warn_if", "error_if":
			mark(k)
			err = p.threshold(a, t, k, v)
		case "where":
			mark(k)
			t.Where, err = p.str(v, a.name+": where")
		case "enabled":
			mark(k)
			var b bool
			if b, err = p.boolean(v, a.name+": enabled"); err == nil {
				*enabled = b
			}
		case "meta":
			mark(k)
			err = p.meta(v, t.Meta)
		case "tags", "store_failures", "store_failures_as", "limit", "alias", "schema", "database", "group":
			mark(k) // no effect on how EDQM runs a test
		case "fail_calc":
			err = p.errf(v, "%s: config fail_calc is not supported", a.name)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// severity reads a test's severity config.
func (p *schemaParser) severity(a *testArgs, t *Test, v *yaml.Node) error {
	s, err := p.str(v, a.name+": severity")
	if err != nil {
		return err
	}
	t.Severity = Severity(strings.ToLower(s))
	if t.Severity != Warn && t.Severity != Error {
		return p.errf(v, "%s: severity %q: want warn or error", a.name, s)
	}
	return nil
}

// threshold reads a test's warn_if or error_if config (k).
func (p *schemaParser) threshold(a *testArgs, t *Test, k string, v *yaml.Node) error {
	s, err := p.str(v, a.name+": "+k)
	if err != nil {
		return err
	}
	if _, err := ParseThreshold(s); err != nil {
		return &SchemaError{File: p.file, Line: v.Line, Column: v.Column, Msg: fmt.Sprintf("%s: %s: %v", a.name, k, err), Err: err}
	}
	if k == "warn_if" {
		t.WarnIf = s
	} else {
		t.ErrorIf = s
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
