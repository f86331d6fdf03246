package sftest_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/warehouse/snowflakewarehouse/sftest"
)

var httpClient = &http.Client{}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func newRequest(ctx context.Context, srv *sftest.Server, path string) (*http.Request, error) {
	return http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://%s:%d%s", srv.Host(), srv.Port(), path), nil)
}

// requireLastRowNull reads the next row of rows, which must be its last,
// and checks that its n values are all NULL.
func requireLastRowNull(t *testing.T, rows *sql.Rows, n int) {
	t.Helper()
	nulls, ptrs := make([]any, n), make([]any, n)
	for i := range nulls {
		ptrs[i] = &nulls[i]
	}
	require.True(t, rows.Next())
	require.NoError(t, rows.Scan(ptrs...))
	assert.Equal(t, make([]any, n), nulls)
	assert.False(t, rows.Next())
	require.NoError(t, rows.Err())
}
