package duckdbwarehouse

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/edqm/edqm/warehouse"
)

// Scheme is the URL scheme this package registers with [warehouse.Open].
const Scheme = "duckdb"

func init() { warehouse.Register(Scheme, openURL) }

// openURL opens duckdb://memory (in memory), duckdb:///abs/path.duckdb or
// duckdb:relative/path.duckdb.
func openURL(ctx context.Context, u *url.URL, o *warehouse.OpenOptions) (warehouse.Warehouse, error) {
	if len(u.Query()) > 0 {
		names := make([]string, 0, len(u.Query()))
		for k := range u.Query() {
			names = append(names, k)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("duckdbwarehouse: URL %q: unknown parameter(s) %s", u.Redacted(), strings.Join(names, ", "))
	}
	var path string
	switch {
	case u.Opaque != "":
		path = u.Opaque
	case u.Host == "memory" && (u.Path == "" || u.Path == "/"):
		path = ""
	case u.Host == "" || u.Host == "localhost":
		path = u.Path
	default:
		return nil, fmt.Errorf("duckdbwarehouse: URL %q: host %q: want duckdb://memory or duckdb:///path/to/file.duckdb", u.Redacted(), u.Host)
	}
	if u.Host != "memory" && path == "" {
		return nil, fmt.Errorf("duckdbwarehouse: URL %q: no path: want duckdb://memory or duckdb:///path/to/file.duckdb", u.Redacted())
	}
	opts := &Options{}
	if o != nil {
		opts.Clock, opts.Logger = o.Clock, o.Logger
	}
	return Open(ctx, path, opts)
}
