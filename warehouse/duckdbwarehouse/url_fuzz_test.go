package duckdbwarehouse

import (
	"net/url"
	"strings"
	"testing"

	"github.com/edqm/edqm/internal/urlsecret"
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
			return // warehouse.Open refuses it without quoting it (warehouse.FuzzOpen)
		}
		path, err := parseURL(u)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "duckdbwarehouse: ") {
				t.Fatalf("parseURL(%q): error without the package's name: %v", raw, err)
			}
			urlsecret.Check(t, raw, err.Error(), u, nil, nil)
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
