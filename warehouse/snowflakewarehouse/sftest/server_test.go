package sftest_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	sf "github.com/snowflakedb/gosnowflake"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/warehouse/snowflakewarehouse/sftest"
)

func TestMain(m *testing.M) {
	// The driver's own log lines would spam the test output.
	// Its WithContext lines ignore the level: discard the output too.
	l := sf.GetLogger()
	_ = l.SetLogLevel("panic")
	l.SetOutput(io.Discard)
	// No cloud metadata probing from the driver (gosnowflake
	// platform_detection.go).
	_ = os.Setenv("SNOWFLAKE_DISABLE_PLATFORM_DETECTION", "true")
	os.Exit(m.Run())
}

const (
	testUser     = "alice"
	testPassword = "s3cret"
)

// startFake starts a server with the fake engine and the password user.
func startFake(t *testing.T) (*sftest.Server, *fakeEngine) {
	t.Helper()
	dir := t.TempDir()
	eng := newFakeEngine(dir)
	srv := sftest.Start(t, &sftest.Options{
		Users:    map[string]sftest.User{testUser: {Password: testPassword}},
		Database: "DEFAULT_DB", Schema: "PUBLIC",
		StageDir: dir, Engine: eng,
	})
	return srv, eng
}

// driverConfig is a driver configuration for the server.
func driverConfig(srv *sftest.Server) sf.Config {
	return sf.Config{
		Account: srv.Account(), User: testUser, Password: testPassword,
		Protocol: "http", Host: srv.Host(), Port: srv.Port(),
		Database: "EDQM", Schema: "RAW", Warehouse: "WH", Role: "LOADER",
		MaxRetryCount: 1,
	}
}

// openDB opens a database handle on the server, closed with the test.
func openDB(t *testing.T, cfg sf.Config) *sql.DB {
	t.Helper()
	db := sql.OpenDB(sf.NewConnector(sf.SnowflakeDriver{}, cfg))
	t.Cleanup(func() { assert.NoError(t, db.Close()) })
	return db
}

// snowflakeError asserts that err is a *sf.SnowflakeError and returns it.
func snowflakeError(t *testing.T, err error) *sf.SnowflakeError {
	t.Helper()
	var se *sf.SnowflakeError
	require.ErrorAs(t, err, &se)
	return se
}

func TestPasswordLogin(t *testing.T) {
	srv, eng := startFake(t)
	db := openDB(t, driverConfig(srv))
	var one int
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT 1").Scan(&one))
	assert.Equal(t, 1, one)

	// The session has the database and schema of the login request.
	var d, s string
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT CURRENT_DATABASE(), CURRENT_SCHEMA()").Scan(&d, &s))
	assert.Equal(t, []string{"EDQM", "RAW"}, []string{d, s})
	assert.Equal(t, 1, eng.openSessions())
}

func TestPasswordRefused(t *testing.T) {
	srv, _ := startFake(t)
	for name, mod := range map[string]func(*sf.Config){
		"password": func(c *sf.Config) { c.Password = "wrong" },
		"user":     func(c *sf.Config) { c.User = "bob" },
		"account":  func(c *sf.Config) { c.Account = "other" },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := driverConfig(srv)
			mod(&cfg)
			err := openDB(t, cfg).PingContext(t.Context())
			se := snowflakeError(t, err)
			assert.Equal(t, 390100, se.Number)
			assert.Equal(t, "Incorrect username or password was specified.", se.Message)
		})
	}
}

func TestMissingDatabaseRefused(t *testing.T) {
	srv, _ := startFake(t)
	cfg := driverConfig(srv)
	cfg.Database = "MISSING"
	se := snowflakeError(t, openDB(t, cfg).PingContext(t.Context()))
	assert.Equal(t, 2043, se.Number)
}

