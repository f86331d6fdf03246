package checkscore

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/pipeline"
	"github.com/edqm/edqm/transform"
	"github.com/edqm/edqm/warehouse"
)

// DefaultDay is the batch day of a Table whose Day is zero, and the last
// day of a Builtin whose Day is zero.
var DefaultDay = time.Date(2026, time.March, 10, 0, 0, 0, 0, time.UTC)

// Table is the Target of a team's own table: its clean rows and its spec.
// Each trial corrupts the rows (chaos.Injector.Inject), lands them as one
// CSV file (landing.DataKey of Spec.Table and Day) and loads it with
// warehouse.Load into a raw table named Spec.Table: the file's columns,
// all VARCHAR (an empty cell is NULL), plus _file and _line. The tests
// read that table, or the models of Project built over it.
type Table struct {
	// Spec names the roles of the columns; Spec.Table names the raw table
	// and must be a plain identifier. Required.
	Spec chaos.TableSpec
	// Rows are the clean rows. Required.
	Rows *edqm.Table
	// Day is the batch's day; zero means DefaultDay.
	Day time.Time
	// Lander is where the file lands; nil means a new in-memory Lander
	// per trial.
	Lander landing.Lander
	// Project, when set, holds the team's models, built over the raw table
	// after the load (its sources must name the raw table).
	Project *transform.Project
	// Now is the tests' run time (recency); zero means the end of Day.
	Now time.Time
}

var _ Target = (*Table)(nil)

// Load implements Target.
func (t *Table) Load(ctx context.Context, wh warehouse.Warehouse, inj *chaos.Injector) (*Loaded, error) {
	if t.Rows == nil {
		return nil, errors.New("checkscore.Table: Rows is nil")
	}
	name := t.Spec.Table
	if err := warehouse.ValidIdent(name); err != nil {
		return nil, fmt.Errorf("checkscore.Table: Spec.Table: %w", err)
	}
	if err := warehouse.ValidIdent(t.Spec.Key); err != nil {
		return nil, fmt.Errorf("checkscore.Table: Spec.Key: %w", err)
	}
	day := t.Day
	if day.IsZero() {
		day = DefaultDay
	}
	rows, labels := t.Rows, []chaos.Label(nil)
	if inj != nil {
		var err error
		if rows, labels, err = inj.Inject(ctx, day, t.Spec, t.Rows); err != nil {
			return nil, fmt.Errorf("checkscore.Table: %w", err)
		}
	}
	l := t.Lander
	if l == nil {
		l = memlanding.New()
		defer l.Close()
	}
	var buf bytes.Buffer
	if err := edqm.WriteCSV(&buf, rows); err != nil {
		return nil, fmt.Errorf("checkscore.Table: %w", err)
	}
	key := landing.DataKey(name, day, "csv")
	if err := l.Put(ctx, key, &buf); err != nil {
		return nil, fmt.Errorf("checkscore.Table: land %s: %w", key, err)
	}
	if _, err := wh.Load(ctx, warehouse.LoadRequest{Table: name, Columns: rows.Columns, Source: l, Keys: []string{key}, Force: true}); err != nil {
		return nil, fmt.Errorf("checkscore.Table: %w", err)
	}
	if t.Project != nil {
		if _, err := t.Project.Run(ctx, wh, &transform.RunOptions{RunDate: day}); err != nil {
			return nil, fmt.Errorf("checkscore.Table: %w", err)
		}
	}
	now := t.Now
	if now.IsZero() {
		now = edqm.Day(day).Add(24*time.Hour - time.Second)
	}
	k := t.Spec.Key
	return &Loaded{Labels: labels, Key: k, Now: now,
		Occurrences: "SELECT CAST(" + k + " AS VARCHAR) AS k, ROW_NUMBER() OVER (PARTITION BY " + k +
			" ORDER BY _file, _line) AS o, _file AS f, CAST(_line AS BIGINT) AS n FROM " + name}, nil
}

