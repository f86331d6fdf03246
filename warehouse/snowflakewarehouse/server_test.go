package snowflakewarehouse_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"database/sql"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/filelanding"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/landing/s3landing"
	"github.com/edqm/edqm/landing/s3landing/s3test"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
	"github.com/edqm/edqm/warehouse/snowflakewarehouse"
	"github.com/edqm/edqm/warehouse/snowflakewarehouse/sftest"
	"github.com/edqm/edqm/warehouse/snowflakewarehouse/sftest/sfsql"
	"github.com/edqm/edqm/warehouse/warehousetest"
)

// The test server's user and password; the password is a secret for the
// leak checks.
const (
	serverUser     = "EDQM"
	serverPassword = "EDQMsftestPassw0rdS3CRET"
)

// readings are the sfsql switches for behaviours Snowflake's
// documentation leaves open: the product must work under each.
var readings = []struct {
	name string
	sql  sfsql.Options
}{
	{"default", sfsql.Options{}},
	{"every-switch-flipped", sfsql.Options{FileRowNumberCountsHeader: true, FilenameFullPath: true, BareQuoteRejected: true,
		ValidateHidesUncommitted: true, LoadMetadataSurvivesRollback: true, PurgeAtCommit: true}},
}

// openOnServer starts a test server and opens the product on it through
// warehouse.Open, the way a user's URL does: credentials and endpoint from
// the environment.
func openOnServer(t *testing.T, opts *sftest.Options, query string) (warehouse.Warehouse, *sftest.Server) {
	t.Helper()
	if opts.Users == nil {
		opts.Users = map[string]sftest.User{serverUser: {Password: serverPassword}}
	}
	srv := sftest.Start(t, opts)
	srv.SetEnv(t, serverPassword)
	w, err := warehouse.Open(t.Context(), srv.URL(serverUser, "EDQM", "RAW", query), nil)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, w.Close()) })
	return w, srv
}

// TestServerConformanceLocal runs the conformance suite through the real
// driver against the test server, with files on a local folder (PUT to
// the internal stage), under each reading of the assumed behaviours.
func TestServerConformanceLocal(t *testing.T) {
	for _, r := range readings {
		t.Run(r.name, func(t *testing.T) {
			warehousetest.RunConformanceTests(t,
				func(t *testing.T) warehouse.Warehouse {
					w, _ := openOnServer(t, &sftest.Options{SQL: r.sql}, "")
					return w
				},
				func(t *testing.T) landing.Lander {
					l, err := filelanding.Open(t.Context(), t.TempDir(), nil)
					require.NoError(t, err)
					t.Cleanup(func() { assert.NoError(t, l.Close()) })
					return l
				})
		})
	}
}

// TestServerConformanceUploadOverHTTP: the same suite with PUT answered as
// a remote (GCS-style) stage, so that the driver sends the bytes over HTTP.
func TestServerConformanceUploadOverHTTP(t *testing.T) {
	warehousetest.RunConformanceTests(t,
		func(t *testing.T) warehouse.Warehouse {
			w, _ := openOnServer(t, &sftest.Options{UploadOverHTTP: true}, "")
			return w
		},
		func(t *testing.T) landing.Lander {
			l, err := filelanding.Open(t.Context(), t.TempDir(), nil)
			require.NoError(t, err)
			t.Cleanup(func() { assert.NoError(t, l.Close()) })
			return l
		})
}

