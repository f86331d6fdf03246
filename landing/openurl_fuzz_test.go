package landing_test

import (
	"context"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/edqm/edqm/landing"
	_ "github.com/edqm/edqm/landing/filelanding"
	_ "github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/landing/s3landing"
)

// FuzzOpenURL opens arbitrary URLs through landing.Open with file://,
// mem:// and s3:// registered: no panic; an error never repeats a secret
// of the URL (the user information's password, a query value, or the
// marker S3CRET planted in the seeds, unless the URL shows it in a part
// that is no secret: scheme, host, path, parameter name); a URL that
// url.Parse refuses gets an error quoting none of it; an opened Lander
// closes. file:// URLs are moved under a temporary folder, so nothing is
// created elsewhere; s3:// opens make no request (fake credentials in the
// environment, no shared config files, no instance metadata).
//
// go test replays the seeds and testdata/fuzz/FuzzOpenURL; fuzz longer with
// go test ./landing -run '^$' -fuzz FuzzOpenURL -fuzztime 60s
func FuzzOpenURL(f *testing.F) {
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "AKIAFAKEFAKEFAKEFAKE",
		"AWS_SECRET_ACCESS_KEY":       "fake/fake+fake/fake",
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  "eu-west-1",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             "/nonexistent/edqm-fuzz/config",
		"AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/edqm-fuzz/credentials",
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		f.Setenv(k, v)
	}
	for _, s := range []string{
		"file:///var/edqm",
		"file:///var/edqm?sync=false&mode=0640",
		"file://localhost/var/edqm?sync=maybe&S3CRET=S3CRETxyz",
		"file://u:S3CRETxyz@localhost/x",
		"file:rel/path",
		"file:///x?token=S3CRETxyz",
		"file:///x?sync=%zzS3CRET",
		"file:///x/../../etc",
		"mem://",
		"mem://name",
		"mem://name?S3CRET=S3CRETxyz",
		"mem://name#S3CRETxyz",
		"mem://u:S3CRETxyz@name",
		"s3://bucket/prefix?region=eu-west-1",
		"s3://bucket/pre/fix/?region=us-east-1&endpoint=http://127.0.0.1:9000&path_style=true",
		"s3://AKIAS3CRETKEY:S3CRETsecret@bucket/p",
		"s3://AKIAS3CRETKEY:S3CRET/secret+xyz@bucket/p",
		"s3://AKIAS3CRETKEY:1234/S3CRETxyz@bucket/p",
		"s3:AKIAS3CRETKEY:S3CRETxyz@bucket/p",
		"s3://bucket/p?aws_secret_access_key=S3CRETxyz",
		"s3://bucket/p?endpoint=http://k:S3CRETxyz@host:9000",
		"s3://bucket/p?endpoint=http://k:1234/S3CRETxyz@host",
		"s3://bucket/p?region=a&region=S3CRETxyz",
		"s3://bucket:9000/p",
		"s3://bucket/p%zz?region=x",
		"gs://u:S3CRETxyz@bucket/p?k=S3CRETxyz",
		"://S3CRETxyz",
		"\x00S3CRET",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if len(raw) > 4096 {
			t.Skip("longer than any URL worth testing")
		}
		u, perr := url.Parse(raw)
		if perr == nil && u.Scheme == "file" && u.Opaque == "" && strings.HasPrefix(u.Path, "/") {
			// Keep the folder under a temporary one: path.Clean never
			// climbs above "/".
			c := *u
			c.Path, c.RawPath = t.TempDir()+path.Clean(u.Path), ""
			raw = c.String()
			if u, perr = url.Parse(raw); perr != nil {
				t.Fatalf("url.Parse(%q) after moving it under a temporary folder: %v", raw, perr)
			}
		}
		l, err := landing.Open(context.Background(), raw, nil)
		if err == nil {
			if l == nil {
				t.Fatalf("landing.Open(%q) = nil, nil", raw)
			}
			if perr != nil {
				t.Fatalf("landing.Open(%q) opened a URL url.Parse refuses: %v", raw, perr)
			}
			if u.Scheme == s3landing.Scheme {
				if bucket, _, err := s3landing.ParseURL(u); err != nil || bucket == "" {
					t.Fatalf("landing.Open(%q) opened, but ParseURL says bucket %q, %v", raw, bucket, err)
				}
			}
			if err := l.Close(); err != nil {
				t.Fatalf("Close of %q: %v", raw, err)
			}
			return
		}
		msg := err.Error()
		if perr != nil {
			if strings.ContainsAny(msg, "\"'`") || strings.Contains(msg, "S3CRET") {
				t.Fatalf("landing.Open(%q): the error of a malformed URL quotes it: %s", raw, msg)
			}
			return
		}
		checkNoSecret(t, raw, msg, u, map[string]bool{"region": true, "path_style": true, "sync": true, "mode": true}, map[string]bool{"endpoint": true})
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