func TestJWTLogin(t *testing.T) {
	srv, _ := startFake(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	srv.AddUser("KEYUSER", sftest.User{PublicKey: &key.PublicKey})

	cfg := driverConfig(srv)
	cfg.User, cfg.Password = "keyuser", ""
	cfg.Authenticator, cfg.PrivateKey = sf.AuthTypeJwt, key
	require.NoError(t, openDB(t, cfg).PingContext(t.Context()))

	cfg.PrivateKey = other
	se := snowflakeError(t, openDB(t, cfg).PingContext(t.Context()))
	assert.Equal(t, 390144, se.Number)

	// A password user has no key.
	cfg.User, cfg.PrivateKey = testUser, key
	se = snowflakeError(t, openDB(t, cfg).PingContext(t.Context()))
	assert.Equal(t, 390144, se.Number)
}

func TestBindings(t *testing.T) {
	srv, _ := startFake(t)
	db := openDB(t, driverConfig(srv))
	rows, err := db.QueryContext(t.Context(), "SELECT ECHO(?, ?, ?, ?)", int64(7), "x'y", nil, true)
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	assert.Equal(t, []string{"1_FIXED", "2_TEXT", "3_TEXT", "4_BOOLEAN"}, cols)
	vals := make([]sql.NullString, 4)
	require.True(t, rows.Next())
	require.NoError(t, rows.Scan(&vals[0], &vals[1], &vals[2], &vals[3]))
	assert.Equal(t, []sql.NullString{{String: "7", Valid: true}, {String: "x'y", Valid: true}, {}, {String: "true", Valid: true}}, vals)
	require.NoError(t, rows.Err())
}

func TestRowsAffected(t *testing.T) {
	srv, _ := startFake(t)
	db := openDB(t, driverConfig(srv))
	res, err := db.ExecContext(t.Context(), "INSERT INTO t VALUES (?)", 1)
	require.NoError(t, err)
	n, err := res.RowsAffected()
	require.NoError(t, err)
	assert.Equal(t, int64(3), n)
}

func TestTypes(t *testing.T) {
	srv, _ := startFake(t)
	db := openDB(t, driverConfig(srv))
	rows, err := db.QueryContext(t.Context(), "SELECT TYPES")
	require.NoError(t, err)
	defer rows.Close()

	var (
		n   int64
		d10 float64
		v   string
		dt  time.Time
		ts  time.Time
		b   bool
		f   float64
	)
	require.True(t, rows.Next())
	require.NoError(t, rows.Scan(&n, &d10, &v, &dt, &ts, &b, &f))
	assert.Equal(t, int64(42), n)
	assert.InDelta(t, 12.34, d10, 1e-9)
	assert.Equal(t, "héllo", v)
	assert.Equal(t, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), dt.UTC())
	assert.Equal(t, time.Date(2024, 1, 1, 12, 34, 56, 123456789, time.UTC), ts.UTC())
	assert.True(t, b)
	assert.InDelta(t, 1.5, f, 0)

	requireLastRowNull(t, rows, 7)
}

func TestPut(t *testing.T) {
	srv, _ := startFake(t)
	db := openDB(t, driverConfig(srv))
	src := filepath.Join(t.TempDir(), "orders.csv")
	want := []byte("id,amount\n1,10\n2,20\n")
	require.NoError(t, os.WriteFile(src, want, 0o600))

	// An older, longer file is replaced, not overwritten in place.
	stage := filepath.Join(srv.StageDir(), "landing", "2024")
	require.NoError(t, os.MkdirAll(stage, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(stage, "orders.csv"), make([]byte, 100), 0o600))

	q := "PUT 'file://" + filepath.ToSlash(src) + "' '@landing/2024/' AUTO_COMPRESS = FALSE OVERWRITE = TRUE"
	rows, err := db.QueryContext(t.Context(), q)
	require.NoError(t, err)
	var status []string
	for rows.Next() {
		var src, dst, srcSize, dstSize, srcComp, dstComp, st, msg string
		require.NoError(t, rows.Scan(&src, &dst, &srcSize, &dstSize, &srcComp, &dstComp, &st, &msg))
		status = append(status, st)
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	assert.Equal(t, []string{"UPLOADED"}, status)

	got, err := os.ReadFile(filepath.Join(stage, "orders.csv"))
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

// TestPutStream documents a driver limitation: gosnowflake v1.19.1 writes
// an empty file for a streamed PUT (WithFileStream) to a LOCAL_FS stage,
// since file_transfer_agent.go updateUploadSize measures the stream after
// initFileMetadata has drained it, and local_storage_client.go copies
// uploadSize bytes. The PUT succeeds; the file is empty. Should the driver
// be fixed, this test fails and the content can be asserted.
func TestPutStream(t *testing.T) {
	srv, _ := startFake(t)
	db := openDB(t, driverConfig(srv))
	ctx := sf.WithFileStream(t.Context(), bytesReader([]byte("streamed,bytes\n")))
	_, err := db.ExecContext(ctx, "PUT 'file:///nowhere/stream.csv' '@landing/' AUTO_COMPRESS = FALSE OVERWRITE = TRUE")
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(srv.StageDir(), "landing", "stream.csv"))
	require.NoError(t, err)
	assert.Empty(t, got, "gosnowflake's streamed PUT to LOCAL_FS now copies the bytes")
}

func TestErrors(t *testing.T) {
	srv, _ := startFake(t)
	db := openDB(t, driverConfig(srv))

	_, err := db.ExecContext(t.Context(), "SELEC nonsense")
	se := snowflakeError(t, err)
	assert.Equal(t, 1003, se.Number)
	assert.Equal(t, "42000", se.SQLState)
	assert.Contains(t, se.Message, "syntax error")
	assert.NotEmpty(t, se.QueryID)

	_, err = db.ExecContext(t.Context(), "SELECT BOOM")
	se = snowflakeError(t, err)
	assert.Equal(t, 603, se.Number)

	// Two statements without MULTI_STATEMENT_COUNT.
	_, err = db.ExecContext(t.Context(), "SELECT 1; SELECT 'a;b' -- ;\n;")
	se = snowflakeError(t, err)
	assert.Equal(t, 8, se.Number)
	assert.Equal(t, "0A000", se.SQLState)
	assert.Equal(t, "Actual statement count 2 did not match the desired statement count 1.", se.Message)

	// Running them is not emulated.
	ctx, err := sf.WithMultiStatement(t.Context(), 2)
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, "SELECT 1; SELECT 1")
	se = snowflakeError(t, err)
	assert.Equal(t, 2, se.Number)

	// The connection is still usable.
	require.NoError(t, db.PingContext(t.Context()))
}

