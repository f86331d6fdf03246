// Package faultlanding injects seeded, transient faults into landing, the
// way testing/iotest wraps a reader: a [Transport] that fails a share of
// HTTP calls (for landers that speak HTTP, such as landing/s3landing), and
// a [Lander] that fails a share of [landing.Lander] calls.
//
// Both are seeded ([Options.Seed]) and decide the fate of a call from the
// seed, the call (its operation and key: for HTTP, the method and the URL
// path) and how many times that same call was made before, with a
// math/rand/v2 PCG generator of its own, seeded from a SHA-256 of the
// three (never the global generator). So the same run meets the same faults
// at every run, whatever the order in which its goroutines reach the
// store: a failure seen once can be replayed, and a call's fate does not
// depend on how fast the others went. Only [Options.Max] counts faults in
// the order they happen.
//
// # Faults
//
// The four kinds, [ServerError], [Reset], [LostResponse] and [Timeout],
// are the transient failures of a network store. The first two fail
// before the store sees the call, the last two after the store has done
// it: a client that retries then repeats a call that already took effect,
// which is what idempotent writes and a compare-and-swap that recognises
// its own write must survive.
//
// # Errors
//
// Every injected error wraps [ErrInjected] and is an [*Error], which
// reports Temporary() true and, for [Timeout], Timeout() true. The
// Transport's connection errors also wrap syscall.ECONNRESET in a
// [*net.OpError], as a real reset does; its server errors are responses
// (500 InternalError or 503 ServiceUnavailable, with an S3-style XML body),
// not errors.
package faultlanding

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
)

// ErrInjected is wrapped by every error this package injects.
var ErrInjected = errors.New("faultlanding: injected fault")

// Fault is a kind of transient failure.
type Fault int

// The kinds of fault.
const (
	// ServerError: the store answers 500 or 503 without doing the call.
	// The Lander wrapper returns an [*Error] instead of a response.
	ServerError Fault = iota + 1
	// Reset: the connection is reset before the call reaches the store.
	Reset
	// LostResponse: the store does the call, then the connection is reset
	// before the answer arrives.
	LostResponse
	// Timeout: the store does the call, then the client gives up waiting
	// for the answer.
	Timeout
)

// AllFaults lists every kind, in order.
var AllFaults = []Fault{ServerError, Reset, LostResponse, Timeout}

// String returns the fault's name, such as "lost-response".
func (f Fault) String() string {
	switch f {
	case ServerError:
		return "server-error"
	case Reset:
		return "reset"
	case LostResponse:
		return "lost-response"
	case Timeout:
		return "timeout"
	}
	return fmt.Sprintf("Fault(%d)", int(f))
}

// after tells whether the store does the call before the fault strikes.
func (f Fault) after() bool { return f == LostResponse || f == Timeout }

// Call describes a call that may get a fault, for [Options.Match].
type Call struct {
	// Op is the HTTP method for the Transport, the Lander method in lower
	// case for the Lander ("put", "get", "list", "delete",
	// "read-versioned", "write-if-version").
	Op string
	// Key is the request's URL path for the Transport, the key (or List
	// prefix) for the Lander.
	Key string
	// Request is the HTTP request (Transport only; nil for the Lander).
	Request *http.Request
}

// Options sets what fails and how often. A nil *Options injects nothing.
type Options struct {
	// Rate is the share of matching calls that fail, from 0 to 1.
	Rate float64
	// Seed seeds the generator that picks the failing calls and their
	// faults.
	Seed uint64
	// Faults are the kinds to inject, drawn with equal chance; nil means
	// [AllFaults].
	Faults []Fault
	// Max stops injecting after this many faults; 0 means no limit.
	Max int
	// Match picks the calls that may fail; nil means every call. It may
	// be called from several goroutines at once.
	Match func(Call) bool
}

// Stats counts what an injector did.
type Stats struct {
	// Calls is how many matching calls were seen.
	Calls int64
	// Injected is how many of them failed.
	Injected int64
	// ByFault counts the failures by kind.
	ByFault map[Fault]int64
}

