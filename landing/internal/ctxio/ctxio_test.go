package ctxio_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/landing/internal/ctxio"
)

func TestReaderStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	r := ctxio.NewReader(ctx, strings.NewReader("abcdef"))
	p := make([]byte, 3)
	n, err := r.Read(p)
	require.NoError(t, err)
	assert.Equal(t, "abc", string(p[:n]))

	cancel()
	n, err = r.Read(p)
	assert.Zero(t, n)
	assert.Equal(t, context.Canceled, err, "the context's error itself, unwrapped")
}

func TestReaderReadsToEOF(t *testing.T) {
	b, err := io.ReadAll(ctxio.NewReader(t.Context(), strings.NewReader("abcdef")))
	require.NoError(t, err)
	assert.Equal(t, "abcdef", string(b))
}

func TestReaderDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 0)
	defer cancel()
	<-ctx.Done()
	_, err := io.Copy(io.Discard, ctxio.NewReader(ctx, strings.NewReader("x")))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}
