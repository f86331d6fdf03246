package snowflakewarehouse_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sf "github.com/snowflakedb/gosnowflake"

	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/snowflakewarehouse"
)

const secret = "s3cr3t-Pa55word!"

// env is a fake environment.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestConfigFromURL(t *testing.T) {
	cfg, err := snowflakewarehouse.ConfigFromURL(
		"snowflake://edqm_user@myorg-myaccount/EDQM/RAW?warehouse=EDQM_WH&role=LOADER&s3=s3://edqm-landing/prod/&integration=LANDING_S3&setup=all&uploads=8",
		env(map[string]string{snowflakewarehouse.EnvPassword: secret}))
	if err != nil {
		t.Fatal(err)
	}
	want := snowflakewarehouse.Config{
		Account: "myorg-myaccount", User: "edqm_user", Password: secret,
		Database: "EDQM", Schema: "RAW", Warehouse: "EDQM_WH", Role: "LOADER",
		S3:    &snowflakewarehouse.S3Stage{URL: "s3://edqm-landing/prod/", Integration: "LANDING_S3"},
		Setup: snowflakewarehouse.SetupAll, Uploads: 8,
	}
	if cfg.S3 == nil || *cfg.S3 != *want.S3 {
		t.Errorf("S3 = %+v, want %+v", cfg.S3, want.S3)
	}
	cfg.S3, want.S3 = nil, nil
	if *cfg != want {
		t.Errorf("config = %+v\nwant %+v", *cfg, want)
	}

	// The schema is optional; a key file wins over a password.
	cfg, err = snowflakewarehouse.ConfigFromURL("snowflake://u@acct/DB",
		env(map[string]string{snowflakewarehouse.EnvPassword: secret, snowflakewarehouse.EnvPrivateKeyPath: "/keys/edqm.p8"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Schema != "" || cfg.PrivateKeyPath != "/keys/edqm.p8" || cfg.Password != "" || cfg.Setup != snowflakewarehouse.SetupSchema {
		t.Errorf("config = %+v", cfg)
	}
}

func TestConfigFromURLErrors(t *testing.T) {
	withPassword := env(map[string]string{snowflakewarehouse.EnvPassword: secret})
	for raw, want := range map[string]string{
		"snowflake://u:" + secret + "@acct/DB":         "password in the URL is refused",
		"snowflake://u@acct/DB?warehouse=W&colour=red": "unknown parameter(s) colour",
		"snowflake://u@acct/DB?role=A&role=B":          "role is given 2 times",
		"snowflake://u@acct":                           "want /database or /database/schema",
		"snowflake://u@acct/DB/S/extra":                "want /database or /database/schema",
		"snowflake://acct/DB":                          "no user",
		"snowflake://u@/DB":                            "no account",
		"snowflake://u@acct:443/DB":                    "a port is not allowed",
		"snowflake://u@acct/DB?setup=everything":       `setup="everything"`,
		"snowflake://u@acct/DB?uploads=0":              `uploads="0"`,
		"snowflake://u@acct/DB?integration=X":          "need s3=",
		"snowflake://u@acct/DB?s3=s3://bucket/x":       "ending with a slash",
		"snowflake://u@acct/DB;DROP":                   "bad identifier",
		"duckdb://memory":                              `scheme "duckdb"`,
		"snowflake:opaque":                             "want snowflake://",
		"snowflake://u@acct/%zz":                       "malformed URL",
	} {
		_, err := snowflakewarehouse.ConfigFromURL(raw, withPassword)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error = %v, want %q", raw, err, want)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: error %q shows the password", raw, err)
		}
	}
	_, err := snowflakewarehouse.ConfigFromURL("snowflake://u@acct/DB", env(nil))
	if !errors.Is(err, snowflakewarehouse.ErrNoCredentials) || !strings.Contains(err.Error(), "SNOWFLAKE_PASSWORD") {
		t.Errorf("no credentials: %v", err)
	}
}

// TestOpenURLWithoutCredentials is what examples/full relies on: a clear
// error, before any network access.
func TestOpenURLWithoutCredentials(t *testing.T) {
	t.Setenv(snowflakewarehouse.EnvPassword, "")
	t.Setenv(snowflakewarehouse.EnvPrivateKeyPath, "")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, err := warehouse.Open(ctx, "snowflake://edqm@myorg-myaccount/EDQM/RAW?warehouse=EDQM_WH", nil)
	if !errors.Is(err, snowflakewarehouse.ErrNoCredentials) {
		t.Fatalf("error = %v, want ErrNoCredentials", err)
	}
	if _, err := snowflakewarehouse.Open(ctx, &snowflakewarehouse.Config{Account: "a", User: "u", Database: "D"}); !errors.Is(err, snowflakewarehouse.ErrNoCredentials) {
		t.Errorf("Open: %v, want ErrNoCredentials", err)
	}
	if _, err := snowflakewarehouse.Open(ctx, nil); err == nil {
		t.Error("Open(nil) succeeded")
	}
}

