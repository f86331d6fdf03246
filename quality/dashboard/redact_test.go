package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/warehouse"
)

// TestRedact: what a page says about an error keeps its meaning and loses
// local paths, process ids and user names.
func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`IO Error: Could not set lock on file "/home/alice/edqm-data/warehouse.duckdb": Conflicting lock is held in /usr/bin/python3.11 (PID 41233) by user alice. See also https://duckdb.org/docs/stable/connect/concurrency`,
			`IO Error: Could not set lock on file "…/warehouse.duckdb": Conflicting lock is held in …/python3.11. See also https://duckdb.org/docs/stable/connect/concurrency`},
		{`no warehouse file at /tmp/TestX123/001/warehouse.duckdb yet (run go run ./examples/full)`,
			`no warehouse file at …/warehouse.duckdb yet (run go run ./examples/full)`},
		{`open duckdb:///srv/edqm/w.duckdb: pid=77 failed`, `open …/w.duckdb: failed`},
		{`reading '/var/lib/my data/x.json': permission denied`, `reading '…/x.json': permission denied`},
		{`open C:\Users\bob\edqm\warehouse.duckdb: locked (PID: 9)`, `open …/warehouse.duckdb: locked`},
		{`stat ~/edqm-data/landing: no such file`, `stat …/landing: no such file`},
		{`listing (/data/landing/_reports/) failed`, `listing (…/_reports) failed`},
		{`held in /usr/bin/foo.`, `held in …/foo.`},
		// Nothing local: unchanged.
		{`no fct_orders table (run the pipeline first)`, `no fct_orders table (run the pipeline first)`},
		{`s3://bucket/prefix/_reports/r.json: 503 from https://s3.example.com/x`, `s3://bucket/prefix/_reports/r.json: 503 from https://s3.example.com/x`},
		{`1/2 of the rows and/or more`, `1/2 of the rows and/or more`},
	} {
		got := redact(tc.in)
		assert.Equal(t, tc.want, got, "redact(%q)", tc.in)
		assert.Equal(t, got, redact(got), "redact is not idempotent on %q", tc.in)
	}
}

// TestReasonNamesTheSentinels: the warehouse's sentinel errors are said in
// words a person can act on, whatever the error's text.
func TestReasonNamesTheSentinels(t *testing.T) {
	locked := fmt.Errorf(`duckdbwarehouse: open "/tmp/w.duckdb": %w: %w`, warehouse.ErrLocked, errors.New("Conflicting lock is held in /usr/bin/x (PID 12)"))
	assert.Equal(t, reasonLocked, reason(locked))
	corrupt := fmt.Errorf(`duckdbwarehouse: open "/tmp/w.duckdb": %w: checksum`, warehouse.ErrCorrupt)
	assert.Equal(t, reasonCorrupt, reason(corrupt))
	assert.Equal(t, "boom at …/x", reason(errors.New("boom at /var/x")))
	// A client error's message is its own (it names the request's mistake).
	assert.Equal(t, `bad query parameter "flag": /x`, publicMessage(&httpError{http.StatusBadRequest, `bad query parameter "flag": /x`}))
	assert.Equal(t, "live mode failed: …/x", publicMessage(&httpError{http.StatusServiceUnavailable, "live mode failed: /x"}))
}

// TestHostMatching: AllowedHosts entries with and without a port, IPv6,
// case and a trailing dot; malformed entries are refused by New.
func TestHostMatching(t *testing.T) {
	h := &Handler{}
	for _, a := range []string{"Localhost:8080", "[::1]:8080", "127.0.0.1:8080", "dash.example.com", "::2"} {
		hp, err := parseAllowedHost(a)
		require.NoError(t, err, a)
		h.hosts = append(h.hosts, hp)
	}
	for host, want := range map[string]bool{
		"localhost:8080": true, "LOCALHOST:8080": true, "localhost.:8080": true, "[::1]:8080": true, "127.0.0.1:8080": true,
		"dash.example.com": true, "dash.example.com:9999": true, "[::2]:1": true, "[::2]": true,
		"localhost:8081": false, "localhost": false, "127.0.0.1": false, "evil.example:8080": false, "": false,
		"localhost:80x": false, "[::1]": false, "127.0.0.2:8080": false, "localhost.evil.example:8080": false,
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Host = host
		assert.Equal(t, want, h.hostAllowed(r), "Host %q", host)
	}
	// A Host without a port has the scheme's: 80, 443 over TLS.
	h.hosts = []hostPort{{"example.com", "443"}}
	r := httptest.NewRequest(http.MethodGet, "https://example.com/", nil)
	assert.True(t, h.hostAllowed(r), "https://example.com for example.com:443")
	r = httptest.NewRequest(http.MethodGet, "http://example.com/", nil)
	assert.False(t, h.hostAllowed(r), "http://example.com for example.com:443")

	for _, bad := range []string{"", "http://x", "x/y", "x:", "x:port", "[::1", "a:b:c", "user@x"} {
		_, err := parseAllowedHost(bad)
		assert.Error(t, err, "%q", bad)
	}
}
