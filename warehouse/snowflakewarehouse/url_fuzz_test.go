package snowflakewarehouse_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/edqm/edqm/internal/urlsecret"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/snowflakewarehouse"
)

// accountRE is what an account identifier is made of: orgname-account or
// locator.region.cloud. Anything else could move the login elsewhere.
var accountRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// FuzzConfigFromURL parses arbitrary snowflake:// URLs: no panic; an
// error never repeats a secret (the password of the user information, a
// query value but those of the parameters naming objects, the credentials
// of the s3= stage URL, the marker S3CRET planted in the seeds, the
// password from the environment); and an accepted configuration is sane:
// an account identifier that cannot move the login to another host, a
// user, valid identifiers, an S3 stage URL without credentials, the
// environment's password.
//
// go test replays the seeds and testdata/fuzz/FuzzConfigFromURL; fuzz
// longer with
// go test ./warehouse/snowflakewarehouse -run '^$' -fuzz FuzzConfigFromURL -fuzztime 60s
func FuzzConfigFromURL(f *testing.F) {
	const envSecret = "EnvS3CRETpassword"
	getenv := func(k string) string {
		if k == snowflakewarehouse.EnvPassword {
			return envSecret
		}
		return ""
	}
	for _, s := range []string{
		"snowflake://edqm_user@myorg-myaccount/EDQM/RAW?warehouse=EDQM_WH&role=LOADER&s3=s3://edqm-landing/prod/&integration=LANDING_S3&setup=all&uploads=8",
		"snowflake://u@acct/DB?login_timeout=30s",
		"snowflake://u@xy12345.us-east-2.aws/DB/S",
		"snowflake://u:S3CRETxyz@acct/DB",
		"snowflake://u:S3CRET/xyz@acct/DB",
		"snowflake://u@acct/DB?password=S3CRETxyz",
		"snowflake://u@acct/DB?private_key=S3CRETxyz&warehouse=WH",
		"snowflake://u@acct/DB?s3=s3://AKIAS3CRET:S3CRETxyz@bucket/p/",
		"snowflake://u@acct/DB?s3=s3://AKIAS3CRET:1234/S3CRETxyz@bucket/p/",
		"snowflake://u@acct/DB?s3=s3://bucket/p/?token=S3CRETxyz",
		"snowflake://u@acct/DB?s3=s3://bucket/x",
		"snowflake://u@acct/DB?login_timeout=S3CRETxyz",
		"snowflake://u@acct/DB?role=A&role=S3CRETxyz",
		"snowflake://u@acct/DB;DROP TABLE y",
		"snowflake://u@evil.example%23/DB",
		"snowflake://u@acct:443/DB",
		"snowflake:S3CRET:xyz@acct/DB",
		"snowflake://u@acct/%zz?password=S3CRETxyz",
		"snowflake://u@acct/DB?%zz=S3CRETxyz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := snowflakewarehouse.ConfigFromURL(raw, getenv)
		if err != nil {
			msg := err.Error()
			if strings.Contains(msg, envSecret) {
				t.Fatalf("the error for %q shows the password from the environment: %s", raw, msg)
			}
			u, perr := url.Parse(raw)
			if perr != nil {
				if strings.Contains(msg, "S3CRET") || strings.ContainsAny(msg, "\"'`") {
					t.Fatalf("the error for the malformed %q quotes it: %s", raw, msg)
				}
				return
			}
			public := map[string]bool{"warehouse": true, "role": true, "integration": true, "aws_role_arn": true, "setup": true, "uploads": true}
			urlsecret.Check(t, raw, msg, u, public, map[string]bool{"s3": true})
			return
		}
		switch {
		case !accountRE.MatchString(c.Account):
			t.Fatalf("ConfigFromURL(%q): account %q could send the login elsewhere", raw, c.Account)
		case c.User == "":
			t.Fatalf("ConfigFromURL(%q): no user", raw)
		case c.Password != envSecret || c.PrivateKeyPath != "":
			t.Fatalf("ConfigFromURL(%q): credentials not from the environment", raw)
		case warehouse.ValidIdent(c.Database) != nil:
			t.Fatalf("ConfigFromURL(%q): database %q", raw, c.Database)
		case c.Schema != "" && warehouse.ValidIdent(c.Schema) != nil:
			t.Fatalf("ConfigFromURL(%q): schema %q", raw, c.Schema)
		case c.Warehouse != "" && warehouse.ValidIdent(c.Warehouse) != nil, c.Role != "" && warehouse.ValidIdent(c.Role) != nil:
			t.Fatalf("ConfigFromURL(%q): warehouse %q, role %q", raw, c.Warehouse, c.Role)
		case c.Uploads < 0 || c.Uploads > 64:
			t.Fatalf("ConfigFromURL(%q): uploads %d", raw, c.Uploads)
		case c.LoginTimeout != 0 && (c.LoginTimeout < time.Second || c.LoginTimeout > snowflakewarehouse.MaxLoginTimeout):
			t.Fatalf("ConfigFromURL(%q): login timeout %v", raw, c.LoginTimeout)
		}
		if c.S3 != nil {
			s, err := url.Parse(c.S3.URL)
			if err != nil || s.User != nil || s.RawQuery != "" || s.Scheme != "s3" || s.Host == "" || strings.Contains(s.Path, "@") {
				t.Fatalf("ConfigFromURL(%q): S3 stage URL %q", raw, c.S3.URL)
			}
		}
		if _, err := c.DriverConfig(); err != nil {
			t.Fatalf("ConfigFromURL(%q) accepted, DriverConfig refuses: %v", raw, err)
		}
	})
}
