package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"database/sql"
	"encoding/pem"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	sf "github.com/snowflakedb/gosnowflake"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/s3landing/s3test"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// The secrets suite: credentials (AWS keys, the Snowflake password or
// private key, secrets pasted into URLs) never appear in what a run prints,
// writes to the data folder, lands, or loads into the warehouse.

// leakScanner looks for secrets in everything a run left behind, and
// records where it found one.
type leakScanner struct {
	secrets []string
	found   []string
}

// newLeakScanner scans for each secret as given, in the forms a URL or a
// quoted string would show it in, and for each of its pieces of 8 bytes or
// more between characters other than letters and digits (a message may
// show a secret cut at a "/", as url.Parse's "invalid port" does). A
// secret shorter than 8 bytes is refused: it would be found by chance.
func newLeakScanner(t *testing.T, secrets ...string) *leakScanner {
	t.Helper()
	s := &leakScanner{}
	seen := map[string]bool{}
	for _, sec := range secrets {
		if len(sec) < 8 {
			t.Fatalf("secret %q is too short to scan for", sec)
		}
		q := strconv.Quote(sec)
		forms := []string{sec, url.QueryEscape(sec), url.PathEscape(sec), q[1 : len(q)-1]}
		for _, piece := range strings.FieldsFunc(sec, func(r rune) bool {
			return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
		}) {
			if len(piece) >= 8 {
				forms = append(forms, piece)
			}
		}
		for _, f := range forms {
			if !seen[f] {
				seen[f] = true
				s.secrets = append(s.secrets, f)
			}
		}
	}
	return s
}

// scan records where, with the first offset, if data holds a secret.
func (s *leakScanner) scan(where string, data []byte) {
	first := -1
	for _, sec := range s.secrets {
		if i := bytes.Index(data, []byte(sec)); i >= 0 && (first < 0 || i < first) {
			first = i
		}
	}
	if first >= 0 {
		s.found = append(s.found, fmt.Sprintf("%s (at byte %d)", where, first))
	}
}

// scanDir scans every file under dir.
func (s *leakScanner) scanDir(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s.scan("file "+p, data)
		return nil
	})
	if err != nil {
		t.Fatalf("scanning %s: %v", dir, err)
	}
}

// scanLander scans every object of a Lander, and says how many there were.
func (s *leakScanner) scanLander(t *testing.T, ctx context.Context, l landing.Lander, name string) int {
	t.Helper()
	objs, err := l.List(ctx, "")
	if err != nil {
		t.Fatalf("listing %s: %v", name, err)
	}
	for _, o := range objs {
		rc, err := l.Get(ctx, o.Key)
		if err != nil {
			t.Fatalf("reading %s %s: %v", name, o.Key, err)
		}
		var b bytes.Buffer
		_, err = b.ReadFrom(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("reading %s %s: %v", name, o.Key, err)
		}
		s.scan("object "+o.Key+" in "+name, b.Bytes())
	}
	return len(objs)
}

