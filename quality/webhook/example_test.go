package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/quality/webhook"
)

// The Example functions have no *testing.T: they use the background context,
// as a program would.

// Post the incidents a run opened to a Slack-compatible webhook (here a
// local test server standing in for hooks.slack.com).
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Println(r.Method, r.Header.Get("Content-Type"), json.Valid(body))
	}))
	defer srv.Close()

	prev := &quality.Report{RunID: "2026-03-09", Incidents: []quality.Incident{}}
	cur := &quality.Report{RunID: "2026-03-10", HealthScore: 88, Incidents: []quality.Incident{
		{ID: "health", Source: "health", Name: "health_score", Severity: quality.Error, Message: "Data Health Score 88.00% is under 90.00%"},
	}}
	alert := quality.Alerts(prev, cur, quality.AlertPolicy{})
	fmt.Println(alert.Title())

	n, err := webhook.New(srv.URL+"/services/T000/B000/XXXX", nil)
	if err != nil {
		panic(err)
	}
	if err := n.Notify(context.Background(), alert); err != nil {
		panic(err)
	}
	// Output:
	// EDQM run 2026-03-10: 1 incident opened
	// POST application/json true
}
