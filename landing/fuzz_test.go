package landing

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// The fuzzers replay their seed corpus (and testdata/fuzz) in every go test
// run; fuzz longer with: go test ./landing -run '^$' -fuzz FuzzValidateKey -fuzztime 60s

func FuzzValidateKey(f *testing.F) {
	for _, k := range []string{"orders/date=2026-01-01/orders-2026-01-01.csv", "", "/abs", "a/../b", "a//b", "a\\b",
		"a/./b", "trailing/", "x\x00y", "ünïcödé/ok", strings.Repeat("a/", 600), "\xff\xfe"} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, key string) {
		err := ValidateKey(key)
		if err != nil {
			if !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("ValidateKey(%q) = %v, want ErrInvalidKey", key, err)
			}
			return
		}
		// A valid key can never escape a root folder.
		if !utf8.ValidString(key) || strings.HasPrefix(key, "/") || strings.Contains(key, "\\") {
			t.Fatalf("ValidateKey accepted %q", key)
		}
		for _, seg := range strings.Split(key, "/") {
			if seg == "" || seg == "." || seg == ".." {
				t.Fatalf("ValidateKey accepted %q with segment %q", key, seg)
			}
		}
		if err := ValidatePrefix(key); err != nil {
			t.Fatalf("valid key %q is not a valid prefix: %v", key, err)
		}
	})
}

func FuzzParseMark(f *testing.F) {
	for _, s := range []string{`{"last_day":"2026-01-01","updated_at":"2026-01-01T00:00:00Z"}`, `{"last_day":"2026-13-01"}`,
		`{`, ``, `null`, `{"last_day":"2026-01-01"} trailing`, `{"last_day":"2026-01-01","extra":1}`, `[1,2]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseMark(data)
		if err != nil {
			return
		}
		if m.LastDay.IsZero() && !strings.Contains(string(data), "0001-01-01") {
			t.Fatalf("parseMark(%q) accepted a mark with no day", data)
		}
	})
}
