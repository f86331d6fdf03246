package duckdbwarehouse

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// FuzzParseURL parses arbitrary duckdb:// URLs without opening anything:
// no panic; an error never repeats a secret of the URL (the password of
// the user information, a query value, the marker S3CRET planted in the
// seeds) unless the URL shows it in a part that is no secret; and a path
// that is accepted is a plain file name for DuckDB: not empty (but for
// duckdb://memory), without "?" (DuckDB's options) or NUL, not MotherDuck.
//
// go test replays the seeds and testdata/fuzz/FuzzParseURL; fuzz longer with
// go test ./warehouse/duckdbwarehouse -run '^$' -fuzz FuzzParseURL -fuzztime 60s
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"duckdb://memory",
		"duckdb:///var/edqm/warehouse.duckdb",
		"duckdb://localhost/var/edqm/w.duckdb",
		"duckdb:rel/w.duckdb",
		"duckdb:///tmp/x.duckdb?token=S3CRETxyz",
		"duckdb:///tmp/x.duckdb?motherduck_token=S3CRETxyz&access_mode=read_only",
		"duckdb:///tmp/x%3Faccess_mode%3Dread_only",
		"duckdb:x%3Fa=b",
		"duckdb:///tmp/x%00y",
		"duckdb://u:S3CRETxyz@/tmp/x.duckdb",
		"duckdb://u:S3CRETxyz@memory",
		"duckdb:md:db?motherduck_token=S3CRETxyz",
		"duckdb::memory:",
		"duckdb://memory?threads=2",
		"duckdb://memory#S3CRETxyz",
		"duckdb://elsewhere/x.db",
		"duckdb://",
		"duckdb:///tmp/x?%zz=S3CRETxyz",
		"duckdb:///tmp/x?",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return // warehouse.Open says "malformed URL" and nothing more
		}
		path, err := parseURL(u)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "duckdbwarehouse: ") {
				t.Fatalf("parseURL(%q): error without the package's name: %v", raw, err)
			}
			checkNoSecret(t, raw, err.Error(), u, nil, nil)
			return
		}
		lower := strings.ToLower(path)
		switch {
		case u.Scheme != Scheme:
			t.Fatalf("parseURL(%q) accepted scheme %q", raw, u.Scheme)
		case path == "" && u.Host != "memory":
			t.Fatalf("parseURL(%q) = in memory, but the host is %q", raw, u.Host)
		case strings.ContainsAny(path, "?\x00"):
			t.Fatalf("parseURL(%q) = %q: DuckDB would read settings after the '?'", raw, path)
		case strings.HasPrefix(lower, "md:") || strings.HasPrefix(lower, "motherduck:") || strings.HasPrefix(path, ":memory:"):
			t.Fatalf("parseURL(%q) = %q: not a local file", raw, path)
		case u.RawQuery != "" || u.User != nil || u.Fragment != "":
			t.Fatalf("parseURL(%q) = %q: accepted a query, user information or a fragment", raw, path)
		}
	})
}

// checkNoSecret fails if msg repeats one of the secrets of u (see
// urlSecrets), in any of the forms it could take.
func checkNoSecret(t *testing.T, raw, msg string, u *url.URL, public, nested map[string]bool) {
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
