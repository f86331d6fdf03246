package snowflakewarehouse

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	sf "github.com/snowflakedb/gosnowflake"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/warehouse"
)

// Environment variables holding the credentials. They are read by
// [ConfigFromURL] (and so by warehouse.Open), never taken from a URL.
const (
	// EnvPassword holds the user's password.
	EnvPassword = "SNOWFLAKE_PASSWORD"
	// EnvPrivateKeyPath names a file holding the user's RSA private key
	// for key-pair (JWT) authentication: PEM ("PRIVATE KEY" in PKCS #8 or
	// "RSA PRIVATE KEY" in PKCS #1) or DER, unencrypted. When it is set,
	// the password is not used.
	EnvPrivateKeyPath = "SNOWFLAKE_PRIVATE_KEY_PATH"
)

// Environment variables that move the login to another endpoint than the
// account's own (a test server, a proxy in front of Snowflake). They are
// read by [ConfigFromURL], never taken from a URL, so that a URL cannot
// send the login (and its password) elsewhere.
const (
	// EnvHost is the host to connect to instead of
	// <account>.snowflakecomputing.com ([Config.Host]).
	EnvHost = "SNOWFLAKE_HOST"
	// EnvPort is its port ([Config.Port]); default 443.
	EnvPort = "SNOWFLAKE_PORT"
	// EnvProtocol is "https" (the default) or "http" ([Config.Protocol]),
	// which is accepted only with a loopback Host.
	EnvProtocol = "SNOWFLAKE_PROTOCOL"
)

// ErrNoCredentials is wrapped by the error of [Open] and [ConfigFromURL]
// when the configuration has neither a password nor a private key.
var ErrNoCredentials = errors.New("snowflakewarehouse: no credentials: set " + EnvPassword + " or " + EnvPrivateKeyPath)

// SetupMode says which set-up statements [Open] and [New] run; see
// [SetupSQL].
type SetupMode int

// The set-up modes.
const (
	// SetupSchema, the default, creates what Load needs inside the schema
	// (file format, stages, ledger and rejects tables) when it is missing.
	// It needs the usual CREATE privileges on the schema.
	SetupSchema SetupMode = iota
	// SetupAll also creates the virtual warehouse, the database, the
	// schema and, with [S3Stage.AWSRoleARN], the storage integration. It
	// needs an administrator's role (ACCOUNTADMIN, or CREATE WAREHOUSE,
	// CREATE DATABASE and CREATE INTEGRATION).
	SetupAll
	// SetupNone runs nothing: an administrator has run [SetupSQL].
	SetupNone
)

var setupModes = map[string]SetupMode{"schema": SetupSchema, "all": SetupAll, "none": SetupNone}

// String returns the mode's name in URLs: "schema", "all" or "none".
func (m SetupMode) String() string {
	for name, v := range setupModes {
		if v == m {
			return name
		}
	}
	return fmt.Sprintf("SetupMode(%d)", int(m))
}

// S3Stage describes the external stage through which Load reads files a
// Lander keeps in Amazon S3 (a Lander implementing [S3Locator]).
type S3Stage struct {
	// URL is the landing root, the s3:// URL under which the Lander's keys
	// are: "s3://bucket/prefix/". It must end with a slash.
	URL string
	// Integration is the storage integration the stage uses; default
	// [DefaultIntegration].
	Integration string
	// AWSRoleARN is the IAM role the storage integration assumes. It is
	// needed only to create the integration ([SetupAll], [SetupSQL]).
	AWSRoleARN string
}

