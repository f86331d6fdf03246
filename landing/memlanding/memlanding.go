// Package memlanding is an in-memory [landing.Lander], for tests, examples
// and dry runs. Objects live in a map guarded by a mutex; Put and
// WriteIfVersion store their own copy, and ReadVersioned returns a fresh
// copy, so no caller can change a stored object. A version is the hex
// SHA-256 of the content, as in landing/filelanding.
//
// # URLs
//
// Importing this package registers the scheme "mem" with [landing.Register]:
//
//	mem://        a new, empty, private store at every Open
//	mem://name    the store called name, shared by every Open of mem://name
//	              in this process; created empty on first use, it lives
//	              until the process ends (Close does not empty it)
//
// A path other than "/" and query parameters are refused with an error that
// names them.
//
// # Errors
//
// A missing object is an error wrapping [landing.ErrNotFound]; a lost
// compare-and-swap wraps [landing.ErrConflict] and tells the expected and
// found versions; a bad key wraps [landing.ErrInvalidKey]. When ctx is done,
// methods return ctx.Err() itself. After Close, methods fail with an error
// wrapping [fs.ErrClosed].
package memlanding

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/internal/ctxio"
)

// Scheme is the URL scheme this package registers with [landing.Register].
const Scheme = "mem"

func init() { landing.Register(Scheme, openURL) }

// store holds objects; stored slices are never modified, only replaced.
type store struct {
	mu   sync.RWMutex
	objs map[string][]byte
}

func newStore() *store { return &store{objs: map[string][]byte{}} }

var (
	namedMu sync.Mutex
	named   = map[string]*store{}
)

// Lander is a handle on an in-memory store. Its methods are safe for
// concurrent use.
type Lander struct {
	s      *store
	closed atomic.Bool
}

var _ landing.Lander = (*Lander)(nil)

// New returns a Lander over a new, empty, private store.
func New() *Lander { return &Lander{s: newStore()} }

// check validates key and tells whether the Lander may be used.
func (l *Lander) check(ctx context.Context, op, key string) error {
	if err := landing.ValidateKey(key); err != nil {
		return err
	}
	return l.usable(ctx, op, key)
}

func (l *Lander) usable(ctx context.Context, op, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if l.closed.Load() {
		return fmt.Errorf("memlanding: %s %q: %w", op, key, fs.ErrClosed)
	}
	return nil
}

// Put reads r to the end, checking ctx between chunks, then stores the
// content at key. When ctx is done, or r fails, nothing changes.
func (l *Lander) Put(ctx context.Context, key string, r io.Reader) error {
	if err := l.check(ctx, "put", key); err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(ctxio.NewReader(ctx, r)); err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		return fmt.Errorf("memlanding: put %q: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	data := slices.Clip(buf.Bytes()) // buf is ours alone: no copy needed
	l.s.mu.Lock()
	l.s.objs[key] = data
	l.s.mu.Unlock()
	return nil
}

// Get returns a reader over the object at key. The stored bytes are never
// modified, so the reader needs no copy of them.
func (l *Lander) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := l.check(ctx, "get", key); err != nil {
		return nil, err
	}
	data, ok := l.load(key)
	if !ok {
		return nil, notFound("get", key)
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

func (l *Lander) load(key string) ([]byte, bool) {
	l.s.mu.RLock()
	defer l.s.mu.RUnlock()
	data, ok := l.s.objs[key]
	return data, ok
}

// List returns the objects whose keys start with prefix, sorted by key.
func (l *Lander) List(ctx context.Context, prefix string) ([]landing.Object, error) {
	if err := landing.ValidatePrefix(prefix); err != nil {
		return nil, err
	}
	if err := l.usable(ctx, "list", prefix); err != nil {
		return nil, err
	}
	out := []landing.Object{}
	l.s.mu.RLock()
	for k, v := range l.s.objs {
		if strings.HasPrefix(k, prefix) {
			out = append(out, landing.Object{Key: k, Size: int64(len(v))})
		}
	}
	l.s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Delete removes the object at key; a missing key is not an error.
func (l *Lander) Delete(ctx context.Context, key string) error {
	if err := l.check(ctx, "delete", key); err != nil {
		return err
	}
	l.s.mu.Lock()
	delete(l.s.objs, key)
	l.s.mu.Unlock()
	return nil
}

// ReadVersioned returns a copy of the object at key and its version.
func (l *Lander) ReadVersioned(ctx context.Context, key string) ([]byte, string, error) {
	if err := l.check(ctx, "read", key); err != nil {
		return nil, "", err
	}
	data, ok := l.load(key)
	if !ok {
		return nil, "", notFound("read", key)
	}
	out := make([]byte, len(data))
	copy(out, data)
	return out, Version(data), nil
}

// WriteIfVersion stores a copy of data at key if the current version is
// version ("" meaning that key must not exist), and returns the new version.
func (l *Lander) WriteIfVersion(ctx context.Context, key string, data []byte, version string) (string, error) {
	if err := l.check(ctx, "write-if-version", key); err != nil {
		return "", err
	}
	data = bytes.Clone(data)
	if data == nil {
		data = []byte{}
	}
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	found := ""
	if cur, ok := l.s.objs[key]; ok {
		found = Version(cur)
	}
	if found != version {
		return "", fmt.Errorf("memlanding: write-if-version %q: %w: expected %s, found %s",
			key, landing.ErrConflict, describeVersion(version), describeVersion(found))
	}
	l.s.objs[key] = data
	return Version(data), nil
}

// Close makes this handle unusable. A named store keeps its objects for the
// next Open of its URL. Calling Close again does nothing.
func (l *Lander) Close() error {
	l.closed.Store(true)
	return nil
}

// Version returns the version token this package gives to content: its
// SHA-256 in lower-case hex.
func Version(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func describeVersion(v string) string {
	switch {
	case v == "":
		return "no object"
	case len(v) > 12:
		return "version " + v[:12] + "…"
	default:
		return "version " + v
	}
}

func notFound(op, key string) error {
	return fmt.Errorf("memlanding: %s %q: %w", op, key, landing.ErrNotFound)
}

// openURL is the landing.Opener for mem:// URLs.
func openURL(ctx context.Context, u *url.URL, _ *landing.OpenOptions) (landing.Lander, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("memlanding: URL %q: %s (want mem:// or mem://name)", landing.RedactURL(u), fmt.Sprintf(format, args...))
	}
	switch {
	case u.Opaque != "":
		return nil, bad("opaque URLs are not supported")
	case u.User != nil:
		return nil, bad("user information is not supported")
	case u.Path != "" && u.Path != "/":
		return nil, bad("path %q is not supported", u.Path)
	case u.RawQuery != "" || u.ForceQuery:
		q, _ := url.ParseQuery(u.RawQuery)
		names := make([]string, 0, len(q))
		for n := range q {
			names = append(names, fmt.Sprintf("%q", n))
		}
		sort.Strings(names)
		return nil, bad("unknown query parameter(s) %s: there are none", strings.Join(names, ", "))
	case u.Fragment != "":
		return nil, bad("a fragment is not supported")
	}
	if u.Host == "" {
		return New(), nil
	}
	namedMu.Lock()
	defer namedMu.Unlock()
	s := named[u.Host]
	if s == nil {
		s = newStore()
		named[u.Host] = s
	}
	return &Lander{s: s}, nil
}
