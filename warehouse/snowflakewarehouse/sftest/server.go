package sftest

import (
	"cmp"
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edqm/edqm/warehouse/snowflakewarehouse/sftest/sfsql"
)

// DefaultAccount is the account name of a server whose options name none.
const DefaultAccount = "SFTEST-ACCOUNT"

// Options configure a [Server]. The zero value is usable: it has no user
// (add them with [Server.AddUser]) and opens the default engine.
type Options struct {
	// Account is the account name the driver must send (compared without
	// regard to case); empty: [DefaultAccount].
	Account string
	// Users are the users who may log in, by name (case-insensitive).
	Users map[string]User
	// Database, Schema, Warehouse and Role are a session's defaults when
	// the login request names none.
	Database, Schema, Warehouse, Role string
	// StageDir is the root folder of the internal stages. Empty: a
	// temporary folder ([testing.TB.TempDir] for [Start]; one that Close
	// removes for [New]).
	StageDir string
	// S3 is handed to the default engine for external stages.
	S3 *S3Options
	// Engine runs the SQL. Nil: the default (sfsql) engine, opened by New
	// and closed by Close. An engine given here is not closed by Close.
	Engine Engine
	// Logger receives the server's log lines; nil: none.
	Logger *slog.Logger
	// SQL holds the default engine's switches for the behaviours
	// Snowflake's documentation leaves open (sfsql.Options'
	// FileRowNumberCountsHeader, FilenameFullPath, …) and its clock, so
	// that a test can run the product under each reading. Its Dir, S3 and
	// Logger are replaced by StageDir, S3 and Logger. Ignored with Engine.
	SQL sfsql.Options
	// UploadOverHTTP answers PUT with a GCS stage whose presigned URL is
	// on this server, which receives the files over HTTP, instead of a
	// LOCAL_FS stage the driver writes to itself. gosnowflake v1.19.1
	// writes an empty file for a streamed PUT (WithFileStream) to a
	// LOCAL_FS stage; over HTTP the bytes arrive.
	UploadOverHTTP bool
}

// User is a user's credentials: a password, an RSA public key for
// key-pair (SNOWFLAKE_JWT) authentication, or both.
type User struct {
	Password  string
	PublicKey *rsa.PublicKey
}

// Server is a Snowflake-protocol test server on 127.0.0.1. It is a test
// double for the gosnowflake driver, not a Snowflake replacement.
type Server struct {
	account  string
	opts     Options
	log      *slog.Logger
	engine   Engine
	ownsEng  bool
	stageDir string
	ownsDir  bool
	listener net.Listener
	http     *http.Server
	served   chan struct{}

	// base is cancelled by Close: it ends every running statement.
	base   context.Context
	cancel context.CancelFunc

	mu        sync.Mutex
	users     map[string]User
	sessions  map[string]*session // by session token
	masters   map[string]*session // by master token
	expired   map[string]*session // expired session tokens, by token
	uploads   map[string]string   // stage folders of HTTP uploads, by id
	nextID    int64
	closeOnce sync.Once
	closeErr  error
}

// Start starts a server for a test and closes it when the test ends. The
// stage folder defaults to t.TempDir(). It fails the test on error.
func Start(t testing.TB, opts *Options) *Server {
	t.Helper()
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.StageDir == "" {
		o.StageDir = t.TempDir()
	}
	s, err := New(t.Context(), &o)
	if err != nil {
		t.Fatalf("sftest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("sftest: close: %v", err)
		}
	})
	return s
}

// New starts a server on a random port of 127.0.0.1. ctx bounds the
// start-up only. Close stops it.
func New(ctx context.Context, opts *Options) (*Server, error) {
	s := &Server{
		users:    map[string]User{},
		sessions: map[string]*session{},
		masters:  map[string]*session{},
		expired:  map[string]*session{},
		uploads:  map[string]string{},
		served:   make(chan struct{}),
	}
	if opts != nil {
		s.opts = *opts
	}
	s.account = strings.ToUpper(cmp.Or(s.opts.Account, DefaultAccount))
	s.log = s.opts.Logger
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for name, u := range s.opts.Users {
		s.users[strings.ToUpper(name)] = u
	}
	if err := s.openEngine(ctx); err != nil {
		return nil, err
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		s.closeEngine()
		return nil, fmt.Errorf("sftest: listen: %w", err)
	}
	s.listener = ln
	s.base, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	s.http = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return s.base },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	go func() {
		defer close(s.served)
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("sftest: serve", "err", err)
		}
	}()
	s.log.Info("sftest: listening", "addr", ln.Addr().String(), "account", s.account)
	return s, nil
}