// Config configures a Warehouse. Account, User, Database and a credential
// (Password, PrivateKey or PrivateKeyPath) are required by [Open]; [New]
// needs only Database.
//
// Fields holding secrets never appear in errors or logs.
type Config struct {
	// Account is the account identifier, for example "myorg-myaccount"
	// (or a legacy "locator.region.cloud"); a trailing
	// ".snowflakecomputing.com" is removed. See [NormalizeAccount].
	Account string
	// User is the login name.
	User string
	// Password authenticates User unless a private key is given.
	Password string
	// PrivateKey authenticates User by key pair (JWT); PrivateKeyPath
	// reads it from a file (see [EnvPrivateKeyPath] for the formats).
	PrivateKey     *rsa.PrivateKey
	PrivateKeyPath string

	// Database and Schema hold the raw tables, the models and EDQM's own
	// objects. Schema defaults to [DefaultSchema].
	Database, Schema string
	// Warehouse is the virtual warehouse that runs the statements; empty
	// means the user's default.
	Warehouse string
	// Role is the role statements run as; empty means the user's default.
	Role string

	// S3, when set, lets Load read files from S3 through an external
	// stage instead of uploading them.
	S3 *S3Stage
	// Setup says which set-up statements Open runs; the zero value is
	// [SetupSchema].
	Setup SetupMode
	// Replace makes set-up replace the file format and the external
	// stage (CREATE OR REPLACE), so that they follow this version's
	// definition and S3.URL; it needs OWNERSHIP of both. Without it they
	// are created only when missing (CREATE ... IF NOT EXISTS), which any
	// role with the CREATE privileges can run again.
	Replace bool

	// Host, Port and Protocol send the login and every request to another
	// endpoint than https://<Account>.snowflakecomputing.com:443 (a test
	// server, a proxy). Empty means the account's own. Protocol "http" is
	// refused unless Host is a loopback address: the password would
	// travel in clear. ConfigFromURL reads them from [EnvHost], [EnvPort]
	// and [EnvProtocol], never from the URL.
	Host     string
	Port     int
	Protocol string

	// Uploads is the number of files uploaded (PUT) at the same time;
	// 0 means 4.
	Uploads int
	// LoginTimeout bounds how long connecting keeps retrying a failed
	// login (an unknown host, a network down); 0 means
	// [DefaultLoginTimeout]. The context given to Open bounds it too.
	LoginTimeout time.Duration
	// Clock stamps the ledger's loaded_at column; nil means the zero time:
	// library code never reads the wall clock.
	Clock edqm.Clock
	// Logger receives one record per batch of files loaded; nil discards.
	Logger *slog.Logger
}

// Names of the objects the library creates in the schema, and defaults.
const (
	// FileFormat is the CSV file format of every load.
	FileFormat = "EDQM_CSV"
	// InternalStage receives the files uploaded with PUT.
	InternalStage = "EDQM_LANDING"
	// ExternalStage points at [S3Stage.URL].
	ExternalStage = "EDQM_S3_LANDING"
	// DefaultIntegration is the storage integration's default name.
	DefaultIntegration = "EDQM_S3"
	// DefaultSchema is the schema used when the configuration names none.
	DefaultSchema = "PUBLIC"
	// MaxFilesPerCopy is the largest number of files one COPY INTO lists
	// in FILES = (...), Snowflake's limit.
	MaxFilesPerCopy = 1000
	// DefaultLoginTimeout is [Config.LoginTimeout]'s default, shorter than
	// the driver's five minutes so that a wrong account or no network
	// fails in a minute.
	DefaultLoginTimeout = time.Minute
	// MaxLoginTimeout is the longest [Config.LoginTimeout].
	MaxLoginTimeout = 10 * time.Minute
)

// defaultUploads is [Config.Uploads]' default.
const defaultUploads = 4

// accountRE accepts an account identifier, orgname-accountname or
// locator.region.cloud: nothing that could move the login to another host.
var accountRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)

// legacyAccountRE accepts a legacy locator.region[.cloud] identifier: the
// region has a dash (us-east-2, east-us-2) or the cloud is named.
// https://docs.snowflake.com/en/user-guide/admin-account-identifier
var legacyAccountRE = regexp.MustCompile(`(?i)^[a-z0-9_]+\.(([a-z0-9]+-[a-z0-9-]+)(\.(aws|azure|gcp))?|[a-z0-9-]+\.(aws|azure|gcp))$`)

// snowflakeDomain is the domain of account URLs; an account given as a
// host name loses it.
const snowflakeDomain = ".snowflakecomputing.com"

