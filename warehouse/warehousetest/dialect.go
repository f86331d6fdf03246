package warehousetest

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/warehouse"
)

// dialect checks the warehouse's Dialect: it is registered under its
// name, and each method returns SQL that the engine accepts and that
// means what the method documents.
func (s *suite) dialect(t *testing.T) {
	w := s.newWarehouse(t)
	d := w.Dialect()
	require.NotNil(t, d, "Dialect()")
	require.NotEmpty(t, d.Name(), "Dialect().Name()")
	reg, err := warehouse.LookupDialect(d.Name())
	require.NoError(t, err, "the dialect is not registered (warehouse.RegisterDialect in an init function)")
	assert.Equal(t, d.Name(), reg.Name())
	ctx := t.Context()
	t.Run("DateLiteral", func(t *testing.T) { dialectDateLiteral(ctx, t, w, d) })
	t.Run("ParseDate", func(t *testing.T) { dialectParseDate(ctx, t, w, d) })
	t.Run("ParseDateStrict", func(t *testing.T) { dialectParseDateStrict(ctx, t, w, d) })
	t.Run("ParseAmount", func(t *testing.T) { dialectParseAmount(ctx, t, w, d) })
	t.Run("ParseQuantity", func(t *testing.T) { dialectParseQuantity(ctx, t, w, d) })
	t.Run("BatchDate", func(t *testing.T) { dialectBatchDate(ctx, t, w, d) })
	t.Run("SemiJoin", func(t *testing.T) { dialectSemiJoin(ctx, t, w, d) })
}

// dates runs q, whose single row has len(want) DATE columns, and checks
// them against want ("" for NULL).
func dates(ctx context.Context, t *testing.T, w warehouse.Warehouse, q string, want ...string) {
	t.Helper()
	got := make([]sql.NullTime, len(want))
	dest := make([]any, len(want))
	for i := range got {
		dest[i] = &got[i]
	}
	require.NoError(t, warehouse.QueryRow(ctx, w, q, nil, dest...), q)
	for i, g := range got {
		s := ""
		if g.Valid {
			s = g.Time.Format(time.DateOnly)
		}
		assert.Equal(t, want[i], s, "column %d of %s", i+1, q)
	}
}

func dialectDateLiteral(ctx context.Context, t *testing.T, w warehouse.Warehouse, d warehouse.Dialect) {
	// The time of day and the location are ignored.
	day := time.Date(2024, 2, 29, 23, 30, 0, 0, time.FixedZone("UTC-5", -5*3600))
	lit := d.DateLiteral(day)
	require.NotEmpty(t, lit)
	dates(ctx, t, w, "SELECT "+lit, "2024-02-29")
}

func dialectParseDate(ctx context.Context, t *testing.T, w warehouse.Warehouse, d warehouse.Dialect) {
	for _, e := range []string{"'2024-02-29'", "'not a date'", "'2023-02-29'", "CAST(NULL AS VARCHAR)"} {
		require.NotEmpty(t, d.ParseDate(e))
	}
	dates(ctx, t, w, "SELECT "+d.ParseDate("'2024-02-29'")+", "+d.ParseDate("'not a date'")+", "+
		d.ParseDate("'2023-02-29'")+", "+d.ParseDate("CAST(NULL AS VARCHAR)"),
		"2024-02-29", "", "", "")
}

func dialectBatchDate(ctx context.Context, t *testing.T, w warehouse.Warehouse, d warehouse.Dialect) {
	plain, qualified := d.BatchDate("k"), d.BatchDate("f.k")
	require.NotEmpty(t, plain)
	dates(ctx, t, w, "SELECT "+plain+", "+qualified+" FROM (SELECT 'orders/date=2024-01-02/orders-1.csv' AS k) AS f",
		"2024-01-02", "2024-01-02")
	dates(ctx, t, w, "SELECT "+plain+" FROM (SELECT 'orders/orders-1.csv' AS k) AS f", "")
}

func dialectSemiJoin(ctx context.Context, t *testing.T, w warehouse.Warehouse, d warehouse.Dialect) {
	clause := d.SemiJoin("big", "b", "id", "small", "b.f <> 'x'")
	require.NotEmpty(t, clause)
	// Keys repeated or NULL select a row at most once, and never a NULL one.
	q := "WITH big AS (SELECT 1 AS id, 'a' AS f UNION ALL SELECT 2, 'b' UNION ALL SELECT 3, 'x' UNION ALL SELECT NULL, 'a'), " +
		"small AS (SELECT 1 AS id UNION ALL SELECT 1 UNION ALL SELECT 3 UNION ALL SELECT NULL)\n" +
		"SELECT b.id, b.f\n    " + clause + "\nORDER BY 1"
	rows, err := w.Query(ctx, q)
	require.NoError(t, err, q)
	defer rows.Close()
	var got []string
	for rows.Next() {
		var id sql.NullInt64
		var f string
		require.NoError(t, rows.Scan(&id, &f))
		got = append(got, f)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []string{"a"}, got, q)
}

