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
	_, err := landing.Open(context.Background(), "s4://bucket/prefix", nil)
	if err == nil || !strings.Contains(err.Error(), `unknown scheme "s4"`) || !strings.Contains(err.Error(), "registered: file, mem") {
		t.Errorf("Open(s4://...) = %v, want an unknown-scheme error that lists file and mem", err)
	}
	_, err = landing.Open(context.Background(), "/no/scheme", nil)
	if err == nil || !strings.Contains(err.Error(), `unknown scheme ""`) {
		t.Errorf("Open(/no/scheme) = %v, want an unknown-scheme error", err)
	}
	if _, err = landing.Open(context.Background(), "file://%zz", nil); err == nil {
		t.Error("Open of a URL that does not parse: no error")
	}
	_, err = landing.Open(context.Background(), "s3://key:top-secret@bucket:port/p", nil)
	if err == nil || !strings.Contains(err.Error(), "malformed URL") || strings.Contains(err.Error(), "top-secret") {
		t.Errorf("Open of a malformed URL with a password = %v, want an error that does not repeat the password", err)
	}
}

func TestOpenRegisteredSchemes(t *testing.T) {
	ctx := context.Background()
	for _, u := range []string{"file://" + t.TempDir(), "mem://"} {
		l, err := landing.Open(ctx, u, nil)
		if err != nil {
			t.Fatalf("Open(%q): %v", u, err)
		}
		if err := l.Put(ctx, "k", strings.NewReader("v")); err != nil {
			t.Errorf("%s: Put: %v", u, err)
		}
		if err := l.Close(); err != nil {
			t.Errorf("%s: Close: %v", u, err)
		}
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	defer func() {
		if r := recover(); r != "landing: Register called twice for scheme file" {
			t.Errorf("recovered %v, want the double-registration panic", r)
		}
	}()
	landing.Register("file", nil)
}

func TestRedactURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"s3://AKIAEXAMPLE:hunter2@bucket/p?region=eu-west-1&token=s3cr3t#frag", "s3://bucket/p?region=xxxxx&token=xxxxx"},
		{"file:///var/edqm", "file:///var/edqm"},
		{"mem://x?a=1&a=2", "mem://x?a=xxxxx&a=xxxxx"},
		{"s3://b/p?%zz=secret", "s3://b/p?(malformed query)"},
	} {
		u, err := url.Parse(c.in)
		if err != nil {
			t.Fatal(err)
		}
		got := landing.RedactURL(u)
		if got != c.want {
			t.Errorf("RedactURL(%q) = %q, want %q", c.in, got, c.want)
		}
		for _, secret := range []string{"hunter2", "s3cr3t", "secret", "AKIAEXAMPLE"} {
			if strings.Contains(got, secret) {
				t.Errorf("RedactURL(%q) = %q repeats %q", c.in, got, secret)
			}
		}
	}
}

func TestOpenOptionsAreChecked(t *testing.T) {
	_, err := landing.Open(context.Background(), "mem://", &landing.OpenOptions{MaxAttempts: -1})
	if err == nil || !strings.Contains(err.Error(), "MaxAttempts -1 is negative") {
		t.Errorf("Open with MaxAttempts -1 = %v, want an error naming MaxAttempts", err)
	}
	// Options a Lander has no use for are ignored.
	l, err := landing.Open(context.Background(), "mem://", &landing.OpenOptions{MaxAttempts: 3, HTTPClient: http.DefaultClient})
	if err != nil {
		t.Fatalf("Open(mem://) with HTTP options: %v", err)
	}
	l.Close()
}
