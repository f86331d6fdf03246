package sftest

import (
	"cmp"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// loginRequest is the body of /session/v1/login-request (gosnowflake
// auth.go authRequest and authRequestData; only the fields read here).
type loginRequest struct {
	Data struct {
		AccountName       string         `json:"ACCOUNT_NAME"`
		LoginName         string         `json:"LOGIN_NAME"`
		Password          string         `json:"PASSWORD"`
		Authenticator     string         `json:"AUTHENTICATOR"`
		Token             string         `json:"TOKEN"`
		SessionParameters map[string]any `json:"SESSION_PARAMETERS"`
	} `json:"data"`
}

// loginData is the data of a successful login (gosnowflake auth.go
// authResponseMain; values as in test_data/wiremock/mappings/auth/
// password/successful_flow.json).
type loginData struct {
	Token               string          `json:"token"`
	ValidityInSeconds   int             `json:"validityInSeconds"`
	MasterToken         string          `json:"masterToken"`
	MasterValidity      int             `json:"masterValidityInSeconds"`
	DisplayUserName     string          `json:"displayUserName"`
	ServerVersion       string          `json:"serverVersion"`
	FirstLogin          bool            `json:"firstLogin"`
	HealthCheckInterval int             `json:"healthCheckInterval"`
	SessionID           int64           `json:"sessionId"`
	Parameters          []nameValue     `json:"parameters"`
	SessionInfo         loginSessionInf `json:"sessionInfo"`
}

// loginSessionInf is authResponseSessionInfo of gosnowflake auth.go.
type loginSessionInf struct {
	DatabaseName  string `json:"databaseName"`
	SchemaName    string `json:"schemaName"`
	WarehouseName string `json:"warehouseName"`
	RoleName      string `json:"roleName"`
}

// nameValue is a session parameter (gosnowflake auth.go
// nameValueParameter).
type nameValue struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
}

// serverVersion is announced at login (assumed; the driver only logs it).
const serverVersion = "sftest-1.0"

// errLogin is a refused login: the code and message to answer.
type errLogin struct{ code, message string }

func (e *errLogin) Error() string { return e.code + ": " + e.message }

// Refusals. Messages of 390100 from gosnowflake test_data/wiremock/
// mappings/auth/password/invalid_password.json; of 390144 assumed.
var (
	errBadPassword = &errLogin{codeIncorrectCredentials, "Incorrect username or password was specified."}
	errBadJWT      = &errLogin{codeJWTInvalid, "JWT token is invalid."}
)

// handleLogin authenticates a user by password (authenticator empty or
// SNOWFLAKE) or by key pair (SNOWFLAKE_JWT) and opens a session whose
// database, schema, warehouse and role are the query parameters
// databaseName, schemaName, warehouse and roleName of the login URL
// (gosnowflake auth.go authenticate), the server's defaults otherwise.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := readJSON(r, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	user, err := s.authenticate(&req)
	if err != nil {
		var le *errLogin
		if !errors.As(err, &le) {
			le = errBadPassword
		}
		s.log.Info("sftest: login refused", "user", req.Data.LoginName, "err", err)
		s.writeFailure(w, le.code, le.message, nil)
		return
	}
	q := r.URL.Query()
	ss := &session{
		user:   user,
		db:     cmp.Or(q.Get("databaseName"), s.opts.Database),
		schema: cmp.Or(q.Get("schemaName"), s.opts.Schema),
		wh:     cmp.Or(q.Get("warehouse"), s.opts.Warehouse),
		role:   cmp.Or(q.Get("roleName"), s.opts.Role),
		params: sessionParameters(req.Data.SessionParameters),
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	defer cancel()
	eng, err := s.engine.NewSession(ctx, ss.db, ss.schema, ss.wh, ss.role)
	if err != nil {
		s.log.Warn("sftest: engine session", "user", user, "err", err)
		s.writeEngineLoginError(w, err)
		return
	}
	ss.engine = eng
	s.addSession(ss)
	s.log.Info("sftest: login", "user", user, "session", ss.id, "database", ss.db, "schema", ss.schema)
	s.writeOK(w, loginData{
		Token: ss.token, ValidityInSeconds: sessionValidity,
		MasterToken: ss.master, MasterValidity: masterValidity,
		DisplayUserName: user, ServerVersion: serverVersion,
		HealthCheckInterval: 45, SessionID: ss.id,
		Parameters:  parameterList(ss.params),
		SessionInfo: loginSessionInf{ss.db, ss.schema, ss.wh, ss.role},
	})
}

// writeEngineLoginError answers a login whose engine session could not be
// opened: a Snowflake error keeps its code, anything else is 390201,
// object does not exist or not authorized (gosnowflake errors.go
// ErrObjectNotExistOrAuthorized; the mapping is assumed).
func (s *Server) writeEngineLoginError(w http.ResponseWriter, err error) {
	var ee *Error
	if errors.As(err, &ee) {
		s.writeFailure(w, errorCode(ee.Code), ee.Message, nil)
		return
	}
	s.writeFailure(w, "390201", err.Error(), nil)
}

