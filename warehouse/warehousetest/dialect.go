package warehousetest

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
