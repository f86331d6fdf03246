// Package openurl is the one URL-scheme registry behind landing.Open and
// warehouse.Open, in the manner of Go CDK's openurl.SchemeMap: each
// driver package registers its scheme in an init function, and Open
// parses a URL, finds the scheme's opener and calls it.
//
// Both registries behave alike: Register refuses a nil opener, a
// duplicate scheme and a scheme url.Parse could never produce; Open's
// errors never repeat a URL's user information or query values (see
// [RedactURL]), and the error of a URL url.Parse refuses quotes none of
// it but the one character it refuses, if that is the reason.
package openurl

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
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
// none of the URL but a refused character: `invalid character " " (a
// space) in host name`) or when no opener is registered for the scheme (the
// error shows the URL redacted by [RedactURL] and lists the registered
// schemes, or, for a plain path, the URLs of the registered local schemes
// that name it). An opener that returns neither a value nor an error (an
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
		return zero, r.unknownScheme(u)
	}
	v, err := open(ctx, u, opts)
	if err == nil && any(v) == nil {
		return zero, fmt.Errorf("%s.Open: the opener of scheme %q returned neither a value nor an error", r.pkg, u.Scheme)
	}
	return v, err
}

// localSchemes are the schemes whose URLs name a local path, suggested
// when a plain path is given where a URL was expected.
var localSchemes = []string{"file", "duckdb"}

// unknownScheme is Open's error for a URL whose scheme has no opener. A
// URL without a scheme (a plain path) gets the URL of each registered
// local scheme that names the same path as an absolute one.
func (r *Registry[T, O]) unknownScheme(u *url.URL) error {
	known := strings.Join(r.Schemes(), ", ")
	if u.Scheme != "" || u.Opaque != "" || u.Host != "" || u.Path == "" {
		return fmt.Errorf("%s.Open: unknown scheme %q in %q (registered: %s)", r.pkg, u.Scheme, RedactURL(u), known)
	}
	var hints []string
	for _, s := range localSchemes {
		if r.registered(s) {
			abs, err := filepath.Abs(filepath.FromSlash(u.Path))
			if err != nil {
				abs = u.Path
			}
			hints = append(hints, (&url.URL{Scheme: s, Path: filepath.ToSlash(abs)}).String())
		}
	}
	hint := ""
	if len(hints) > 0 {
		hint = ": for a local path, write " + strings.Join(hints, " or ")
	}
	return fmt.Errorf("%s.Open: %q is a path, not a URL (no scheme)%s (registered: %s)", r.pkg, RedactURL(u), hint, known)
}

// registered reports whether scheme has an opener.
func (r *Registry[T, O]) registered(scheme string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.openers[scheme] != nil
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
	if c, rest, ok := badCharacter(msg); ok {
		return "invalid character " + c + rest
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

// badCharacter reads url.Parse's "invalid character %q in host name":
// the one character it quotes, described (a space, a tab...) and the rest
// of the message. A single character tells which one to fix and gives
// away no secret; ok is false for any other message.
func badCharacter(msg string) (c, rest string, ok bool) {
	const prefix = "net/url: invalid character "
	after, found := strings.CutPrefix(msg, prefix)
	if !found {
		after, found = strings.CutPrefix(msg, "invalid character ")
	}
	if !found {
		return "", "", false
	}
	quoted, err := strconv.QuotedPrefix(after)
	if err != nil {
		return "", "", false
	}
	ch, err := strconv.Unquote(quoted)
	if err != nil || utf8.RuneCountInString(ch) != 1 {
		return "", "", false
	}
	names := map[string]string{" ": " (a space)", "\t": " (a tab)", "\n": " (a line break)", "\r": " (a carriage return)"}
	return quoted + names[ch], after[len(quoted):], true
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