// s3Server starts versitygw (required in CI: EDQM_REQUIRE_S3=1) and
// returns it with the test server's options for reading it.
func s3Server(t *testing.T) (*s3test.Server, *sftest.S3Options) {
	t.Helper()
	s3srv := s3test.ForTest(t)
	return s3srv, &sftest.S3Options{Endpoint: s3srv.Endpoint, Region: s3test.Region,
		AccessKeyID: s3srv.AccessKey, SecretAccessKey: s3srv.SecretKey}
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

// s3Prefix is a prefix of the bucket for one (sub)test: the warehouse's
// external stage and the test's Lander must agree on it.
func s3Prefix(t *testing.T) string {
	return strings.Trim(nonWord.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-") + "/"
}

// TestServerConformanceS3 runs the conformance suite with an S3 Lander on
// versitygw, the warehouse reading it through the external stage
// (s3= in the URL), under each reading of the assumed behaviours.
func TestServerConformanceS3(t *testing.T) {
	s3srv, s3opts := s3Server(t)
	bucket := s3srv.NewBucket(t)
	for _, r := range readings {
		t.Run(r.name, func(t *testing.T) {
			warehousetest.RunConformanceTests(t,
				func(t *testing.T) warehouse.Warehouse {
					w, _ := openOnServer(t, &sftest.Options{SQL: r.sql, S3: s3opts},
						"s3=s3://"+bucket+"/"+s3Prefix(t))
					return w
				},
				func(t *testing.T) landing.Lander {
					opts := s3srv.Options()
					opts.Prefix = s3Prefix(t)
					l, err := s3landing.Open(t.Context(), bucket, opts)
					require.NoError(t, err)
					t.Cleanup(func() { assert.NoError(t, l.Close()) })
					return l
				})
		})
	}
}

// TestServerS3LoadReadsTheStage checks that the S3 runs above did go
// through the external stage: the server's internal stage stays empty.
func TestServerS3LoadReadsTheStage(t *testing.T) {
	s3srv, s3opts := s3Server(t)
	bucket := s3srv.NewBucket(t)
	w, srv := openOnServer(t, &sftest.Options{S3: s3opts}, "s3=s3://"+bucket+"/prod/")
	opts := s3srv.Options()
	opts.Prefix = "prod/"
	l, err := s3landing.Open(t.Context(), bucket, opts)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, l.Close()) })
	require.NoError(t, l.Put(t.Context(), key1, strings.NewReader(file1)))
	res, err := w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_orders", Columns: columns, Source: l, Keys: []string{key1}})
	require.NoError(t, err)
	require.Len(t, res.Files, 1)
	assert.Equal(t, int64(3), res.Files[0].Loaded)
	var staged []string
	require.NoError(t, filepath.WalkDir(srv.StageDir(), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			staged = append(staged, p)
		}
		return err
	}))
	assert.Empty(t, staged, "files were uploaded to an internal stage instead of read from S3")
	rows, err := w.Query(t.Context(), `SELECT "_FILE", "_LINE" FROM raw_orders ORDER BY "_LINE"`)
	require.NoError(t, err)
	defer rows.Close()
	var got []string
	for rows.Next() {
		var f string
		var n int64
		require.NoError(t, rows.Scan(&f, &n))
		got = append(got, fmt.Sprintf("%s:%d", f, n))
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []string{key1 + ":2", key1 + ":3", key1 + ":4"}, got)
}

// TestServerKeyPair opens the warehouse with key-pair authentication
// (SNOWFLAKE_PRIVATE_KEY_PATH): the server checks the JWT against the
// user's public key, and a key it does not know is refused.
func TestServerKeyPair(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	srv := sftest.Start(t, &sftest.Options{Users: map[string]sftest.User{serverUser: {PublicKey: &key.PublicKey}}})
	srv.SetEnv(t, "")
	writeKey := func(k *rsa.PrivateKey) string {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		require.NoError(t, err)
		p := filepath.Join(t.TempDir(), "rsa_key.p8")
		require.NoError(t, os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600))
		return p
	}
	url := srv.URL(serverUser, "EDQM", "RAW", "login_timeout=5s")

	t.Setenv(snowflakewarehouse.EnvPrivateKeyPath, writeKey(other))
	_, err = warehouse.Open(t.Context(), url, nil)
	require.Error(t, err, "a key the server does not know logged in")

	t.Setenv(snowflakewarehouse.EnvPrivateKeyPath, writeKey(key))
	warehousetest.RunConformanceTests(t,
		func(t *testing.T) warehouse.Warehouse {
			// Each warehouse gets a database of its own on the one server.
			db := "KP_" + strings.ToUpper(strings.Trim(nonWord.ReplaceAllString(strings.ToLower(t.Name()), "_"), "_"))
			w, err := warehouse.Open(t.Context(), srv.URL(serverUser, db, "RAW", ""), nil)
			require.NoError(t, err)
			t.Cleanup(func() { assert.NoError(t, w.Close()) })
			return w
		},
		func(t *testing.T) landing.Lander {
			l, err := filelanding.Open(t.Context(), t.TempDir(), nil)
			require.NoError(t, err)
			t.Cleanup(func() { assert.NoError(t, l.Close()) })
			return l
		})
}

// rowsText runs a query and returns its rows as text.
func rowsText(t *testing.T, w warehouse.Warehouse, q string) []string {
	t.Helper()
	rows, err := w.Query(t.Context(), q)
	require.NoError(t, err, q)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a, b, c sql.NullString
		require.NoError(t, rows.Scan(&a, &b, &c))
		out = append(out, a.String+" | "+b.String+" | "+c.String)
	}
	require.NoError(t, rows.Err())
	return out
}

