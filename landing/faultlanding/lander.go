package faultlanding

import (
	"context"
	"io"

	"github.com/edqm/edqm/landing"
)

// Lander wraps a [landing.Lander] and fails a share of its calls with
// transient faults, to test what callers do when the store is flaky. A
// [ServerError] or a [Reset] fails the call before it reaches the wrapped
// Lander; a [LostResponse] or a [Timeout] makes the call, then discards
// its result (closing what Get opened) and fails. Close is passed on and
// never fails on purpose. A Lander is safe for concurrent use when the
// wrapped one is.
type Lander struct {
	next landing.Lander
	in   *injector
}

var _ landing.Lander = (*Lander)(nil)

// New wraps next. A nil opts injects nothing.
func New(next landing.Lander, opts *Options) (*Lander, error) {
	in, err := newInjector(opts)
	if err != nil {
		return nil, err
	}
	return &Lander{next: next, in: in}, nil
}

// Stats returns what the Lander did so far.
func (l *Lander) Stats() Stats { return l.in.stats() }

// Unwrap returns the wrapped Lander.
func (l *Lander) Unwrap() landing.Lander { return l.next }

// As passes the call on to the wrapped Lander when it has an As method.
func (l *Lander) As(target any) bool {
	if a, ok := l.next.(interface{ As(any) bool }); ok {
		return a.As(target)
	}
	return false
}

// before draws the fault of a call; it returns the fault to give after the
// call, and the error to give at once for a fault that strikes before it.
// A call whose ctx is done gets no fault: the wrapped Lander reports it.
func (l *Lander) before(ctx context.Context, op, key string) (Fault, error) {
	if ctx.Err() != nil {
		return 0, nil
	}
	f, _ := l.in.draw(Call{Op: op, Key: key})
	switch {
	case f == 0:
		return 0, nil
	case f.after():
		return f, nil
	}
	return 0, &Error{Fault: f, Op: op, Key: key}
}

func lost(f Fault, op, key string) error { return &Error{Fault: f, Op: op, Key: key} }

// Put stores r at key through the wrapped Lander, unless a fault strikes.
func (l *Lander) Put(ctx context.Context, key string, r io.Reader) error {
	after, err := l.before(ctx, "put", key)
	if err != nil {
		return err
	}
	if err := l.next.Put(ctx, key, r); err != nil || after == 0 {
		return err
	}
	return lost(after, "put", key)
}

// Get opens key through the wrapped Lander, unless a fault strikes.
func (l *Lander) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	after, err := l.before(ctx, "get", key)
	if err != nil {
		return nil, err
	}
	rc, err := l.next.Get(ctx, key)
	if err != nil || after == 0 {
		return rc, err
	}
	rc.Close()
	return nil, lost(after, "get", key)
}

// List lists prefix through the wrapped Lander, unless a fault strikes.
func (l *Lander) List(ctx context.Context, prefix string) ([]landing.Object, error) {
	after, err := l.before(ctx, "list", prefix)
	if err != nil {
		return nil, err
	}
	objs, err := l.next.List(ctx, prefix)
	if err != nil || after == 0 {
		return objs, err
	}
	return nil, lost(after, "list", prefix)
}

// Delete removes key through the wrapped Lander, unless a fault strikes.
func (l *Lander) Delete(ctx context.Context, key string) error {
	after, err := l.before(ctx, "delete", key)
	if err != nil {
		return err
	}
	if err := l.next.Delete(ctx, key); err != nil || after == 0 {
		return err
	}
	return lost(after, "delete", key)
}

// ReadVersioned reads key through the wrapped Lander, unless a fault
// strikes.
func (l *Lander) ReadVersioned(ctx context.Context, key string) ([]byte, string, error) {
	after, err := l.before(ctx, "read-versioned", key)
	if err != nil {
		return nil, "", err
	}
	data, ver, err := l.next.ReadVersioned(ctx, key)
	if err != nil || after == 0 {
		return data, ver, err
	}
	return nil, "", lost(after, "read-versioned", key)
}

// WriteIfVersion makes the compare-and-swap through the wrapped Lander,
// unless a fault strikes. After a [LostResponse] or a [Timeout] the write
// may have taken effect although the caller gets an error, as with a real
// network store.
func (l *Lander) WriteIfVersion(ctx context.Context, key string, data []byte, version string) (string, error) {
	after, err := l.before(ctx, "write-if-version", key)
	if err != nil {
		return "", err
	}
	ver, err := l.next.WriteIfVersion(ctx, key, data, version)
	if err != nil || after == 0 {
		return ver, err
	}
	return "", lost(after, "write-if-version", key)
}

// Close closes the wrapped Lander.
func (l *Lander) Close() error { return l.next.Close() }
