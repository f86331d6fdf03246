package dashboard

import (
	"fmt"
	"net"
	"net/http"
	"strings"
)

// hostPort is an allowed Host: a lower-case name or IP address without
// brackets or trailing dot, and a port ("" for any port).
type hostPort struct{ host, port string }

// parseAllowedHost parses an Options.AllowedHosts entry: host or
// host:port, an IPv6 address in brackets when it has a port.
func parseAllowedHost(s string) (hostPort, error) {
	if s == "" || strings.ContainsAny(s, "/@?# \t") {
		return hostPort{}, fmt.Errorf("AllowedHosts entry %q: want host or host:port (e.g. localhost:8080, [::1]:8080, dashboard.example.com)", s)
	}
	hp, ok := splitHost(s)
	if !ok || hp.host == "" || strings.Contains(hp.host, ":") && net.ParseIP(hp.host) == nil {
		return hostPort{}, fmt.Errorf("AllowedHosts entry %q: want host or host:port (e.g. localhost:8080, [::1]:8080, dashboard.example.com)", s)
	}
	return hp, nil
}

// splitHost splits a Host header or an AllowedHosts entry, normalised:
// lower case, no brackets, no trailing dot. ok is false for a malformed
// one (a port that is not a number, unbalanced brackets).
func splitHost(s string) (hp hostPort, ok bool) {
	host, port := s, ""
	if h, p, err := net.SplitHostPort(s); err == nil {
		host, port = h, p
		if port == "" {
			return hostPort{}, false
		}
		for _, c := range port {
			if c < '0' || c > '9' {
				return hostPort{}, false
			}
		}
	} else if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		host = s[1 : len(s)-1]
	} else if strings.ContainsAny(s, "[]") || strings.Count(s, ":") == 1 {
		return hostPort{}, false
	}
	// An IPv6 address with no port has several colons and no brackets.
	return hostPort{strings.TrimSuffix(strings.ToLower(host), "."), port}, true
}

// hostAllowed reports whether r's Host is one of h.hosts: same host (case
// insensitive) and the same port, when the entry has one. A Host without a
// port has the scheme's default port (80, or 443 over TLS).
func (h *Handler) hostAllowed(r *http.Request) bool {
	got, ok := splitHost(r.Host)
	if !ok || got.host == "" {
		return false
	}
	if got.port == "" {
		got.port = "80"
		if r.TLS != nil {
			got.port = "443"
		}
	}
	for _, a := range h.hosts {
		if a.host == got.host && (a.port == "" || a.port == got.port) {
			return true
		}
	}
	return false
}

// refuseHost answers a request whose Host the dashboard does not serve:
// 421 Misdirected Request, in plain text.
func (h *Handler) refuseHost(w http.ResponseWriter, r *http.Request) {
	h.log.Warn("dashboard: refused a request for a host it does not serve (add it to AllowedHosts if it is yours)", "host", r.Host, "path", r.URL.Path, "remote", r.RemoteAddr)
	http.Error(w, fmt.Sprintf("421 misdirected request: this dashboard does not answer to the host %q; open it at the address it serves (its operator can allow more names)", r.Host), http.StatusMisdirectedRequest)
}
