package landing_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/memlanding"
)

var manifestDay = time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)

// TestManifestRoundTrip: a manifest lands sorted, reads back equal, gives
// the same bytes whatever the order of its files, and ReadManifests skips
// what is not a manifest.
func TestManifestRoundTrip(t *testing.T) {
	ctx := t.Context()
	l := memlanding.New()
	m := &landing.Manifest{Day: manifestDay, First: true, Files: []landing.ManifestFile{
		landing.Fingerprint("orders/x.csv", []byte("h\n1\n2\n")),
		landing.Fingerprint("customers/x.csv", []byte("h\n1")),
	}}
	require.NoError(t, landing.WriteManifest(ctx, l, m))
	a, _, err := l.ReadVersioned(ctx, landing.ManifestKey(manifestDay))
	require.NoError(t, err)
	m.Files[0], m.Files[1] = m.Files[1], m.Files[0]
	require.NoError(t, landing.WriteManifest(ctx, l, m))
	b, _, err := l.ReadVersioned(ctx, landing.ManifestKey(manifestDay))
	require.NoError(t, err)
	assert.Equal(t, a, b, "the same files give the same bytes")

	require.NoError(t, l.Put(ctx, landing.ManifestPrefix+"notes.txt", strings.NewReader("x")))
	ms, err := landing.ReadManifests(ctx, l)
	require.NoError(t, err)
	require.Len(t, ms, 1)
	got := ms[0]
	assert.True(t, got.First)
	assert.Equal(t, manifestDay, got.Day)
	f, ok := got.File("orders/x.csv")
	require.True(t, ok)
	assert.Equal(t, int64(2), f.Rows)
	c, _ := got.File("customers/x.csv")
	assert.Equal(t, int64(1), c.Rows, "a last line without a newline counts")
	_, ok = got.File("products/x.csv")
	assert.False(t, ok)
}

// TestManifestDiff: each difference is told in words.
func TestManifestDiff(t *testing.T) {
	full := landing.Fingerprint("k", []byte("h\n1\n2\n3\n"))
	for name, tc := range map[string]struct {
		data, want string
	}{
		"same":    {"h\n1\n2\n3\n", ""},
		"cut":     {"h\n1\n", "cut short: 1 of 3 rows, 4 of 8 bytes"},
		"flipped": {"h\n1\n9\n3\n", "changed: same 3 rows and 8 bytes, other SHA-256"},
		"longer":  {"h\n1\n2\n3\n4\n", "changed: 4 rows and 10 bytes, the manifest says 3 rows and 8 bytes"},
	} {
		assert.Equal(t, tc.want, full.Diff(landing.Fingerprint("k", []byte(tc.data))), name)
	}
}

// TestCorruptManifest: a manifest that cannot be read, or that sits under
// another day's key, is an error wrapping ErrCorruptManifest naming the key.
func TestCorruptManifest(t *testing.T) {
	ctx := t.Context()
	key := landing.ManifestKey(manifestDay)
	for name, body := range map[string]string{
		"not JSON":  "{",
		"bad hash":  `{"day":"2026-03-10","first":false,"files":[{"key":"a.csv","rows":1,"size":1,"sha256":"zz"}]}`,
		"bad key":   `{"day":"2026-03-10","first":false,"files":[{"key":"../a.csv","rows":1,"size":1,"sha256":"` + strings.Repeat("0", 64) + `"}]}`,
		"other day": `{"day":"2026-03-09","first":false,"files":[]}`,
		"unknown":   `{"day":"2026-03-10","first":false,"files":[],"extra":1}`,
	} {
		l := memlanding.New()
		require.NoError(t, l.Put(ctx, key, strings.NewReader(body)))
		_, err := landing.ReadManifest(ctx, l, key)
		require.ErrorIs(t, err, landing.ErrCorruptManifest, name)
		assert.Contains(t, err.Error(), key, name)
	}
	_, err := landing.ReadManifest(ctx, memlanding.New(), key)
	require.ErrorIs(t, err, landing.ErrNotFound)
}

// Fingerprint a file as a day's manifest records it, and tell how a copy
// cut short differs.
func ExampleFingerprint() {
	data := []byte("order_id,total\no1,10.00\no2,20.00\no3,5.00\n")
	rec := landing.Fingerprint("orders/date=2026-03-10/orders-2026-03-10.csv", data)
	fmt.Println(rec.Rows, rec.Size, rec.SHA256[:12])
	fmt.Println(rec.Diff(landing.Fingerprint(rec.Key, data[:24])))
	// Output:
	// 3 41 36924fe1c7af
	// cut short: 1 of 3 rows, 24 of 41 bytes
}

// TestReadAll: ReadAll returns an object's bytes, names the key of a
// missing one (wrapping ErrNotFound), and returns a cancelled context's
// error as it is.
func TestReadAll(t *testing.T) {
	l := memlanding.New()
	require.NoError(t, l.Put(t.Context(), "a/b.csv", strings.NewReader("x,y\n")))
	data, err := landing.ReadAll(t.Context(), l, "a/b.csv")
	require.NoError(t, err)
	assert.Equal(t, "x,y\n", string(data))

	_, err = landing.ReadAll(t.Context(), l, "a/missing.csv")
	require.ErrorIs(t, err, landing.ErrNotFound)
	assert.Contains(t, err.Error(), "a/missing.csv")

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = landing.ReadAll(ctx, l, "a/b.csv")
	assert.ErrorIs(t, err, context.Canceled)
}
