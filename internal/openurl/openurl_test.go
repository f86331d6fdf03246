package openurl

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidScheme(t *testing.T) {
	for _, s := range []string{"s3", "file", "mem", "duckdb", "snowflake", "git+ssh", "a.b-c"} {
		assert.True(t, validScheme(s), s)
	}
	for _, s := range []string{"", "S3", "3d", "+a", "a b", "a_b", "a:", "é"} {
		assert.False(t, validScheme(s), s)
	}
}

func TestOpen(t *testing.T) {
	errOpen := errors.New("opener failed")
	r := New[string, int]("test")
	r.Register("ok", func(_ context.Context, u *url.URL, n *int) (string, error) { return u.Host, nil })
	r.Register("bad", func(context.Context, *url.URL, *int) (string, error) { return "", errOpen })
	r.Register("opts", func(_ context.Context, _ *url.URL, n *int) (string, error) {
		if n == nil {
			return "nil", nil
		}
		return "set", nil
	})
	assert.Equal(t, []string{"bad", "ok", "opts"}, r.Schemes())

	v, err := r.Open(t.Context(), "ok://host", nil)
	require.NoError(t, err)
	assert.Equal(t, "host", v)

	_, err = r.Open(t.Context(), "bad://x", nil)
	assert.ErrorIs(t, err, errOpen)

	n := 1
	v, err = r.Open(t.Context(), "opts://x", &n)
	require.NoError(t, err)
	assert.Equal(t, "set", v, "opts reaches the opener as given")

	_, err = r.Open(t.Context(), "none://u:pa55word@h/p?k=v4lue#frag", nil)
	assert.EqualError(t, err, `test.Open: unknown scheme "none" in "none://h/p?k=xxxxx" (registered: bad, ok, opts)`)

	_, err = r.Open(t.Context(), "ok://u:pa/55word@h/p", nil)
	assert.EqualError(t, err, "test.Open: malformed URL: invalid port")
}

// TestOpenMessages: a bad character is named; a plain path is told apart
// from an unknown scheme, with the URL of each local scheme registered.
func TestOpenMessages(t *testing.T) {
	r := New[string, int]("test")
	open := func(_ context.Context, u *url.URL, _ *int) (string, error) { return u.Path, nil }
	r.Register("file", open)
	r.Register("s3", open)
	_, err := r.Open(t.Context(), "s3://my bucket", nil)
	assert.EqualError(t, err, `test.Open: malformed URL: invalid character " " (a space) in host name`)
	_, err = r.Open(t.Context(), "s3://buck|et/p", nil)
	assert.EqualError(t, err, `test.Open: malformed URL: invalid character "|" in host name`)

	dir := t.TempDir()
	_, err = r.Open(t.Context(), filepath.ToSlash(dir)+"/landing", nil)
	want := (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir) + "/landing"}).String()
	assert.EqualError(t, err, `test.Open: "`+filepath.ToSlash(dir)+`/landing" is a path, not a URL (no scheme): for a local path, write `+want+` (registered: file, s3)`)

	wd, err := os.Getwd()
	require.NoError(t, err)
	_, err = r.Open(t.Context(), "rel/dir", nil)
	assert.ErrorContains(t, err, "write "+(&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(wd, "rel", "dir"))}).String())

	both := New[string, int]("both")
	both.Register("duckdb", open)
	both.Register("file", open)
	_, err = both.Open(t.Context(), "/var/x", nil)
	assert.ErrorContains(t, err, "write file:///var/x or duckdb:///var/x")

	none := New[string, int]("none")
	none.Register("mem", open)
	_, err = none.Open(t.Context(), "/var/x", nil)
	assert.EqualError(t, err, `none.Open: "/var/x" is a path, not a URL (no scheme) (registered: mem)`)
}

func TestRegisterPanics(t *testing.T) {
	r := New[string, int]("test")
	open := func(context.Context, *url.URL, *int) (string, error) { return "", nil }
	r.Register("x", open)
	assert.PanicsWithValue(t, "test: Register called twice for scheme x", func() { r.Register("x", open) })
	assert.PanicsWithValue(t, "test: Register with a nil opener for scheme y", func() { r.Register("y", nil) })
	assert.Panics(t, func() { r.Register("Y", open) })
	assert.Equal(t, []string{"x"}, r.Schemes())
}
