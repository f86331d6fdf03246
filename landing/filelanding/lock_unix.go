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
