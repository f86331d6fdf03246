package faultlanding

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"syscall"
)

// Transport is an [http.RoundTripper] that fails a share of requests with
// transient faults and passes the others to the next RoundTripper. Put it
// under an SDK's retryer (for S3, in the *http.Client given to
// landing/s3landing) to check that a run survives a flaky network.
//
// A [ServerError] answers 500 InternalError or 503 ServiceUnavailable
// without sending the request; a [Reset] fails before sending it; a
// [LostResponse] or a [Timeout] sends it, reads and discards the answer
// (so the server has done the work), then fails. A Transport is safe for
// concurrent use.
type Transport struct {
	next http.RoundTripper
	in   *injector
}

var _ http.RoundTripper = (*Transport)(nil)

// NewTransport returns a Transport in front of next (nil means
// [http.DefaultTransport]). A nil opts injects nothing.
func NewTransport(next http.RoundTripper, opts *Options) (*Transport, error) {
	in, err := newInjector(opts)
	if err != nil {
		return nil, err
	}
	if next == nil {
		next = http.DefaultTransport
	}
	return &Transport{next: next, in: in}, nil
}

// RoundTrip sends req, or fails it with the fault drawn for it.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	f, rng := t.in.draw(Call{Op: req.Method, Key: req.URL.Path, Request: req})
	switch f {
	case 0:
		return t.next.RoundTrip(req)
	case ServerError:
		closeBody(req)
		return serverError(req, rng.IntN(2) == 0), nil
	case Reset:
		closeBody(req)
		return nil, t.fail(req, f)
	}
	// LostResponse, Timeout: the server does the work, the answer is lost.
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return nil, t.fail(req, f)
}

// Stats returns what the Transport did so far.
func (t *Transport) Stats() Stats { return t.in.stats() }

func (t *Transport) fail(req *http.Request, f Fault) error {
	var cause error = &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	if f == Timeout {
		cause = timeoutError{}
	}
	return &Error{Fault: f, Op: req.Method, Key: req.URL.Path, Err: cause}
}

// timeoutError is what a client sees when it gives up on the answer.
type timeoutError struct{}

func (timeoutError) Error() string   { return "timeout awaiting response headers" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// closeBody honours the RoundTripper contract: the request body is closed,
// also on error.
func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// serverError builds a 500 or a 503 answer in the S3 error format.
func serverError(req *http.Request, unavailable bool) *http.Response {
	status, code := http.StatusInternalServerError, "InternalError"
	if unavailable {
		status, code = http.StatusServiceUnavailable, "ServiceUnavailable"
	}
	body := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>`+
		"\n<Error><Code>%s</Code><Message>injected by faultlanding</Message><RequestId>faultlanding</RequestId></Error>", code)
	h := http.Header{}
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader([]byte(body))),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}
