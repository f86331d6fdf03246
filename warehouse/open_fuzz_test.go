package warehouse_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/edqm/edqm/internal/urlsecret"
	"github.com/edqm/edqm/warehouse"
)

// errFakeOpener is what the fuzz-only scheme's opener returns.
var errFakeOpener = errors.New("fake opener: not opened")

func init() {
	warehouse.Register("fuzzfake", func(_ context.Context, u *url.URL, o *warehouse.OpenOptions) (warehouse.Warehouse, error) {
		if u == nil || u.Scheme != "fuzzfake" {
			return nil, errors.New("fake opener: given the wrong URL")
		}
		if o == nil {
			return nil, errors.New("fake opener: given nil options")
		}
		return nil, errFakeOpener
	})
}

// FuzzOpen gives warehouse.Open arbitrary URLs, with only a fake scheme
// registered (fuzzfake://): no panic; a registered scheme reaches its
// opener with its parsed URL and non-nil options; an unknown scheme or a
// malformed URL is an error that never repeats a secret (the password of the user
// information, a query value, the marker S3CRET planted in the seeds).
//
// go test replays the seeds and testdata/fuzz/FuzzOpen; fuzz longer with
// go test ./warehouse -run '^$' -fuzz FuzzOpen -fuzztime 60s
func FuzzOpen(f *testing.F) {
	for _, s := range []string{
		"fuzzfake://x",
		"duckdb:///tmp/x.duckdb?token=S3CRETxyz",
		"snowflake://u:S3CRETxyz@acct/DB?password=S3CRETxyz",
		"postgres://u:S3CRETxyz@host:5432/db?sslpassword=S3CRETxyz",
		"mysql://u:S3CRET/xyz@host/db",
		"S3CRET:xyz@host/db",
		"s3:AKIAS3CRET:S3CRETxyz@bucket/p",
		"http://k:1234/S3CRETxyz@host",
		"://S3CRETxyz",
		"%zzS3CRET://x",
		"\x00",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		w, err := warehouse.Open(t.Context(), raw, nil)
		if err == nil {
			_ = w.Close()
			t.Fatalf("warehouse.Open(%q) opened with no real scheme registered", raw)
		}
		u, perr := url.Parse(raw)
		if perr != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "warehouse.Open: malformed URL: ") || strings.ContainsAny(msg, "\"'`") || strings.Contains(msg, "S3CRET") {
				t.Fatalf("warehouse.Open(%q) of a malformed URL: the error does not say so, or quotes it: %s", raw, msg)
			}
			return
		}
		if u.Scheme == "fuzzfake" {
			if !errors.Is(err, errFakeOpener) {
				t.Fatalf("warehouse.Open(%q) did not reach the opener: %v", raw, err)
			}
			return
		}
		urlsecret.Check(t, raw, err.Error(), u, nil, nil)
	})
}
