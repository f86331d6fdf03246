// Package landing is where files land: a portable [Lander] interface over a
// local folder (landing/filelanding), memory (landing/memlanding) and
// Amazon S3 or any S3-compatible server (landing/s3landing), plus the
// [Watermark] that remembers the last day landed. landing/faultlanding
// injects seeded transient faults, and landing/landingtest is the
// conformance suite every implementation runs.
//
// # Layout
//
//	<table>/date=YYYY-MM-DD/<table>-YYYY-MM-DD.csv   data
//	_chaos/<table>/date=YYYY-MM-DD/labels-YYYY-MM-DD.csv   chaos labels
//	_state/watermark.json   the watermark
//
// File names depend only on the table and the day, never on the wall clock,
// so a re-run after a crash overwrites identical bytes instead of adding a
// second copy.
//
// # URLs
//
// [Open] turns a URL into a Lander; each scheme is registered by the package
// that implements it, so swapping a folder for S3 is one string:
//
//	file:///var/edqm/landing             import landing/filelanding
//	mem://name                           import landing/memlanding
//	s3://bucket/prefix?region=eu-west-1  import landing/s3landing
//
// Credentials never go in a URL: S3's come from the standard AWS chain.
//
// # Errors
//
// Implementations wrap [ErrNotFound], [ErrConflict] and [ErrInvalidKey] so
// that errors.Is recognises them, and keep the native error reachable with
// errors.As. Context errors are returned unwrapped.
//
// # How to implement a Lander
//
//  1. Validate every key with [ValidateKey], and every List prefix with
//     [ValidatePrefix], before touching storage.
//  2. Make Put atomic: a reader sees the old object or the whole new one.
//  3. Make WriteIfVersion a true compare-and-swap, safe between processes.
//  4. Register a URL scheme with [Register] in an init function.
//  5. Run landing/landingtest's RunConformanceTests from its tests.
package landing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/internal/openurl"
)

// Sentinel errors.
var (
	// ErrNotFound: the key does not exist.
	ErrNotFound = errors.New("landing: not found")
	// ErrConflict: a compare-and-swap lost, someone else wrote first.
	ErrConflict = errors.New("landing: conflict")
	// ErrInvalidKey: the key is empty, absolute, contains "..", a backslash,
	// an empty segment or a control character, or is not valid UTF-8.
	ErrInvalidKey = errors.New("landing: invalid key")
	// ErrCorruptWatermark: the watermark object exists but cannot be read.
	ErrCorruptWatermark = errors.New("landing: corrupt watermark")
)

// Object describes a stored object.
type Object struct {
	Key  string
	Size int64
}

// Lander stores files under slash-separated keys.
//
// Contract for every implementation:
//   - Every method validates its key with [ValidateKey] and returns an error
//     wrapping [ErrInvalidKey] for a bad one, before any I/O.
//   - Put is atomic: concurrent readers see either the previous content or
//     the complete new content, never a part. A failed or cancelled Put
//     leaves the previous content (or nothing) in place.
//   - Get and ReadVersioned return an error wrapping [ErrNotFound] for a
//     missing key.
//   - List returns every object whose key starts with prefix, sorted by key;
//     a prefix that matches nothing gives an empty list, not an error. The
//     prefix is checked with [ValidatePrefix].
//   - WriteIfVersion writes only if the object's current version equals
//     version ("" meaning the object must not exist), atomically with respect
//     to other writers, also in other processes; otherwise it returns an error
//     wrapping [ErrConflict] and writes nothing. A version is an opaque,
//     non-empty token that changes whenever the content changes; it may be a
//     hash of the content, so writing the same bytes again may keep it.
//   - Every method honours ctx.
type Lander interface {
	// Put stores the content of r at key, replacing any previous object.
	Put(ctx context.Context, key string, r io.Reader) error
	// Get opens the object at key. The caller closes it.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// List returns the objects whose keys start with prefix.
	List(ctx context.Context, prefix string) ([]Object, error)
	// Delete removes the object at key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// ReadVersioned returns a small object's content and its version token.
	ReadVersioned(ctx context.Context, key string) (data []byte, version string, err error)
	// WriteIfVersion is compare-and-swap: see the interface contract. It
	// returns the new version.
	WriteIfVersion(ctx context.Context, key string, data []byte, version string) (string, error)
	// Close releases resources.
	Close() error
}

// LocalPather is an optional capability: a Lander whose objects are plain
// files can tell their paths, so a warehouse on the same machine can read
// them directly instead of streaming them.
type LocalPather interface {
	LocalPath(key string) (string, error)
}

// TempRemover is an optional capability: a Lander whose writes go through
// temporary objects (landing/filelanding) can remove those a process
// killed mid-write left behind, leaving live writers' alone. RemoveTemp
// returns how many it removed. Package pipeline calls it at the start of
// every run.
type TempRemover interface {
	RemoveTemp(ctx context.Context) (int, error)
}

// ValidateKey checks that key is a clean, relative, slash-separated path
// that cannot escape the Lander's root. The error wraps [ErrInvalidKey] and
// quotes the key.
func ValidateKey(key string) error {
	if why := keyProblem(key); why != "" {
		return fmt.Errorf("%w %q: %s", ErrInvalidKey, key, why)
	}
	return nil
}

