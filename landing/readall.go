package landing

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// ReadAll returns the bytes of the object at key. An error names the key
// and wraps the Lander's ([ErrNotFound] for a missing key); when ctx ends
// first, the error is ctx.Err() itself.
func ReadAll(ctx context.Context, l Lander, key string) ([]byte, error) {
	rc, err := l.Get(ctx, key)
	if err != nil {
		return nil, readErr(ctx, key, err)
	}
	data, err := io.ReadAll(rc)
	if cerr := rc.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, readErr(ctx, key, err)
	}
	return data, nil
}

// readErr is ReadAll's error for key: ctx's own when it ended, else err
// wrapped with the key.
func readErr(ctx context.Context, key string, err error) error {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return ctx.Err()
	}
	return fmt.Errorf("landing: read %s: %w", key, err)
}
