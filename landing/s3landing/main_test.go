package s3landing_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/edqm/edqm/landing/s3landing/s3test"
)

// gw is the versitygw server the tests share; gwErr says why there is none.
var (
	gw    *s3test.Server
	gwErr error
)

func TestMain(m *testing.M) {
	// The server outlives every test of the binary: no t.Context here.
	gw, gwErr = s3test.Start(context.Background())
	if gw != nil {
		// The URL tests take credentials from the standard AWS chain: make
		// it the server's, and nothing from this machine's AWS setup.
		for k, v := range gw.Env() {
			os.Setenv(k, v)
		}
	}
	code := m.Run()
	if gw != nil {
		if err := gw.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping versitygw:", err)
		}
	}
	os.Exit(code)
}

// server returns the shared server, or skips (fails under
// EDQM_REQUIRE_S3=1) the test when there is none.
func server(t *testing.T) *s3test.Server {
	t.Helper()
	if gw == nil {
		s3test.Unavailable(t, gwErr)
	}
	return gw
}