// keyProblem says what is wrong with key, or "" when nothing is.
func keyProblem(key string) string {
	switch {
	case key == "":
		return "empty"
	case len(key) > 1024:
		return "longer than 1024 bytes"
	case strings.HasPrefix(key, "/"):
		return "absolute"
	case strings.ContainsRune(key, '\\'):
		return "contains a backslash"
	case strings.HasSuffix(key, "/"):
		return "ends with a slash"
	case !utf8.ValidString(key):
		return "not valid UTF-8"
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f {
			return "contains a control character"
		}
	}
	for _, seg := range strings.Split(key, "/") {
		switch seg {
		case "":
			return "has an empty segment"
		case ".", "..":
			return "has a " + seg + " segment"
		}
	}
	return ""
}

// ValidatePrefix checks a List prefix. The empty prefix (everything) is
// valid; otherwise the prefix, less one trailing slash, must be a valid key
// by [ValidateKey], so "orders/", "orders/date=2025" and "orders" are valid
// and "/", "../", "/orders", "a//" and "a/./b" are not. A last partial
// segment of "." or ".." is refused too, even though keys such as
// "a/.hidden" exist: list "a/" and filter instead. The error wraps
// [ErrInvalidKey] and quotes the prefix.
func ValidatePrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if why := keyProblem(strings.TrimSuffix(prefix, "/")); why != "" {
		return fmt.Errorf("%w: list prefix %q: %s", ErrInvalidKey, prefix, why)
	}
	return nil
}

// DataKey returns the key of a table's file for a day: <table>/date=D/<table>-D.<ext>.
func DataKey(table string, day time.Time, ext string) string {
	d := day.Format(edqm.DateLayout)
	return table + "/date=" + d + "/" + table + "-" + d + "." + ext
}

// LabelsKey returns the key of the chaos labels of a table for a day.
func LabelsKey(table string, day time.Time) string {
	d := day.Format(edqm.DateLayout)
	return "_chaos/" + table + "/date=" + d + "/labels-" + d + ".csv"
}

// WatermarkKey is the key of the watermark object.
const WatermarkKey = "_state/watermark.json"

// Opener opens a Lander from a parsed URL. opts is never nil.
type Opener func(ctx context.Context, u *url.URL, opts *OpenOptions) (Lander, error)

// OpenOptions are the settings of [Open] that a URL cannot carry. A nil
// *OpenOptions means the defaults. A Lander applies the fields that fit
// what it talks to and ignores the others: a local folder has no HTTP
// client.
type OpenOptions struct {
	// HTTPClient sends the requests of Landers that speak HTTP (s3://).
	// nil means the SDK's default client. Tests put a
	// landing/faultlanding Transport in one.
	HTTPClient *http.Client
	// MaxAttempts bounds the attempts of each call of Landers that retry
	// (s3://), the first included, with exponential back-off between
	// them and no retry quota. 0 keeps the Lander's default; negative is
	// an error.
	MaxAttempts int
	// RetryTime bounds the total time each call of Landers that retry
	// (s3://) keeps retrying transient faults; 0 keeps the Lander's
	// default (s3landing: 2 minutes, or the URL's retry_time), negative is
	// an error.
	RetryTime time.Duration
	// Logger receives the Lander's retries and warnings. nil discards
	// them. Nothing logged carries a credential.
	Logger *slog.Logger
}

// registry holds the URL schemes of [Open].
var registry = openurl.New[Lander, OpenOptions]("landing")

// Register makes a URL scheme available to [Open]; a Lander's package
// calls it from an init function. It panics if the opener is nil, if the
// scheme is registered twice, or if the scheme is not one a parsed URL can
// have (lower-case letters, digits, "+", "-" or ".", starting with a
// letter).
func Register(scheme string, o Opener) {
	registry.Register(scheme, o)
}

// Open opens the Lander a URL names, such as file:///var/edqm, with opts
// (nil for the defaults); the opener gets a copy of opts, never nil. The
// scheme's package must be imported. Its errors never repeat a URL's user
// information or query values, and the error of a URL url.Parse refuses
// quotes none of it.
func Open(ctx context.Context, rawURL string, opts *OpenOptions) (Lander, error) {
	var o OpenOptions
	if opts != nil {
		o = *opts
	}
	if o.MaxAttempts < 0 {
		return nil, fmt.Errorf("landing.Open: MaxAttempts %d is negative", o.MaxAttempts)
	}
	if o.RetryTime < 0 {
		return nil, fmt.Errorf("landing.Open: RetryTime %s is negative", o.RetryTime)
	}
	return registry.Open(ctx, rawURL, &o)
}

// RedactURL returns u as a string fit for an error message or a log: the
// user information is dropped and each query value is replaced by "xxxxx",
// so a secret pasted into a URL is never repeated, while the parameter
// names still show what was given. The fragment is dropped. What looks
// like user information that url.Parse could not see as such is dropped
// too: the part of an opaque URL before an "@" (s3:KEY:SECRET@bucket), and
// the host, port and path before the last "@" when a port is followed by a
// path holding one (s3://KEY:1234/rest-of-secret@bucket, a password with a
// "/"). u is not modified.
func RedactURL(u *url.URL) string { return openurl.RedactURL(u) }
