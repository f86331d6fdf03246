//go:build unix && !aix && (!solaris || illumos)

package filelanding_test

import (
	"os"
	"syscall"
	"testing"
)

// holdLock takes the flock on path, as another process would, until the
// returned function is called.
func holdLock(t *testing.T, path string) func() {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	done := false
	release := func() {
		if !done {
			done = true
			_ = f.Close()
		}
	}
	t.Cleanup(release)
	return release
}
