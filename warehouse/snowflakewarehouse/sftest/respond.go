package sftest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Snowflake's error codes answered by the server. Where the code comes
// from is said next to each.
const (
	// codeIncorrectCredentials: "Incorrect username or password was
	// specified." (gosnowflake test_data/wiremock/mappings/auth/password/
	// invalid_password.json and driver_test.go
	// TestKnownUserInvalidPasswordParameters).
	codeIncorrectCredentials = "390100"
	// codeSessionGone: the session no longer exists (gosnowflake errors.go
	// ErrSessionGone).
	codeSessionGone = "390111"
	// codeSessionExpired: the session token expired; the driver renews it
	// (gosnowflake errors.go sessionExpiredCode, restful.go
	// postRestfulQueryHelper).
	codeSessionExpired = "390112"
	// codeMasterExpired: the master token is no longer valid, a new login
	// is needed (assumed: Snowflake's "Authentication token has expired").
	codeMasterExpired = "390114"
	// codeJWTInvalid: key-pair login refused (gosnowflake
	// auth_with_keypair_test.go TestKeypairInvalidKey expects 390144).
	codeJWTInvalid = "390144"
	// codeQueryNotExecuting: abort of a statement that is not running
	// (gosnowflake errors.go queryNotExecutingCode, restful.go
	// cancelQuery).
	codeQueryNotExecuting = "000605"
	// codeStatementCount: "Actual statement count N did not match the
	// desired statement count M." with SQL state 0A000, as reported in
	// https://github.com/mage-ai/mage-ai/issues/5695 (Snowflake error
	// 000008).
	codeStatementCount = 8
	// codeUnsupported: Snowflake's "Unsupported feature" (assumed: code
	// 000002, SQL state 0A000).
	codeUnsupported = 2
	// codeInternal: an engine failure that is not a Snowflake error
	// (assumed: Snowflake's internal error 000603, SQL state XX000).
	codeInternal = 603
)

// envelope is the JSON shape of every Snowflake REST answer: data, code,
// message, success (gosnowflake restful.go renewSessionResponse,
// query.go execResponse, auth.go authResponse).
type envelope struct {
	Data    any     `json:"data"`
	Code    *string `json:"code"`
	Message *string `json:"message"`
	Success bool    `json:"success"`
}

// writeJSON answers 200 with v as JSON.
func (s *Server) writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.log.Error("sftest: encode response", "err", err)
		http.Error(w, "encode response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if _, err := w.Write(b); err != nil {
		s.log.Debug("sftest: write response", "err", err)
	}
}

// writeOK answers success with data.
func (s *Server) writeOK(w http.ResponseWriter, data any) {
	s.writeJSON(w, envelope{Data: data, Success: true})
}

// writeFailure answers success:false with a code and message; Snowflake
// answers failures with HTTP 200 and this body (gosnowflake
// test_data/wiremock/mappings/auth/password/invalid_password.json).
func (s *Server) writeFailure(w http.ResponseWriter, code, message string, data any) {
	s.writeJSON(w, envelope{Data: data, Code: &code, Message: &message, Success: false})
}

// errorCode formats a Snowflake error number as the six-digit string the
// server sends (gosnowflake query.go execResponse.Code is a string that
// connection.go exec parses with strconv.Atoi).
func errorCode(n int) string { return fmt.Sprintf("%06d", n) }

// readJSON decodes a request body of at most 64 MiB.
func readJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode body: %w", err)
	}
	return nil
}

// routes maps the endpoints gosnowflake calls (restful.go's path
// constants, telemetry.go telemetryPath) to their handlers; anything else
// gets 404 and a log line.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /session/v1/login-request", s.handleLogin)
	mux.HandleFunc("POST /session/token-request", s.handleRenew)
	mux.HandleFunc("POST /session/heartbeat", s.handleHeartbeat)
	mux.HandleFunc("POST /session", s.handleSession)
	mux.HandleFunc("POST /queries/v1/query-request", s.handleQuery)
	mux.HandleFunc("POST /queries/v1/abort-request", s.handleAbort)
	mux.HandleFunc("POST /telemetry/send", s.handleTelemetry)
	mux.HandleFunc("PUT "+uploadPrefix+"{id}/{name}", s.handleUpload)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("sftest: unknown endpoint", "method", r.Method, "path", r.URL.Path)
		http.NotFound(w, r)
	})
	return mux
}

// handleTelemetry accepts and ignores the driver's telemetry (gosnowflake
// telemetry.go sendBatch; answer as in test_data/wiremock/mappings/
// telemetry/telemetry.json).
func (s *Server) handleTelemetry(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 64<<20))
	s.writeOK(w, "Log Received")
}
