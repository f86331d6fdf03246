// Package s3test runs a real S3-compatible server on loopback for tests:
// versitygw (https://github.com/versity/versitygw) over a temporary folder.
// versitygw checks SigV4 signatures and honours conditional writes, so
// tests against it exercise what AWS S3 does, offline.
//
// Install it with
//
//	go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
//
// [Start] finds it in PATH or in $(go env GOPATH)/bin. Without it, [Start]
// returns an error wrapping [ErrNotInstalled], and [Unavailable] skips the
// test, or fails it when the environment variable EDQM_REQUIRE_S3 is "1"
// (as in CI, where a skipped S3 suite would hide a broken one):
//
//	func TestS3(t *testing.T) {
//		srv := s3test.ForTest(t) // skips or fails when versitygw is missing
//		bucket := srv.NewBucket(t)
//		l, err := s3landing.Open(ctx, bucket, srv.Options())
//		...
//	}
//
// Each Server has its own random credentials, which it hands out through
// [Server.Options] and [Server.Env], never through a URL.
package s3test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/edqm/edqm/landing/s3landing"
)

// RequireEnv is the environment variable that, set to "1", turns a missing
// versitygw from a skip into a test failure.
const RequireEnv = "EDQM_REQUIRE_S3"

// Install is the command that installs the versitygw this package expects.
const Install = "go install github.com/versity/versitygw/cmd/versitygw@v1.8.0"

// Region is the region the server answers for.
const Region = "us-east-1"

// ErrNotInstalled is returned when versitygw is neither in PATH nor in
// $(go env GOPATH)/bin.
var ErrNotInstalled = errors.New("s3test: versitygw is not installed (" + Install + ")")

// Server is a versitygw process serving S3 on 127.0.0.1.
type Server struct {
	// Endpoint is the server's base URL, http://127.0.0.1:PORT.
	Endpoint string
	// AccessKey and SecretKey are the credentials the server accepts.
	AccessKey, SecretKey string

	dir     string
	cmd     *exec.Cmd
	out     *syncBuffer
	exited  chan struct{}
	buckets atomic.Int64
	once    sync.Once
}

// Find returns the path of the versitygw binary, or an error wrapping
// [ErrNotInstalled].
func Find() (string, error) {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			gopath = strings.TrimSpace(string(out))
		} else if home, err := os.UserHomeDir(); err == nil {
			gopath = filepath.Join(home, "go") // go's default
		}
	}
	for _, dir := range filepath.SplitList(gopath) {
		p := filepath.Join(dir, "bin", "versitygw")
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", ErrNotInstalled
}

// Start runs versitygw over a new temporary folder on a free loopback
// port, and waits until it answers. Close stops it and removes the folder.
func Start(ctx context.Context) (*Server, error) {
	bin, err := Find()
	if err != nil {
		return nil, err
	}
	var lastErr error
	for range 3 { // the free port may be taken before versitygw binds it
		s, err := start(ctx, bin)
		if err == nil {
			return s, nil
		}
		if ctx.Err() != nil {
			return nil, err
		}
		lastErr = err
	}
	return nil, lastErr
}

func start(ctx context.Context, bin string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("s3test: finding a free port: %w", err)
	}
	dir, err := os.MkdirTemp("", "edqm-versitygw-")
	if err != nil {
		return nil, fmt.Errorf("s3test: %w", err)
	}
	s := &Server{
		Endpoint:  "http://127.0.0.1:" + strconv.Itoa(port),
		AccessKey: "edqm" + strings.ToLower(rand.Text()[:12]),
		SecretKey: rand.Text(),
		dir:       dir,
		out:       &syncBuffer{},
		exited:    make(chan struct{}),
	}
	s.cmd = exec.Command(bin, "--port", "127.0.0.1:"+strconv.Itoa(port), "--keep-alive", "--quiet", "posix", dir)
	// The credentials go through the environment, not the command line
	// that any user of the machine can read.
	s.cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY_ID="+s.AccessKey, "ROOT_SECRET_ACCESS_KEY="+s.SecretKey)
	s.cmd.Stdout = s.out
	dieWithParent(s.cmd)
	s.cmd.Stderr = s.out
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("s3test: starting versitygw: %w", err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(ctx, 15*time.Second); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls the server until it answers HTTP.
func (s *Server) waitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.Endpoint+"/", nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			return nil // any answer, even 403 for an unsigned request
		}
		select {
		case <-s.exited:
			return fmt.Errorf("s3test: versitygw exited at start: %s", s.out.String())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("s3test: versitygw did not answer on %s within %v: %s", s.Endpoint, limit, s.out.String())
		}
	}
}