// NormalizeAccount returns the account identifier the driver needs, or an
// error naming the value. Snowflake's documentation
// (https://docs.snowflake.com/en/user-guide/admin-account-identifier)
// gives two forms: orgname-accountname (preferred) and the legacy
// accountlocator.region.cloud. gosnowflake appends
// ".snowflakecomputing.com" itself and reads what follows a dot as the
// region, so:
//
//   - "myorg-myaccount.snowflakecomputing.com" (a host name) becomes
//     "myorg-myaccount", instead of doubling the domain;
//   - "myorg.myaccount" (the SQL form of orgname.accountname) is refused:
//     the driver would read "myaccount" as a region; write myorg-myaccount;
//   - "xy12345.us-east-2.aws" and "xy12345.eu-west-1" are kept.
func NormalizeAccount(account string) (string, error) {
	a := account
	if len(a) > len(snowflakeDomain) && strings.EqualFold(a[len(a)-len(snowflakeDomain):], snowflakeDomain) {
		a = a[:len(a)-len(snowflakeDomain)]
	}
	switch {
	case a == "":
		return "", errors.New("snowflakewarehouse: config: account is required")
	case !accountRE.MatchString(a):
		return "", fmt.Errorf("snowflakewarehouse: config: account %q: want an account identifier such as myorg-myaccount", account)
	case strings.Contains(a, ".") && !legacyAccountRE.MatchString(a):
		return "", fmt.Errorf("snowflakewarehouse: config: account %q: a dot separates a region (locator.region.cloud); "+
			"an organization and account name are written with a dash: %s", account, strings.Replace(a, ".", "-", 1))
	}
	return a, nil
}

// checkEndpoint checks Host, Port and Protocol: http only to a loopback
// host, where a password cannot travel in clear over a network.
func checkEndpoint(c *Config) error {
	if c.Host == "" && (c.Port != 0 || c.Protocol != "") {
		return errors.New("snowflakewarehouse: config: a port or protocol needs a host (" + EnvHost + ")")
	}
	if c.Host != "" && !hostRE.MatchString(c.Host) {
		return fmt.Errorf("snowflakewarehouse: config: host %q: want a host name or an IP address, without scheme or port", c.Host)
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("snowflakewarehouse: config: port %d: want 1 to 65535", c.Port)
	}
	switch c.Protocol {
	case "", "https":
	case "http":
		if !isLoopback(c.Host) {
			return fmt.Errorf("snowflakewarehouse: config: protocol http to host %q is refused: the password would travel in clear; "+
				"http is accepted only to a loopback host (localhost, 127.0.0.1, ::1)", c.Host)
		}
	default:
		return fmt.Errorf("snowflakewarehouse: config: protocol %q: want https or http", c.Protocol)
	}
	return nil
}

