package quality_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// bad is a name that would add a statement if it were pasted into SQL.
const bad = "x; DROP TABLE y"

// TestIdentifiersAreRefused shows, entry point by entry point, that a
// model, column or table name put into SQL that is not a plain identifier
// is refused with an error wrapping warehouse.ErrBadIdentifier that says
// what the name is for, before any SQL runs: table y is still there.
func TestIdentifiersAreRefused(t *testing.T) {
	ctx := t.Context()
	w, err := duckdbwarehouse.Open(ctx, ":memory:", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Exec(ctx, "CREATE TABLE y (v INTEGER); CREATE TABLE m (c INTEGER, d DATE)"); err != nil {
		t.Fatal(err)
	}
	runTest := func(tt quality.Test) func() error {
		return func() error {
			if err := tt.Validate(); err != nil {
				return err
			}
			_, err := quality.RunTests(ctx, w, []quality.Test{tt}, nil)
			return err
		}
	}
	runMonitor := func(m quality.Monitor) func() error {
		return func() error {
			if err := m.Validate(); err != nil {
				return err
			}
			_, err := quality.RunMonitors(ctx, w, []quality.Monitor{m}, nil)
			return err
		}
	}
	for _, tc := range []struct {
		entry string
		run   func() error
		want  string // what the error must say
	}{
		{"test model", runTest(quality.Test{Type: quality.TypeNotNull, Model: bad, Column: "c"}), "model"},
		{"test column", runTest(quality.Test{Type: quality.TypeUnique, Model: "m", Column: bad}), "column"},
		{"relationships to", runTest(quality.Test{Type: quality.TypeRelationships, Model: "m", Column: "c", To: bad, Field: "c"}), "to"},
		{"relationships field", runTest(quality.Test{Type: quality.TypeRelationships, Model: "m", Column: "c", To: "m", Field: bad}), "field"},
		{"row_count to", runTest(quality.Test{Type: quality.TypeRowCount, Model: "m", To: bad}), "to"},
		{"monitor model", runMonitor(quality.Monitor{Type: quality.VolumeMonitor, Model: bad, TimeColumn: "d"}), "model"},
		{"monitor time column", runMonitor(quality.Monitor{Type: quality.VolumeMonitor, Model: "m", TimeColumn: bad}), "time column"},
		{"monitor column", runMonitor(quality.Monitor{Type: quality.ColumnMonitor, Model: "m", TimeColumn: "d", Column: bad, Metric: quality.Metric("null_count")}), "column"},
		{"monitor dimension", runMonitor(quality.Monitor{Type: quality.DimensionMonitor, Model: "m", TimeColumn: "d", Dimensions: []string{"c", bad}}), "dimension"},
		{"reporter labels table", func() error {
			_, err := quality.NewReporter(&quality.Options{LabelsTable: bad})
			return err
		}, "labels table"},
		{"reporter test", func() error {
			_, err := quality.NewReporter(&quality.Options{Tests: []quality.Test{{Type: quality.TypeNotNull, Model: bad, Column: "c"}}})
			return err
		}, "model"},
		{"history table", func() error { return quality.History{Table: bad}.Ensure(ctx, w) }, "history table"},
		{"dataset labels table", func() error {
			_, err := quality.ReadDatasetLabels(ctx, w, bad)
			return err
		}, "dataset labels"},
		{"schema.yml model", func() error {
			_, err := quality.ParseSchema("schema.yml", []byte("version: 2\nmodels:\n  - name: \""+bad+"\"\n    columns:\n      - name: c\n        tests: [not_null]\n"), nil)
			return err
		}, "model"},
		{"schema.yml column", func() error {
			_, err := quality.ParseSchema("schema.yml", []byte("version: 2\nmodels:\n  - name: m\n    columns:\n      - name: \""+bad+"\"\n        tests: [not_null]\n"), nil)
			return err
		}, bad},
		{"schema.yml source table", func() error {
			_, err := quality.ParseSchema("schema.yml", []byte("version: 2\nsources:\n  - name: raw\n    tables:\n      - name: \""+bad+"\"\n"), nil)
			return err
		}, "source"},
	} {
		err := tc.run()
		if !errors.Is(err, warehouse.ErrBadIdentifier) {
			t.Errorf("%s: err = %v, want one wrapping ErrBadIdentifier", tc.entry, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: the error does not say %q: %v", tc.entry, tc.want, err)
		}
	}
	if ok, err := w.TableExists(ctx, "y"); err != nil || !ok {
		t.Fatalf("table y is gone: %v, %v", ok, err)
	}
}

// TestNamesAndValuesAreNotSQL shows that what is not an identifier but a
// value — a test's ID, an accepted value — goes into SQL as a value: a
// quote in it cannot end the string.
func TestNamesAndValuesAreNotSQL(t *testing.T) {
	ctx := t.Context()
	w, err := duckdbwarehouse.Open(ctx, ":memory:", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Exec(ctx, "CREATE TABLE y (v INTEGER); CREATE TABLE m (c VARCHAR); INSERT INTO m VALUES ('ok'), ('x''); DROP TABLE y; --')"); err != nil {
		t.Fatal(err)
	}
	inject := "x'); DROP TABLE y; --"
	res, err := quality.RunTests(ctx, w, []quality.Test{{
		ID: inject, Type: quality.TypeAcceptedValues, Model: "m", Column: "c", Values: []string{"ok", inject},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Failures != 0 {
		t.Errorf("accepted_values with a quote in a value: %+v, want no failure", res)
	}
	if ok, err := w.TableExists(ctx, "y"); err != nil || !ok {
		t.Fatalf("table y is gone: %v, %v", ok, err)
	}
}

// TestBackslashesInValues: a backslash escapes in Snowflake's literals, so
// a value ending in one could end the literal early there. Values with
// backslashes still match exactly (on DuckDB, where backslash is plain),
// and the SQL holds no backslash inside a literal for Snowflake to read.
func TestBackslashesInValues(t *testing.T) {
	ctx := t.Context()
	w, err := duckdbwarehouse.Open(ctx, ":memory:", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Exec(ctx, `CREATE TABLE m (c VARCHAR); INSERT INTO m VALUES ('a\b'), ('x\'), ('\\'), ('bad\')`); err != nil {
		t.Fatal(err)
	}
	values := []string{`a\b`, `x\`, `\\`, `') OR 1=1; DROP TABLE m; --`}
	res, err := quality.RunTests(ctx, w, []quality.Test{{
		ID: "bs", Type: quality.TypeAcceptedValues, Model: "m", Column: "c", Values: values,
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Failures != 1 {
		t.Fatalf("accepted_values with backslashes: %+v, want exactly the row 'bad\\' failing", res)
	}
	if strings.Contains(res[0].SQL, `\'`) || strings.Contains(res[0].SQL, `'\`) {
		t.Errorf("a backslash is inside a literal, where Snowflake would read it as an escape:\n%s", res[0].SQL)
	}
}
