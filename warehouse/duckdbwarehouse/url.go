package duckdbwarehouse

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/warehouse"
)

// Scheme is the URL scheme this package registers with [warehouse.Open].
const Scheme = "duckdb"

func init() { warehouse.Register(Scheme, openURL) }

// openURL opens duckdb://memory (in memory), duckdb:///abs/path.duckdb or
// duckdb:relative/path.duckdb.
func openURL(ctx context.Context, u *url.URL, o *warehouse.OpenOptions) (warehouse.Warehouse, error) {
	path, err := parseURL(u)
	if err != nil {
		return nil, err
	}
	opts := &Options{}
	if o != nil {
		opts.Clock, opts.Logger = o.Clock, o.Logger
	}
	return Open(ctx, path, opts)
}

// parseURL returns the database file a duckdb:// URL names, "" for
// duckdb://memory, without opening anything. It refuses a query (DuckDB's
// settings are not taken from the URL), user information, a fragment, and
// a path DuckDB would read as more than a file name: one holding "?" (the
// start of DuckDB's own options) or NUL, or starting with "md:" or
// "motherduck:" (a remote database). Its errors show the URL without user
// information or query values (landing.RedactURL).
func parseURL(u *url.URL) (string, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("duckdbwarehouse: URL %q: %s", landing.RedactURL(u), fmt.Sprintf(format, a...))
	}
	const want = "want duckdb://memory or duckdb:///path/to/file.duckdb"
	if u.Scheme != Scheme {
		return "", bad("scheme %q is not %q", u.Scheme, Scheme)
	}
	if u.RawQuery != "" || u.ForceQuery {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			return "", bad("malformed query: DuckDB settings are not taken from the URL")
		}
		names := make([]string, 0, len(q))
		for k := range q {
			names = append(names, k)
		}
		sort.Strings(names)
		if len(names) == 0 {
			return "", bad("a query is not supported")
		}
		return "", bad("unknown parameter(s) %s", strings.Join(names, ", "))
	}
	if u.User != nil {
		return "", bad("user information is not supported")
	}
	if u.Fragment != "" || u.RawFragment != "" {
		return "", bad("a fragment is not supported")
	}
	var path string
	switch {
	case u.Opaque != "":
		p, err := url.PathUnescape(u.Opaque)
		if err != nil {
			return "", bad("malformed path")
		}
		path = p
	case u.Host == "memory" && (u.Path == "" || u.Path == "/"):
		return "", nil
	case u.Host == "" || u.Host == "localhost":
		path = u.Path
	default:
		return "", bad("host %q: %s", u.Host, want)
	}
	lower := strings.ToLower(path)
	switch {
	case path == "":
		return "", bad("no path: %s", want)
	case strings.ContainsAny(path, "?\x00"):
		return "", bad("the path holds %s: DuckDB would read what follows as settings", `"?" or NUL`)
	case strings.HasPrefix(lower, "md:") || strings.HasPrefix(lower, "motherduck:"):
		return "", bad("a MotherDuck database is not supported: want a local file")
	case path == ":memory:" || strings.HasPrefix(path, ":memory:"):
		return "", bad("want duckdb://memory for an in-memory database")
	}
	return path, nil
}
