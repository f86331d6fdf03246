package filelanding_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edqm/edqm/landing/filelanding"
)

// TestFoldersRemovedBehindItsBack: the Lander remembers the folders it
// made; one removed by someone else is made again by the next Put, and a
// file where a folder should be is an error naming the key.
func TestFoldersRemovedBehindItsBack(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	l, err := filelanding.Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	const key = "orders/date=2026-03-01/orders-2026-03-01.csv"
	if err := l.Put(ctx, key, strings.NewReader("a\n")); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "orders")); err != nil {
		t.Fatal(err)
	}
	if err := l.Put(ctx, key, strings.NewReader("b\n")); err != nil {
		t.Fatalf("Put after its folder was removed: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(key))); err != nil || string(b) != "b\n" {
		t.Fatalf("the file holds %q (%v), want b", b, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "afile"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := l.Put(ctx, "afile/x.csv", strings.NewReader("c\n")); err == nil || !strings.Contains(err.Error(), `"afile/x.csv"`) {
		t.Errorf("Put under a file = %v, want an error naming the key", err)
	}
}
