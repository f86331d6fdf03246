// Package s3landing is a [landing.Lander] over Amazon S3 or any
// S3-compatible server (MinIO, versitygw, Ceph, R2...), through
// github.com/aws/aws-sdk-go-v2. The object at key "a/b.csv" is the S3
// object "<prefix>a/b.csv" in the bucket.
//
// Every call goes through the SDK's retryer. By default, that is its
// standard retryer without a retry quota, with exponential back-off up to
// 2 s, and each call keeps retrying transient faults (server errors,
// throttling, resets, timeouts) for up to [Options.RetryTime] in total
// (default [DefaultRetryTime], 2 minutes, so an outage of a minute is
// ridden out), within [Options.MaxAttempts] attempts when set. A fault
// that is not transient (access denied, no such bucket) stops the call at
// once, and every error names the key. [Options.Retryer] replaces all of
// this.
// Put sends content smaller than [Options.PartSize] in one PutObject and
// larger content as a multipart upload, which it aborts when a part, the
// reader or ctx fails; either way S3 shows the object only once it is
// whole, so a reader never sees half a file. List pages through
// ListObjectsV2, so it returns every object however many there are.
//
// # Watermark
//
// WriteIfVersion is a compare-and-swap on S3's conditional writes: a
// PutObject with If-None-Match: * when version is "" (the object must not
// exist), and If-Match: <version> otherwise, where a version is the ETag.
// S3 refuses a write whose condition fails with 412 Precondition Failed (or
// 409 ConditionalRequestConflict, or 404 when the object is gone), which
// WriteIfVersion returns as [landing.ErrConflict].
//
// A retried conditional write can fail although it succeeded: when the
// answer to the first attempt is lost, the SDK sends the write again and S3
// answers 412, because the object is now the one just written. So every
// conditional write carries a random token in its user metadata
// ("x-amz-meta-edqm-write-token"); after a refusal, WriteIfVersion reads the
// object's metadata back and, if the token is its own, reports success with
// the stored ETag. One case stays ambiguous: if another writer replaces the
// object between the lost answer and that read-back, the write is reported
// as a conflict although it landed (and was then replaced in turn).
//
// # URLs
//
// Importing this package registers the scheme "s3" with [landing.Register]:
//
//	s3://bucket
//	s3://bucket/some/prefix
//	s3://bucket/prefix?region=eu-west-1
//	s3://bucket/prefix?endpoint=http://127.0.0.1:7070&region=us-east-1&path_style=true
//	s3://bucket/prefix?region=eu-west-1&retry_time=5m
//
// The host is the bucket and the path, if any, the prefix under which keys
// are stored. The query parameters set [Options]: region, endpoint (the
// base URL of an S3-compatible server; the default is AWS) and path_style
// (a boolean: address the bucket in the path rather than the host name, as
// most S3-compatible servers need) and retry_time (a Go duration such as
// 90s or 5m: [Options.RetryTime]). Any other parameter is an error that
// names it. Credentials are never taken from the URL, which is refused
// when it carries a user or a password: they come from the standard AWS
// chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE and the
// shared files, SSO, web identity, the instance role...). The region, when
// the URL has none, comes from AWS_REGION or the profile; without one,
// opening fails.
//
// # Errors
//
// Errors start with "s3landing:" and name the operation and the key. A
// missing object is an error wrapping [landing.ErrNotFound]; a lost
// compare-and-swap wraps [landing.ErrConflict]; a bad key wraps
// [landing.ErrInvalidKey]. The SDK's error stays reachable with errors.As:
// a [smithy.APIError] for the S3 error code, a
// [*github.com/aws/aws-sdk-go-v2/aws/transport/http.ResponseError] for the
// HTTP status and request ID, [*types.NoSuchKey] for a missing object.
// When ctx is done, methods return ctx.Err() itself. After Close, methods
// fail with an error wrapping [fs.ErrClosed]. Neither errors nor logs
// carry credentials: the package logs nothing, and leaves the SDK's
// request logging off.
//
// # As
//
// As exposes the S3 client for what this package does not wrap:
//
//	var c *s3.Client
//	if l.As(&c) {
//		// c.GetObjectAcl(...)
//	}
//
// Objects that an S3 console or another tool stores under keys that are
// not valid landing keys (such as "folder/" markers) are skipped by List.
// An interrupted multipart upload that could not be aborted leaves parts
// that S3 bills until they are removed: a bucket lifecycle rule with
// AbortIncompleteMultipartUpload cleans them.
package s3landing

