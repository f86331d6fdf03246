// Package ctxio holds the context-aware reader the Landers share, so that
// a Put of a long stream stops reading once its context is done.
package ctxio

import (
	"context"
	"io"
)

// Reader reads from R until Ctx is done: each Read first checks Ctx and,
// once it is done, returns 0 and Ctx.Err() itself, unwrapped, without
// reading R. A Read already under way in R is not interrupted. Reader
// has no WriteTo, so io.Copy reads through it rather than around it.
type Reader struct {
	Ctx context.Context
	R   io.Reader
}

// NewReader returns a Reader of r that stops once ctx is done.
func NewReader(ctx context.Context, r io.Reader) *Reader {
	return &Reader{Ctx: ctx, R: r}
}

// Read implements io.Reader: see [Reader].
func (c *Reader) Read(p []byte) (int, error) {
	if err := c.Ctx.Err(); err != nil {
		return 0, err
	}
	return c.R.Read(p)
}