// scanDuckDB scans every cell, cast to VARCHAR, of every table and view of
// a DuckDB file, and says how many cells there were.
func (s *leakScanner) scanDuckDB(t *testing.T, ctx context.Context, path string) int {
	t.Helper()
	w, err := duckdbwarehouse.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("opening the warehouse %s: %v", path, err)
	}
	defer w.Close()
	var db *sql.DB
	if !w.As(&db) {
		t.Fatal("duckdbwarehouse gives no *sql.DB")
	}
	rows, err := db.QueryContext(ctx, `SELECT table_schema, table_name FROM information_schema.tables
		WHERE table_schema NOT IN ('information_schema', 'pg_catalog') ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	var tables [][2]string
	for rows.Next() {
		var schema, name string
		if err := rows.Scan(&schema, &name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, [2]string{schema, name})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	cells := 0
	for _, tb := range tables {
		q := fmt.Sprintf(`SELECT CAST(COLUMNS(*) AS VARCHAR) FROM %q.%q`, tb[0], tb[1])
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for n := 1; rows.Next(); n++ {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				cells++
				if v.Valid {
					s.scan(fmt.Sprintf("warehouse %s.%s row %d column %s", tb[0], tb[1], n, cols[i]), []byte(v.String))
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return cells
}

// check fails the test with every place a secret was found.
func (s *leakScanner) check(t *testing.T) {
	t.Helper()
	if len(s.found) > 0 {
		t.Errorf("a secret leaked into %d place(s):\n  %s", len(s.found), strings.Join(s.found, "\n  "))
	}
}

// driverDebug sets gosnowflake's log level (one per process) to debug for
// the test: more than a user sees, so more to scan. It leaves the driver's
// output alone: snowflakewarehouse routes it, once per process, to the
// Logger of the Warehouse opened last, which -log puts on the run's stderr.
func driverDebug(t *testing.T) {
	t.Helper()
	log := sf.GetLogger()
	level := log.GetLogLevel()
	require.NoError(t, log.SetLogLevel("debug"))
	t.Cleanup(func() { _ = log.SetLogLevel(level) })
}

// TestSecretScannerFindsLeaks proves the scanner can fail: a secret planted
// in output, in a file, in a landed object and in a warehouse cell is
// reported at each place.
func TestSecretScannerFindsLeaks(t *testing.T) {
	ctx := t.Context()
	const secret = "EDQMplantedS3CRET/x+y"
	s := newLeakScanner(t, secret)

	s.scan("stdout", []byte("nothing to see"))
	if len(s.found) != 0 {
		t.Fatalf("found a secret in clean output: %v", s.found)
	}
	s.scan("stderr", []byte("edqm: URL s3://k:"+url.QueryEscape(secret)+"@b: refused"))

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "clean.txt"), []byte("clean"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "leak.json"), []byte(`{"key": "`+secret+`"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	s.scanDir(t, dir)

	l, err := landing.Open(ctx, "file://"+filepath.ToSlash(filepath.Join(dir, "landing")), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Put(ctx, "a/leak.csv", strings.NewReader("x\n"+secret+"\n")); err != nil {
		t.Fatal(err)
	}
	if n := s.scanLander(t, ctx, l, "the test lander"); n != 1 {
		t.Fatalf("scanned %d objects, want 1", n)
	}

	dbPath := filepath.Join(t.TempDir(), "w.duckdb")
	w, err := duckdbwarehouse.Open(ctx, dbPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Exec(ctx, `CREATE TABLE raw_x (id INTEGER, note VARCHAR); INSERT INTO raw_x VALUES (1, 'clean'), (2, 'token `+secret+`')`); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := s.scanDuckDB(t, ctx, dbPath); n != 4 {
		t.Fatalf("scanned %d cells, want 4", n)
	}

	for _, want := range []string{"stderr", "file " + filepath.Join(dir, "sub", "leak.json"), "object a/leak.csv", "warehouse main.raw_x row 2 column note"} {
		hit := false
		for _, f := range s.found {
			hit = hit || strings.HasPrefix(f, want)
		}
		if !hit {
			t.Errorf("the scanner missed the secret in %s; it found: %v", want, s.found)
		}
	}
	for _, f := range s.found {
		if strings.Contains(f, "clean") || strings.HasPrefix(f, "stdout") {
			t.Errorf("the scanner found a secret where there is none: %s", f)
		}
	}
}

// TestSecretsS3Landing runs the whole flow landing on a real S3 server
// (versitygw; skipped without it unless EDQM_REQUIRE_S3=1) with the
// server's credentials in the standard AWS variables and a decoy
// Snowflake password, then scans stdout, stderr, the data folder, every
// object of the bucket and every cell of the warehouse for them.
func TestSecretsS3Landing(t *testing.T) {
	srv := s3test.ForTest(t)
	srv.SetEnv(t)
	const decoy = "EDQMdecoySnowflakeS3CRET"
	t.Setenv("SNOWFLAKE_PASSWORD", decoy)
	ctx := t.Context()
	s3URL := srv.URL(srv.NewBucket(t), "edqm")
	dir := t.TempDir()

	scan := newLeakScanner(t, srv.SecretKey, srv.AccessKey, decoy)
	var outs []string
	for _, now := range []string{"2026-03-10", "2026-03-12"} { // a backfill, then an incremental run
		code, out, errOut := runFull(t, "-data", dir, "-landing", s3URL, "-now", now, "-days", "20")
		if code != 0 {
			t.Fatalf("run -now %s: exit %d\nstdout:\n%s\nstderr:\n%s", now, code, out, errOut)
		}
		scan.scan("stdout of the run of "+now, []byte(out))
		scan.scan("stderr of the run of "+now, []byte(errOut))
		outs = append(outs, out)
	}
	if !strings.Contains(outs[0], "Backfilled 20 days") {
		t.Fatalf("the first run did not backfill 20 days:\n%s", outs[0])
	}
	scan.scanDir(t, dir)
	l, err := landing.Open(ctx, s3URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if n := scan.scanLander(t, ctx, l, s3URL); n < 20*3 {
		t.Fatalf("the bucket holds %d objects, want at least %d", n, 20*3)
	}
	if n := scan.scanDuckDB(t, ctx, filepath.Join(dir, "warehouse.duckdb")); n < 1000 {
		t.Fatalf("the warehouse holds %d cells, want at least 1000", n)
	}
	scan.check(t)
}

// TestSecretsSnowflakeWarehouse points the run, with -log debug and the
// driver's own level at debug, at a Snowflake account it cannot reach (no
// network here), with the password, then a private key, in the
// environment: the run fails, its stderr carries the driver's log lines,
// and neither its output, those lines nor the data folder holds the secret.
func TestSecretsSnowflakeWarehouse(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	var keyLines []string
	for _, line := range strings.Split(string(keyPEM), "\n") {
		if line != "" && !strings.HasPrefix(line, "-----") {
			keyLines = append(keyLines, line)
		}
	}
	keyFile := filepath.Join(t.TempDir(), "rsa_key.p8")
	require.NoError(t, os.WriteFile(keyFile, keyPEM, 0o600))

	// login_timeout bounds the driver's retries of a login that cannot
	// resolve the account's host; without it they last a minute.
	const whURL = "snowflake://edqm_user@edqm-test-account/EDQM_DB/RAW?warehouse=EDQM_WH&login_timeout=1s"
	for _, tc := range []struct {
		name, password, keyPath string
		secrets                 []string
	}{
		{name: "password", password: "EDQMsnowflakePasswordS3CRET", secrets: []string{"EDQMsnowflakePasswordS3CRET"}},
		{name: "private key", keyPath: keyFile, secrets: keyLines},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("SNOWFLAKE_PASSWORD", tc.password)
			t.Setenv("SNOWFLAKE_PRIVATE_KEY_PATH", tc.keyPath)
			driverDebug(t)
			dir := t.TempDir()
			code, out, errOut := runFull(t, "-data", dir, "-warehouse", whURL, "-now", "2026-03-10", "-days", "2", "-log", "debug")
			require.NotEqual(t, exitOK, code, "the run succeeded without a reachable Snowflake:\n%s", out)
			assert.Contains(t, errOut, "edqm: snowflakewarehouse", "stderr does not say what failed")
			// The driver's lines, at its debug level, as records of the
			// run's logger: what the scan below must see.
			assert.Contains(t, errOut, `msg="snowflakewarehouse: gosnowflake"`, "the driver's log is not on stderr")
			assert.Contains(t, errOut, "level=debug", "the driver's debug lines are not on stderr")
			scan := newLeakScanner(t, tc.secrets...)
			scan.scan("stdout", []byte(out))
			scan.scan("stderr, with the Snowflake driver's log", []byte(errOut))
			scan.scanDir(t, dir)
			scan.check(t)
		})
	}
}

// TestSecretsInURLsAreRefused passes URLs carrying credentials to -landing
// and -warehouse: each run fails with a message, and the secret is neither
// in stdout nor in stderr.
func TestSecretsInURLsAreRefused(t *testing.T) {
	t.Setenv("SNOWFLAKE_PASSWORD", "")
	t.Setenv("SNOWFLAKE_PRIVATE_KEY_PATH", "")
	const (
		secret = "EDQMurlS3CRETwJalrXUtnFEMI/K7MDENG+bPxRfiCY"
		key    = "AKIAEDQMURLS3CRET000"
	)
	esc := url.QueryEscape(secret)
	for _, tc := range []struct{ flag, url string }{
		{"-landing", "s3://" + key + ":" + esc + "@bucket/prefix?region=us-east-1"},
		{"-landing", "s3://" + key + ":" + secret + "@bucket/prefix"}, // the "/" makes url.Parse see a port
		{"-landing", "s3://" + key + ":1234/" + esc + "@bucket/prefix"},
		{"-landing", "s3:" + key + ":" + esc + "@bucket/prefix"},
		{"-landing", "s3://bucket/prefix?aws_access_key_id=" + key + "&aws_secret_access_key=" + esc},
		{"-landing", "s3://bucket/prefix?endpoint=http://" + key + ":" + esc + "@127.0.0.1:9000"},
		{"-landing", "file://" + key + ":" + esc + "@localhost/tmp/edqm"},
		{"-landing", "file:///tmp/edqm?token=" + esc},
		{"-landing", "mem://x?token=" + esc},
		{"-landing", "gs://" + key + ":" + esc + "@bucket/p?token=" + esc},
		{"-warehouse", "snowflake://edqm_user:" + esc + "@acct/db/s"},
		{"-warehouse", "snowflake://edqm_user@acct/db/s?password=" + esc},
		{"-warehouse", "snowflake://edqm_user@acct/db/s?private_key=" + esc + "&warehouse=WH"},
		{"-warehouse", "snowflake://edqm_user@acct/db/s?s3=" + url.QueryEscape("s3://"+key+":"+esc+"@bucket/p/")},
		{"-warehouse", "snowflake://edqm_user@acct/db/s?s3=" + url.QueryEscape("s3://bucket/p/?token="+esc)},
		{"-warehouse", "duckdb:///tmp/edqm-secrets.duckdb?token=" + esc},
		{"-warehouse", "duckdb:///tmp/edqm-secrets.duckdb?motherduck_token=" + esc},
		{"-warehouse", "duckdb://u:" + esc + "@/tmp/edqm-secrets.duckdb"},
		{"-warehouse", "postgres://u:" + esc + "@host/db?password=" + esc},
	} {
		t.Run(tc.flag+" "+tc.url[:strings.Index(tc.url, ":")], func(t *testing.T) {
			dir := t.TempDir()
			code, out, errOut := runFull(t, "-data", dir, tc.flag, tc.url, "-now", "2026-03-10", "-days", "1")
			if code != exitUsage && code != exitFailed {
				t.Errorf("%s %s: exit %d, want %d or %d\nstdout:\n%s\nstderr:\n%s", tc.flag, tc.url, code, exitUsage, exitFailed, out, errOut)
			}
			if !strings.HasPrefix(errOut, "edqm: ") {
				t.Errorf("%s %s: no message on stderr: %q", tc.flag, tc.url, errOut)
			}
			scan := newLeakScanner(t, secret)
			scan.scan("stdout", []byte(out))
			scan.scan("stderr", []byte(errOut))
			scan.scanDir(t, dir)
			if len(scan.found) > 0 {
				t.Errorf("%s %s: the secret leaked into %s\nstderr: %s", tc.flag, tc.url, strings.Join(scan.found, ", "), errOut)
			}
		})
	}
}
