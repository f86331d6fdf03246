package dashboard

import (
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/edqm/edqm/warehouse"
)

// Reasons shown for the sentinel errors of package warehouse, instead of
// their text (which names the database file, and for a lock the program
// holding it and its PID).
const (
	reasonLocked  = "the warehouse is locked by another program (a pipeline run?); reload when it ends"
	reasonCorrupt = "the warehouse cannot be read back: it looks damaged (the server's log names the file and the remedy: restore it from a backup, or delete it and run the pipeline again)"
)

// reason says why err happened, in words a page may show to anyone who
// can reach it: what the warehouse's sentinel errors mean, or else err's
// text with local paths, PIDs and user names taken out (redact). The full
// error is for the Logger only.
func reason(err error) string {
	switch {
	case errors.Is(err, warehouse.ErrLocked):
		return reasonLocked
	case errors.Is(err, warehouse.ErrCorrupt):
		return reasonCorrupt
	}
	return redact(err.Error())
}

// publicMessage is what a response body says about err: a client error's
// own message (it names what the request got wrong), else reason(err).
func publicMessage(err error) string {
	var he *httpError
	if errors.As(err, &he) {
		if he.status < http.StatusInternalServerError {
			return he.msg
		}
		return redact(he.msg) // built from reason already: idempotent
	}
	return reason(err)
}

var (
	// pidRE: "(PID 1234)", "PID: 1234", "pid=1234".
	pidRE = regexp.MustCompile(`(?i)\s*\(\s*pid[\s:=]*\d+\s*\)|\s*\bpid[\s:=]*\d+`)
	// userRE: DuckDB's "… by user alice." after the locking program.
	userRE = regexp.MustCompile(`(?i)\s+by user \S+?(\.?(\s|$))`)
	// localURLRE: a URL without a host, so of a local path:
	// file:///tmp/x, duckdb:///home/me/w.duckdb.
	localURLRE = regexp.MustCompile(`\b[A-Za-z][A-Za-z0-9+.-]*:///[^\s"'<>]*`)
	// quotedPathRE: a quoted absolute path, which may hold spaces.
	quotedPathRE = regexp.MustCompile(`"(?:/|~/|[A-Za-z]:[\\/]|\\\\)[^"]*"|'(?:/|~/|[A-Za-z]:[\\/]|\\\\)[^']*'`)
	// pathRE: an unquoted absolute path, at the start or after a space,
	// "(", "[" or "=": /usr/bin/foo, ~/data, C:\Users\me\w.duckdb.
	// A URL's "//host/..." follows a colon, so it is not one.
	pathRE = regexp.MustCompile(`(^|[\s(\[=])((?:/|~/|[A-Za-z]:\\|\\\\)[^\s"'()\[\],;<>]+)`)
)

// redact takes out of msg what a page must not show: local paths (each
// becomes its last element, "…/warehouse.duckdb", which still says which
// file), process ids, and the user a lock is held by.
func redact(msg string) string {
	msg = pidRE.ReplaceAllString(msg, "")
	msg = userRE.ReplaceAllString(msg, "$1")
	msg = localURLRE.ReplaceAllStringFunc(msg, shortPath)
	msg = quotedPathRE.ReplaceAllStringFunc(msg, func(q string) string {
		return q[:1] + shortPath(q[1:len(q)-1]) + q[:1]
	})
	return pathRE.ReplaceAllStringFunc(msg, func(m string) string {
		sub := pathRE.FindStringSubmatch(m)
		return sub[1] + shortPath(sub[2])
	})
}

// shortPath is a path's last element after "…/", or "…" when it has none
// (a root, a trailing punctuation of the sentence is kept).
func shortPath(p string) string {
	end := strings.TrimRight(p, ".:")
	tail := p[len(end):]
	end = strings.TrimRight(end, `/\`)
	i := strings.LastIndexAny(end, `/\`)
	base := end[i+1:]
	if base == "" || strings.HasSuffix(base, ":") {
		return "…" + tail
	}
	return "…/" + base + tail
}
