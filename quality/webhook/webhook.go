// Package webhook is a [quality.Notifier] that posts alerts to an incoming
// webhook as Slack-compatible JSON: a "text" field (which Slack, Mattermost,
// Rocket.Chat and most chat tools display) and Slack "blocks" for a richer
// rendering.
//
// # Secrets
//
// A webhook URL is a credential: its path or query holds the token. The
// Notifier never puts the URL in an error or a log line; errors name the
// endpoint as scheme and host only ("https://hooks.slack.com/…").
//
// # Errors
//
// Notify returns ctx.Err() unwrapped when the context ends, and otherwise an
// error for a failed request or a response status outside 2xx (with the
// status and the start of the response body, the token cut out of it).
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/edqm/edqm/quality"
)

// Options configure a Notifier. A nil *Options means defaults.
type Options struct {
	// Client sends the requests; nil means a client with a 10 s timeout.
	Client *http.Client
	// Username and IconEmoji are sent as Slack's username and icon_emoji
	// when set.
	Username, IconEmoji string
}

// Notifier posts alerts to one webhook URL. It is safe for concurrent use.
type Notifier struct {
	url    string
	shown  string // scheme://host/…, for messages
	secret []string
	client *http.Client
	opts   Options
}

var _ quality.Notifier = (*Notifier)(nil)

// New returns a Notifier posting to rawURL, which must be an absolute http
// or https URL. The error never contains the URL.
func New(rawURL string, opts *Options) (*Notifier, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("webhook.New: want an absolute http or https URL")
	}
	n := &Notifier{url: rawURL, shown: u.Scheme + "://" + u.Host + "/…"}
	if opts != nil {
		n.opts = *opts
	}
	n.client = n.opts.Client
	if n.client == nil {
		n.client = &http.Client{Timeout: 10 * time.Second}
	}
	// Everything after the host may be secret: cut it out of any text
	// that might echo it.
	for _, s := range []string{u.EscapedPath(), u.Path, u.RawQuery, u.User.String()} {
		if len(s) > 1 {
			n.secret = append(n.secret, s)
		}
	}
	return n, nil
}

// String names the endpoint without its secret part.
func (n *Notifier) String() string { return "webhook " + n.shown }

// redact removes the URL's secret parts from s.
func (n *Notifier) redact(s string) string {
	for _, sec := range n.secret {
		s = strings.ReplaceAll(s, sec, "/…")
	}
	return s
}

// Payload renders an alert as the JSON body Notify posts.
func Payload(a *quality.Alert, opts *Options) ([]byte, error) {
	if a == nil {
		return nil, errors.New("webhook: nil alert")
	}
	type text struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	type block struct {
		Type string `json:"type"`
		Text *text  `json:"text,omitempty"`
	}
	body := struct {
		Text      string  `json:"text"`
		Blocks    []block `json:"blocks"`
		Username  string  `json:"username,omitempty"`
		IconEmoji string  `json:"icon_emoji,omitempty"`
	}{Text: a.Text()}
	if opts != nil {
		body.Username, body.IconEmoji = opts.Username, opts.IconEmoji
	}
	body.Blocks = append(body.Blocks,
		block{Type: "header", Text: &text{Type: "plain_text", Text: truncate(a.Title(), 150)}},
		block{Type: "section", Text: &text{Type: "mrkdwn",
			Text: fmt.Sprintf("Data Health Score *%.2f%%* · Revenue at Risk *%s*", a.HealthScore, a.RevenueAtRisk)}})
	add := func(title string, list []quality.Incident) {
		if len(list) == 0 {
			return
		}
		var b strings.Builder
		fmt.Fprintf(&b, "*%s*\n", title)
		for _, i := range list {
			fmt.Fprintf(&b, "• `%s` [%s] %s\n", i.Name, i.Severity, i.Message)
		}
		body.Blocks = append(body.Blocks, block{Type: "section", Text: &text{Type: "mrkdwn", Text: truncate(b.String(), 3000)}})
	}
	add("Opened", a.Opened)
	add("Resolved", a.Resolved)
	add("Ongoing", a.Ongoing)
	return json.Marshal(body)
}

// truncate cuts s to at most n bytes on a rune boundary (Slack's block
// limits).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n]
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// Notify posts the alert. A nil alert sends nothing.
func (n *Notifier) Notify(ctx context.Context, a *quality.Alert) error {
	if a == nil {
		return nil
	}
	body, err := Payload(a, &n.opts)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook: POST %s: cannot build the request", n.shown)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error holds the whole URL
		}
		return fmt.Errorf("webhook: POST %s: %s", n.shown, n.redact(err.Error()))
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := strings.TrimSpace(n.redact(string(snippet)))
		if msg != "" {
			msg = ": " + msg
		}
		return fmt.Errorf("webhook: POST %s: status %d%s", n.shown, resp.StatusCode, msg)
	}
	return nil
}
