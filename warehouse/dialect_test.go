package warehouse_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/warehouse"
)

type fakeDialect struct{ name string }

func (d fakeDialect) Name() string               { return d.name }
func (fakeDialect) DateLiteral(time.Time) string { return "DATE '2024-01-01'" }
func (fakeDialect) ParseDate(e string) string    { return "TO_DATE(" + e + ")" }
func (fakeDialect) ParseAmount(e string) string  { return "TO_AMOUNT(" + e + ")" }
func (fakeDialect) ParseQuantity(e string) string {
	return "TO_QUANTITY(" + e + ")"
}
func (fakeDialect) BatchDate(c string) string { return "BATCH(" + c + ")" }
func (fakeDialect) SemiJoin(table, alias, _, _, _ string) string {
	return "FROM " + table + " AS " + alias
}

// TestDialectRegistry: a registered dialect is found by its name; an
// unknown name wraps ErrUnknownDialect; nil, unnamed and duplicate
// registrations panic.
func TestDialectRegistry(t *testing.T) {
	d := fakeDialect{name: "test_registry_engine"}
	warehouse.RegisterDialect(d)
	got, err := warehouse.LookupDialect(d.name)
	require.NoError(t, err)
	assert.Equal(t, d, got)
	assert.Contains(t, warehouse.DialectNames(), d.name)
	_, err = warehouse.LookupDialect("no_such_engine")
	require.ErrorIs(t, err, warehouse.ErrUnknownDialect)
	assert.Contains(t, err.Error(), d.name)
	assert.Panics(t, func() { warehouse.RegisterDialect(d) })
	assert.Panics(t, func() { warehouse.RegisterDialect(nil) })
	assert.Panics(t, func() { warehouse.RegisterDialect(fakeDialect{}) })
}
