package warehouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/landing"
)

// OpenOptions are the settings every warehouse URL opener understands. A
// nil *OpenOptions means defaults.
type OpenOptions struct {
	// Clock stamps the load ledger; nil leaves the implementation's
	// documented default.
	Clock edqm.Clock
	// Logger receives the warehouse's logs; nil discards them.
	Logger *slog.Logger
}

// Opener opens a Warehouse from a parsed URL.
type Opener func(ctx context.Context, u *url.URL, opts *OpenOptions) (Warehouse, error)

var (
	openersMu sync.RWMutex
	openers   = map[string]Opener{}
)

// Register makes a URL scheme available to [Open]. It panics if the scheme
// is registered twice or the opener is nil.
func Register(scheme string, o Opener) {
	openersMu.Lock()
	defer openersMu.Unlock()
	if o == nil {
		panic("warehouse: Register with a nil opener for scheme " + scheme)
	}
	if _, dup := openers[scheme]; dup {
		panic("warehouse: Register called twice for scheme " + scheme)
	}
	openers[scheme] = o
}

// Open opens the Warehouse a URL names, in the Go CDK style:
// duckdb:///abs/path/edqm.duckdb, duckdb://memory,
// snowflake://user@account/database/schema?warehouse=WH. The scheme's
// package must be imported (warehouse/duckdbwarehouse for duckdb://,
// warehouse/snowflakewarehouse for snowflake://). Errors never echo the
// URL's user information or query values (see landing.RedactURL).
func Open(ctx context.Context, rawURL string, opts *OpenOptions) (Warehouse, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Parse's error quotes the URL, secrets included: say less.
		return nil, errors.New("warehouse.Open: malformed URL")
	}
	openersMu.RLock()
	o := openers[u.Scheme]
	known := make([]string, 0, len(openers))
	for s := range openers {
		known = append(known, s)
	}
	openersMu.RUnlock()
	if o == nil {
		sort.Strings(known)
		return nil, fmt.Errorf("warehouse.Open: unknown scheme %q in %q (registered: %s)", u.Scheme, landing.RedactURL(u), strings.Join(known, ", "))
	}
	return o(ctx, u, opts)
}