// TestServerRejectsEqualDuckDB loads files with malformed records, blank
// lines and a record spanning two lines into DuckDB and into the test
// server under both readings of a quote inside an unenclosed field: the
// rows loaded and the rows rejected, with their lines, are the same. (A
// quote that never closes is where they part: TestServerUnclosedQuote.)
func TestServerRejectsEqualDuckDB(t *testing.T) {
	files := map[string]string{
		"orders/date=2024-01-01/a.csv": header +
			"O1,C1,2,20.00,COMPLETED\n" +
			"O3,C3,1,10.00,SHIPPED\n" +
			"O4,C\"4,1,10.00,PENDING\n" + // a quote inside an unenclosed field
			"\"O5\"x,C5,1,10.00,PENDING\n" + // junk after a closing quote
			"O6,C6,1\n" +
			"O7,C7,3,\"1,030.00\",SHIPPED\n",
		"orders/date=2024-01-02/b.csv": header +
			"O8,C8,1,10.00,PENDING\r\n\r\n" +
			"O9,C9,1,10.00,PENDING,extra\r\n" +
			"\"O10\",C10,1,10.00,\"multi\nline\"\r\n" +
			"O11,C11,1,10.00,PENDING\r\n",
	}
	keys := []string{"orders/date=2024-01-01/a.csv", "orders/date=2024-01-02/b.csv"}
	load := func(t *testing.T, w warehouse.Warehouse) ([]string, []string) {
		l, err := filelanding.Open(t.Context(), t.TempDir(), nil)
		require.NoError(t, err)
		t.Cleanup(func() { assert.NoError(t, l.Close()) })
		for k, v := range files {
			require.NoError(t, l.Put(t.Context(), k, strings.NewReader(v)))
		}
		_, err = w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_orders", Columns: columns, Source: l, Keys: keys})
		require.NoError(t, err)
		return rowsText(t, w, `SELECT order_id, _file, CAST(_line AS VARCHAR) FROM raw_orders ORDER BY _file, _line`),
			rowsText(t, w, `SELECT file, CAST(line AS VARCHAR), raw FROM `+warehouse.RejectsTable+` ORDER BY file, line`)
	}
	duck, err := duckdbwarehouse.Open(t.Context(), "", nil)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, duck.Close()) })
	wantRows, wantRejects := load(t, duck)
	require.Len(t, wantRows, 6, "DuckDB's rows: %v", wantRows)
	require.Len(t, wantRejects, 4, "DuckDB's rejects: %v", wantRejects)
	for _, rejected := range []bool{false, true} {
		t.Run(fmt.Sprintf("BareQuoteRejected=%v", rejected), func(t *testing.T) {
			w, _ := openOnServer(t, &sftest.Options{SQL: sfsql.Options{BareQuoteRejected: rejected}}, "")
			rows, rejects := load(t, w)
			assert.Equal(t, wantRows, rows, "rows loaded (DuckDB, then Snowflake)")
			assert.Equal(t, wantRejects, rejects, "rows rejected (DuckDB, then Snowflake)")
		})
	}
}

// unclosedFiles have quoted fields that do not close on their line
// (dataset chaos's "unclosed_quote" malformed lines), among the other
// malformed records (cut and long rows, bad quotes), and a clean file.
var unclosedFiles = map[string]string{
	"orders/date=2024-01-01/a.csv": header +
		"O1,C1,2,20.00,COMPLETED\n" +
		"\"O2,C2,1,10.00,PENDING\n" + // runs on to the next quote
		"O3,C3,1,10.00,SHIPPED\r\n\n" +
		"O4,C4\n" + // a cut row
		"O5,C5,1,\"10.00\",SHIPPED\n" + // the quote the one on line 3 would close on
		"O6,C\"6,1,10.00,PENDING\n" + // a quote inside an unenclosed field
		"\"O7\"x,C7,1,10.00,PENDING\n" + // junk after a closing quote
		"O8,C8,1,10.00,PENDING,?\n" + // a long row
		"\"O9\",C9,1,10.00,\"multi\nline\"\n" +
		"\"O10,C10,1,10.00,PENDING\n" + // opens a field closed on the next line, by junk
		"O11,C11,1,\"10.00\"x,PENDING\n" +
		"O12,C12,1,10.00,PENDING\n" +
		"\"O13,C13,1,10.00,PENDING\n", // and at the end of the file
	"orders/date=2024-01-02/b.csv": header + "O20,C20,1,10.00,PENDING\n\"O21,C21\n",
	"orders/date=2024-01-03/c.csv": header + "O30,C30,1,10.00,PENDING\n",
}

