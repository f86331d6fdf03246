package quality

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// A monitorBuilder turns the arguments of an elementary test into
// monitors; m already holds the test's shared fields and detection.
type monitorBuilder func(p *schemaParser, a *testArgs, t Test, m Monitor) ([]Monitor, error)

// anomaly adapts a monitorBuilder to a testBuilder: it builds the monitor
// the elementary tests share, with Elementary's detection arguments.
func anomaly(b monitorBuilder) testBuilder {
	return func(p *schemaParser, a *testArgs, t Test) ([]Test, []Monitor, error) {
		m := Monitor{ID: t.ID, Model: t.Model, Column: t.Column, Severity: t.Severity, Meta: t.Meta, Origin: t.Origin, Where: t.Where}
		if t.WarnIf != "" || t.ErrorIf != "" {
			return nil, nil, p.errf(a.nameN, "%s: warn_if and error_if do not apply to anomaly monitors", a.name)
		}
		if err := p.detection(a, &m); err != nil {
			return nil, nil, err
		}
		ms, err := b(p, a, t, m)
		if err != nil {
			return nil, nil, err
		}
		return nil, ms, nil
	}
}

func buildVolume(_ *schemaParser, _ *testArgs, _ Test, m Monitor) ([]Monitor, error) {
	m.Type, m.Column = VolumeMonitor, ""
	return []Monitor{m}, nil
}

func buildFreshness(_ *schemaParser, _ *testArgs, _ Test, m Monitor) ([]Monitor, error) {
	m.Type = FreshnessMonitor
	if m.Column == "" {
		m.Column = m.TimeColumn
	}
	return []Monitor{m}, nil
}

// buildColumnAnomalies builds one monitor per metric of column_anomalies
// (by default null and zero percentages, min, max and average).
func buildColumnAnomalies(p *schemaParser, a *testArgs, t Test, m Monitor) ([]Monitor, error) {
	if err := p.needColumn(a, t); err != nil {
		return nil, err
	}
	m.Type = ColumnMonitor
	metrics := []string{string(NullPercent), string(ZeroPercent), string(MinValue), string(MaxValue), string(Average)}
	if mn := a.get("column_anomalies"); mn != nil {
		var err error
		if metrics, err = p.strs(mn, a.name+": column_anomalies"); err != nil {
			return nil, err
		}
	}
	var out []Monitor
	for _, s := range metrics {
		mm := m
		mm.Metric = Metric(s)
		if _, ok := metricSQL(mm.Metric, "x"); !ok {
			return nil, p.errf(a.args["column_anomalies"], "%s: unknown metric %q (known: %s)", a.name, s, joinMetrics())
		}
		out = append(out, mm)
	}
	return out, nil
}

func buildDimension(p *schemaParser, a *testArgs, _ Test, m Monitor) ([]Monitor, error) {
	dn, err := a.need("dimensions")
	if err != nil {
		return nil, err
	}
	if m.Dimensions, err = p.strs(dn, a.name+": dimensions"); err != nil {
		return nil, err
	}
	m.Type, m.Column = DimensionMonitor, ""
	return []Monitor{m}, nil
}

func buildSchemaChanges(_ *schemaParser, _ *testArgs, _ Test, m Monitor) ([]Monitor, error) {
	m.Type, m.Column = SchemaMonitor, ""
	return []Monitor{m}, nil
}

// buildSchemaChangesFromBaseline compares with the columns the model
// documents (with their types when enforce_types is set).
func buildSchemaChangesFromBaseline(p *schemaParser, a *testArgs, t Test, m Monitor) ([]Monitor, error) {
	m.Type, m.Column = SchemaMonitor, ""
	for _, mi := range p.suite.Models {
		if mi.Name == t.Model {
			m.Columns = mi.Columns
		}
	}
	if m.Columns == nil {
		return nil, p.errf(a.nameN, "%s: the model documents no columns to compare with", a.name)
	}
	failOnAdded, err := a.boolean("fail_on_added", false)
	if err != nil {
		return nil, err
	}
	enforceTypes, err := a.boolean("enforce_types", false)
	if err != nil {
		return nil, err
	}
	m.AllowAdded = !failOnAdded
	if !enforceTypes {
		cols := make([]string, len(m.Columns))
		for i, c := range m.Columns {
			cols[i] = strings.Fields(c)[0]
		}
		m.Columns = cols
	}
	return []Monitor{m}, nil
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
		var err error
		if d.Sensitivity, err = p.float(n, a.name+": anomaly_sensitivity"); err != nil {
			return err
		}
	}
	if err := p.detectionWindow(a, d); err != nil {
		return err
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
	return p.ignoreSmallChanges(a, d)
}

// detectionWindow reads the training and detection periods, the time
// bucket and the minimum training set size.
func (p *schemaParser) detectionWindow(a *testArgs, d *Detection) error {
	var err error
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
	return nil
}

// ignoreSmallChanges reads Elementary's ignore_small_changes.
func (p *schemaParser) ignoreSmallChanges(a *testArgs, d *Detection) error {
	n := a.get("ignore_small_changes")
	if n == nil {
		return nil
	}
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
	return nil
}
