package quality

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/edqm/edqm/warehouse"
)

// A testBuilder turns the arguments of one schema.yml test into EDQM tests
// or monitors. t holds what every test shares: the model, the column, the
// config (severity, thresholds, where, meta) and the ID.
type testBuilder func(p *schemaParser, a *testArgs, t Test) ([]Test, []Monitor, error)

// testBuilders maps each name of [SchemaTests] to its builder.
var testBuilders = map[string]testBuilder{
	"not_null": buildNotNull,
	"dbt_expectations.expect_column_values_to_not_be_null": buildNotNull,
	"unique": buildUnique,
	"dbt_expectations.expect_column_values_to_be_unique": buildUnique,
	"accepted_values": acceptedValues("values", "quote", false),
	"dbt_expectations.expect_column_values_to_be_in_set": acceptedValues("value_set", "quote_values", true),
	"relationships":            buildRelationships,
	"between":                  between("min", "max", exclusiveArg),
	"dbt_utils.accepted_range": between("min_value", "max_value", inclusiveArg),
	"dbt_expectations.expect_column_values_to_be_between": between("min_value", "max_value", strictlyArg),
	"positive":                      buildSign,
	"non_negative":                  buildSign,
	"expression":                    expression(false),
	"dbt_utils.expression_is_true":  expression(true),
	"recency":                       recency(maxAgeArg),
	"dbt_utils.recency":             recency(datepartArg),
	"row_count":                     rowCount("to"),
	"dbt_utils.equal_rowcount":      rowCount("compare_model"),
	"custom_sql":                    buildCustomSQL,
	"dbt_utils.not_null_proportion": buildNotNullProportion,
	"dbt_utils.unique_combination_of_columns": buildUniqueCombination,
	"elementary.volume_anomalies":             anomaly(buildVolume),
	"elementary.freshness_anomalies":          anomaly(buildFreshness),
	"elementary.column_anomalies":             anomaly(buildColumnAnomalies),
	"elementary.dimension_anomalies":          anomaly(buildDimension),
	"elementary.schema_changes":               anomaly(buildSchemaChanges),
	"elementary.schema_changes_from_baseline": anomaly(buildSchemaChangesFromBaseline),
}

// build turns a test's arguments into EDQM tests or monitors with the
// test's builder. A package test (dbt_utils.…, dbt_expectations.…) gets an
// ID after its name, model and column unless it was named.
func (p *schemaParser) build(a *testArgs, t Test) ([]Test, []Monitor, error) {
	b, ok := testBuilders[a.name]
	if !ok {
		return nil, nil, p.errf(a.nameN, "unknown test %q", a.name)
	}
	if !strings.HasPrefix(a.name, "elementary.") && t.ID == "" && strings.Contains(a.name, ".") {
		t.ID = strings.ReplaceAll(a.name, ".", "_") + "_" + t.Model
		if t.Column != "" {
			t.ID += "_" + t.Column
		}
	}
	return b(p, a, t)
}

// needColumn reports an error when the test has no column.
func (p *schemaParser) needColumn(a *testArgs, t Test) error {
	if t.Column == "" {
		return p.errf(a.nameN, "%s: needs a column (put it under a column, or give column_name)", a.name)
	}
	return nil
}

// one returns t as the only test, or err.
func one(t Test, err error) ([]Test, []Monitor, error) {
	if err != nil {
		return nil, nil, err
	}
	return []Test{t}, nil, nil
}

func buildNotNull(p *schemaParser, a *testArgs, t Test) ([]Test, []Monitor, error) {
	t.Type = TypeNotNull
	if err := a.mostly(&t); err != nil {
		return nil, nil, err
	}
	return one(t, errors.Join(p.needColumn(a, t), a.rowCondition(&t)))
}

func buildUnique(p *schemaParser, a *testArgs, t Test) ([]Test, []Monitor, error) {
	t.Type = TypeUnique
	return one(t, errors.Join(p.needColumn(a, t), a.rowCondition(&t)))
}

