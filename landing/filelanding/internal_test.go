package filelanding

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTempName(t *testing.T) {
	for _, base := range []string{"a", "orders-2025-01-01.csv", strings.Repeat("é", 200), strings.Repeat("x", 255)} {
		n1, n2 := tempName(base), tempName(base)
		if n1 == n2 {
			t.Errorf("tempName(%q) twice gave %q", base, n1)
		}
		if !isTempName(n1) || !utf8.ValidString(n1) || len(n1) > 255-len(lockSuffix) {
			t.Errorf("tempName(%.20q…) = %q: not a valid, short, recognised temporary name", base, n1)
		}
	}
	for _, name := range []string{"a", ".a", ".a.tmp-", ".a.tmp-0123456789abcde", ".a.tmp-0123456789abcdeg", "a.tmp-0123456789abcdef", ".tmp-0123456789abcdef"} {
		if isTempName(name) {
			t.Errorf("isTempName(%q) = true", name)
		}
	}
}

func TestLongNames(t *testing.T) {
	// A 250-byte name fits a file system's 255, but not with a temporary
	// suffix: tempName must cut the base short.
	l, err := Open(t.Context(), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	key := "long/" + strings.Repeat("n", 250)
	if err := l.Put(t.Context(), key, strings.NewReader("x")); err != nil {
		t.Fatalf("Put of a 250-byte name: %v", err)
	}
	p, _ := l.LocalPath(key)
	if b, err := os.ReadFile(p); err != nil || string(b) != "x" {
		t.Errorf("content %q, %v", b, err)
	}
}
