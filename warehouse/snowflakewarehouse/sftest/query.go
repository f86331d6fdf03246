package sftest

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// statementTypeSelect is Snowflake's statementTypeId of a query
// (gosnowflake connection.go statementTypeIDSelect).
const statementTypeSelect = 0x1000

// queryRequest is the body of /queries/v1/query-request (gosnowflake
// query.go execRequest; only the fields read here).
type queryRequest struct {
	SQLText      string                `json:"sqlText"`
	AsyncExec    bool                  `json:"asyncExec"`
	DescribeOnly bool                  `json:"describeOnly"`
	Parameters   map[string]any        `json:"parameters"`
	Bindings     map[string]bindingReq `json:"bindings"`
	BindStage    string                `json:"bindStage"`
}

// bindingReq is one bind value (gosnowflake query.go execBindParameter):
// the driver sends scalars as JSON strings or null, array binds as arrays.
type bindingReq struct {
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// handleQuery runs one statement of the session named by the request's
// token and answers in Snowflake's JSON result format (gosnowflake
// restful.go postRestfulQueryHelper, connection.go exec). Statements of a
// session run one at a time; the request id of the query string
// (gosnowflake restful.go requestIDKey) names the statement for
// /queries/v1/abort-request.
func (s *Server) handleQuery(w http.ResponseWriter, r *http.Request) {
	ss := s.requireSession(w, r)
	if ss == nil {
		return
	}
	var req queryRequest
	if err := readJSON(r, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	qid := newQueryID()
	binds, ee := checkRequest(&req)
	if ee != nil {
		s.writeQueryError(w, ee, qid)
		return
	}
	requestID := cmp.Or(r.URL.Query().Get("requestId"), qid)
	res, err := s.execute(r.Context(), ss, requestID, req.SQLText, binds)
	if err == nil && res.Upload == nil && res.StatementTypeID == statementTypeSelect && len(res.Columns) == 0 {
		// gosnowflake connection_util.go isMultiStmt reads the first
		// column of a SELECT's row type: refuse rather than crash it.
		err = errors.New("engine returned a SELECT result without columns")
	}
	if err != nil {
		s.log.Info("sftest: statement failed", "session", ss.id, "sql", req.SQLText, "err", err)
		s.writeQueryError(w, snowflakeError(err), qid)
		return
	}
	if res.QueryID == "" {
		res.QueryID = qid
	}
	ss.trackUse(req.SQLText)
	if res.Upload != nil {
		s.writeUpload(w, ss, res)
		return
	}
	s.writeResult(w, ss, res, len(binds))
}

// checkRequest refuses what the server does not emulate and checks the
// statement count; it returns the bind values in order.
func checkRequest(req *queryRequest) ([]Binding, *Error) {
	switch {
	case req.AsyncExec:
		return nil, unsupported("asynchronous execution")
	case req.DescribeOnly:
		return nil, unsupported("describe-only execution")
	case req.BindStage != "":
		return nil, unsupported("stage binding")
	}
	if ee := checkStatementCount(req); ee != nil {
		return nil, ee
	}
	return bindings(req.Bindings)
}

// checkStatementCount compares the statements of the text with the
// MULTI_STATEMENT_COUNT parameter (1 when absent, 0 for any number), as
// Snowflake does (error 000008, see codeStatementCount;
// https://docs.snowflake.com/en/developer-guide/sql-api/submitting-multiple-statements).
// Running several statements in one request is not emulated.
func checkStatementCount(req *queryRequest) *Error {
	n := countStatements(req.SQLText)
	if n == 0 {
		// Assumed: Snowflake's 000900 "Empty SQL statement.".
		return &Error{Code: 900, SQLState: "42000", Message: "Empty SQL statement."}
	}
	want, err := multiStatementCount(req.Parameters)
	if err != nil {
		return &Error{Code: codeUnsupported, SQLState: "0A000", Message: err.Error()}
	}
	if want != 0 && n != want {
		return &Error{Code: codeStatementCount, SQLState: "0A000",
			Message: fmt.Sprintf("Actual statement count %d did not match the desired statement count %d.", n, want)}
	}
	if n > 1 {
		return unsupported("multiple statements in one request (MULTI_STATEMENT_COUNT)")
	}
	return nil
}

// multiStatementCount reads MULTI_STATEMENT_COUNT (gosnowflake
// connection.go exec copies it from the context into the parameters).
func multiStatementCount(params map[string]any) (int, error) {
	v, ok := params["MULTI_STATEMENT_COUNT"]
	if !ok || v == nil {
		return 1, nil
	}
	switch x := v.(type) {
	case float64:
		return int(x), nil
	case string:
		n, err := strconv.Atoi(x)
		if err != nil {
			return 0, fmt.Errorf("MULTI_STATEMENT_COUNT %q: %w", x, err)
		}
		return n, nil
	}
	return 0, fmt.Errorf("MULTI_STATEMENT_COUNT: unexpected %T", v)
}

// unsupported is Snowflake's "Unsupported feature" error (assumed code
// and wording, see codeUnsupported).
func unsupported(what string) *Error {
	return &Error{Code: codeUnsupported, SQLState: "0A000", Message: fmt.Sprintf("Unsupported feature '%s'.", what)}
}

// bindings orders the bind values by their position ("1", "2", ...: the
// keys gosnowflake connection_util.go processBindings gives them).
func bindings(in map[string]bindingReq) ([]Binding, *Error) {
	if len(in) == 0 {
		return nil, nil
	}
	type pos struct {
		n int
		b Binding
	}
	all := make([]pos, 0, len(in))
	for k, b := range in {
		n, err := strconv.Atoi(k)
		if err != nil {
			return nil, unsupported("named bind variable " + k)
		}
		v, err := bindValue(b.Value)
		if err != nil {
			return nil, unsupported(fmt.Sprintf("bind variable %s: %v", k, err))
		}
		all = append(all, pos{n, Binding{Type: b.Type, Value: v}})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].n < all[j].n })
	out := make([]Binding, len(all))
	for i, p := range all {
		out[i] = p.b
	}
	return out, nil
}