// Close stops the server and removes its folder. Calling it again does
// nothing.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		_ = s.cmd.Process.Kill()
		<-s.exited
		err = os.RemoveAll(s.dir)
	})
	return err
}

// Output returns what versitygw printed so far.
func (s *Server) Output() string { return s.out.String() }

// Options returns s3landing options that reach the server with its
// credentials, path-style addressing and its region.
func (s *Server) Options() *s3landing.Options {
	return &s3landing.Options{
		Region:      Region,
		Endpoint:    s.Endpoint,
		PathStyle:   true,
		Credentials: credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
	}
}

// Client returns a new S3 client for the server.
func (s *Server) Client() *s3.Client {
	return s3.New(s3.Options{
		Region:       Region,
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
	})
}

// URL returns the s3:// URL of prefix in bucket on this server. It holds
// no credentials: set [Server.Env] for them.
func (s *Server) URL(bucket, prefix string) string {
	u := "s3://" + bucket
	if prefix != "" {
		u += "/" + strings.TrimPrefix(prefix, "/")
	}
	return u + "?endpoint=" + s.Endpoint + "&region=" + Region + "&path_style=true"
}

// Env returns the environment that makes the standard AWS chain use the
// server's credentials and nothing else from the machine: no profile, no
// shared files, no instance metadata.
func (s *Server) Env() map[string]string {
	return map[string]string{
		"AWS_ACCESS_KEY_ID":           s.AccessKey,
		"AWS_SECRET_ACCESS_KEY":       s.SecretKey,
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  Region,
		"AWS_PROFILE":                 "",
		"AWS_DEFAULT_PROFILE":         "",
		"AWS_CONFIG_FILE":             os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_ENDPOINT_URL":            "",
		"AWS_ENDPOINT_URL_S3":         "",
		"AWS_CA_BUNDLE":               "",
	}
}

// SetEnv sets [Server.Env] for the test with t.Setenv.
func (s *Server) SetEnv(t testing.TB) {
	t.Helper()
	for k, v := range s.Env() {
		t.Setenv(k, v)
	}
}

// CreateBucket creates a bucket.
func (s *Server) CreateBucket(ctx context.Context, name string) error {
	if _, err := s.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name}); err != nil {
		return fmt.Errorf("s3test: create bucket %q: %w", name, err)
	}
	return nil
}

// NewBucket creates a bucket with a new name and returns the name.
func (s *Server) NewBucket(t testing.TB) string {
	t.Helper()
	name := "edqm-test-" + strconv.FormatInt(s.buckets.Add(1), 10)
	if err := s.CreateBucket(t.Context(), name); err != nil {
		t.Fatal(err)
	}
	return name
}

// ForTest starts a server for the test and stops it at the end. When
// versitygw is missing it calls [Unavailable].
func ForTest(t testing.TB) *Server {
	t.Helper()
	s, err := Start(t.Context())
	if err != nil {
		Unavailable(t, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Unavailable ends a test that needs the server, which err says could not
// start: with t.Skip, or with t.Fatal when [RequireEnv] is "1" or err is
// anything but [ErrNotInstalled].
func Unavailable(t testing.TB, err error) {
	t.Helper()
	switch {
	case !errors.Is(err, ErrNotInstalled):
		t.Fatalf("S3 test server: %v", err)
	case os.Getenv(RequireEnv) == "1":
		t.Fatalf("%v; %s=1 requires the S3 tests to run", err, RequireEnv)
	default:
		t.Skipf("skipping the S3 tests against a real server: %v (set %s=1 to fail instead)", err, RequireEnv)
	}
}

// syncBuffer is a bytes.Buffer safe for the process's writers and readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.b.Len() > 1<<20 { // keep the start, where start-up errors are
		return len(p), nil
	}
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
