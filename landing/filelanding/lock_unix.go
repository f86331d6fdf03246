//go:build unix && !aix && (!solaris || illumos)

package filelanding

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"
)

const casSupported = true

// errCASUnsupported is never returned where flock exists.
var errCASUnsupported = errors.New("compare-and-swap is unsupported on this OS")

// lockFile takes an exclusive flock on f, polling without blocking so that
// it gives up when ctx is done. The returned function releases the lock;
// closing f, or the process dying, releases it too.
func lockFile(ctx context.Context, f *os.File) (unlock func(), err error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	flock := func(how int) error {
		var ferr error
		if cerr := rc.Control(func(fd uintptr) { ferr = syscall.Flock(int(fd), how) }); cerr != nil {
			return cerr
		}
		return ferr
	}
	delay := 500 * time.Microsecond
	for {
		err := flock(syscall.LOCK_EX | syscall.LOCK_NB)
		if err == nil {
			return func() { _ = flock(syscall.LOCK_UN) }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			return nil, &os.SyscallError{Syscall: "flock", Err: err}
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		if delay < 16*time.Millisecond {
			delay *= 2
		}
	}
}

// tryLock takes an exclusive flock on f without waiting: ok is false when
// another open file holds it.
func tryLock(f *os.File) (ok bool, err error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return false, err
	}
	var ferr error
	if cerr := rc.Control(func(fd uintptr) { ferr = syscall.Flock(int(fd), syscall.LOCK_EX|syscall.LOCK_NB) }); cerr != nil {
		return false, cerr
	}
	if errors.Is(ferr, syscall.EWOULDBLOCK) || errors.Is(ferr, syscall.EINTR) {
		return false, nil
	}
	if ferr != nil {
		return false, &os.SyscallError{Syscall: "flock", Err: ferr}
	}
	return true, nil
}

// unlinked reports whether f's file was removed from its folder.
func unlinked(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && st.Nlink == 0
}