import (
	"bytes"
	"cmp"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/internal/ctxio"
)

// Scheme is the URL scheme this package registers with [landing.Register].
const Scheme = "s3"

// Part sizes: S3 refuses parts smaller than 5 MiB (but the last) and
// uploads of more than 10,000 parts.
const (
	// DefaultPartSize is the part size when [Options.PartSize] is 0.
	DefaultPartSize = 8 << 20
	// MinPartSize is the smallest part size S3 accepts.
	MinPartSize = 5 << 20
	maxParts    = 10000
)

// TokenMetadata is the user-metadata name under which WriteIfVersion
// stores its write token (sent as the header x-amz-meta-edqm-write-token).
const TokenMetadata = "edqm-write-token"

// Options configures a [Lander]. A nil *Options means the defaults.
type Options struct {
	// Prefix is put before every key, so that several landings can share
	// a bucket: with "landing/", key "a.csv" is stored as
	// "landing/a.csv". It must be empty or a valid key, with or without a
	// trailing slash, which is added when missing.
	Prefix string

	// Region is the bucket's AWS region; "" takes it from the AWS
	// configuration (AWS_REGION, the profile).
	Region string
	// Endpoint is the base URL of an S3-compatible server, such as
	// "http://127.0.0.1:7070"; "" means AWS (or AWS_ENDPOINT_URL_S3).
	Endpoint string
	// PathStyle addresses the bucket in the URL path
	// (endpoint/bucket/key) rather than the host name
	// (bucket.endpoint/key); most S3-compatible servers need it.
	PathStyle bool
	// Credentials overrides the standard AWS credential chain.
	Credentials aws.CredentialsProvider
	// HTTPClient sends the S3 requests, as it is: settings such as
	// AWS_CA_BUNDLE do not apply to it. nil means the SDK's default
	// client. Tests put a landing/faultlanding Transport in one.
	HTTPClient aws.HTTPClient
	// Retryer makes the retryer of the S3 client, as aws.Config.Retryer
	// does, used as it is (RetryTime and MaxAttempts do not apply); nil
	// means the SDK's standard retryer without a retry quota and with
	// back-off up to 2 s, bounded by RetryTime and MaxAttempts.
	Retryer func() aws.Retryer
	// RetryTime, when Retryer is nil, is how long each call keeps
	// retrying transient faults, in total: a retry whose back-off would
	// end later is not made, and the call fails with the last fault,
	// naming the key. 0 means [DefaultRetryTime]; negative is an error.
	// The URL parameter retry_time (a Go duration, "90s") sets it.
	RetryTime time.Duration
	// MaxAttempts, when positive and Retryer is nil, also bounds the
	// attempts of each call (the first included). 0 bounds them by
	// RetryTime alone; negative is an error.
	MaxAttempts int
	// Logger receives the client's retries (at level Debug) and warnings.
	// nil discards them. The SDK logs no credential at these levels.
	Logger *slog.Logger

	// PartSize is the size of the parts of a multipart upload, and the
	// size from which Put uploads in parts; 0 means [DefaultPartSize]. It
	// must be at least [MinPartSize]. Put holds one part in memory.
	PartSize int64
	// ListPageSize is the number of keys asked of each ListObjectsV2
	// call; 0 leaves S3's default of 1,000.
	ListPageSize int32
}

// Lander stores objects in an S3 bucket. Its methods are safe for
// concurrent use, also by several Landers and processes on one bucket.
type Lander struct {
	client   *s3.Client
	bucket   string
	prefix   string
	partSize int64
	pageSize int32
	closed   atomic.Bool
	// callOpts are passed to every S3 call: the retry time's deadline.
	callOpts []func(*s3.Options)
}

var _ landing.Lander = (*Lander)(nil)