// loadUnclosed loads unclosedFiles (twice: then forced again) and returns
// the results, the rows and the rejects (reasons included).
func loadUnclosed(t *testing.T, w warehouse.Warehouse, l landing.Lander) ([]warehouse.FileResult, []string, []string) {
	t.Helper()
	keys := []string{"orders/date=2024-01-01/a.csv", "orders/date=2024-01-02/b.csv", "orders/date=2024-01-03/c.csv"}
	for _, k := range keys {
		require.NoError(t, l.Put(t.Context(), k, strings.NewReader(unclosedFiles[k])))
	}
	req := warehouse.LoadRequest{Table: "raw_orders", Columns: columns, Source: l, Keys: keys}
	first, err := w.Load(t.Context(), req)
	require.NoError(t, err)
	req.Force = true
	res, err := w.Load(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, first.Files, res.Files, "forced reload")
	return res.Files,
		rowsText(t, w, `SELECT order_id, _file, CAST(_line AS VARCHAR) FROM raw_orders ORDER BY _file, _line`),
		rowsText(t, w, `SELECT file, CAST(line AS VARCHAR), reason || ' | ' || raw FROM `+warehouse.RejectsTable+` ORDER BY file, line`)
}

// TestServerUnclosedQuote: a field opening with a quote that does not
// close on its line would run on, on Snowflake, to the next quote; the
// loader uploads a repaired copy with DuckDB's rejected lines blanked, so
// that both engines load the same rows and reject the same lines, with
// the same results and reasons: from a local folder (PUT), streamed, and
// from S3 (the repaired copies from the internal stage), under each
// reading of the assumed behaviours.
func TestServerUnclosedQuote(t *testing.T) {
	duck, err := duckdbwarehouse.Open(t.Context(), "", nil)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, duck.Close()) })
	want, wantRows, wantRejects := loadUnclosed(t, duck, memlanding.New())
	require.Len(t, wantRows, 7, "DuckDB's rows: %v", wantRows)
	require.Len(t, wantRejects, 9, "DuckDB's rejects: %v", wantRejects)

	s3srv, s3opts := s3Server(t)
	bucket := s3srv.NewBucket(t)
	for _, r := range readings {
		for _, where := range []string{"local", "streamed", "s3"} {
			t.Run(r.name+"/"+where, func(t *testing.T) {
				var w warehouse.Warehouse
				var l landing.Lander
				switch where {
				case "local":
					w, _ = openOnServer(t, &sftest.Options{SQL: r.sql}, "")
					fl, err := filelanding.Open(t.Context(), t.TempDir(), nil)
					require.NoError(t, err)
					t.Cleanup(func() { assert.NoError(t, fl.Close()) })
					l = fl
				case "streamed":
					w, _ = openOnServer(t, &sftest.Options{SQL: r.sql}, "")
					l = memlanding.New()
				case "s3":
					w, _ = openOnServer(t, &sftest.Options{SQL: r.sql, S3: s3opts}, "s3=s3://"+bucket+"/"+s3Prefix(t))
					opts := s3srv.Options()
					opts.Prefix = s3Prefix(t)
					sl, err := s3landing.Open(t.Context(), bucket, opts)
					require.NoError(t, err)
					t.Cleanup(func() { assert.NoError(t, sl.Close()) })
					l = sl
				}
				got, rows, rejects := loadUnclosed(t, w, l)
				assert.Equal(t, want, got, "results (DuckDB, then Snowflake)")
				assert.Equal(t, wantRows, rows, "rows loaded (DuckDB, then Snowflake)")
				assert.Equal(t, wantRejects, rejects, "rows rejected (DuckDB, then Snowflake)")
			})
		}
	}
}

// TestServerFloatBindingsKeepTheirPrecision: a float64 argument reaches
// Snowflake whole (gosnowflake alone sends it at float32 precision).
func TestServerFloatBindingsKeepTheirPrecision(t *testing.T) {
	w, _ := openOnServer(t, &sftest.Options{}, "")
	ctx := t.Context()
	require.NoError(t, w.Exec(ctx, "CREATE TABLE floats (f DOUBLE, n BIGINT)"))
	const f = 0.7194244604316546
	require.NoError(t, w.Exec(ctx, "INSERT INTO floats VALUES (?, ?), (?, ?)", f, int64(1), float32(2.5), int64(2)))
	rows, err := w.Query(ctx, "SELECT f FROM floats WHERE f > ? ORDER BY n", 0.5)
	require.NoError(t, err)
	defer rows.Close()
	var got []float64
	for rows.Next() {
		var v float64
		require.NoError(t, rows.Scan(&v))
		got = append(got, v)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []float64{f, 2.5}, got)
}
