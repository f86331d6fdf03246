package sftest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/edqm/edqm/warehouse/snowflakewarehouse/sftest"
)

var httpClient = &http.Client{}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func newRequest(ctx context.Context, srv *sftest.Server, path string) (*http.Request, error) {
	return http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://%s:%d%s", srv.Host(), srv.Port(), path), nil)
}
