package sftest

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
)

// Token validities announced at login and renewal, in seconds (the values
// of gosnowflake test_data/wiremock/mappings/auth/password/
// successful_flow.json). The server does not expire tokens by itself; see
// [Server.ExpireSessionTokens].
const (
	sessionValidity = 3600
	masterValidity  = 14400
)

// session is one logged-in Snowflake session.
type session struct {
	id     int64
	user   string
	engine Session
	// params are the session parameters announced to the driver.
	params map[string]any

	// turn serialises the statements of the session; a statement waiting
	// for its turn can still be cancelled.
	turn chan struct{}

	mu                   sync.Mutex
	token, master        string
	db, schema, wh, role string
	running              map[string]context.CancelFunc // by request id
	closed               bool
}

// names returns the session's current database, schema, warehouse and role.
func (ss *session) names() (db, schema, wh, role string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.db, ss.schema, ss.wh, ss.role
}

// close closes the engine's session once.
func (ss *session) close() error {
	ss.mu.Lock()
	if ss.closed {
		ss.mu.Unlock()
		return nil
	}
	ss.closed = true
	for _, cancel := range ss.running {
		cancel()
	}
	ss.mu.Unlock()
	// Wait for the running statement, if any, to give its turn back.
	ss.turn <- struct{}{}
	defer func() { <-ss.turn }()
	if err := ss.engine.Close(); err != nil {
		return fmt.Errorf("sftest: close session %d: %w", ss.id, err)
	}
	return nil
}

// newToken returns a random token.
func newToken(prefix string) string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+).
	return prefix + hex.EncodeToString(b)
}

// addSession registers a new session and gives it its tokens.
func (s *Server) addSession(ss *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	ss.id = 1_000_000 + s.nextID
	ss.token, ss.master = newToken("ST-"), newToken("MT-")
	ss.running = map[string]context.CancelFunc{}
	ss.turn = make(chan struct{}, 1)
	s.sessions[ss.token] = ss
	s.masters[ss.master] = ss
}

// ExpireSessionTokens makes the session tokens of every open session
// expired: the driver's next request gets Snowflake's "session expired"
// answer (390112), renews its token with the master token and goes on.
// It lets tests exercise the renewal.
func (s *Server) ExpireSessionTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for tok, ss := range s.sessions {
		delete(s.sessions, tok)
		s.expired[tok] = ss
	}
}

// tokenRE extracts the token of `Authorization: Snowflake Token="..."`
// (gosnowflake restful.go headerSnowflakeToken).
var tokenRE = regexp.MustCompile(`^Snowflake Token="([^"]*)"$`)

// authToken returns the request's token, empty when there is none.
func authToken(r *http.Request) string {
	m := tokenRE.FindStringSubmatch(strings.TrimSpace(r.Header.Get("Authorization")))
	if m == nil {
		return ""
	}
	return m[1]
}

// errBadToken is returned by sessionFor with the code to answer.
type errBadToken struct{ code, message string }

func (e *errBadToken) Error() string { return e.code + ": " + e.message }

// sessionFor returns the session of the request's session token. An
// expired token is answered 390112, which makes the driver renew it
// (gosnowflake restful.go postRestfulQueryHelper, heartbeat.go
// heartbeatMain); an unknown one 390111, session gone (gosnowflake
// errors.go ErrSessionGone; the choice of code is assumed).
func (s *Server) sessionFor(r *http.Request) (*session, error) {
	tok := authToken(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss, ok := s.sessions[tok]; ok && tok != "" {
		return ss, nil
	}
	if _, ok := s.expired[tok]; ok && tok != "" {
		return nil, &errBadToken{codeSessionExpired, "Session token has expired."}
	}
	return nil, &errBadToken{codeSessionGone, "Session no longer exists.  New login required to access the service."}
}

// requireSession answers the token failure and returns nil, or returns
// the request's session.
func (s *Server) requireSession(w http.ResponseWriter, r *http.Request) *session {
	ss, err := s.sessionFor(r)
	if err != nil {
		var bt *errBadToken
		errors.As(err, &bt)
		s.log.Info("sftest: bad session token", "path", r.URL.Path, "code", bt.code)
		s.writeFailure(w, bt.code, bt.message, nil)
		return nil
	}
	return ss
}

// renewRequest is the body of /session/token-request (gosnowflake
// restful.go renewRestfulSession).
type renewRequest struct {
	OldSessionToken string `json:"oldSessionToken"`
	RequestType     string `json:"requestType"`
}

// renewData is the data of a renewal answer (gosnowflake restful.go
// renewSessionResponseMain).
type renewData struct {
	SessionToken        string `json:"sessionToken"`
	ValidityInSecondsST int    `json:"validityInSecondsST"`
	MasterToken         string `json:"masterToken"`
	ValidityInSecondsMT int    `json:"validityInSecondsMT"`
	SessionID           int64  `json:"sessionId"`
}

// handleRenew renews a session token: the Authorization header holds the
// master token, the body the old session token (gosnowflake restful.go
// renewRestfulSession). The old token stops working.
func (s *Server) handleRenew(w http.ResponseWriter, r *http.Request) {
	var req renewRequest
	if err := readJSON(r, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	ss, ok := s.masters[authToken(r)]
	if !ok || !strings.EqualFold(cmp.Or(req.RequestType, "RENEW"), "RENEW") {
		s.mu.Unlock()
		s.writeFailure(w, codeMasterExpired, "Authentication token has expired.  The user must authenticate again.", nil)
		return
	}
	ss.mu.Lock()
	delete(s.sessions, ss.token)
	delete(s.expired, req.OldSessionToken)
	delete(s.expired, ss.token)
	ss.token = newToken("ST-")
	s.sessions[ss.token] = ss
	data := renewData{ss.token, sessionValidity, ss.master, masterValidity, ss.id}
	ss.mu.Unlock()
	s.mu.Unlock()
	s.log.Info("sftest: session token renewed", "session", ss.id)
	s.writeOK(w, data)
}

// handleHeartbeat keeps a session alive (gosnowflake heartbeat.go
// heartbeatMain: POST /session/heartbeat, answer decoded as an
// execResponse).
func (s *Server) handleHeartbeat(w http.ResponseWriter, r *http.Request) {
	if ss := s.requireSession(w, r); ss != nil {
		s.writeOK(w, map[string]any{})
	}
}

// handleSession closes a session on POST /session?delete=true (gosnowflake
// restful.go closeSession); other calls get 404.
func (s *Server) handleSession(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("delete") != "true" {
		s.log.Warn("sftest: unknown endpoint", "method", r.Method, "path", r.URL.Path, "query", r.URL.RawQuery)
		http.NotFound(w, r)
		return
	}
	ss := s.requireSession(w, r)
	if ss == nil {
		return
	}
	s.mu.Lock()
	delete(s.sessions, ss.token)
	delete(s.masters, ss.master)
	for tok, e := range s.expired {
		if e == ss {
			delete(s.expired, tok)
		}
	}
	s.mu.Unlock()
	if err := ss.close(); err != nil {
		s.log.Warn("sftest: close session", "session", ss.id, "err", err)
	}
	s.log.Info("sftest: session closed", "session", ss.id)
	s.writeOK(w, nil)
}
