// Package urlsecret is a test helper: it checks that an error message
// about a URL repeats none of the URL's secrets (the password of its user
// information, query values that are not public, the marker S3CRET), in
// any of the forms an error could show them in (as is, escaped, quoted).
// The URL fuzzers of landing and warehouse share it.
package urlsecret

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Check fails t if msg repeats one of the secrets of u (see
// urlSecrets), in any of the forms it could take.
func Check(t testing.TB, raw, msg string, u *url.URL, public, nested map[string]bool) {
	t.Helper()
	secrets, shown := urlSecrets(u, public, nested)
	// Take out what the URL shows anyway, longest first, so that a secret
	// cannot be matched across a parameter's name and its "=".
	slices.SortFunc(shown, func(a, b string) int { return len(b) - len(a) })
	for _, v := range shown {
		if len(v) >= 4 {
			msg = strings.ReplaceAll(msg, v, "\x00")
		}
	}
	for _, s := range secrets {
		for _, f := range secretForms(s) {
			if strings.Contains(msg, f) {
				t.Fatalf("the error for %q repeats the secret %q: %s", raw, s, msg)
			}
		}
	}
}

// urlSecrets returns what in u may be a secret: the marker S3CRET, the
// password of the user information, and every query value longer than 6
// bytes (as written and decoded) but those of the public parameters; for a
// nested parameter (a URL in a URL), the secrets of that URL instead. A
// candidate the URL shows anyway in a part that is no secret (scheme,
// user name, host, path, fragment, parameter names, public values) is left
// out: an error may name those. The second result is what the URL shows,
// in the forms an error could show it in.
func urlSecrets(u *url.URL, public, nested map[string]bool) (secrets, shown []string) {
	var cands []string
	shown = append(shown, u.Scheme, u.Host, u.Path, u.RawPath, u.EscapedPath(), u.Opaque, u.Fragment, u.RawFragment)
	if u.User != nil {
		shown = append(shown, u.User.Username())
		if p, ok := u.User.Password(); ok {
			cands = append(cands, p)
			if _, esc, ok := strings.Cut(u.User.String(), ":"); ok {
				cands = append(cands, esc)
			}
		}
	}
	for _, pair := range strings.FieldsFunc(u.RawQuery, func(r rune) bool { return r == '&' || r == ';' }) {
		rawKey, rawVal, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			key = rawKey
		}
		val, err := url.QueryUnescape(rawVal)
		if err != nil {
			val = rawVal
		}
		shown = append(shown, rawKey, key)
		switch {
		case public[key]:
			shown = append(shown, rawVal, val)
		case nested[key]:
			if n, err := url.Parse(val); err == nil {
				s, _ := urlSecrets(n, nil, nil)
				cands = append(cands, s...)
				shown = append(shown, n.Scheme, n.Host, n.Path, n.Opaque)
			} else {
				cands = append(cands, rawVal, val)
			}
		default:
			cands = append(cands, rawVal, val)
		}
	}
	if !strings.Contains(strings.Join(shown, "\n"), "S3CRET") {
		cands = append(cands, "S3CRET")
	}
	var shownForms []string
	for _, v := range shown {
		q := strconv.Quote(v)
		shownForms = append(shownForms, v, url.QueryEscape(v), url.PathEscape(v), q, q[1:len(q)-1], strconv.Quote(url.QueryEscape(v)))
	}
	all := strings.Join(shownForms, "\n")
next:
	for _, c := range cands {
		if len(c) <= 6 && c != "S3CRET" {
			continue
		}
		for _, f := range secretForms(c) {
			if strings.Contains(all, f) {
				continue next
			}
		}
		secrets = append(secrets, c)
	}
	return secrets, shownForms
}

// secretForms returns the forms in which an error could show s: as is,
// escaped for a query or a path, and quoted; only those of 6 bytes or more.
func secretForms(s string) []string {
	var out []string
	forms := []string{s, url.QueryEscape(s), url.PathEscape(s)}
	if q := strconv.Quote(s); len(q) > 2 {
		forms = append(forms, q[1:len(q)-1])
	}
	for _, f := range forms {
		if len(f) >= 6 {
			out = append(out, f)
		}
	}
	return out
}