// hostRE accepts a host name, an IPv4 address or a bare IPv6 address.
var hostRE = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$|^[0-9A-Fa-f:]+$`)

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sessionParameters are set at login (gosnowflake sends Config.Params as
// the login request's session parameters), so that dates, timestamps and
// monitors mean the same as on DuckDB whatever the account's defaults:
// https://docs.snowflake.com/en/sql-reference/parameters (TIMEZONE,
// TIMESTAMP_TYPE_MAPPING, DATE_INPUT_FORMAT, DATE_OUTPUT_FORMAT,
// TIMESTAMP_INPUT_FORMAT). The models still parse dates with explicit
// formats (TRY_TO_DATE(x, 'YYYY-MM-DD')): Snowflake's AUTO date input
// accepts 01/15/2024 and reads digit-only strings as epoch seconds
// (https://docs.snowflake.com/en/sql-reference/date-time-input-output),
// where DuckDB's cast returns NULL. TIMESTAMP_INPUT_FORMAT stays AUTO,
// set explicitly: the only strings cast to timestamps are literals we
// write in ISO form.
var sessionParameters = map[string]string{
	"TIMEZONE":               "UTC",
	"TIMESTAMP_TYPE_MAPPING": "TIMESTAMP_NTZ",
	"DATE_INPUT_FORMAT":      "YYYY-MM-DD",
	"DATE_OUTPUT_FORMAT":     "YYYY-MM-DD",
	"TIMESTAMP_INPUT_FORMAT": "AUTO",
}

// s3URLRE accepts s3://bucket/ and s3://bucket/some/prefix/.
var s3URLRE = regexp.MustCompile(`^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/([A-Za-z0-9!_.*'()=+-]+/)*$`)

// objects returns the configuration with defaults applied, checking the
// names that end up in SQL.
func (c *Config) objects() (*Config, error) {
	if c == nil {
		return nil, errors.New("snowflakewarehouse: nil *Config")
	}
	o := *c
	if o.Schema == "" {
		o.Schema = DefaultSchema
	}
	for _, f := range []struct{ name, v string }{{"database", o.Database}, {"schema", o.Schema}, {"warehouse", o.Warehouse}, {"role", o.Role}} {
		if f.v == "" {
			if f.name == "database" {
				return nil, errors.New("snowflakewarehouse: config: database is required")
			}
			continue
		}
		if err := warehouse.ValidIdent(f.v); err != nil {
			return nil, fmt.Errorf("snowflakewarehouse: config: %s: %w", f.name, err)
		}
	}
	if o.S3 != nil {
		s3 := *o.S3
		if s3.Integration == "" {
			s3.Integration = DefaultIntegration
		}
		if err := warehouse.ValidIdent(s3.Integration); err != nil {
			return nil, fmt.Errorf("snowflakewarehouse: config: storage integration: %w", err)
		}
		if !s3URLRE.MatchString(s3.URL) {
			return nil, fmt.Errorf("snowflakewarehouse: config: S3 URL %q: want s3://bucket/prefix/ (ending with a slash, without credentials or query)", redactURL(s3.URL))
		}
		if s3.AWSRoleARN != "" && !strings.HasPrefix(s3.AWSRoleARN, "arn:aws") {
			return nil, fmt.Errorf("snowflakewarehouse: config: AWS role ARN %q does not start with arn:aws", s3.AWSRoleARN)
		}
		o.S3 = &s3
	}
	if o.Setup < SetupSchema || o.Setup > SetupNone {
		return nil, fmt.Errorf("snowflakewarehouse: config: unknown setup mode %d", int(o.Setup))
	}
	if o.Uploads <= 0 {
		o.Uploads = defaultUploads
	}
	switch {
	case o.LoginTimeout < 0 || o.LoginTimeout > MaxLoginTimeout:
		return nil, fmt.Errorf("snowflakewarehouse: config: login timeout %v: want 0 (the default, %v) to %v", o.LoginTimeout, DefaultLoginTimeout, MaxLoginTimeout)
	case o.LoginTimeout == 0:
		o.LoginTimeout = DefaultLoginTimeout
	}
	if o.Clock == nil {
		o.Clock = edqm.FixedClock(zeroTime)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &o, nil
}

// redactURL returns a URL string fit for an error: see landing.RedactURL.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(malformed URL)"
	}
	return landing.RedactURL(u)
}

// DriverConfig returns the gosnowflake configuration Open connects with:
// account (see [NormalizeAccount]), host, port and protocol when set,
// user, database, schema, warehouse and role, the session parameters
// (TIMEZONE=UTC, TIMESTAMP_TYPE_MAPPING=TIMESTAMP_NTZ, DATE_INPUT_FORMAT
// and DATE_OUTPUT_FORMAT YYYY-MM-DD, TIMESTAMP_INPUT_FORMAT=AUTO), and either
// key-pair (JWT) authentication, when a private key is given, or the
// password. A key file is read and parsed here. The error wraps
// [ErrNoCredentials] when there is no credential; it never contains one.
func (c *Config) DriverConfig() (*sf.Config, error) {
	o, err := c.objects()
	if err != nil {
		return nil, err
	}
	account, err := NormalizeAccount(o.Account)
	if err != nil {
		return nil, err
	}
	if err := checkEndpoint(o); err != nil {
		return nil, err
	}
	if o.User == "" {
		return nil, errors.New("snowflakewarehouse: config: user is required")
	}
	dc := &sf.Config{
		Account:     account,
		Host:        o.Host,
		Port:        o.Port,
		Protocol:    o.Protocol,
		Params:      map[string]*string{},
		User:        o.User,
		Database:    o.Database,
		Schema:      o.Schema,
		Warehouse:   o.Warehouse,
		Role:        o.Role,
		Application: "edqm",
	}
	for k, v := range sessionParameters {
		dc.Params[k] = &v
	}
	//lint:ignore SA1019 the driver has no other way to bound its login retries.
	dc.LoginTimeout = o.LoginTimeout
	if o.Setup == SetupAll {
		// The database and schema may not exist yet: set-up creates them.
		dc.ValidateDefaultParameters = sf.ConfigBoolFalse
	}
	key := o.PrivateKey
	if key == nil && o.PrivateKeyPath != "" {
		if key, err = ReadPrivateKey(o.PrivateKeyPath); err != nil {
			return nil, err
		}
	}
	switch {
	case key != nil:
		dc.Authenticator = sf.AuthTypeJwt
		dc.PrivateKey = key
	case o.Password != "":
		dc.Authenticator = sf.AuthTypeSnowflake
		dc.Password = o.Password
	default:
		return nil, ErrNoCredentials
	}
	return dc, nil
}

// ReadPrivateKey reads an RSA private key for key-pair authentication from
// a file; see [ParsePrivateKey]. Errors name the file, never its content.
func ReadPrivateKey(path string) (*rsa.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("snowflakewarehouse: private key: %w", err)
	}
	key, err := ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("snowflakewarehouse: private key %s: %w", path, err)
	}
	return key, nil
}

