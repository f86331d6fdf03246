package warehouse

import (
	"context"
	"log/slog"
	"net/url"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/internal/openurl"
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

// Opener opens a Warehouse from a parsed URL. opts is never nil.
type Opener func(ctx context.Context, u *url.URL, opts *OpenOptions) (Warehouse, error)

// registry holds the URL schemes of [Open]; landing.Open's registry is
// the same code.
var registry = openurl.New[Warehouse, OpenOptions]("warehouse")

// Register makes a URL scheme available to [Open]; a Warehouse's package
// calls it from an init function. It panics if the opener is nil, if the
// scheme is registered twice, or if the scheme is not one a parsed URL can
// have (lower-case letters, digits, "+", "-" or ".", starting with a
// letter).
func Register(scheme string, o Opener) {
	registry.Register(scheme, o)
}

// Open opens the Warehouse a URL names, in the Go CDK style:
// duckdb:///abs/path/edqm.duckdb, duckdb://memory,
// snowflake://user@account/database/schema?warehouse=WH, with opts (nil
// for the defaults); the opener gets a copy of opts, never nil. The
// scheme's package must be imported (warehouse/duckdbwarehouse for
// duckdb://, warehouse/snowflakewarehouse for snowflake://). Errors never
// echo the URL's user information or query values (see
// landing.RedactURL), and the error of a URL url.Parse refuses quotes none
// of it.
func Open(ctx context.Context, rawURL string, opts *OpenOptions) (Warehouse, error) {
	var o OpenOptions
	if opts != nil {
		o = *opts
	}
	return registry.Open(ctx, rawURL, &o)
}
