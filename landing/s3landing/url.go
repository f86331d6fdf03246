package s3landing

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edqm/edqm/landing"
)

func init() { landing.Register(Scheme, openURL) }

// urlParams are the query parameters an s3:// URL may carry.
var urlParams = []string{"endpoint", "path_style", "region", "retry_time"}

// openURL is the landing.Opener for s3:// URLs.
func openURL(ctx context.Context, u *url.URL, oo *landing.OpenOptions) (landing.Lander, error) {
	bucket, opts, err := ParseURL(u)
	if err != nil {
		return nil, err
	}
	if oo.HTTPClient != nil {
		opts.HTTPClient = oo.HTTPClient
	}
	opts.MaxAttempts = oo.MaxAttempts
	if opts.RetryTime == 0 {
		opts.RetryTime = oo.RetryTime
	}
	opts.Logger = oo.Logger
	return Open(ctx, bucket, opts)
}

// ParseURL returns the bucket and the options an s3:// URL names (see the
// package documentation), without opening anything. Its errors show the
// URL without user information (nor what looks like it, see
// landing.RedactURL) and without the query, whose values they never
// repeat (but path_style's), in case one is a secret pasted there.
func ParseURL(u *url.URL) (bucket string, opts *Options, err error) {
	shown := landing.RedactURL(&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath, Opaque: u.Opaque})
	bad := func(format string, args ...any) error {
		return fmt.Errorf("s3landing: URL %q: %s (want s3://bucket/prefix?region=…&endpoint=…&path_style=true)",
			shown, fmt.Sprintf(format, args...))
	}
	switch {
	case u.Scheme != Scheme:
		return "", nil, bad("scheme %q is not %q", u.Scheme, Scheme)
	case u.Opaque != "":
		return "", nil, bad("opaque URLs are not supported")
	case u.User != nil:
		return "", nil, bad("credentials in the URL are refused: they come from the AWS credential chain (AWS_ACCESS_KEY_ID, AWS_PROFILE…)")
	case u.Host == "":
		return "", nil, bad("the bucket is missing")
	case u.Port() != "":
		return "", nil, bad("a bucket has no port: put the server in ?endpoint=")
	case u.Fragment != "":
		return "", nil, bad("a fragment is not supported")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", nil, bad("malformed query")
	}
	var unknown []string
	for name, vals := range q {
		switch {
		case !slices.Contains(urlParams, name):
			unknown = append(unknown, strconv.Quote(name))
		case len(vals) != 1:
			return "", nil, bad("parameter %q is given %d times", name, len(vals))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return "", nil, bad("unknown query parameter(s) %s: known are %s", strings.Join(unknown, ", "), strings.Join(urlParams, ", "))
	}
	opts = &Options{
		Prefix:   strings.TrimPrefix(u.Path, "/"),
		Region:   q.Get("region"),
		Endpoint: q.Get("endpoint"),
	}
	if v, ok := q["path_style"]; ok {
		if opts.PathStyle, err = strconv.ParseBool(v[0]); err != nil {
			return "", nil, bad("path_style=%q is not a boolean", v[0])
		}
	}
	if v, ok := q["retry_time"]; ok {
		d, err := time.ParseDuration(v[0])
		if err != nil || d <= 0 {
			return "", nil, bad("retry_time=%q is not a positive duration such as 90s or 2m", v[0])
		}
		opts.RetryTime = d
	}
	if opts.Prefix != "" {
		if err := landing.ValidatePrefix(opts.Prefix); err != nil {
			return "", nil, bad("prefix: %v", err)
		}
	}
	if opts.Endpoint != "" {
		if err := checkEndpoint(opts.Endpoint); err != nil {
			return "", nil, bad("%v", err)
		}
	}
	return u.Host, opts, nil
}

// checkEndpoint refuses an endpoint that is not a plain http(s) base URL,
// in particular one that carries credentials. Its error shows no more of
// the endpoint than its scheme and host.
func checkEndpoint(endpoint string) error {
	e, err := url.Parse(endpoint)
	if err != nil {
		return fmt.Errorf("endpoint: malformed URL")
	}
	shown := landing.RedactURL(&url.URL{Scheme: e.Scheme, Host: e.Host, Path: e.Path, Opaque: e.Opaque})
	if e.Opaque == "" {
		if v, err := url.Parse(shown); err == nil {
			shown = (&url.URL{Scheme: v.Scheme, Host: v.Host}).String()
		}
	}
	switch {
	case e.User != nil:
		return fmt.Errorf("endpoint: credentials in the URL are refused")
	case e.Scheme != "http" && e.Scheme != "https":
		return fmt.Errorf("endpoint %q: want an http:// or https:// URL", shown)
	case e.Host == "":
		return fmt.Errorf("endpoint %q: the host is missing", shown)
	case e.RawQuery != "" || e.Fragment != "":
		return fmt.Errorf("endpoint %q: a query or a fragment is not supported", shown)
	}
	return nil
}