// ParsePrivateKey parses an unencrypted RSA private key: PEM with a
// "PRIVATE KEY" (PKCS #8) or "RSA PRIVATE KEY" (PKCS #1) block, or the
// same in DER. An encrypted key is refused with advice: Go's standard
// library cannot decrypt PKCS #8.
func ParsePrivateKey(data []byte) (*rsa.PrivateKey, error) {
	der := data
	if block, _ := pem.Decode(data); block != nil {
		switch block.Type {
		case "PRIVATE KEY", "RSA PRIVATE KEY":
			der = block.Bytes
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("the key is encrypted; decrypt it first (openssl pkcs8 -in key.p8 -nocrypt -out key.pem) and protect the file instead")
		default:
			return nil, fmt.Errorf("PEM block %q, want PRIVATE KEY or RSA PRIVATE KEY", block.Type)
		}
	} else if strings.Contains(string(data), "-----BEGIN") {
		return nil, errors.New("malformed PEM")
	}
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("a %T key, want RSA", k)
		}
		return rk, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	return nil, errors.New("not an RSA private key in PKCS #8 or PKCS #1")
}

// URL parameters understood by ConfigFromURL.
var urlParams = []string{"aws_role_arn", "integration", "login_timeout", "replace", "role", "s3", "setup", "uploads", "warehouse"}

// ConfigFromURL parses snowflake://user@account/database/schema?params.
// The schema may be left out ([DefaultSchema]). Parameters:
//
//	warehouse=WH          the virtual warehouse
//	role=ROLE             the role
//	s3=s3://bucket/pre/   the landing root in S3, for the external stage ([S3Stage])
//	integration=NAME      its storage integration (default EDQM_S3)
//	aws_role_arn=ARN      the IAM role the integration assumes (set-up only)
//	setup=schema|all|none which set-up statements to run (default schema)
//	replace=true          replace the file format and the external stage
//	                      ([Config.Replace]; needs OWNERSHIP of them)
//	uploads=N             files uploaded at once (default 4)
//	login_timeout=D       how long to retry a failed login, a Go duration
//	                      such as 30s (default [DefaultLoginTimeout])
//
// The account (the URL's host) goes through [NormalizeAccount]. Credentials
// come from getenv (os.Getenv when nil): [EnvPrivateKeyPath]
// if set, otherwise [EnvPassword]; neither is an error wrapping
// [ErrNoCredentials]. So do [EnvHost], [EnvPort] and [EnvProtocol], which
// send the login to another endpoint (a test server on loopback): they
// are never read from the URL. A password in the URL is refused, and so is an
// unknown parameter. Errors show the URL without user information or query
// values (landing.RedactURL), and repeat no value but those of setup,
// uploads and the names (warehouse, role, integration) they refuse.
func ConfigFromURL(rawURL string, getenv func(string) string) (*Config, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("snowflakewarehouse: malformed URL")
	}
	return configFromURL(u, getenv)
}

func configFromURL(u *url.URL, getenv func(string) string) (*Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	fail := func(format string, a ...any) error {
		return fmt.Errorf("snowflakewarehouse: URL %q: %s", landing.RedactURL(u), fmt.Sprintf(format, a...))
	}
	if u.Scheme != Scheme {
		return nil, fail("scheme %q, want %s", u.Scheme, Scheme)
	}
	if u.Opaque != "" {
		return nil, fail("want snowflake://user@account/database/schema")
	}
	if _, has := u.User.Password(); has {
		return nil, fail("a password in the URL is refused: remove it and set %s (or %s for key-pair authentication)", EnvPassword, EnvPrivateKeyPath)
	}
	c, err := configIdentity(u, fail)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	if err := checkURLParams(q, fail); err != nil {
		return nil, err
	}
	if err := setURLParams(c, q, fail); err != nil {
		return nil, err
	}
	if err := endpointFromEnv(c, getenv); err != nil {
		return nil, err
	}
	if _, err := c.objects(); err != nil {
		return nil, fmt.Errorf("%w (URL %q)", err, landing.RedactURL(u))
	}
	if p := getenv(EnvPrivateKeyPath); p != "" {
		c.PrivateKeyPath = p
	} else if p := getenv(EnvPassword); p != "" {
		c.Password = p
	} else {
		return nil, fmt.Errorf("%w (URL %q)", ErrNoCredentials, landing.RedactURL(u))
	}
	return c, nil
}