// Open returns a Lander on bucket, with an S3 client made from the
// standard AWS configuration and opts. It makes no request: a wrong
// bucket, endpoint or credential shows at the first call.
func Open(ctx context.Context, bucket string, opts *Options) (*Lander, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if err := checkCommon(bucket, &o); err != nil {
		return nil, err
	}
	var load []func(*config.LoadOptions) error
	if o.Region != "" {
		load = append(load, config.WithRegion(o.Region))
	}
	if o.Credentials != nil {
		load = append(load, config.WithCredentialsProvider(o.Credentials))
	}
	switch {
	case o.MaxAttempts < 0:
		return nil, fmt.Errorf("s3landing.Open: MaxAttempts %d is negative", o.MaxAttempts)
	case o.RetryTime < 0:
		return nil, fmt.Errorf("s3landing.Open: RetryTime %s is negative", o.RetryTime)
	case o.Retryer != nil:
		load = append(load, config.WithRetryer(o.Retryer))
	default:
		load = append(load, config.WithRetryer(standardRetryer(o.MaxAttempts)))
	}
	if o.Logger != nil {
		load = append(load, config.WithLogger(slogLogger{l: o.Logger}), config.WithClientLogMode(aws.LogRetries))
	}
	if o.Endpoint != "" {
		if err := checkEndpoint(o.Endpoint); err != nil {
			return nil, fmt.Errorf("s3landing.Open: %w", err)
		}
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		return nil, fmt.Errorf("s3landing.Open: loading the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("s3landing.Open: bucket %q: no region: set it in the URL (?region=…), in Options.Region or in AWS_REGION", bucket)
	}
	client := s3.NewFromConfig(cfg, func(so *s3.Options) {
		if o.Endpoint != "" {
			so.BaseEndpoint = aws.String(o.Endpoint)
		}
		so.UsePathStyle = o.PathStyle
		// Objects uploaded in parts carry no whole-object checksum: do
		// not log a warning at every Get of one.
		so.DisableLogOutputChecksumValidationSkipped = true
		if o.HTTPClient != nil {
			so.HTTPClient = o.HTTPClient
		}
	})
	l := newLander(client, bucket, &o)
	if o.Retryer == nil {
		l.callOpts = []func(*s3.Options){budget{total: cmp.Or(o.RetryTime, DefaultRetryTime), maxAttempts: o.MaxAttempts}.option()}
	}
	return l, nil
}

// New returns a Lander on bucket that uses client as it is. Of opts, only
// Prefix, PartSize and ListPageSize apply; setting the fields that build a
// client (Region, Endpoint, PathStyle, Credentials, HTTPClient, Retryer)
// is an error.
func New(client *s3.Client, bucket string, opts *Options) (*Lander, error) {
	if client == nil {
		return nil, errors.New("s3landing.New: client is nil")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Region != "" || o.Endpoint != "" || o.PathStyle || o.Credentials != nil || o.HTTPClient != nil || o.Retryer != nil || o.MaxAttempts != 0 || o.RetryTime != 0 || o.Logger != nil {
		return nil, errors.New("s3landing.New: Region, Endpoint, PathStyle, Credentials, HTTPClient, Retryer, MaxAttempts, RetryTime and Logger build a client: set them on the client instead")
	}
	if err := checkCommon(bucket, &o); err != nil {
		return nil, err
	}
	return newLander(client, bucket, &o), nil
}

// checkCommon validates what Open and New share, and fills defaults.
func checkCommon(bucket string, o *Options) error {
	if bucket == "" {
		return errors.New("s3landing.Open: bucket is required")
	}
	if strings.ContainsAny(bucket, "/\\") || strings.TrimSpace(bucket) != bucket {
		return fmt.Errorf("s3landing.Open: invalid bucket name %q", bucket)
	}
	if o.Prefix != "" {
		if err := landing.ValidatePrefix(o.Prefix); err != nil {
			return fmt.Errorf("s3landing.Open: Prefix: %w", err)
		}
		if !strings.HasSuffix(o.Prefix, "/") {
			o.Prefix += "/"
		}
	}
	switch {
	case o.PartSize == 0:
		o.PartSize = DefaultPartSize
	case o.PartSize < MinPartSize:
		return fmt.Errorf("s3landing.Open: PartSize %d is below S3's minimum of %d bytes", o.PartSize, MinPartSize)
	}
	if o.ListPageSize < 0 {
		return fmt.Errorf("s3landing.Open: ListPageSize %d is negative", o.ListPageSize)
	}
	return nil
}

func newLander(client *s3.Client, bucket string, o *Options) *Lander {
	return &Lander{client: client, bucket: bucket, prefix: o.Prefix, partSize: o.PartSize, pageSize: o.ListPageSize}
}

// Bucket returns the bucket's name.
func (l *Lander) Bucket() string { return l.bucket }

// Prefix returns the prefix put before every key: "" or a string ending
// with a slash.
func (l *Lander) Prefix() string { return l.prefix }

// As sets *target to the S3 client when target is a **s3.Client, and
// reports whether it did.
func (l *Lander) As(target any) bool {
	p, ok := target.(**s3.Client)
	if ok {
		*p = l.client
	}
	return ok
}

// Close makes the Lander unusable; the S3 client needs no closing.
// Calling Close again does nothing.
func (l *Lander) Close() error {
	l.closed.Store(true)
	return nil
}

// check validates key and tells whether the Lander may be used.
func (l *Lander) check(ctx context.Context, op, key string) error {
	if err := landing.ValidateKey(key); err != nil {
		return err
	}
	return l.usable(ctx, op, key)
}

func (l *Lander) usable(ctx context.Context, op, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if l.closed.Load() {
		return fmt.Errorf("s3landing: %s %q: %w", op, key, fs.ErrClosed)
	}
	return nil
}

// Put stores the content of r at key. Content of less than PartSize bytes
// is sent in one PutObject; larger content as a multipart upload.
func (l *Lander) Put(ctx context.Context, key string, r io.Reader) error {
	if err := l.check(ctx, "put", key); err != nil {
		return err
	}
	cr := ctxio.NewReader(ctx, r)
	first, err := readPart(cr, l.partSize)
	if err != nil {
		return l.readErr(ctx, key, err)
	}
	if int64(len(first)) < l.partSize {
		return l.putOne(ctx, key, first)
	}
	second, err := readPart(cr, l.partSize)
	if err != nil {
		return l.readErr(ctx, key, err)
	}
	if len(second) == 0 {
		return l.putOne(ctx, key, first)
	}
	return l.putParts(ctx, key, first, second, cr)
}

// readPart reads up to n bytes of r.
func readPart(r io.Reader, n int64) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(int(min(n, 64<<10)))
	_, err := buf.ReadFrom(io.LimitReader(r, n))
	return buf.Bytes(), err
}

func (l *Lander) readErr(ctx context.Context, key string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	return fmt.Errorf("s3landing: put %q: reading the content: %w", key, err)
}

func (l *Lander) putOne(ctx context.Context, key string, data []byte) error {
	_, err := l.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        &l.bucket,
		Key:           aws.String(l.prefix + key),
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
	}, l.callOpts...)
	if err != nil {
		return l.opErr(ctx, "put", key, err)
	}
	return nil
}