func TestCancel(t *testing.T) {
	srv, eng := startFake(t)
	db := openDB(t, driverConfig(srv))
	db.SetMaxOpenConns(1)
	require.NoError(t, db.PingContext(t.Context()))

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := db.ExecContext(ctx, "SELECT BLOCK")
		done <- err
	}()
	select {
	case <-eng.started:
	case <-time.After(10 * time.Second):
		t.Fatal("the statement did not start")
	}
	cancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(10 * time.Second):
		t.Fatal("the cancelled statement did not return")
	}
	require.Eventually(t, func() bool { return eng.cancelledCount() == 1 }, 10*time.Second, 10*time.Millisecond)

	// The session goes on.
	var one int
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT 1").Scan(&one))
}

func TestTokenRenewalAndClose(t *testing.T) {
	srv, eng := startFake(t)
	db := openDB(t, driverConfig(srv))
	require.NoError(t, db.PingContext(t.Context()))
	srv.ExpireSessionTokens()
	var one int
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT 1").Scan(&one))

	require.NoError(t, db.Close())
	assert.Equal(t, 0, eng.openSessions())
}

func TestUseTracksFinalNames(t *testing.T) {
	srv, _ := startFake(t)
	db := openDB(t, driverConfig(srv))
	conn, err := db.Conn(t.Context())
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(t.Context(), `USE SCHEMA other."Mixed"`)
	require.NoError(t, err)
	// The fake engine does not switch; the protocol layer accepted the
	// USE. The driver keeps working after it.
	require.NoError(t, conn.PingContext(t.Context()))
}

func TestServerClose(t *testing.T) {
	eng := newFakeEngine(t.TempDir())
	srv, err := sftest.New(t.Context(), &sftest.Options{
		Users:  map[string]sftest.User{testUser: {Password: testPassword}},
		Engine: eng,
	})
	require.NoError(t, err)
	db := sql.OpenDB(sf.NewConnector(sf.SnowflakeDriver{}, driverConfig(srv)))
	require.NoError(t, db.PingContext(t.Context()))
	dir := srv.StageDir()
	require.DirExists(t, dir)

	require.NoError(t, srv.Close())
	require.NoError(t, srv.Close())
	assert.NoDirExists(t, dir)
	assert.Equal(t, 0, eng.openSessions())
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	require.Error(t, db.PingContext(ctx))
	_ = db.Close()
}

func TestUnknownEndpoint(t *testing.T) {
	srv, _ := startFake(t)
	req, err := newRequest(t.Context(), srv, "/nope")
	require.NoError(t, err)
	resp, err := httpClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, 404, resp.StatusCode)
}
