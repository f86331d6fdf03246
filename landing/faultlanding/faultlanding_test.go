package faultlanding_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/faultlanding"
	"github.com/edqm/edqm/landing/landingtest"
	"github.com/edqm/edqm/landing/memlanding"
)

func TestOptionsAreChecked(t *testing.T) {
	for _, o := range []*faultlanding.Options{
		{Rate: -0.1},
		{Rate: 1.5},
		{Rate: math.NaN()},
		{Rate: 0.1, Max: -1},
		{Rate: 0.1, Faults: []faultlanding.Fault{}},
		{Rate: 0.1, Faults: []faultlanding.Fault{faultlanding.Timeout + 1}},
	} {
		if _, err := faultlanding.NewTransport(nil, o); err == nil {
			t.Errorf("NewTransport(%+v): no error", o)
		}
		if _, err := faultlanding.New(memlanding.New(), o); err == nil {
			t.Errorf("New(%+v): no error", o)
		}
	}
}

// server counts the requests it gets.
func server(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// closeTracker records whether the request body was closed.
type closeTracker struct {
	io.Reader
	closed atomic.Bool
}

func (c *closeTracker) Close() error {
	c.closed.Store(true)
	return nil
}

func TestEachFaultOfTheTransport(t *testing.T) {
	srv, hits := server(t)
	for _, f := range faultlanding.AllFaults {
		t.Run(f.String(), func(t *testing.T) {
			tr, err := faultlanding.NewTransport(nil, &faultlanding.Options{Rate: 1, Faults: []faultlanding.Fault{f}})
			if err != nil {
				t.Fatal(err)
			}
			before := hits.Load()
			body := &closeTracker{Reader: strings.NewReader("payload")}
			req, _ := http.NewRequest(http.MethodPut, srv.URL+"/bucket/key", body)
			resp, err := tr.RoundTrip(req)
			reached := hits.Load() > before
			if !body.closed.Load() {
				t.Error("the request body was not closed")
			}
			if f == faultlanding.ServerError {
				if err != nil || (resp.StatusCode != 500 && resp.StatusCode != 503) || reached {
					t.Fatalf("got %v, %v, reached=%v; want a 5xx answer without reaching the server", resp, err, reached)
				}
				b, _ := io.ReadAll(resp.Body)
				if !strings.Contains(string(b), "<Code>") {
					t.Errorf("body %q, want an S3 error", b)
				}
				return
			}
			if resp != nil || !errors.Is(err, faultlanding.ErrInjected) {
				t.Fatalf("got %v, %v; want an injected error", resp, err)
			}
			var fe *faultlanding.Error
			if !errors.As(err, &fe) || fe.Fault != f || fe.Op != "PUT" || fe.Key != "/bucket/key" || !fe.Temporary() {
				t.Errorf("error %#v", fe)
			}
			var ne net.Error
			if !errors.As(err, &ne) {
				t.Errorf("%v is no net.Error", err)
			}
			switch f {
			case faultlanding.Timeout:
				if !ne.Timeout() {
					t.Errorf("%v: Timeout() = false", err)
				}
			default:
				if !errors.Is(err, syscall.ECONNRESET) || !strings.Contains(err.Error(), "connection reset") {
					t.Errorf("%v does not wrap ECONNRESET", err)
				}
			}
			if after := f == faultlanding.LostResponse || f == faultlanding.Timeout; reached != after {
				t.Errorf("the server was reached: %v, want %v", reached, after)
			}
		})
	}
}

// fates makes calls through a Transport and returns which failed, with
// what, by call.
func fates(t *testing.T, opts *faultlanding.Options, calls []string, parallel bool) map[string]string {
	t.Helper()
	srv, _ := server(t)
	tr, err := faultlanding.NewTransport(nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	out := map[string]string{}
	do := func(i int, path string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		resp, err := tr.RoundTrip(req)
		fate := "ok"
		var fe *faultlanding.Error
		switch {
		case errors.As(err, &fe):
			fate = fe.Fault.String()
		case err != nil:
			t.Error(err)
		case resp.StatusCode != http.StatusOK:
			fate = "server-error"
		}
		if resp != nil {
			resp.Body.Close()
		}
		mu.Lock()
		out[fmt.Sprintf("%s#%d", path, i)] = fate
		mu.Unlock()
	}
	// Each path is called several times, in order; paths run side by side
	// when parallel, so calls to different paths interleave at random.
	byPath := map[string][]int{}
	for i, c := range calls {
		byPath[c] = append(byPath[c], i)
	}
	var wg sync.WaitGroup
	for path, idx := range byPath {
		run := func() {
			for n := range idx {
				do(n, path)
			}
		}
		if parallel {
			wg.Go(run)
		} else {
			run()
		}
	}
	wg.Wait()
	return out
}

func TestFatesDependOnTheSeedOnly(t *testing.T) {
	var calls []string
	for i := range 400 {
		calls = append(calls, fmt.Sprintf("/k%d", i%40))
	}
	opts := &faultlanding.Options{Rate: 0.3, Seed: 99}
	a := fates(t, opts, calls, false)
	b := fates(t, opts, calls, true)
	if !mapsEqual(a, b) {
		t.Error("the same seed gave other faults when the calls interleaved differently")
	}
	c := fates(t, &faultlanding.Options{Rate: 0.3, Seed: 100}, calls, false)
	if mapsEqual(a, c) {
		t.Error("another seed gave the same faults")
	}
	failed := 0
	kinds := map[string]bool{}
	for _, f := range a {
		if f != "ok" {
			failed++
			kinds[f] = true
		}
	}
	if failed < 90 || failed > 150 || len(kinds) != 4 {
		t.Errorf("%d of 400 calls failed with %d kinds, want about 120 with all 4", failed, len(kinds))
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestRateMatchAndMax(t *testing.T) {
	srv, _ := server(t)
	tr, err := faultlanding.NewTransport(nil, &faultlanding.Options{Rate: 0.2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2000 {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/k%d", srv.URL, i%7), nil)
		if resp, err := tr.RoundTrip(req); err == nil {
			resp.Body.Close()
		}
	}
	s := tr.Stats()
	if s.Calls != 2000 || s.Injected < 340 || s.Injected > 460 {
		t.Errorf("at rate 0.2: %v", s)
	}
	var sum int64
	for _, n := range s.ByFault {
		sum += n
	}
	if sum != s.Injected || !strings.HasPrefix(s.String(), fmt.Sprintf("%d of 2000 calls failed (server-error ", s.Injected)) {
		t.Errorf("stats do not add up: %v", s)
	}

	onlyPut := func(c faultlanding.Call) bool { return c.Op == http.MethodPut }
	tr, _ = faultlanding.NewTransport(nil, &faultlanding.Options{Rate: 1, Max: 3, Match: onlyPut})
	for _, m := range []string{"GET", "PUT", "PUT", "HEAD", "PUT", "PUT", "PUT"} {
		req, _ := http.NewRequest(m, srv.URL+"/k", nil)
		if resp, err := tr.RoundTrip(req); err == nil {
			resp.Body.Close()
		}
	}
	if s := tr.Stats(); s.Calls != 5 || s.Injected != 3 {
		t.Errorf("Match PUT, Max 3: %v, want 3 of 5 calls", s)
	}
}

func TestLanderWithoutFaultsConforms(t *testing.T) {
	landingtest.RunConformanceTests(t, func(t *testing.T) landing.Lander {
		l, err := faultlanding.New(memlanding.New(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return l
	})
}

func TestLanderFaults(t *testing.T) {
	ctx := t.Context()
	for _, f := range faultlanding.AllFaults {
		t.Run(f.String(), func(t *testing.T) {
			store := memlanding.New()
			l, err := faultlanding.New(store, &faultlanding.Options{Rate: 1, Faults: []faultlanding.Fault{f}})
			if err != nil {
				t.Fatal(err)
			}
			after := f == faultlanding.LostResponse || f == faultlanding.Timeout
			err = l.Put(ctx, "k", strings.NewReader("v"))
			var fe *faultlanding.Error
			if !errors.As(err, &fe) || fe.Fault != f || fe.Op != "put" || fe.Key != "k" || fe.Timeout() != (f == faultlanding.Timeout) {
				t.Fatalf("Put: %v", err)
			}
			_, _, err = store.ReadVersioned(ctx, "k")
			if landed := err == nil; landed != after {
				t.Errorf("the Put landed: %v, want %v", landed, after)
			}
			_ = store.Put(ctx, "k", strings.NewReader("v"))
			_, err = l.WriteIfVersion(ctx, "cas", []byte("x"), "")
			if !errors.Is(err, faultlanding.ErrInjected) {
				t.Errorf("WriteIfVersion: %v", err)
			}
			if _, err := l.Get(ctx, "k"); !errors.Is(err, faultlanding.ErrInjected) {
				t.Errorf("Get: %v", err)
			}
			if _, err := l.List(ctx, ""); !errors.Is(err, faultlanding.ErrInjected) {
				t.Errorf("List: %v", err)
			}
			if _, _, err := l.ReadVersioned(ctx, "k"); !errors.Is(err, faultlanding.ErrInjected) {
				t.Errorf("ReadVersioned: %v", err)
			}
			if err := l.Delete(ctx, "k"); !errors.Is(err, faultlanding.ErrInjected) {
				t.Errorf("Delete: %v", err)
			}
			objs, _ := store.List(ctx, "")
			var keys []string
			for _, o := range objs {
				keys = append(keys, o.Key)
			}
			want := []string{"k"}
			if after {
				want = []string{"cas"} // the write happened, then the delete
			}
			if !slices.Equal(keys, want) {
				t.Errorf("store holds %q, want %q", keys, want)
			}
			// A done context is reported as such, not as a fault.
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			if err := l.Put(cctx, "k", strings.NewReader("v")); !errors.Is(err, context.Canceled) {
				t.Errorf("Put with a done context: %v", err)
			}
			if l.Unwrap() != landing.Lander(store) || l.Close() != nil {
				t.Error("Unwrap or Close")
			}
		})
	}
}