// authenticate checks the account and the credentials and returns the
// user's name (upper case).
func (s *Server) authenticate(req *loginRequest) (string, error) {
	d := &req.Data
	if !strings.EqualFold(accountPart(d.AccountName), accountPart(s.account)) {
		// Assumed: Snowflake routes by host name; a wrong account is
		// refused like wrong credentials.
		return "", fmt.Errorf("account %q: %w", d.AccountName, errBadPassword)
	}
	switch strings.ToUpper(d.Authenticator) {
	case "", "SNOWFLAKE":
		return s.checkPassword(d.LoginName, d.Password)
	case "SNOWFLAKE_JWT":
		return s.checkJWT(d.Token)
	default:
		// Assumed: other authenticators (OAuth, SSO, MFA, PAT...) are not
		// emulated and are refused.
		return "", fmt.Errorf("authenticator %q not emulated: %w", d.Authenticator, errBadPassword)
	}
}

// accountPart is the account name before its first dot, upper case, as
// gosnowflake dsn.go extractAccountName makes it.
func accountPart(account string) string {
	if i := strings.IndexByte(account, '.'); i > 0 {
		account = account[:i]
	}
	return strings.ToUpper(account)
}

// checkPassword checks a user's password.
func (s *Server) checkPassword(name, password string) (string, error) {
	u, ok := s.user(name)
	if !ok || u.Password == "" || subtle.ConstantTimeCompare([]byte(u.Password), []byte(password)) != 1 {
		return "", fmt.Errorf("user %q: %w", name, errBadPassword)
	}
	return strings.ToUpper(name), nil
}

// checkJWT checks a key-pair login token as gosnowflake auth.go
// prepareJWTToken makes it: RS256, subject ACCOUNT.USER, issuer
// ACCOUNT.USER.SHA256:<base64 of the SHA-256 of the public key's PKIX
// DER>, not expired. The user is the subject's.
func (s *Server) checkJWT(token string) (string, error) {
	var user string
	var key *rsa.PublicKey
	keyFunc := func(t *jwt.Token) (any, error) {
		sub, err := t.Claims.GetSubject()
		if err != nil {
			return nil, fmt.Errorf("subject: %w", err)
		}
		acct, name, ok := strings.Cut(sub, ".")
		if !ok || acct != accountPart(s.account) {
			return nil, fmt.Errorf("subject %q: not of account %s", sub, accountPart(s.account))
		}
		u, found := s.user(name)
		if !found || u.PublicKey == nil {
			return nil, fmt.Errorf("user %q has no public key", name)
		}
		user, key = strings.ToUpper(name), u.PublicKey
		return key, nil
	}
	t, err := jwt.Parse(token, keyFunc,
		jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}),
		jwt.WithExpirationRequired(), jwt.WithLeeway(time.Minute))
	if err != nil {
		return "", fmt.Errorf("jwt: %v: %w", err, errBadJWT)
	}
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return "", fmt.Errorf("jwt: public key: %v: %w", err, errBadJWT)
	}
	sum := sha256.Sum256(der)
	want := accountPart(s.account) + "." + user + ".SHA256:" + base64.StdEncoding.EncodeToString(sum[:])
	if iss, err := t.Claims.GetIssuer(); err != nil || iss != want {
		return "", fmt.Errorf("jwt: issuer %q, want %q: %w", iss, want, errBadJWT)
	}
	return user, nil
}

// defaultParameters are the session parameters announced at login
// (names from gosnowflake test_data/wiremock/mappings/select1.json; the
// values suit the DuckDB engine: TIMEZONE UTC is assumed, Snowflake's
// default being America/Los_Angeles).
var defaultParameters = map[string]any{
	"AUTOCOMMIT":                                    true,
	"CLIENT_SESSION_KEEP_ALIVE":                     false,
	"CLIENT_TELEMETRY_ENABLED":                      true,
	"CLIENT_PREFETCH_THREADS":                       4,
	"CLIENT_RESULT_CHUNK_SIZE":                      16,
	"QUERY_CONTEXT_CACHE_SIZE":                      5,
	"TIMEZONE":                                      "UTC",
	"DATE_OUTPUT_FORMAT":                            "YYYY-MM-DD",
	"TIMESTAMP_NTZ_OUTPUT_FORMAT":                   "YYYY-MM-DD HH24:MI:SS.FF3",
	"CLIENT_STAGE_ARRAY_BINDING_THRESHOLD":          65280,
	"CLIENT_SESSION_KEEP_ALIVE_HEARTBEAT_FREQUENCY": 3600,
}

// sessionParameters are the defaults overridden by the parameters the
// driver sent at login (assumed: Snowflake applies SESSION_PARAMETERS of
// the login request to the session).
func sessionParameters(sent map[string]any) map[string]any {
	p := maps.Clone(defaultParameters)
	for k, v := range sent {
		p[strings.ToUpper(k)] = v
	}
	return p
}

// parameterList is the parameters as the login answer lists them.
func parameterList(p map[string]any) []nameValue {
	out := make([]nameValue, 0, len(p))
	for _, k := range slices.Sorted(maps.Keys(p)) {
		out = append(out, nameValue{k, p[k]})
	}
	return out
}