// openEngine opens the default engine unless the options give one, and
// the temporary stage folder when none is given.
func (s *Server) openEngine(ctx context.Context) error {
	s.stageDir = s.opts.StageDir
	if s.stageDir == "" {
		dir, err := os.MkdirTemp("", "sftest-stage-")
		if err != nil {
			return fmt.Errorf("sftest: stage folder: %w", err)
		}
		s.stageDir, s.ownsDir = dir, true
	}
	if s.opts.Engine != nil {
		s.engine = s.opts.Engine
		return nil
	}
	eng, err := openDefaultEngine(ctx, s.opts.SQL, s.stageDir, s.opts.S3, s.log)
	if err != nil {
		s.closeEngine()
		return fmt.Errorf("sftest: engine: %w", err)
	}
	s.engine, s.ownsEng = eng, true
	return nil
}

// closeEngine closes what openEngine opened.
func (s *Server) closeEngine() error {
	var errs []error
	if s.ownsEng && s.engine != nil {
		errs = append(errs, s.engine.Close())
	}
	if s.ownsDir {
		errs = append(errs, os.RemoveAll(s.stageDir))
	}
	return errors.Join(errs...)
}

// Close stops the server: it cancels running statements, waits for the
// handlers (at most 5 seconds), closes the sessions and the engine it
// opened. It may be called more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.cancel()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var errs []error
		if err := s.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("sftest: shutdown: %w", err), s.http.Close())
		}
		<-s.served
		s.mu.Lock()
		open := make([]*session, 0, len(s.masters))
		for _, ss := range s.masters {
			open = append(open, ss)
		}
		clear(s.sessions)
		clear(s.masters)
		clear(s.expired)
		s.mu.Unlock()
		for _, ss := range open {
			errs = append(errs, ss.close())
		}
		errs = append(errs, s.closeEngine())
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// Host is the host name to give the driver: "127.0.0.1".
func (s *Server) Host() string { return "127.0.0.1" }

// Port is the server's TCP port.
func (s *Server) Port() int { return s.listener.Addr().(*net.TCPAddr).Port }

// Account is the account name the driver must use (upper case).
func (s *Server) Account() string { return s.account }

// StageDir is the root folder of the internal stages.
func (s *Server) StageDir() string { return s.stageDir }

// AddUser adds or replaces a user (names are case-insensitive).
func (s *Server) AddUser(name string, u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[strings.ToUpper(name)] = u
}

// user returns a user by name.
func (s *Server) user(name string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[strings.ToUpper(name)]
	return u, ok
}

// Environment variables through which the product (snowflakewarehouse's
// ConfigFromURL, and so warehouse.Open and the example programs) reaches
// a server other than the account's own.
const (
	envHost     = "SNOWFLAKE_HOST"
	envPort     = "SNOWFLAKE_PORT"
	envProtocol = "SNOWFLAKE_PROTOCOL"
	envPassword = "SNOWFLAKE_PASSWORD"
	envKeyPath  = "SNOWFLAKE_PRIVATE_KEY_PATH"
)

// SetEnv points the product at this server for the rest of the test, with
// t.Setenv: SNOWFLAKE_HOST, SNOWFLAKE_PORT and SNOWFLAKE_PROTOCOL=http,
// and SNOWFLAKE_PASSWORD=password with SNOWFLAKE_PRIVATE_KEY_PATH empty.
// A URL from [Server.URL] then opens through warehouse.Open as a real
// account's would.
func (s *Server) SetEnv(t testing.TB, password string) {
	t.Helper()
	t.Setenv(envHost, s.Host())
	t.Setenv(envPort, fmt.Sprint(s.Port()))
	t.Setenv(envProtocol, "http")
	t.Setenv(envPassword, password)
	t.Setenv(envKeyPath, "")
}

// URL returns snowflake://user@ACCOUNT/database/schema, followed by
// ?query when query is not empty: the warehouse URL of this server's
// account, to use after [Server.SetEnv].
func (s *Server) URL(user, database, schema, query string) string {
	u := "snowflake://" + user + "@" + strings.ToLower(s.account) + "/" + database + "/" + schema
	if query != "" {
		u += "?" + query
	}
	return u
}