// putParts uploads first, second and the rest of r as a multipart upload,
// one part at a time, and aborts the upload when anything fails.
func (l *Lander) putParts(ctx context.Context, key string, first, second []byte, r io.Reader) (err error) {
	s3key := aws.String(l.prefix + key)
	up, err := l.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket:            &l.bucket,
		Key:               s3key,
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
	}, l.callOpts...)
	if err != nil {
		return l.opErr(ctx, "put", key, err)
	}
	defer func() {
		if err == nil {
			return
		}
		// Abort even when ctx is done, but not for ever.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_, _ = l.client.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{
			Bucket: &l.bucket, Key: s3key, UploadId: up.UploadId,
		}, l.callOpts...)
	}()

	var parts []types.CompletedPart
	cur, next := first, second
	for n := int32(1); ; n++ {
		if n > maxParts {
			return fmt.Errorf("s3landing: put %q: more than %d parts of %d bytes: raise Options.PartSize", key, maxParts, l.partSize)
		}
		out, err := l.client.UploadPart(ctx, &s3.UploadPartInput{
			Bucket:            &l.bucket,
			Key:               s3key,
			UploadId:          up.UploadId,
			PartNumber:        aws.Int32(n),
			Body:              bytes.NewReader(cur),
			ContentLength:     aws.Int64(int64(len(cur))),
			ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
		}, l.callOpts...)
		if err != nil {
			return l.opErr(ctx, "put", key, fmt.Errorf("part %d: %w", n, err))
		}
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(n), ChecksumCRC32: out.ChecksumCRC32})
		if len(next) == 0 {
			break
		}
		cur = next
		next = nil
		if int64(len(cur)) == l.partSize {
			if next, err = readPart(r, l.partSize); err != nil {
				return l.readErr(ctx, key, err)
			}
		}
	}
	_, err = l.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket:          &l.bucket,
		Key:             s3key,
		UploadId:        up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	}, l.callOpts...)
	if err != nil && errorCode(err) == "NoSuchUpload" && l.completed(ctx, key, parts) {
		// The answer to a completion that succeeded was lost, and the
		// retry found the upload gone: the object is there, whole.
		return nil
	}
	if err != nil {
		return l.opErr(ctx, "put", key, err)
	}
	return nil
}

