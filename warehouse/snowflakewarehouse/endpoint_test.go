package snowflakewarehouse_test

import (
	"testing"

	sf "github.com/snowflakedb/gosnowflake"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/warehouse/snowflakewarehouse"
)

func TestNormalizeAccount(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{in: "myorg-myaccount", want: "myorg-myaccount"},
		{in: "myorg-myaccount.snowflakecomputing.com", want: "myorg-myaccount"},
		{in: "MYORG-MYACCOUNT.SnowflakeComputing.com", want: "MYORG-MYACCOUNT"},
		{in: "xy12345.us-east-2.aws", want: "xy12345.us-east-2.aws"},
		{in: "xy12345.eu-west-1", want: "xy12345.eu-west-1"},
		{in: "xy12345.us-central1.gcp", want: "xy12345.us-central1.gcp"},
		{in: "myorg.myaccount", err: `account "myorg.myaccount": a dot separates a region`},
		{in: "myorg.myaccount.snowflakecomputing.com", err: "written with a dash: myorg-myaccount"},
		{in: "evil.com/x", err: `account "evil.com/x"`},
		{in: "", err: "account is required"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := snowflakewarehouse.NormalizeAccount(tc.in)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestAccountBeforeLogin: a doubled domain or an org.account is caught by
// ConfigFromURL and DriverConfig, before any login.
func TestAccountBeforeLogin(t *testing.T) {
	withPassword := env(map[string]string{snowflakewarehouse.EnvPassword: secret})
	cfg, err := snowflakewarehouse.ConfigFromURL("snowflake://u@myorg-acct.snowflakecomputing.com/DB", withPassword)
	require.NoError(t, err)
	assert.Equal(t, "myorg-acct", cfg.Account)
	_, err = snowflakewarehouse.ConfigFromURL("snowflake://u@myorg.acct/DB", withPassword)
	require.ErrorContains(t, err, `account "myorg.acct"`)

	dc, err := (&snowflakewarehouse.Config{Account: "myorg-acct.snowflakecomputing.com", User: "u", Password: "p", Database: "D"}).DriverConfig()
	require.NoError(t, err)
	assert.Equal(t, "myorg-acct", dc.Account)
	dsn, err := sf.DSN(dc)
	require.NoError(t, err)
	assert.Contains(t, dsn, "@myorg-acct.snowflakecomputing.com:443")
	_, err = (&snowflakewarehouse.Config{Account: "org.acct", User: "u", Password: "p", Database: "D"}).DriverConfig()
	require.ErrorContains(t, err, "org-acct")
}

func TestEndpointFromEnvironment(t *testing.T) {
	for _, tc := range []struct {
		name     string
		env      map[string]string
		url      string
		host     string
		port     int
		protocol string
		err      string
	}{
		{name: "none", env: map[string]string{}},
		{name: "loopback http", env: map[string]string{"SNOWFLAKE_HOST": "127.0.0.1", "SNOWFLAKE_PORT": "8089", "SNOWFLAKE_PROTOCOL": "http"},
			host: "127.0.0.1", port: 8089, protocol: "http"},
		{name: "localhost http", env: map[string]string{"SNOWFLAKE_HOST": "localhost", "SNOWFLAKE_PROTOCOL": "HTTP"},
			host: "localhost", protocol: "http"},
		{name: "ipv6 loopback", env: map[string]string{"SNOWFLAKE_HOST": "::1", "SNOWFLAKE_PORT": "1", "SNOWFLAKE_PROTOCOL": "http"},
			host: "::1", port: 1, protocol: "http"},
		{name: "https proxy", env: map[string]string{"SNOWFLAKE_HOST": "sf.proxy.example", "SNOWFLAKE_PROTOCOL": "https"},
			host: "sf.proxy.example", protocol: "https"},
		{name: "http elsewhere", env: map[string]string{"SNOWFLAKE_HOST": "sf.example.com", "SNOWFLAKE_PROTOCOL": "http"},
			err: "password would travel in clear"},
		{name: "bad port", env: map[string]string{"SNOWFLAKE_HOST": "localhost", "SNOWFLAKE_PORT": "http"}, err: `SNOWFLAKE_PORT="http"`},
		{name: "port without host", env: map[string]string{"SNOWFLAKE_PORT": "8080"}, err: "needs a host"},
		{name: "host with scheme", env: map[string]string{"SNOWFLAKE_HOST": "http://localhost"}, err: `host "http://localhost"`},
		{name: "unknown protocol", env: map[string]string{"SNOWFLAKE_HOST": "localhost", "SNOWFLAKE_PROTOCOL": "ftp"}, err: `protocol "ftp"`},
		{name: "not from the URL", url: "snowflake://u@acct/DB?host=127.0.0.1", env: map[string]string{}, err: "unknown parameter(s) host"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.env[snowflakewarehouse.EnvPassword] = secret
			u := tc.url
			if u == "" {
				u = "snowflake://u@acct/DB"
			}
			cfg, err := snowflakewarehouse.ConfigFromURL(u, env(tc.env))
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				assert.NotContains(t, err.Error(), secret)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.host, cfg.Host)
			assert.Equal(t, tc.port, cfg.Port)
			assert.Equal(t, tc.protocol, cfg.Protocol)
			dc, err := cfg.DriverConfig()
			require.NoError(t, err)
			assert.Equal(t, tc.host, dc.Host)
			assert.Equal(t, tc.port, dc.Port)
			assert.Equal(t, tc.protocol, dc.Protocol)
		})
	}
	// A Config built in code is checked the same way.
	_, err := (&snowflakewarehouse.Config{Account: "a", User: "u", Password: "p", Database: "D", Host: "10.0.0.1", Protocol: "http"}).DriverConfig()
	require.ErrorContains(t, err, "loopback")
}

func TestSessionParametersAndReplace(t *testing.T) {
	dc, err := (&snowflakewarehouse.Config{Account: "a", User: "u", Password: "p", Database: "D"}).DriverConfig()
	require.NoError(t, err)
	got := map[string]string{}
	for k, v := range dc.Params {
		got[k] = *v
	}
	assert.Equal(t, map[string]string{
		"TIMEZONE": "UTC", "TIMESTAMP_TYPE_MAPPING": "TIMESTAMP_NTZ",
		"DATE_INPUT_FORMAT": "YYYY-MM-DD", "DATE_OUTPUT_FORMAT": "YYYY-MM-DD", "TIMESTAMP_INPUT_FORMAT": "AUTO",
	}, got)

	withPassword := env(map[string]string{snowflakewarehouse.EnvPassword: secret})
	for _, tc := range []struct {
		q    string
		want bool
		err  string
	}{{"", false, ""}, {"?replace=false", false, ""}, {"?replace=true", true, ""}, {"?replace=yes", false, `replace="yes"`}} {
		cfg, err := snowflakewarehouse.ConfigFromURL("snowflake://u@acct/DB"+tc.q, withPassword)
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.want, cfg.Replace, tc.q)
	}
}
