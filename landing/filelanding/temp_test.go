//go:build unix && !aix && (!solaris || illumos)

package filelanding

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRemoveTemp: the temporary file of a writer killed mid-Put is
// removed; a live writer's (its lock held) is left alone, and its Put
// completes; landed files are untouched.
func TestRemoveTemp(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	l, err := Open(ctx, dir, nil)
	require.NoError(t, err)
	defer l.Close()
	require.NoError(t, l.Put(ctx, "orders/date=2026-03-10/orders-2026-03-10.csv", strings.NewReader("a\n")))

	dead := filepath.Join(dir, "orders", "date=2026-03-10", ".orders-2026-03-10.csv.tmp-0123456789abcdef")
	require.NoError(t, os.WriteFile(dead, []byte("half"), 0o644))
	live := filepath.Join(dir, "_reports", ".report.json.tmp-fedcba9876543210")
	require.NoError(t, os.MkdirAll(filepath.Dir(live), 0o755))
	f, err := os.Create(live)
	require.NoError(t, err)
	defer f.Close()
	ok, err := tryLock(f)
	require.NoError(t, err)
	require.True(t, ok)

	n, err := l.RemoveTemp(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.NoFileExists(t, dead)
	assert.FileExists(t, live, "a live writer's file is left alone")
	objs, err := l.List(ctx, "")
	require.NoError(t, err)
	require.Len(t, objs, 1)
	assert.Equal(t, "orders/date=2026-03-10/orders-2026-03-10.csv", objs[0].Key)

	require.NoError(t, f.Close()) // the writer dies
	n, err = l.RemoveTemp(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.NoFileExists(t, live)
}

// TestCreateTempLocks: a Put's temporary file is locked while it is
// written, so RemoveTemp cannot take it.
func TestCreateTempLocks(t *testing.T) {
	l, err := Open(t.Context(), t.TempDir(), nil)
	require.NoError(t, err)
	defer l.Close()
	f, tmp, err := l.createTemp(".", "x.csv")
	require.NoError(t, err)
	defer f.Close()
	removed, err := l.removeIfDead(tmp)
	require.NoError(t, err)
	assert.False(t, removed, "the writer's lock keeps it")
}
