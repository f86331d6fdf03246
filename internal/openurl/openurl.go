// Package openurl is the one URL-scheme registry behind landing.Open and
// warehouse.Open, in the manner of Go CDK's openurl.SchemeMap: each
// driver package registers its scheme in an init function, and Open
// parses a URL, finds the scheme's opener and calls it.
//
// Both registries behave alike: Register refuses a nil opener, a
// duplicate scheme and a scheme url.Parse could never produce; Open's
// errors never repeat a URL's user information or query values (see
// [RedactURL]), and the error of a URL url.Parse refuses quotes none of
// it.
package openurl

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Registry maps URL schemes to openers of T, which take options of type
// O. The zero Registry is not usable: make one with [New]. It is safe for
// concurrent use.
type Registry[T, O any] struct {
	pkg     string
	mu      sync.RWMutex
	openers map[string]func(context.Context, *url.URL, *O) (T, error)
}

// New returns an empty registry for the package named pkg ("landing",
// "warehouse"), which prefixes its panics ("landing: Register …") and its
// errors ("landing.Open: …").
func New[T, O any](pkg string) *Registry[T, O] {
	return &Registry[T, O]{pkg: pkg, openers: map[string]func(context.Context, *url.URL, *O) (T, error){}}
}

// Register makes scheme available to [Registry.Open]. It panics if open is
// nil, if the scheme is registered twice, or if the scheme is not one
// url.Parse can return (a lower-case letter, then lower-case letters,
// digits, "+", "-" or "."), since such a scheme could never be opened.
func (r *Registry[T, O]) Register(scheme string, open func(context.Context, *url.URL, *O) (T, error)) {
	if open == nil {
		panic(r.pkg + ": Register with a nil opener for scheme " + scheme)
	}
	if !validScheme(scheme) {
		panic(fmt.Sprintf("%s: Register with scheme %q, which no parsed URL has (want lower-case letters, digits, +, - or ., starting with a letter)", r.pkg, scheme))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.openers[scheme]; dup {
		panic(r.pkg + ": Register called twice for scheme " + scheme)
	}
	r.openers[scheme] = open
}

// validScheme reports whether s is a scheme url.Parse can return: RFC
// 3986's scheme, lower-cased as url.Parse lower-cases it.
func validScheme(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, c := range []byte(s[1:]) {
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '+', c == '-', c == '.':
		default:
			return false
		}
	}
	return true
}

// Schemes returns the registered schemes, sorted.
func (r *Registry[T, O]) Schemes() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	known := make([]string, 0, len(r.openers))
	for s := range r.openers {
		known = append(known, s)
	}
	slices.Sort(known)
	return known
}

// Open parses rawURL and calls the opener of its scheme with ctx, the
// parsed URL and opts, and returns what the opener returns, its error
// unwrapped. The caller decides what opts holds (landing and warehouse
// pass a copy, never nil). It returns an error, and never calls an opener,
// when url.Parse refuses rawURL (the error says what went wrong and quotes
// none of the URL) or when no opener is registered for the scheme (the
// error shows the URL redacted by [RedactURL] and lists the registered
// schemes). An opener that returns neither a value nor an error (an
// interface T holding nil) is an error too.
func (r *Registry[T, O]) Open(ctx context.Context, rawURL string, opts *O) (T, error) {
	var zero T
	u, err := url.Parse(rawURL)
	if err != nil {
		return zero, fmt.Errorf("%s.Open: malformed URL: %s", r.pkg, parseReason(err))
	}
	r.mu.RLock()
	open := r.openers[u.Scheme]
	r.mu.RUnlock()
	if open == nil {
		return zero, fmt.Errorf("%s.Open: unknown scheme %q in %q (registered: %s)", r.pkg, u.Scheme, RedactURL(u), strings.Join(r.Schemes(), ", "))
	}
	v, err := open(ctx, u, opts)
	if err == nil && any(v) == nil {
		return zero, fmt.Errorf("%s.Open: the opener of scheme %q returned neither a value nor an error", r.pkg, u.Scheme)
	}
	return v, err
}

// parseReason returns what went wrong in a url.Parse error without the
// part of the URL it quotes: "invalid port", "invalid URL escape"… The
// whole error quotes the URL, and its inner error a piece of it (`invalid
// port ":pa/ss" after host` for an AWS secret holding a "/").
func parseReason(err error) string {
	msg := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) {
		msg = ue.Err.Error()
	}
	if i := strings.IndexAny(msg, "\"'`"); i >= 0 {
		msg = msg[:i]
	}
	msg = strings.TrimSpace(strings.TrimPrefix(msg, "net/url: "))
	if msg == "" {
		msg = "cannot parse"
	}
	return msg
}

// RedactURL returns u as a string fit for an error message or a log: the
// user information is dropped and each query value is replaced by "xxxxx",
// so a secret pasted into a URL is never repeated, while the parameter
// names still show what was given. The fragment is dropped. What looks
// like user information that url.Parse could not see as such is dropped
// too: the part of an opaque URL before an "@" (s3:KEY:SECRET@bucket), and
// the host, port and path before the last "@" when a port is followed by a
// path holding one (s3://KEY:1234/rest-of-secret@bucket, a password with a
// "/"). u is not modified.
func RedactURL(u *url.URL) string {
	c := *u
	c.User = nil
	if i := strings.LastIndex(c.Opaque, "@"); i >= 0 {
		c.Opaque = "xxxxx" + c.Opaque[i:]
	}
	if i := strings.LastIndex(c.Path, "@"); i >= 0 && c.Port() != "" {
		rest := c.Path[i+1:]
		host, path, _ := strings.Cut(rest, "/")
		c.Host, c.Path, c.RawPath = host, "", ""
		if path != "" {
			c.Path = "/" + path
		}
		c.User = url.User("xxxxx")
	}
	if c.RawQuery != "" {
		q, err := url.ParseQuery(c.RawQuery)
		if err != nil {
			c.RawQuery = "(malformed query)"
		} else {
			for name, vals := range q {
				for i := range vals {
					vals[i] = "xxxxx"
				}
				q[name] = vals
			}
			c.RawQuery = q.Encode()
		}
	}
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}
