package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/quality/webhook"
)

const secretPath = "/services/T0001/B0001/s3cr3tT0k3n"

func alert() *quality.Alert {
	return &quality.Alert{
		RunID: "2026-03-10", HealthScore: 91.5, RevenueAtRisk: 123456,
		Opened:   []quality.Incident{{ID: "test:x", Name: "not_null_fct_orders_customer_id", Severity: quality.Error, Message: "207 failing rows", Owner: "Data Team"}},
		Resolved: []quality.Incident{{ID: "health", Name: "health_score", Severity: quality.Error, Message: "back above 90%"}},
	}
}

func TestNotifyPostsSlackJSON(t *testing.T) {
	var got struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type string `json:"type"`
			Text struct {
				Type, Text string
			} `json:"text"`
		} `json:"blocks"`
		Username string `json:"username"`
	}
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if r.Method != http.MethodPost || r.URL.Path != secretPath || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
			t.Error(err)
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	n, err := webhook.New(srv.URL+secretPath, &webhook.Options{Username: "EDQM"})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Notify(t.Context(), alert()); err != nil {
		t.Fatal(err)
	}
	if calls != 1 || got.Username != "EDQM" || len(got.Blocks) != 4 || got.Blocks[0].Type != "header" {
		t.Fatalf("%d calls, payload %+v", calls, got)
	}
	for _, want := range []string{"EDQM run 2026-03-10: 1 incident opened, 1 resolved", "91.50%", "$1,234.56",
		"OPENED [error] not_null_fct_orders_customer_id: 207 failing rows (owner: Data Team)", "RESOLVED [error] health_score"} {
		if !strings.Contains(got.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, got.Text)
		}
	}
	if err := n.Notify(t.Context(), nil); err != nil || calls != 1 {
		t.Errorf("a nil alert is sent: %v, %d calls", err, calls)
	}
	if s := n.String(); strings.Contains(s, "s3cr3t") || !strings.HasPrefix(s, "webhook http://127.0.0.1:") {
		t.Errorf("String() = %q", s)
	}
}

// The token in the URL never shows in an error.
func TestErrorsKeepTheSecret(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, "invalid_token for %s", r.URL.Path) // a server that echoes the path
	}))
	n, err := webhook.New(srv.URL+secretPath+"?token=s3cr3tT0k3n", nil)
	if err != nil {
		t.Fatal(err)
	}
	err = n.Notify(t.Context(), alert())
	if err == nil || !strings.Contains(err.Error(), "status 403") || !strings.Contains(err.Error(), "invalid_token") {
		t.Fatalf("err = %v", err)
	}
	srv.Close()
	err2 := n.Notify(t.Context(), alert())
	if err2 == nil {
		t.Fatal("a closed server accepted the alert")
	}
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer slow.Close()
	defer close(release)
	ns, _ := webhook.New(slow.URL+secretPath, &webhook.Options{Client: &http.Client{Timeout: 50 * time.Millisecond}})
	err3 := ns.Notify(t.Context(), alert())
	_, err4 := webhook.New("ftp://hooks.example.com"+secretPath, nil)
	for _, e := range []error{err, err2, err3, err4} {
		if e == nil {
			t.Fatal("no error")
		}
		if strings.Contains(e.Error(), "s3cr3t") || strings.Contains(e.Error(), "T0001") {
			t.Errorf("error leaks the token: %v", e)
		}
	}
}

func TestNotifyHonoursContext(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	n, _ := webhook.New(srv.URL+secretPath, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := n.Notify(ctx, alert()); err != context.DeadlineExceeded {
		t.Errorf("err = %v, want context.DeadlineExceeded unwrapped", err)
	}
	ctx, cancel = context.WithCancel(t.Context())
	cancel()
	if err := n.Notify(ctx, alert()); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}
