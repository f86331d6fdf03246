package dashboard

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/quality"
)

// query is a request's parsed query parameters.
type query struct {
	// From and To bound the batch days, YYYY-MM-DD; "" is open.
	From, To string
	// Kinds narrows the Quarantine Zone; empty means every kind.
	Kinds []chaos.Kind
	// Flag or Test selects a drill-down; Page is its page, from 1.
	Flag, Test string
	Page       int
	// Mode is "", ModeLive or ModeDemo.
	Mode string
}

// params are the known query parameters.
var params = []string{"from", "to", "kind", "flag", "test", "page", "mode"}

// maxPage bounds the page parameter.
const maxPage = 1_000_000

// parseRawQuery parses and checks a raw query string.
func parseRawQuery(raw string) (query, error) {
	v, err := url.ParseQuery(raw)
	if err != nil {
		return query{Page: 1}, &httpError{http.StatusBadRequest, fmt.Sprintf("bad query string: %v (separate parameters with &, escape other characters)", err)}
	}
	return parseQuery(v)
}

// parseQuery checks the query parameters. An empty value is the same as
// none (an HTML form sends its empty fields).
func parseQuery(v url.Values) (query, error) {
	q := query{Page: 1}
	names := make([]string, 0, len(v))
	for name := range v {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !slices.Contains(params, name) {
			return q, badParam(name, "unknown parameter (known: %s)", strings.Join(params, ", "))
		}
		if name != "kind" && len(v[name]) > 1 {
			return q, badParam(name, "given %d times, want at most once", len(v[name]))
		}
	}
	for _, p := range []struct {
		name string
		dst  *string
	}{{"from", &q.From}, {"to", &q.To}} {
		s := strings.TrimSpace(v.Get(p.name))
		if s == "" {
			continue
		}
		d, err := time.Parse(edqm.DateLayout, s)
		if err != nil {
			return q, badParam(p.name, "%q is not a date: want YYYY-MM-DD, e.g. 2026-01-31", s)
		}
		*p.dst = d.Format(edqm.DateLayout)
	}
	if q.From != "" && q.To != "" && q.From > q.To {
		return q, badParam("from", "%s is after to (%s): the range would be empty", q.From, q.To)
	}
	for _, raw := range v["kind"] {
		for _, s := range strings.Split(raw, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			k := chaos.Kind(strings.ToLower(s))
			if !slices.Contains(chaos.Kinds, k) {
				return q, badParam("kind", "%q is not a chaos kind (want one of %s)", s, kindList())
			}
			if !slices.Contains(q.Kinds, k) {
				q.Kinds = append(q.Kinds, k)
			}
		}
	}
	// Keep chaos.Kinds order, so that equal filters give equal pages.
	slices.SortFunc(q.Kinds, func(a, b chaos.Kind) int { return slices.Index(chaos.Kinds, a) - slices.Index(chaos.Kinds, b) })
	if s := v.Get("flag"); s != "" {
		if !slices.Contains(quality.Flags, s) {
			return q, badParam("flag", "%q is not a quality flag (want one of %s)", s, strings.Join(quality.Flags, ", "))
		}
		q.Flag = s
	}
	q.Test = v.Get("test")
	if q.Flag != "" && q.Test != "" {
		return q, badParam("test", "give flag or test, not both")
	}
	if s := strings.TrimSpace(v.Get("page")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPage {
			return q, badParam("page", "%q is not a page number: want an integer from 1 to %d", s, maxPage)
		}
		if q.Flag == "" && q.Test == "" {
			return q, badParam("page", "pages a drill-down: give flag or test as well")
		}
		q.Page = n
	}
	switch m := v.Get("mode"); m {
	case "", ModeLive, ModeDemo:
		q.Mode = m
	default:
		return q, badParam("mode", "%q: want live or demo", m)
	}
	return q, nil
}

func kindList() string {
	s := make([]string, len(chaos.Kinds))
	for i, k := range chaos.Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// values renders q as query parameters, with changes applied by the
// caller: the links of the page keep the filters.
func (q query) values() url.Values {
	v := url.Values{}
	if q.From != "" {
		v.Set("from", q.From)
	}
	if q.To != "" {
		v.Set("to", q.To)
	}
	for _, k := range q.Kinds {
		v.Add("kind", string(k))
	}
	if q.Mode != "" {
		v.Set("mode", q.Mode)
	}
	if q.Flag != "" {
		v.Set("flag", q.Flag)
	}
	if q.Test != "" {
		v.Set("test", q.Test)
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	return v
}

// link renders q as a relative URL ("?..." or "./" when empty).
func (q query) link() string {
	s := q.values().Encode()
	if s == "" {
		return "./"
	}
	return "?" + s
}

// hasKind reports whether k passes the kind filter.
func (q query) hasKind(k chaos.Kind) bool {
	return len(q.Kinds) == 0 || slices.Contains(q.Kinds, k)
}