// urlFail makes configFromURL's errors: the message after the redacted URL.
type urlFail func(format string, a ...any) error

// configIdentity returns the config of u's account, user, database and
// schema.
func configIdentity(u *url.URL, fail urlFail) (*Config, error) {
	c := &Config{Account: u.Hostname(), User: u.User.Username()}
	if u.Port() != "" {
		return nil, fail("a port is not allowed: the host is the account identifier")
	}
	if c.Account == "" {
		return nil, fail("no account: want snowflake://user@account/database/schema")
	}
	account, err := NormalizeAccount(c.Account)
	if err != nil {
		return nil, fmt.Errorf("%w (URL %q)", err, landing.RedactURL(u))
	}
	c.Account = account
	if c.User == "" {
		return nil, fail("no user: want snowflake://user@account/database/schema")
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	switch {
	case len(parts) == 1 && parts[0] != "":
		c.Database = parts[0]
	case len(parts) == 2 && parts[0] != "" && parts[1] != "":
		c.Database, c.Schema = parts[0], parts[1]
	default:
		return nil, fail("path %q: want /database or /database/schema", u.Path)
	}
	return c, nil
}

// checkURLParams refuses a known parameter given more than once, then
// unknown parameters (all of them, sorted).
func checkURLParams(q url.Values, fail urlFail) error {
	var unknown []string
	for k, v := range q {
		if !slices.Contains(urlParams, k) {
			unknown = append(unknown, k)
			continue
		}
		if len(v) != 1 {
			return fail("parameter %s is given %d times", k, len(v))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fail("unknown parameter(s) %s (known: %s)", strings.Join(unknown, ", "), strings.Join(urlParams, ", "))
	}
	return nil
}

// setURLParams sets c's settings from the URL's parameters q and checks
// them.
func setURLParams(c *Config, q url.Values, fail urlFail) error {
	c.Warehouse, c.Role = q.Get("warehouse"), q.Get("role")
	if s := q.Get("s3"); s != "" {
		c.S3 = &S3Stage{URL: s, Integration: q.Get("integration"), AWSRoleARN: q.Get("aws_role_arn")}
	} else if q.Has("integration") || q.Has("aws_role_arn") {
		return fail("integration and aws_role_arn need s3=s3://bucket/prefix/")
	}
	if s := q.Get("setup"); s != "" {
		m, ok := setupModes[s]
		if !ok {
			return fail("setup=%q: want schema, all or none", s)
		}
		c.Setup = m
	}
	switch s := q.Get("replace"); s {
	case "", "false":
	case "true":
		c.Replace = true
	default:
		return fail("replace=%q: want true or false", s)
	}
	if s := q.Get("uploads"); s != "" {
		if _, err := fmt.Sscanf(s, "%d", &c.Uploads); err != nil || c.Uploads < 1 || c.Uploads > 64 || fmt.Sprint(c.Uploads) != s {
			return fail("uploads=%q: want a number from 1 to 64", s)
		}
	}
	if s := q.Get("login_timeout"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < time.Second || d > MaxLoginTimeout {
			return fail("login_timeout: want a duration from 1s to %v, such as 30s", MaxLoginTimeout)
		}
		c.LoginTimeout = d
	}
	return nil
}

// endpointFromEnv sets Host, Port and Protocol from the environment and
// checks them (see [Config.Host]).
func endpointFromEnv(c *Config, getenv func(string) string) error {
	c.Host, c.Protocol = getenv(EnvHost), strings.ToLower(getenv(EnvProtocol))
	if s := getenv(EnvPort); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("snowflakewarehouse: %s=%q: want a port from 1 to 65535", EnvPort, s)
		}
		c.Port = n
	}
	if err := checkEndpoint(c); err != nil {
		return fmt.Errorf("%w (from %s, %s, %s)", err, EnvHost, EnvPort, EnvProtocol)
	}
	return nil
}