// The inputs of the Parse methods' conformance tables: valid and invalid
// texts, whose expected results come from the library's own parsers, so
// that every engine agrees with the library by construction.
var (
	dateInputs = []string{
		"2024-02-29", "2000-02-29", "2026-03-09", "2026-12-31", "1970-01-01", "0001-01-01", "9999-12-31",
		"2023-02-29", "1900-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00", "2026-01-32",
		"2026-3-9", "2026-03-9", "2026-3-09", "03/09/2026", "2026/03/09", "09.03.2026", "20260309", "26-03-09",
		" 2026-03-09", "2026-03-09 ", "2026-03-09 00:00:00", "2026-03-09T00:00:00", "+2026-03-09",
		"-2026-03-09", "12026-03-09", "2026-03-09\n", "March 9, 2026", "", "not a date",
	}
	amountInputs = []string{
		"12", "12.5", "-0.05", "+7.50", "0", "-0", "7.05", "0000000000000001.00",
		"9999999999999999.99", "-9999999999999999.99", "1234567890123456",
		"1e3", "1E3", "1.5e2", " 7.50", "7.50 ", "\t7.50", "7.505", "7.500", "7.", ".5", "-.5",
		"1,000.00", "1 000", "12345678901234567", "12345678901234567.0", "7.5.0", "--1", "+-1", "+", "-",
		"0x10", "NaN", "inf", "1_000", "$7.50", "7,50", "", "abc",
	}
	quantityInputs = []string{
		"1", "5", "0", "-1", "+3", "-0", "007", "999999999", "-999999999", "0000000000000999999999",
		"1000000000", "-1000000000", "0001000000000", "99999999999999999999",
		"2.0", "2.", ".2", "2e0", "1E1", " 2", "2 ", "\t2", "1_0", "0x1", "--1", "+-1", "+", "-", "", "x", "two",
	}
)

// literal renders s as a SQL string literal; its tabs and newlines are
// pasted as they are.
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// parseSelect is the SELECT of parse(input) for each input, then of
// parse(NULL).
func parseSelect(parse func(string) string, inputs []string) string {
	cols := make([]string, 0, len(inputs)+1)
	for _, in := range inputs {
		cols = append(cols, parse(literal(in)))
	}
	cols = append(cols, parse("CAST(NULL AS VARCHAR)"))
	return "SELECT " + strings.Join(cols, ", ")
}

// ints runs q, whose single row has len(want) integer columns, and checks
// them against want (nil for NULL); inputs name the columns.
func ints(ctx context.Context, t *testing.T, w warehouse.Warehouse, q string, inputs []string, want []*int64) {
	t.Helper()
	got := make([]sql.NullInt64, len(want))
	dest := make([]any, len(want))
	for i := range got {
		dest[i] = &got[i]
	}
	require.NoError(t, warehouse.QueryRow(ctx, w, q, nil, dest...), q)
	for i, g := range got {
		name := "NULL"
		if i < len(inputs) {
			name = strconv.Quote(inputs[i])
		}
		if want[i] == nil {
			assert.False(t, g.Valid, "%s: want NULL, got %d", name, g.Int64)
			continue
		}
		if assert.True(t, g.Valid, "%s: want %d, got NULL", name, *want[i]) {
			assert.Equal(t, *want[i], g.Int64, "%s", name)
		}
	}
}

// dialectParseDateStrict checks ParseDate against time.Parse with the
// layout "2006-01-02".
func dialectParseDateStrict(ctx context.Context, t *testing.T, w warehouse.Warehouse, d warehouse.Dialect) {
	want := make([]string, 0, len(dateInputs)+1)
	for _, in := range dateInputs {
		s := ""
		if tm, err := time.Parse(time.DateOnly, in); err == nil {
			s = tm.Format(time.DateOnly)
		}
		want = append(want, s)
	}
	dates(ctx, t, w, parseSelect(d.ParseDate, dateInputs), append(want, "")...)
}

// dialectParseAmount checks ParseAmount, in cents, against
// edqm.ParseCents.
func dialectParseAmount(ctx context.Context, t *testing.T, w warehouse.Warehouse, d warehouse.Dialect) {
	want := make([]*int64, 0, len(amountInputs)+1)
	for _, in := range amountInputs {
		var p *int64
		if c, err := edqm.ParseCents(in); err == nil {
			p = &c
		}
		want = append(want, p)
	}
	// DECIMAL(38, 2): DuckDB keeps DECIMAL(18, 2) times 100 in 64 bits.
	cents := func(e string) string { return "CAST(CAST(" + d.ParseAmount(e) + " AS DECIMAL(38, 2)) * 100 AS BIGINT)" }
	ints(ctx, t, w, parseSelect(cents, amountInputs), amountInputs, append(want, nil))
}

// dialectParseQuantity checks ParseQuantity against strconv.ParseInt, for
// the values below 10^9 in magnitude that it documents.
func dialectParseQuantity(ctx context.Context, t *testing.T, w warehouse.Warehouse, d warehouse.Dialect) {
	want := make([]*int64, 0, len(quantityInputs)+1)
	for _, in := range quantityInputs {
		var p *int64
		if q, err := strconv.ParseInt(in, 10, 64); err == nil && q > -1e9 && q < 1e9 {
			p = &q
		}
		want = append(want, p)
	}
	ints(ctx, t, w, parseSelect(d.ParseQuantity, quantityInputs), quantityInputs, append(want, nil))
}