// acceptedValues builds accepted_values, its values under key; quote is
// an argument read and ignored; expectations adds mostly and
// row_condition.
func acceptedValues(key, quote string, expectations bool) testBuilder {
	return func(p *schemaParser, a *testArgs, t Test) ([]Test, []Monitor, error) {
		t.Type = TypeAcceptedValues
		a.get(quote)
		if expectations {
			if err := errors.Join(a.mostly(&t), a.rowCondition(&t)); err != nil {
				return nil, nil, err
			}
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
		return one(t, p.needColumn(a, t))
	}
}

func buildRelationships(p *schemaParser, a *testArgs, t Test) ([]Test, []Monitor, error) {
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
	return one(t, p.needColumn(a, t))
}

// between builds a range test with bounds lo and hi; exclusive reads how
// the bounds are compared (and the test's other arguments).
func between(lo, hi string, exclusive func(a *testArgs, t *Test) error) testBuilder {
	return func(p *schemaParser, a *testArgs, t Test) ([]Test, []Monitor, error) {
		t.Type = TypeBetween
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
		if err := exclusive(a, &t); err != nil {
			return nil, nil, err
		}
		return one(t, p.needColumn(a, t))
	}
}

// exclusiveArg reads between's exclusive (default false).
func exclusiveArg(a *testArgs, t *Test) (err error) {
	t.Exclusive, err = a.boolean("exclusive", false)
	return err
}

// inclusiveArg reads dbt_utils.accepted_range's inclusive (default true).
func inclusiveArg(a *testArgs, t *Test) error {
	inclusive, err := a.boolean("inclusive", true)
	t.Exclusive = !inclusive
	return err
}

// strictlyArg reads dbt_expectations' strictly (default false), mostly
// and row_condition.
func strictlyArg(a *testArgs, t *Test) error {
	var err error
	t.Exclusive, err = a.boolean("strictly", false)
	return errors.Join(err, a.mostly(t), a.rowCondition(t))
}

// buildSign builds positive and non_negative, whose type is their name.
func buildSign(p *schemaParser, a *testArgs, t Test) ([]Test, []Monitor, error) {
	t.Type = a.name
	return one(t, p.needColumn(a, t))
}

// expression builds an expression test; prefixColumn puts the column
// before the expression, as dbt_utils.expression_is_true does.
func expression(prefixColumn bool) testBuilder {
	return func(p *schemaParser, a *testArgs, t Test) ([]Test, []Monitor, error) {
		t.Type = TypeExpression
		en, err := a.need("expression")
		if err != nil {
			return nil, nil, err
		}
		e, err := p.str(en, a.name+": expression")
		if err != nil {
			return nil, nil, err
		}
		if prefixColumn && t.Column != "" {
			e = t.Column + " " + e
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
	}
}

// recency builds a recency test on the column named by field; maxAge
// reads the largest age.
func recency(maxAge func(p *schemaParser, a *testArgs) (time.Duration, error)) testBuilder {
	return func(p *schemaParser, a *testArgs, t Test) ([]Test, []Monitor, error) {
		t.Type = TypeRecency
		fn, err := a.need("field")
		if err != nil {
			return nil, nil, err
		}
		if t.Column, err = p.str(fn, a.name+": field"); err != nil {
			return nil, nil, err
		}
		if t.MaxAge, err = maxAge(p, a); err != nil {
			return nil, nil, err
		}
		return one(t, nil)
	}
}

// maxAgeArg reads recency's max_age ("24h", "2d").
func maxAgeArg(p *schemaParser, a *testArgs) (time.Duration, error) {
	mn, err := a.need("max_age")
	if err != nil {
		return 0, err
	}
	return p.age(mn)
}

var dateparts = map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour, "week": 7 * 24 * time.Hour}

// datepartArg reads dbt_utils.recency's datepart and interval.
func datepartArg(p *schemaParser, a *testArgs) (time.Duration, error) {
	dn, err := a.need("datepart")
	if err != nil {
		return 0, err
	}
	in, err := a.need("interval")
	if err != nil {
		return 0, err
	}
	n, err := p.integer(in, a.name+": interval")
	if err != nil {
		return 0, err
	}
	unit, ok := dateparts[strings.ToLower(dn.Value)]
	if !ok || n <= 0 {
		return 0, p.errf(dn, "%s: datepart %q with interval %d: want a positive interval of minute, hour, day or week", a.name, dn.Value, n)
	}
	a.get("ignore_time_component")
	return time.Duration(n) * unit, nil
}

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

// rowCount builds a row_count test comparing with the relation under key.
func rowCount(key string) testBuilder {
	return func(p *schemaParser, a *testArgs, t Test) ([]Test, []Monitor, error) {
		t.Type = TypeRowCount
		tn, err := a.need(key)
		if err != nil {
			return nil, nil, err
		}
		t.To, err = p.relationRef(tn, a.name+": "+key)
		t.Column = ""
		return one(t, err)
	}
}

func buildCustomSQL(p *schemaParser, a *testArgs, t Test) ([]Test, []Monitor, error) {
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
}

func buildNotNullProportion(p *schemaParser, a *testArgs, t Test) ([]Test, []Monitor, error) {
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
	return one(t, p.needColumn(a, t))
}

func buildUniqueCombination(p *schemaParser, a *testArgs, t Test) ([]Test, []Monitor, error) {
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
	t.ID = strings.ReplaceAll(a.name, ".", "_") + "_" + t.Model + "_" + strings.Join(cols, "__")
	return one(t, nil)
}
