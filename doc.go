// Package edqm holds the few types that every stage of the EDQM pipeline
// shares: a [Table] of string cells, which is what the generator produces,
// the chaos injector corrupts, the lander encodes and the warehouse loads
// (raw tables are all VARCHAR, so a string cell loses nothing), and the
// [Clock] that replaces the wall clock everywhere.
//
// The pipeline itself lives in sub-packages:
//
//   - generate: deterministic synthetic customers, products and orders;
//   - chaos: the five labelled error kinds;
//   - landing: where files land, and the watermark;
//   - warehouse: raw tables, idempotent loads and SQL;
//   - transform: SQL models run as a DAG;
//   - quality: tests, the Data Health Score and Revenue at Risk.
//
// examples/full composes them into the whole flow.
package edqm

import (
	"encoding/csv"
	"fmt"
	"io"
	"time"
)

// Table is a rectangular batch of string cells with named columns. An empty
// cell means NULL: raw tables are all VARCHAR, and CSV has no other way to
// say NULL, so the empty string is reserved for it.
type Table struct {
	// Name is the table's name, for example "orders".
	Name string
	// Columns are the column names, in order.
	Columns []string
	// Rows holds one slice per row, each of len(Columns) cells.
	Rows [][]string
}

// Col returns the index of the named column, or -1 when the table has none.
func (t *Table) Col(name string) int {
	for i, c := range t.Columns {
		if c == name {
			return i
		}
	}
	return -1
}

// MustCol is Col for columns the caller knows exist; it panics otherwise,
// naming the table and the column.
func (t *Table) MustCol(name string) int {
	i := t.Col(name)
	if i < 0 {
		panic(fmt.Sprintf("edqm: table %q has no column %q", t.Name, name))
	}
	return i
}

// Clone returns a deep copy of t: changing the copy never changes t.
func (t *Table) Clone() *Table {
	c := &Table{Name: t.Name, Columns: append([]string(nil), t.Columns...)}
	c.Rows = make([][]string, len(t.Rows))
	for i, r := range t.Rows {
		c.Rows[i] = append([]string(nil), r...)
	}
	return c
}

// Clock tells the time. Every EDQM component that needs "now" takes a Clock,
// never the wall clock, so that a run is reproducible.
type Clock interface {
	Now() time.Time
}

// ClockFunc adapts a function to the Clock interface.
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }

// FixedClock returns a Clock that always tells t.
func FixedClock(t time.Time) Clock { return ClockFunc(func() time.Time { return t }) }

// DateLayout is the layout of every date EDQM writes: YYYY-MM-DD.
const DateLayout = "2006-01-02"

// Day truncates t to midnight UTC of its calendar day (in t's location).
func Day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// WriteCSV writes t as CSV with a header row. NULL cells (empty strings) are
// written as empty fields. The output depends only on t, so the same table
// always gives the same bytes.
func WriteCSV(w io.Writer, t *Table) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Columns); err != nil {
		return err
	}
	for i, r := range t.Rows {
		if len(r) != len(t.Columns) {
			return fmt.Errorf("edqm: table %q row %d has %d cells, want %d", t.Name, i, len(r), len(t.Columns))
		}
		if err := cw.Write(r); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
