package faultlanding_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/edqm/edqm/landing/faultlanding"
	"github.com/edqm/edqm/landing/memlanding"
)

// The Example functions have no *testing.T: they use the background context,
// as a program would.

// A caller that retries transient errors lands its file on a store that
// fails half the calls. A fault may strike before the store does the call
// or after (the answer is lost): retrying must be safe either way. The
// seed makes the run replayable.
func Example() {
	ctx := context.Background()
	store := memlanding.New()
	flaky, err := faultlanding.New(store, &faultlanding.Options{Rate: 0.5, Seed: 6})
	if err != nil {
		fmt.Println(err)
		return
	}
	for attempt := 1; attempt <= 10; attempt++ {
		err := flaky.Put(ctx, "orders/day.csv", strings.NewReader("order_id\n1\n"))
		_, _, missing := store.ReadVersioned(ctx, "orders/day.csv")
		fmt.Printf("attempt %d: %v (in the store: %v)\n", attempt, err, missing == nil)
		if !errors.Is(err, faultlanding.ErrInjected) {
			break
		}
	}
	fmt.Println(flaky.Stats())
	// Output:
	// attempt 1: faultlanding: injected reset on put "orders/day.csv" (in the store: false)
	// attempt 2: faultlanding: injected lost-response on put "orders/day.csv" (in the store: true)
	// attempt 3: faultlanding: injected timeout on put "orders/day.csv" (in the store: true)
	// attempt 4: <nil> (in the store: true)
	// 3 of 4 calls failed (reset 1, lost-response 1, timeout 1)
}

// A Transport under an HTTP client: the n-th request to a path meets the
// same fault at every run.
func ExampleNewTransport() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "landed")
	}))
	defer srv.Close()
	tr, err := faultlanding.NewTransport(http.DefaultTransport, &faultlanding.Options{Rate: 0.3, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	client := &http.Client{Transport: tr}
	for i := range 8 {
		resp, err := client.Get(srv.URL + "/bucket/key")
		if err != nil {
			fmt.Println(i, "injected:", errors.Is(err, faultlanding.ErrInjected))
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK { // with an S3-style XML error
			fmt.Println(i, resp.StatusCode)
			continue
		}
		fmt.Println(i, resp.StatusCode, string(body))
	}
	fmt.Println(tr.Stats())
	// Output:
	// 0 200 landed
	// 1 200 landed
	// 2 200 landed
	// 3 200 landed
	// 4 503
	// 5 500
	// 6 injected: true
	// 7 200 landed
	// 3 of 8 calls failed (server-error 2, timeout 1)
}
