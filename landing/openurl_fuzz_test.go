package landing_test

import (
	"net/url"
	"path"
	"strings"
	"testing"

	"github.com/edqm/edqm/internal/urlsecret"
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
		l, err := landing.Open(t.Context(), raw, nil)
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
		urlsecret.Check(t, raw, msg, u, map[string]bool{"region": true, "path_style": true, "sync": true, "mode": true}, map[string]bool{"endpoint": true})
	})
}