func TestDriverConfigPassword(t *testing.T) {
	dc, err := (&snowflakewarehouse.Config{
		Account: "myorg-myaccount", User: "edqm_user", Password: secret,
		Database: "EDQM", Warehouse: "EDQM_WH", Role: "LOADER",
	}).DriverConfig()
	if err != nil {
		t.Fatal(err)
	}
	if dc.Account != "myorg-myaccount" || dc.User != "edqm_user" || dc.Password != secret || dc.Authenticator != sf.AuthTypeSnowflake ||
		dc.Database != "EDQM" || dc.Schema != "PUBLIC" || dc.Warehouse != "EDQM_WH" || dc.Role != "LOADER" || dc.Application != "edqm" {
		t.Errorf("driver config = %+v", dc)
	}
	if dc.ValidateDefaultParameters == sf.ConfigBoolFalse {
		t.Error("default parameters are not validated")
	}
	dsn, err := sf.DSN(dc)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"edqm_user:", "@myorg-myaccount.snowflakecomputing.com:443", "database=EDQM", "schema=PUBLIC", "warehouse=EDQM_WH", "role=LOADER"} {
		if !strings.Contains(dsn, want) {
			t.Errorf("DSN %q lacks %q", strings.ReplaceAll(dsn, secret, "***"), want)
		}
	}
	back, err := sf.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if back.Account != dc.Account || back.User != dc.User || back.Password != secret || back.Database != "EDQM" || back.Warehouse != "EDQM_WH" {
		t.Errorf("DSN round trip = %+v", back)
	}

	// Set-up of everything may create the database: it is not checked at login.
	dc, err = (&snowflakewarehouse.Config{Account: "a", User: "u", Password: "p", Database: "D", Setup: snowflakewarehouse.SetupAll}).DriverConfig()
	if err != nil || dc.ValidateDefaultParameters != sf.ConfigBoolFalse {
		t.Errorf("SetupAll: %+v, %v", dc, err)
	}
	for _, c := range []snowflakewarehouse.Config{
		{User: "u", Password: "p", Database: "D"},
		{Account: "a", Password: "p", Database: "D"},
		{Account: "a", User: "u", Password: "p"},
	} {
		if _, err := c.DriverConfig(); err == nil {
			t.Errorf("DriverConfig(%+v) succeeded", c)
		}
	}
}

// writeKey writes key material to a temporary file.
func writeKey(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestKeyPairAuthentication(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := x509.MarshalPKCS1PrivateKey(key)
	for name, data := range map[string][]byte{
		"pkcs8.pem": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
		"pkcs1.pem": pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: pkcs1}),
		"pkcs8.der": pkcs8,
	} {
		path := writeKey(t, name, data)
		cfg, err := snowflakewarehouse.ConfigFromURL("snowflake://edqm_user@myorg-myaccount/EDQM",
			env(map[string]string{snowflakewarehouse.EnvPrivateKeyPath: path, snowflakewarehouse.EnvPassword: secret}))
		if err != nil {
			t.Fatal(err)
		}
		dc, err := cfg.DriverConfig()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if dc.Authenticator != sf.AuthTypeJwt || dc.PrivateKey == nil || !dc.PrivateKey.Equal(key) || dc.Password != "" {
			t.Errorf("%s: authenticator %v, key set %v, password set %v", name, dc.Authenticator, dc.PrivateKey != nil, dc.Password != "")
		}
		dsn, err := sf.DSN(dc)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.ToLower(dsn), "authenticator=snowflake_jwt") || !strings.Contains(dsn, "privateKey=") {
			t.Errorf("%s: DSN lacks the key-pair parameters", name)
		}
		back, err := sf.ParseDSN(dsn)
		if err != nil {
			t.Fatal(err)
		}
		if back.Authenticator != sf.AuthTypeJwt || back.PrivateKey == nil || !back.PrivateKey.Equal(key) {
			t.Errorf("%s: the key does not survive the DSN round trip", name)
		}
	}

	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"encrypted.pem": {pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1, 2, 3}}), "encrypted"},
		"cert.pem":      {pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}), `"CERTIFICATE"`},
		"ec.pem":        {pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER}), "want RSA"},
		"garbage.pem":   {[]byte("-----BEGIN PRIVATE KEY-----\nnot base64\n"), "malformed PEM"},
		"garbage.der":   {[]byte{0x30, 0x01, 0x02}, "not an RSA private key"},
	} {
		path := writeKey(t, name, tc.data)
		_, err := (&snowflakewarehouse.Config{Account: "a", User: "u", Database: "D", PrivateKeyPath: path}).DriverConfig()
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error = %v, want %q and the path", name, err, tc.want)
		}
	}
	if _, err := snowflakewarehouse.ReadPrivateKey(filepath.Join(t.TempDir(), "missing.p8")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing key file: %v", err)
	}
	// A key given directly needs no file.
	dc, err := (&snowflakewarehouse.Config{Account: "a", User: "u", Database: "D", PrivateKey: key}).DriverConfig()
	if err != nil || dc.Authenticator != sf.AuthTypeJwt {
		t.Errorf("PrivateKey: %+v, %v", dc, err)
	}
}