// Builtin is the Target of EDQM's own flow: package generate's orders for
// Days days ending on Day, corrupted (the orders only), landed and loaded as
// package pipeline does (pipeline.LandDays, pipeline.LoadAll), and the
// built-in models built (pipeline.Build): raw_*, stg_customers,
// stg_products, stg_orders, fct_orders, mart_daily_revenue. The key is
// order_id; rows are matched through stg_orders' occurrence.
type Builtin struct {
	// Generator makes the data; nil means generate.New with Seed 42 and
	// 40 to 60 orders a day.
	Generator generate.Generator
	// Day is the last day; zero means DefaultDay. Days is the number of
	// days; 0 means 3.
	Day  time.Time
	Days int
}

var _ Target = (*Builtin)(nil)

// Load implements Target.
func (b *Builtin) Load(ctx context.Context, wh warehouse.Warehouse, inj *chaos.Injector) (*Loaded, error) {
	g := b.Generator
	if g == nil {
		var err error
		if g, err = generate.New(generate.Config{Seed: 42, MinOrders: 40, MaxOrders: 60}); err != nil {
			return nil, fmt.Errorf("checkscore.Builtin: %w", err)
		}
	}
	last, n := edqm.Day(b.Day), b.Days
	if b.Day.IsZero() {
		last = DefaultDay
	}
	if n == 0 {
		n = 3
	}
	if n < 0 {
		return nil, fmt.Errorf("checkscore.Builtin: Days %d: want a positive number", n)
	}
	days := make([]time.Time, n)
	for i := range days {
		days[i] = last.AddDate(0, 0, i-n+1)
	}
	l := memlanding.New()
	defer l.Close()
	opts := &pipeline.Options{Generator: g, Day: last, Days: n}
	if inj != nil {
		opts.Injector = inj
	}
	if _, err := pipeline.LandDays(ctx, l, days, true, opts); err != nil {
		return nil, fmt.Errorf("checkscore.Builtin: %w", err)
	}
	if _, err := pipeline.LoadAll(ctx, wh, l, false); err != nil {
		return nil, fmt.Errorf("checkscore.Builtin: %w", err)
	}
	if _, err := pipeline.Build(ctx, wh, nil); err != nil {
		return nil, fmt.Errorf("checkscore.Builtin: %w", err)
	}
	out := &Loaded{Key: "order_id", Now: last.Add(24*time.Hour - time.Second),
		Occurrences: "SELECT CAST(order_id AS VARCHAR) AS k, occurrence AS o, _file AS f, CAST(_line AS BIGINT) AS n FROM stg_orders"}
	if inj == nil {
		return out, nil
	}
	for _, d := range days {
		key := landing.LabelsKey("orders", d)
		labels, err := readLabels(ctx, l, key)
		if err != nil {
			return nil, fmt.Errorf("checkscore.Builtin: %w", err)
		}
		out.Labels = append(out.Labels, labels...)
	}
	return out, nil
}

// readLabels reads the label file at key; a missing file is no labels.
func readLabels(ctx context.Context, l landing.Lander, key string) ([]chaos.Label, error) {
	rc, err := l.Get(ctx, key)
	if errors.Is(err, landing.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return chaos.ReadLabels(rc, key)
}

// LandedTable reads a landed CSV file (a header, then one record per row,
// as edqm.WriteCSV writes it) into a table named name, for Table.Rows: the
// rows of a team's own landed files. An empty field is NULL, as in raw
// tables. Records with a field count other than the header's are an error
// naming the key and the line.
func LandedTable(ctx context.Context, l landing.Lander, key, name string) (*edqm.Table, error) {
	rc, err := l.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("checkscore.LandedTable: %w", err)
	}
	defer rc.Close()
	r := csv.NewReader(rc)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("checkscore.LandedTable: %s: header: %w", key, err)
	}
	t := &edqm.Table{Name: name, Columns: header}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return t, nil
		}
		if err != nil {
			return nil, fmt.Errorf("checkscore.LandedTable: %s: %w", key, err)
		}
		t.Rows = append(t.Rows, rec)
	}
}
