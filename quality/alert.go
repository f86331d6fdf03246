package quality

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Incident is something in a report that needs a person: a test or a
// monitor that failed or warned, or a Health Score under the threshold.
type Incident struct {
	// ID is stable from run to run ("test:<name>", "monitor:<name>",
	// "health"), so that two reports can be compared.
	ID string `json:"id"`
	// Source is "test", "monitor" or "health"; Name, Model and Column
	// identify the test or monitor.
	Source string `json:"source"`
	Name   string `json:"name"`
	Model  string `json:"model,omitempty"`
	Column string `json:"column,omitempty"`
	// Severity is Error for a failure, Warn for a warning.
	Severity Severity `json:"severity"`
	// Message says what is wrong in one line.
	Message string `json:"message"`
	// Failures and Percent come from a test.
	Failures int64   `json:"failures,omitempty"`
	Percent  float64 `json:"percent,omitempty"`
	// Days are a monitor's anomalous days.
	Days []string `json:"days,omitempty"`
	// Owner comes from the test's or monitor's meta "owner".
	Owner string `json:"owner,omitempty"`
}

// incidents lists a report's incidents: tests, then monitors, then health.
func incidents(rep *Report, minHealth float64) []Incident {
	out := []Incident{}
	sev := func(s Status) Severity {
		if s == Fail {
			return Error
		}
		return Warn
	}
	for _, t := range rep.Tests {
		if t.Status != Warned && t.Status != Fail {
			continue
		}
		out = append(out, Incident{ID: "test:" + t.Name, Source: "test", Name: t.Name, Model: t.Model, Column: t.Column,
			Severity: sev(t.Status), Failures: t.Failures, Percent: t.Percent, Owner: t.Owner,
			Message: fmt.Sprintf("%s failing rows (%.2f%% of %s)", FormatCount(t.Failures), t.Percent, FormatCount(t.Rows))})
	}
	for _, m := range rep.Monitors {
		if m.Status != Warned && m.Status != Fail {
			continue
		}
		out = append(out, Incident{ID: "monitor:" + m.Name, Source: "monitor", Name: m.Name, Model: m.Model, Column: m.Column,
			Severity: sev(m.Status), Message: m.Message, Days: m.AnomalousDays(), Owner: m.Owner})
	}
	if minHealth > 0 && rep.HealthScore < minHealth {
		out = append(out, Incident{ID: "health", Source: "health", Name: "health_score", Severity: Error,
			Message: fmt.Sprintf("Data Health Score %.2f%% is under %.2f%%", rep.HealthScore, minHealth)})
	}
	return out
}

// AlertPolicy says which incidents alert.
type AlertPolicy struct {
	// Warnings makes warnings alert too; by default only errors do (a test
	// or monitor that fails, a Health Score under the threshold).
	Warnings bool
}

func (p AlertPolicy) alerts(i Incident) bool { return i.Severity == Error || p.Warnings }

// Alert is what a Notifier sends: the incidents a run opened, the ones
// still open, and the ones it resolved.
type Alert struct {
	// RunID, GeneratedAt, HealthScore and RevenueAtRisk come from the
	// current report.
	RunID         string    `json:"run_id"`
	GeneratedAt   time.Time `json:"generated_at"`
	HealthScore   float64   `json:"health_score"`
	RevenueAtRisk Money     `json:"revenue_at_risk_cents"`
	// Opened are incidents absent from the previous report; Ongoing were
	// already there; Resolved were there and are gone.
	Opened   []Incident `json:"opened"`
	Ongoing  []Incident `json:"ongoing"`
	Resolved []Incident `json:"resolved"`
}

// Alerts compares the incidents of the current report with those of the
// previous one (nil for a first run) under a policy. It returns nil when
// nothing opened or resolved, so an unchanged situation does not alert
// twice.
func Alerts(prev, cur *Report, p AlertPolicy) *Alert {
	before := map[string]Incident{}
	if prev != nil {
		for _, i := range prev.Incidents {
			if p.alerts(i) {
				before[i.ID] = i
			}
		}
	}
	a := &Alert{RunID: cur.RunID, GeneratedAt: cur.GeneratedAt, HealthScore: cur.HealthScore, RevenueAtRisk: cur.RevenueAtRisk}
	now := map[string]bool{}
	for _, i := range cur.Incidents {
		if !p.alerts(i) {
			continue
		}
		now[i.ID] = true
		if _, ok := before[i.ID]; ok {
			a.Ongoing = append(a.Ongoing, i)
		} else {
			a.Opened = append(a.Opened, i)
		}
	}
	if prev != nil {
		for _, i := range prev.Incidents {
			if p.alerts(i) && !now[i.ID] {
				a.Resolved = append(a.Resolved, i)
			}
		}
	}
	if len(a.Opened) == 0 && len(a.Resolved) == 0 {
		return nil
	}
	return a
}

// Title is the alert's one-line headline, e.g. "EDQM run 2026-03-10: 2
// incidents opened, 1 resolved".
func (a *Alert) Title() string {
	var parts []string
	if n := len(a.Opened); n > 0 {
		parts = append(parts, plural(n, "incident")+" opened")
	}
	if n := len(a.Resolved); n > 0 {
		parts = append(parts, fmt.Sprintf("%d resolved", n))
	}
	if n := len(a.Ongoing); n > 0 {
		parts = append(parts, fmt.Sprintf("%d ongoing", n))
	}
	run := ""
	if a.RunID != "" {
		run = " " + a.RunID
	}
	return "EDQM run" + run + ": " + strings.Join(parts, ", ")
}

// Text renders the alert as plain text with Slack mrkdwn emphasis: the
// title, the Health Score and Revenue at Risk, then one line per incident.
func (a *Alert) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%s*\nData Health Score %.2f%%, Revenue at Risk %s\n", a.Title(), a.HealthScore, a.RevenueAtRisk)
	line := func(tag string, i Incident) {
		owner := ""
		if i.Owner != "" {
			owner = " (owner: " + i.Owner + ")"
		}
		fmt.Fprintf(&b, "%s [%s] %s: %s%s\n", tag, i.Severity, i.Name, i.Message, owner)
	}
	for _, i := range a.Opened {
		line(":red_circle: OPENED", i)
	}
	for _, i := range a.Resolved {
		line(":large_green_circle: RESOLVED", i)
	}
	for _, i := range a.Ongoing {
		line(":large_orange_circle: ONGOING", i)
	}
	return b.String()
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Notifier sends alerts somewhere people see them.
//
// Contract for every implementation: Notify honours ctx (a cancelled
// context returns ctx.Err() unwrapped); it never puts secrets (tokens in a
// URL, credentials) in its errors or logs; a non-nil error means the alert
// may not have been delivered.
type Notifier interface {
	Notify(ctx context.Context, a *Alert) error
}