// bindValue decodes a scalar bind value: a JSON string, null, or (not
// sent by gosnowflake, accepted) a bare number or boolean.
func bindValue(raw json.RawMessage) (*string, error) {
	t := strings.TrimSpace(string(raw))
	switch {
	case t == "" || t == "null":
		return nil, nil
	case strings.HasPrefix(t, `"`):
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("value: %w", err)
		}
		return &v, nil
	case strings.HasPrefix(t, "[") || strings.HasPrefix(t, "{"):
		return nil, errors.New("array and structured binds are not emulated")
	}
	return &t, nil
}

// execute runs a statement in its session's turn. The statement's context
// ends with the request's (client gone, server closing) or an abort
// request naming requestID.
func (s *Server) execute(reqCtx context.Context, ss *session, requestID, sql string, binds []Binding) (*Result, error) {
	ctx, cancel := context.WithCancel(reqCtx)
	defer cancel()
	if !ss.register(requestID, cancel) {
		return nil, &Error{Code: 390111, SQLState: "08003", Message: "Session no longer exists."}
	}
	defer ss.unregister(requestID)
	select {
	case ss.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-ss.turn }()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return ss.engine.Execute(ctx, sql, binds)
}

// register records a running statement's cancel function; false when the
// session is closed.
func (ss *session) register(requestID string, cancel context.CancelFunc) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed {
		return false
	}
	ss.running[requestID] = cancel
	return true
}

// unregister forgets a finished statement.
func (ss *session) unregister(requestID string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.running, requestID)
}

// abortRequest is the body of /queries/v1/abort-request (gosnowflake
// restful.go cancelQuery).
type abortRequest struct {
	RequestID string `json:"requestId"`
}

// handleAbort cancels the running statement of the session whose request
// id the body names. A statement that is not running is answered 000605,
// which the driver retries a few times and then takes for done
// (gosnowflake restful.go cancelQuery).
func (s *Server) handleAbort(w http.ResponseWriter, r *http.Request) {
	ss := s.requireSession(w, r)
	if ss == nil {
		return
	}
	var req abortRequest
	if err := readJSON(r, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ss.mu.Lock()
	cancel, ok := ss.running[req.RequestID]
	ss.mu.Unlock()
	if !ok {
		s.writeFailure(w, codeQueryNotExecuting, "Identified SQL statement is not currently executing.", nil)
		return
	}
	cancel()
	s.log.Info("sftest: statement aborted", "session", ss.id, "requestId", req.RequestID)
	s.writeOK(w, nil)
}

// snowflakeError turns an engine error into a Snowflake error. A
// cancelled statement is 000604 "SQL execution canceled" (assumed, SQL
// state 57014); any non-Snowflake error is an internal error (assumed,
// see codeInternal).
func snowflakeError(err error) *Error {
	var ee *Error
	switch {
	case errors.As(err, &ee):
		return ee
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &Error{Code: 604, SQLState: "57014", Message: "SQL execution canceled"}
	}
	return &Error{Code: codeInternal, SQLState: "XX000", Message: "SQL execution internal error: " + err.Error()}
}

// newQueryID makes a query id shaped like Snowflake's (8-4-4-4-12 hex
// digits, as in gosnowflake test_data/wiremock/mappings/select1.json).
func newQueryID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+).
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
