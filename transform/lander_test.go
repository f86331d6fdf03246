package transform_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/edqm/edqm/landing"
)

// mapLander is a tiny in-memory Lander for the tests.
type mapLander struct {
	mu    sync.Mutex
	files map[string][]byte
	vers  map[string]int
}

func newMapLander() *mapLander {
	return &mapLander{files: map[string][]byte{}, vers: map[string]int{}}
}

func (m *mapLander) Put(ctx context.Context, key string, r io.Reader) error {
	if err := landing.ValidateKey(key); err != nil {
		return err
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[key] = b
	m.vers[key]++
	return nil
}

func (m *mapLander) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := landing.ValidateKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.files[key]
	if !ok {
		return nil, fmt.Errorf("%w: %q", landing.ErrNotFound, key)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (m *mapLander) List(ctx context.Context, prefix string) ([]landing.Object, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []landing.Object
	for k, b := range m.files {
		if strings.HasPrefix(k, prefix) {
			out = append(out, landing.Object{Key: k, Size: int64(len(b))})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

func (m *mapLander) Delete(ctx context.Context, key string) error {
	if err := landing.ValidateKey(key); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.files, key)
	return nil
}

func (m *mapLander) ReadVersioned(ctx context.Context, key string) ([]byte, string, error) {
	if err := landing.ValidateKey(key); err != nil {
		return nil, "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.files[key]
	if !ok {
		return nil, "", fmt.Errorf("%w: %q", landing.ErrNotFound, key)
	}
	return bytes.Clone(b), fmt.Sprint(m.vers[key]), nil
}

func (m *mapLander) WriteIfVersion(ctx context.Context, key string, data []byte, version string) (string, error) {
	if err := landing.ValidateKey(key); err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := ""
	if _, ok := m.files[key]; ok {
		cur = fmt.Sprint(m.vers[key])
	}
	if cur != version {
		return "", fmt.Errorf("%w: %q", landing.ErrConflict, key)
	}
	m.files[key] = bytes.Clone(data)
	m.vers[key]++
	return fmt.Sprint(m.vers[key]), nil
}

func (m *mapLander) Close() error { return nil }

var _ landing.Lander = (*mapLander)(nil)
