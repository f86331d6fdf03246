package snowflakewarehouse

import (
	"context"
	"net/url"
	"os"

	"github.com/edqm/edqm/warehouse"
)

// Scheme is the URL scheme this package registers with warehouse.Open.
const Scheme = "snowflake"

func init() { warehouse.Register(Scheme, openURL) }

// openURL opens snowflake://user@account/database/schema?params with the
// credentials of the environment; see ConfigFromURL.
func openURL(ctx context.Context, u *url.URL, o *warehouse.OpenOptions) (warehouse.Warehouse, error) {
	cfg, err := configFromURL(u, os.Getenv)
	if err != nil {
		return nil, err
	}
	if o != nil {
		cfg.Clock, cfg.Logger = o.Clock, o.Logger
	}
	return Open(ctx, cfg)
}
