package warehouse_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/warehouse"
)

// TestRegisterRefuses checks what warehouse.Register shares with
// landing.Register: a nil opener, a second registration of a scheme and a
// scheme no parsed URL has all panic.
func TestRegisterRefuses(t *testing.T) {
	open := func(context.Context, *url.URL, *warehouse.OpenOptions) (warehouse.Warehouse, error) { return nil, nil }
	assert.PanicsWithValue(t, "warehouse: Register called twice for scheme fuzzfake", func() { warehouse.Register("fuzzfake", open) })
	assert.PanicsWithValue(t, "warehouse: Register with a nil opener for scheme warehouse-test-nil", func() { warehouse.Register("warehouse-test-nil", nil) })
	assert.Panics(t, func() { warehouse.Register("DuckDB", open) })
}

// TestOpenNilNil: an opener that returns neither a Warehouse nor an error
// gives an error, never a nil Warehouse.
func TestOpenNilNil(t *testing.T) {
	warehouse.Register("warehouse-test-nilnil", func(context.Context, *url.URL, *warehouse.OpenOptions) (warehouse.Warehouse, error) { return nil, nil })
	w, err := warehouse.Open(t.Context(), "warehouse-test-nilnil://x", nil)
	require.Error(t, err)
	assert.Nil(t, w)
	assert.Contains(t, err.Error(), `warehouse.Open: the opener of scheme "warehouse-test-nilnil" returned neither a value nor an error`)
}

func TestOpenUnknownScheme(t *testing.T) {
	_, err := warehouse.Open(t.Context(), "postgres://u:hunter22@host/db?sslpassword=s3cr3t99", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `warehouse.Open: unknown scheme "postgres" in "postgres://host/db?sslpassword=xxxxx" (registered: `)
	assert.NotContains(t, err.Error(), "hunter22")
	assert.NotContains(t, err.Error(), "s3cr3t99")
}