// injector draws the fate of each call.
type injector struct {
	seed   uint64
	rate   float64
	faults []Fault
	max    int
	match  func(Call) bool

	mu       sync.Mutex
	seen     map[string]uint64 // calls made so far, by operation and key
	calls    int64
	injected int64
	byFault  map[Fault]int64
}

func newInjector(opts *Options) (*injector, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if !(o.Rate >= 0 && o.Rate <= 1) { // also refuses NaN
		return nil, fmt.Errorf("faultlanding: Rate %v is not between 0 and 1", o.Rate)
	}
	if o.Max < 0 {
		return nil, fmt.Errorf("faultlanding: Max %d is negative", o.Max)
	}
	faults := AllFaults
	if o.Faults != nil {
		if len(o.Faults) == 0 {
			return nil, errors.New("faultlanding: Faults is empty (nil means all kinds)")
		}
		for _, f := range o.Faults {
			if f < ServerError || f > Timeout {
				return nil, fmt.Errorf("faultlanding: unknown %v in Faults", f)
			}
		}
		faults = append([]Fault(nil), o.Faults...)
	}
	return &injector{
		seed:    o.Seed,
		rate:    o.Rate,
		faults:  faults,
		max:     o.Max,
		match:   o.Match,
		seen:    map[string]uint64{},
		byFault: map[Fault]int64{},
	}, nil
}

// draw returns the fault for c (0 for none) and the call's own generator,
// seeded from the injector's seed, c's operation and key, and how many
// times that call was seen before.
func (in *injector) draw(c Call) (Fault, *rand.Rand) {
	if in.match != nil && !in.match(c) {
		return 0, nil
	}
	id := c.Op + " " + c.Key
	in.mu.Lock()
	defer in.mu.Unlock()
	n := in.seen[id]
	in.seen[id] = n + 1
	in.calls++

	var buf [16]byte
	binary.LittleEndian.PutUint64(buf[:8], in.seed)
	binary.LittleEndian.PutUint64(buf[8:], n)
	sum := sha256.Sum256(append(buf[:], id...))
	rng := rand.New(rand.NewPCG(binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16])))
	hit := rng.Float64() < in.rate
	f := in.faults[rng.IntN(len(in.faults))]
	if !hit || (in.max > 0 && in.injected >= int64(in.max)) {
		return 0, nil
	}
	in.injected++
	in.byFault[f]++
	return f, rng
}

func (in *injector) stats() Stats {
	in.mu.Lock()
	defer in.mu.Unlock()
	s := Stats{Calls: in.calls, Injected: in.injected, ByFault: make(map[Fault]int64, len(in.byFault))}
	for f, n := range in.byFault {
		s.ByFault[f] = n
	}
	return s
}

// Error is an injected failure.
type Error struct {
	// Fault is the kind injected.
	Fault Fault
	// Op and Key name the call, as in [Call].
	Op, Key string
	// Err is the underlying error, such as a *net.OpError for a reset;
	// nil for the Lander wrapper.
	Err error
}

// Error tells the fault and the call.
func (e *Error) Error() string {
	msg := fmt.Sprintf("faultlanding: injected %s on %s %q", e.Fault, e.Op, e.Key)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns [ErrInjected] and the underlying error.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrInjected}
	}
	return []error{ErrInjected, e.Err}
}

// Temporary reports true: every injected fault is transient.
func (e *Error) Temporary() bool { return true }

// Timeout reports whether the fault is a [Timeout].
func (e *Error) Timeout() bool { return e.Fault == Timeout }

// String renders the stats as "3 of 17 calls failed (lost-response 2, reset 1)".
func (s Stats) String() string {
	var parts []string
	for _, f := range AllFaults {
		if n := s.ByFault[f]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", f, n))
		}
	}
	out := fmt.Sprintf("%d of %d calls failed", s.Injected, s.Calls)
	if len(parts) > 0 {
		out += " (" + strings.Join(parts, ", ") + ")"
	}
	return out
}