// completed tells whether the object at key is the multipart upload made
// of parts, by its ETag: the MD5 of the parts' MD5s, a dash and the number
// of parts. Servers whose ETags are not MD5s never match: the Put then
// fails, and a retry lands the same bytes.
func (l *Lander) completed(ctx context.Context, key string, parts []types.CompletedPart) bool {
	h := md5.New()
	for _, p := range parts {
		b, err := hex.DecodeString(strings.Trim(aws.ToString(p.ETag), `"`))
		if err != nil || len(b) != md5.Size {
			return false
		}
		h.Write(b)
	}
	want := hex.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(parts))
	head, err := l.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &l.bucket, Key: aws.String(l.prefix + key)}, l.callOpts...)
	return err == nil && strings.Trim(aws.ToString(head.ETag), `"`) == want
}

// Get opens the object at key; the reader streams it from S3.
func (l *Lander) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := l.check(ctx, "get", key); err != nil {
		return nil, err
	}
	out, err := l.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &l.bucket, Key: aws.String(l.prefix + key)}, l.callOpts...)
	if err != nil {
		return nil, l.opErr(ctx, "get", key, err)
	}
	return out.Body, nil
}

// List returns the objects whose keys start with prefix, sorted by key,
// asking S3 for as many pages as it takes.
func (l *Lander) List(ctx context.Context, prefix string) ([]landing.Object, error) {
	if err := landing.ValidatePrefix(prefix); err != nil {
		return nil, err
	}
	if err := l.usable(ctx, "list", prefix); err != nil {
		return nil, err
	}
	in := &s3.ListObjectsV2Input{Bucket: &l.bucket, Prefix: aws.String(l.prefix + prefix)}
	if l.pageSize > 0 {
		in.MaxKeys = aws.Int32(l.pageSize)
	}
	out := []landing.Object{}
	pages := s3.NewListObjectsV2Paginator(l.client, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx, l.callOpts...)
		if err != nil {
			return nil, l.opErr(ctx, "list", prefix, err)
		}
		for _, o := range page.Contents {
			k, ok := strings.CutPrefix(aws.ToString(o.Key), l.prefix)
			if !ok || landing.ValidateKey(k) != nil {
				continue
			}
			out = append(out, landing.Object{Key: k, Size: aws.ToInt64(o.Size)})
		}
	}
	slices.SortFunc(out, func(a, b landing.Object) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// Delete removes the object at key; S3 does not mind a missing key.
func (l *Lander) Delete(ctx context.Context, key string) error {
	if err := l.check(ctx, "delete", key); err != nil {
		return err
	}
	_, err := l.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &l.bucket, Key: aws.String(l.prefix + key)}, l.callOpts...)
	if err != nil {
		return l.opErr(ctx, "delete", key, err)
	}
	return nil
}

// ReadVersioned returns the object at key and its ETag, the version that
// WriteIfVersion compares.
func (l *Lander) ReadVersioned(ctx context.Context, key string) ([]byte, string, error) {
	if err := l.check(ctx, "read", key); err != nil {
		return nil, "", err
	}
	out, err := l.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &l.bucket, Key: aws.String(l.prefix + key)}, l.callOpts...)
	if err != nil {
		return nil, "", l.opErr(ctx, "read", key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, "", l.opErr(ctx, "read", key, err)
	}
	ver := aws.ToString(out.ETag)
	if ver == "" {
		return nil, "", fmt.Errorf("s3landing: read %q: the server sent no ETag", key)
	}
	return data, ver, nil
}

