package landing_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/landing"
	_ "github.com/edqm/edqm/landing/filelanding"
	_ "github.com/edqm/edqm/landing/memlanding"
)

func TestValidateKey(t *testing.T) {
	cases := []struct {
		key string
		why string // "" when valid; else part of the message
	}{
		{"a", ""},
		{"orders/date=2025-01-01/orders-2025-01-01.csv", ""},
		{"with space/file name.csv", ""},
		{"unicodé/日本語.csv", ""},
		{"dots/.hidden", ""},
		{"dots/..x", ""},
		{"dots/x..", ""},
		{"_state/watermark.json", ""},
		{strings.Repeat("k", 1024), ""},
		{"", "empty"},
		{strings.Repeat("k", 1025), "longer than 1024 bytes"},
		{"/abs", "absolute"},
		{"/", "absolute"},
		{`a\b`, "backslash"},
		{`..\x`, "backslash"},
		{"a/", "ends with a slash"},
		{"a\x00b", "control character"},
		{"a\tb", "control character"},
		{"a\nb", "control character"},
		{"a\x7fb", "control character"},
		{"bad-\xff", "UTF-8"},
		{"a//b", "empty segment"},
		{".", "has a . segment"},
		{"..", "has a .. segment"},
		{"../x", "has a .. segment"},
		{"a/../b", "has a .. segment"},
		{"a/..", "has a .. segment"},
		{"a/./b", "has a . segment"},
		{"./a", "has a . segment"},
	}
	for _, c := range cases {
		err := landing.ValidateKey(c.key)
		switch {
		case c.why == "" && err != nil:
			t.Errorf("ValidateKey(%q) = %v, want nil", c.key, err)
		case c.why == "":
		case !errors.Is(err, landing.ErrInvalidKey):
			t.Errorf("ValidateKey(%q) = %v, want an error wrapping ErrInvalidKey", c.key, err)
		case !strings.Contains(err.Error(), c.why) || !strings.Contains(err.Error(), strconv.Quote(c.key)):
			t.Errorf("ValidateKey(%q) = %q, want a message quoting the key and saying %q", c.key, err, c.why)
		}
	}
}

func TestValidatePrefix(t *testing.T) {
	for _, p := range []string{"", "orders", "orders/", "orders/date=2025", "orders/date=2025-01-01/", "_chaos/", "a/.hid"} {
		if err := landing.ValidatePrefix(p); err != nil {
			t.Errorf("ValidatePrefix(%q) = %v, want nil", p, err)
		}
	}
	for _, p := range []string{"/", "//", "/orders", "..", "../", "../x", "a/..", "a/../", ".", "./", "a//", "a//b", "a/./b", `a\b`, "a\x00", "\xff"} {
		err := landing.ValidatePrefix(p)
		if !errors.Is(err, landing.ErrInvalidKey) || !strings.Contains(err.Error(), strconv.Quote(p)) {
			t.Errorf("ValidatePrefix(%q) = %v, want an error wrapping ErrInvalidKey that quotes the prefix", p, err)
		}
	}
}

func TestDataKeyAndLabelsKey(t *testing.T) {
	day := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct{ got, want string }{
		{landing.DataKey("orders", day, "csv"), "orders/date=2025-01-02/orders-2025-01-02.csv"},
		{landing.DataKey("customers", day, "parquet"), "customers/date=2025-01-02/customers-2025-01-02.parquet"},
		{landing.DataKey("orders", day.Add(23*time.Hour+59*time.Minute), "csv"), "orders/date=2025-01-02/orders-2025-01-02.csv"},
		{landing.LabelsKey("orders", day), "_chaos/orders/date=2025-01-02/labels-2025-01-02.csv"},
	} {
		if c.got != c.want {
			t.Errorf("got key %q, want %q", c.got, c.want)
		}
		if err := landing.ValidateKey(c.got); err != nil {
			t.Errorf("key %q is not valid: %v", c.got, err)
		}
	}
	if err := landing.ValidateKey(landing.WatermarkKey); err != nil {
		t.Errorf("WatermarkKey: %v", err)
	}
}

func TestOpenUnknownScheme(t *testing.T) {
	_, err := landing.Open(t.Context(), "s4://bucket/prefix", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown scheme "s4"`)
	assert.Contains(t, err.Error(), "registered: file, mem")

	_, err = landing.Open(t.Context(), "/no/scheme", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"/no/scheme" is a path, not a URL (no scheme): for a local path, write file:///no/scheme`)

	_, err = landing.Open(t.Context(), "file://%zz", nil)
	require.Error(t, err, "a URL that does not parse")

	_, err = landing.Open(t.Context(), "s3://key:top-secret@bucket:port/p", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "landing.Open: malformed URL")
	assert.NotContains(t, err.Error(), "top-secret")
}

func TestOpenRegisteredSchemes(t *testing.T) {
	ctx := t.Context()
	for _, u := range []string{"file://" + t.TempDir(), "mem://"} {
		l, err := landing.Open(ctx, u, nil)
		require.NoError(t, err, "Open(%q)", u)
		assert.NoError(t, l.Put(ctx, "k", strings.NewReader("v")), "%s: Put", u)
		assert.NoError(t, l.Close(), "%s: Close", u)
	}
}

// TestRegisterRefuses checks the registry's three refusals, which
// warehouse.Register shares.
func TestRegisterRefuses(t *testing.T) {
	open := func(context.Context, *url.URL, *landing.OpenOptions) (landing.Lander, error) { return nil, nil }
	assert.PanicsWithValue(t, "landing: Register called twice for scheme file", func() { landing.Register("file", open) })
	assert.PanicsWithValue(t, "landing: Register with a nil opener for scheme landing-test-nil", func() { landing.Register("landing-test-nil", nil) })
	for _, scheme := range []string{"", "File", "3d", "a b", "a_b"} {
		assert.Panics(t, func() { landing.Register(scheme, open) }, "scheme %q", scheme)
	}
}

func TestRedactURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"s3://AKIAEXAMPLE:hunter2@bucket/p?region=eu-west-1&token=s3cr3t#frag", "s3://bucket/p?region=xxxxx&token=xxxxx"},
		{"file:///var/edqm", "file:///var/edqm"},
		{"mem://x?a=1&a=2", "mem://x?a=xxxxx&a=xxxxx"},
		{"s3://b/p?%zz=secret", "s3://b/p?(malformed query)"},
	} {
		u, err := url.Parse(c.in)
		require.NoError(t, err)
		got := landing.RedactURL(u)
		assert.Equal(t, c.want, got, "RedactURL(%q)", c.in)
		for _, secret := range []string{"hunter2", "s3cr3t", "secret", "AKIAEXAMPLE"} {
			assert.NotContains(t, got, secret, "RedactURL(%q)", c.in)
		}
	}
}

func TestOpenOptionsAreChecked(t *testing.T) {
	_, err := landing.Open(t.Context(), "mem://", &landing.OpenOptions{MaxAttempts: -1})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "MaxAttempts -1 is negative")
	// Options a Lander has no use for are ignored.
	l, err := landing.Open(t.Context(), "mem://", &landing.OpenOptions{MaxAttempts: 3, HTTPClient: http.DefaultClient})
	require.NoError(t, err, "Open(mem://) with HTTP options")
	assert.NoError(t, l.Close())
}
