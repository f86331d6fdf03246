//go:build unix

package filelanding_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/filelanding"
)

// TestKeysCannotEscapeTheRoot shows that no key reaches outside the
// folder: "..", absolute keys and backslashes are refused as invalid
// keys, and a symbolic link inside the folder that points outside it
// (root/out -> elsewhere, root/link.csv -> elsewhere/secret.csv) is never
// followed: nothing is written, read, listed or deleted outside.
func TestKeysCannotEscapeTheRoot(t *testing.T) {
	ctx := t.Context()
	base := t.TempDir()
	root := filepath.Join(base, "root")
	elsewhere := filepath.Join(base, "elsewhere")
	if err := os.MkdirAll(elsewhere, 0o755); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(elsewhere, "secret.csv")
	if err := os.WriteFile(secret, []byte("outside\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := filelanding.Open(ctx, root, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := os.Symlink(elsewhere, filepath.Join(root, "out")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(root, "link.csv")); err != nil {
		t.Fatal(err)
	}
	if err := l.Put(ctx, "inside/ok.csv", strings.NewReader("ok\n")); err != nil {
		t.Fatal(err)
	}

	for _, key := range []string{"../escape.csv", "a/../../escape.csv", "/etc/escape.csv", `..\escape.csv`, "a/./b.csv", ""} {
		if err := l.Put(ctx, key, strings.NewReader("x\n")); !errors.Is(err, landing.ErrInvalidKey) {
			t.Errorf("Put(%q): err = %v, want ErrInvalidKey", key, err)
		}
		if _, err := l.Get(ctx, key); !errors.Is(err, landing.ErrInvalidKey) {
			t.Errorf("Get(%q): err = %v, want ErrInvalidKey", key, err)
		}
	}

	// Through the linked folder.
	if err := l.Put(ctx, "out/a.csv", strings.NewReader("x\n")); err == nil {
		t.Errorf("Put(out/a.csv) through a link to %s succeeded", elsewhere)
	}
	if _, err := l.WriteIfVersion(ctx, "out/b.csv", []byte("x\n"), ""); err == nil {
		t.Errorf("WriteIfVersion(out/b.csv) through a link to %s succeeded", elsewhere)
	}
	if rc, err := l.Get(ctx, "out/secret.csv"); err == nil {
		data, _ := io.ReadAll(rc)
		rc.Close()
		t.Errorf("Get(out/secret.csv) read %q from outside the folder", data)
	}
	if data, _, err := l.ReadVersioned(ctx, "out/secret.csv"); err == nil {
		t.Errorf("ReadVersioned(out/secret.csv) read %q from outside the folder", data)
	}
	_ = l.Delete(ctx, "out/secret.csv") // an error or nothing done: either is fine, as long as the file stays

	// Through the linked file.
	if rc, err := l.Get(ctx, "link.csv"); err == nil {
		data, _ := io.ReadAll(rc)
		rc.Close()
		t.Errorf("Get(link.csv) read %q from outside the folder", data)
	}
	if _, err := l.WriteIfVersion(ctx, "link.csv", []byte("overwritten\n"), ""); err == nil {
		// Replacing the link itself is fine; writing through it is not.
		if fi, err := os.Lstat(filepath.Join(root, "link.csv")); err != nil || fi.Mode()&os.ModeSymlink != 0 {
			t.Errorf("WriteIfVersion(link.csv) wrote through the link: %v", err)
		}
	}

	objs, err := l.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o.Key != "inside/ok.csv" && o.Key != "link.csv" {
			t.Errorf("List shows %q, from outside the folder", o.Key)
		}
		if o.Key == "link.csv" {
			if data, _, err := l.ReadVersioned(ctx, o.Key); err != nil || bytes.Contains(data, []byte("outside")) {
				t.Errorf("link.csv reads %q, %v", data, err)
			}
		}
	}
	if objs, err := l.List(ctx, "out/"); err == nil && len(objs) > 0 {
		t.Errorf("List(out/) shows %v, from outside the folder", objs)
	}

	entries, err := os.ReadDir(elsewhere)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "secret.csv" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("the folder outside holds %v, want only secret.csv", names)
	}
	if data, err := os.ReadFile(secret); err != nil || string(data) != "outside\n" {
		t.Errorf("the file outside was changed: %q, %v", data, err)
	}
}