// WriteIfVersion stores data at key if the object's ETag is version ("":
// if there is no object), by a conditional PutObject, and returns the new
// ETag. See the package documentation for how it recognises its own write
// after a retry.
func (l *Lander) WriteIfVersion(ctx context.Context, key string, data []byte, version string) (string, error) {
	if err := l.check(ctx, "write-if-version", key); err != nil {
		return "", err
	}
	token, err := newToken()
	if err != nil {
		return "", fmt.Errorf("s3landing: write-if-version %q: %w", key, err)
	}
	in := &s3.PutObjectInput{
		Bucket:        &l.bucket,
		Key:           aws.String(l.prefix + key),
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
		Metadata:      map[string]string{TokenMetadata: token},
	}
	if version == "" {
		in.IfNoneMatch = aws.String("*")
	} else {
		in.IfMatch = aws.String(version)
	}
	out, err := l.client.PutObject(ctx, in, l.callOpts...)
	if err == nil {
		return aws.ToString(out.ETag), nil
	}
	if cerr := ctx.Err(); cerr != nil {
		return "", cerr
	}
	if !conditionFailed(err) {
		return "", l.opErr(ctx, "write-if-version", key, err)
	}
	// Refused: by someone else's write, or by our own, done by an attempt
	// whose answer was lost.
	head, herr := l.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &l.bucket, Key: aws.String(l.prefix + key)}, l.callOpts...)
	switch {
	case herr == nil && metadata(head.Metadata, TokenMetadata) == token:
		return aws.ToString(head.ETag), nil
	case herr != nil && !isNotFound(herr):
		if cerr := ctx.Err(); cerr != nil {
			return "", cerr
		}
		return "", fmt.Errorf("s3landing: write-if-version %q: refused (%w), and reading the object back to check failed: %w",
			key, err, herr)
	}
	return "", fmt.Errorf("s3landing: write-if-version %q: %w: expected %s: %w", key, landing.ErrConflict, describe(version), err)
}

func describe(version string) string {
	if version == "" {
		return "no object"
	}
	return "ETag " + version
}

// newToken returns 128 random bits in hex.
func newToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// metadata looks name up in S3 user metadata, whose keys servers may
// return in any case.
func metadata(m map[string]string, name string) string {
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// opErr wraps an SDK error: ctx.Err() when ctx is done, else an error
// naming the operation and the key that wraps landing.ErrNotFound for a
// missing object, and err.
func (l *Lander) opErr(ctx context.Context, op, key string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	if isNotFound(err) {
		return fmt.Errorf("s3landing: %s %q: %w: %w", op, key, landing.ErrNotFound, err)
	}
	return fmt.Errorf("s3landing: %s %q in bucket %q: %w", op, key, l.bucket, err)
}

// errorCode returns the S3 error code of err, or "".
func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// httpStatus returns the HTTP status of err, or 0.
func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// isNotFound tells whether err says the object does not exist (and not
// that the bucket does not).
func isNotFound(err error) bool {
	switch errorCode(err) {
	case "NoSuchKey", "NotFound":
		return true
	case "NoSuchBucket":
		return false
	}
	return httpStatus(err) == http.StatusNotFound
}

// conditionFailed tells whether err is S3 refusing a conditional write:
// 412 PreconditionFailed, 409 ConditionalRequestConflict, or a 404 for an
// If-Match on an object that is gone.
func conditionFailed(err error) bool {
	switch errorCode(err) {
	case "PreconditionFailed", "ConditionalRequestConflict":
		return true
	}
	return httpStatus(err) == http.StatusPreconditionFailed || isNotFound(err)
}

// slogLogger sends the SDK's log lines to a slog.Logger: warnings as
// warnings, the rest (retries) at level Debug. The SDK gives it each
// call's context through WithContext.
type slogLogger struct {
	l   *slog.Logger
	ctx context.Context
}

// WithContext implements logging.ContextLogger.
func (s slogLogger) WithContext(ctx context.Context) logging.Logger {
	return slogLogger{s.l, ctx}
}

// Logf implements logging.Logger.
func (s slogLogger) Logf(c logging.Classification, format string, v ...any) {
	level := slog.LevelDebug
	if c == logging.Warn {
		level = slog.LevelWarn
	}
	ctx := s.ctx
	if ctx == nil {
		ctx = context.TODO() // the SDK logged outside a call
	}
	s.l.Log(ctx, level, fmt.Sprintf(format, v...), "component", "s3landing")
}
