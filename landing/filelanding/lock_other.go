//go:build !unix || aix || (solaris && !illumos)

package filelanding

import (
	"context"
	"fmt"
	"os"
	"runtime"
)

const casSupported = false

// errCASUnsupported is what WriteIfVersion returns here.
var errCASUnsupported = fmt.Errorf("compare-and-swap (WriteIfVersion, the watermark) is unsupported on %s: it needs flock(2)", runtime.GOOS)

func lockFile(context.Context, *os.File) (func(), error) { return nil, errCASUnsupported }

// tryLock cannot lock here: temporary files are never taken for a dead
// writer's.
func tryLock(*os.File) (bool, error) { return false, nil }

// unlinked cannot tell here.
func unlinked(*os.File) bool { return false }
