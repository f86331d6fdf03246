package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/faultlanding"
	"github.com/edqm/edqm/quality"
)

// Retries of a call that met a storage fault: up to faultAttempts
// attempts, the first included, waiting faultDelay, then twice as long
// each time, up to faultMaxDelay. At -storage-faults 0.5 a call fails all
// its attempts once in about a million.
const (
	faultAttempts = 20
	faultDelay    = time.Millisecond
	faultMaxDelay = 50 * time.Millisecond
)

// faultRetry is the landing zone -storage-faults gives the run: a
// faultlanding.Lander that fails a seeded share of the calls, under a
// Lander that retries each failed call, as a client of a flaky store
// does. It implements landing.Lander; Close does nothing, since the
// Stores close the landing zone.
type faultRetry struct {
	fault   *faultlanding.Lander
	retries atomic.Int64 // attempts after a fault
	ownCAS  atomic.Int64 // compare-and-swaps whose lost answer hid a write that took effect
}

// localFaultRetry is a faultRetry over a landing zone of local files: it
// still tells their paths (landing.LocalPather), for the report's lines.
type localFaultRetry struct {
	*faultRetry
	landing.LocalPather
}

// withFaults wraps l for -storage-faults rate, seeded with seed; rate 0
// gives l itself and a nil *faultRetry.
func withFaults(l landing.Lander, rate float64, seed uint64) (landing.Lander, *faultRetry, error) {
	if rate == 0 {
		return l, nil, nil
	}
	fl, err := faultlanding.New(l, &faultlanding.Options{Rate: rate, Seed: seed})
	if err != nil {
		return nil, nil, fmt.Errorf("-storage-faults: %w", err)
	}
	r := &faultRetry{fault: fl}
	if lp, ok := l.(landing.LocalPather); ok {
		return localFaultRetry{r, lp}, r, nil
	}
	return r, r, nil
}

// summary tells what the retries did.
func (r *faultRetry) summary() string {
	s := quality.FormatCount(r.retries.Load()) + " retries"
	if n := r.ownCAS.Load(); n > 0 {
		s += fmt.Sprintf(", %d watermark write(s) found done after a lost answer", n)
	}
	return s
}

// transient reports whether err is a fault worth another attempt.
func transient(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// do calls op until it succeeds, fails for good, or has made
// faultAttempts attempts.
func (r *faultRetry) do(ctx context.Context, op func() error) error {
	delay := faultDelay
	for attempt := 1; ; attempt++ {
		err := op()
		if err == nil || attempt == faultAttempts || !transient(err) || ctx.Err() != nil {
			return err
		}
		r.retries.Add(1)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, faultMaxDelay)
	}
}

// Put stores body at key, reading it again from its start on each attempt.
func (r *faultRetry) Put(ctx context.Context, key string, body io.Reader) error {
	rs, ok := body.(io.ReadSeeker)
	if !ok {
		b, err := io.ReadAll(body)
		if err != nil {
			return err
		}
		rs = bytes.NewReader(b)
	}
	start, err := rs.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	return r.do(ctx, func() error {
		if _, err := rs.Seek(start, io.SeekStart); err != nil {
			return err
		}
		return r.fault.Put(ctx, key, rs)
	})
}

// Get opens key.
func (r *faultRetry) Get(ctx context.Context, key string) (rc io.ReadCloser, err error) {
	err = r.do(ctx, func() error { rc, err = r.fault.Get(ctx, key); return err })
	return rc, err
}

// List lists prefix.
func (r *faultRetry) List(ctx context.Context, prefix string) (objs []landing.Object, err error) {
	err = r.do(ctx, func() error { objs, err = r.fault.List(ctx, prefix); return err })
	return objs, err
}

// Delete removes key.
func (r *faultRetry) Delete(ctx context.Context, key string) error {
	return r.do(ctx, func() error { return r.fault.Delete(ctx, key) })
}

// ReadVersioned reads key and its version.
func (r *faultRetry) ReadVersioned(ctx context.Context, key string) (data []byte, version string, err error) {
	err = r.do(ctx, func() error { data, version, err = r.fault.ReadVersioned(ctx, key); return err })
	return data, version, err
}

// WriteIfVersion makes the compare-and-swap. A conflict after an attempt
// whose answer was lost may be this write's own effect: when key then
// holds data, the write is taken as done.
func (r *faultRetry) WriteIfVersion(ctx context.Context, key string, data []byte, version string) (string, error) {
	var v string
	faulted := false
	err := r.do(ctx, func() error {
		var err error
		v, err = r.fault.WriteIfVersion(ctx, key, data, version)
		if faulted && errors.Is(err, landing.ErrConflict) {
			got, cur, rerr := r.ReadVersioned(ctx, key)
			if rerr == nil && bytes.Equal(got, data) {
				r.ownCAS.Add(1)
				v, err = cur, nil
			}
		}
		faulted = faulted || transient(err)
		return err
	})
	return v, err
}

// Close does nothing: the landing zone belongs to the Stores.
func (r *faultRetry) Close() error { return nil }
