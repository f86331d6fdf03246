package s3landing_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/faultlanding"
	"github.com/edqm/edqm/landing/s3landing"
)

// pendingUploads lists the multipart uploads still open in l's bucket.
func pendingUploads(t *testing.T, l *s3landing.Lander) []string {
	t.Helper()
	var c *s3.Client
	l.As(&c)
	out, err := c.ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: aws.String(l.Bucket())})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, u := range out.Uploads {
		keys = append(keys, aws.ToString(u.Key))
	}
	return keys
}

// failAfter yields the bytes of data, then fails with err (nil: io.EOF);
// when cancel is set, it calls it once n bytes are out.
type failAfter struct {
	data   []byte
	n      int
	err    error
	cancel func()
}

func (r *failAfter) Read(p []byte) (int, error) {
	if r.cancel != nil && r.n <= 0 {
		r.cancel()
	}
	if len(r.data) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		return 0, io.EOF
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	r.n -= n
	return n, nil
}

func TestMultipart(t *testing.T) {
	srv := server(t)
	ctx := t.Context()
	l := open(t, srv.NewBucket(t), &s3landing.Options{PartSize: s3landing.MinPartSize})
	const ps = s3landing.MinPartSize

	cases := []struct {
		name  string
		size  int
		parts int
	}{
		{"exactly one part", ps, 0},
		{"one part and a byte", ps + 1, 2},
		{"exactly two parts", 2 * ps, 2},
		{"two parts and some", 2*ps + 4321, 3},
	}
	for i, c := range cases {
		content := randomBytes(c.size, uint64(10+i))
		key := fmt.Sprintf("multi/%d.bin", i)
		// Through a plain reader, so that Put cannot take the size first.
		if err := l.Put(ctx, key, io.MultiReader(bytes.NewReader(content))); err != nil {
			t.Fatalf("%s: Put: %v", c.name, err)
		}
		requireObject(t, l, key, content, c.parts)
	}

	// A reader that fails, or a ctx cancelled, in the middle of the second
	// part: the old object stays, and no upload is left open.
	old := []byte("previous content")
	if err := l.Put(ctx, "multi/keep.bin", bytes.NewReader(old)); err != nil {
		t.Fatal(err)
	}
	errBoom := errors.New("boom")
	err := l.Put(ctx, "multi/keep.bin", &failAfter{data: randomBytes(ps+ps/2, 3), err: errBoom})
	if !errors.Is(err, errBoom) || !strings.Contains(err.Error(), `"multi/keep.bin"`) {
		t.Errorf("Put from a reader failing in part 2: %v, want the reader's error and the key", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	err = l.Put(cctx, "multi/keep.bin", &failAfter{data: randomBytes(2*ps, 4), n: ps + ps/2, cancel: cancel})
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Put cancelled in part 2: %v", err)
	}
	requireObject(t, l, "multi/keep.bin", old, 0)
	if p := pendingUploads(t, l); len(p) != 0 {
		t.Errorf("uploads left open after failed Puts: %q", p)
	}
}

// TestListPagination lists with pages of 7 keys and counts the requests.
func TestListPagination(t *testing.T) {
	srv := server(t)
	ctx := t.Context()
	bucket := srv.NewBucket(t)
	listCall := func(c faultlanding.Call) bool { return c.Request.URL.Query().Get("list-type") == "2" }
	counter, err := faultlanding.NewTransport(awshttp.NewBuildableClient().GetTransport(), &faultlanding.Options{Match: listCall})
	if err != nil {
		t.Fatal(err)
	}
	l := open(t, bucket, &s3landing.Options{Prefix: "root", ListPageSize: 7, HTTPClient: &http.Client{Transport: counter}})
	var want []string
	for i := range 50 {
		want = append(want, fmt.Sprintf("p/obj-%03d", i))
	}
	for _, k := range append(slices.Clone(want), "q/1", "q/2", "p-other") {
		if err := l.Put(ctx, k, strings.NewReader(k)); err != nil {
			t.Fatal(err)
		}
	}
	// An object outside the prefix, and one whose key is no landing key.
	other := open(t, bucket, nil)
	if err := other.Put(ctx, "elsewhere/x", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	var c *s3.Client
	other.As(&c)
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("root/p/folder-marker/"), Body: strings.NewReader("")}); err != nil {
		t.Fatal(err)
	}

	objs, err := l.List(ctx, "p/")
	if err != nil {
		t.Fatal(err)
	}
	if got := objectKeys(objs); !slices.Equal(got, want) {
		t.Fatalf("List(p/) = %q, want %q", got, want)
	}
	if n := counter.Stats().Calls; n != 8 { // 51 keys with the marker, 7 a page
		t.Errorf("List(p/) took %d requests, want 8 pages of 7", n)
	}
	all, err := l.List(ctx, "")
	if err != nil || len(all) != 53 {
		t.Errorf("List(\"\") = %d objects, %v; want 53", len(all), err)
	}
}

func TestErrors(t *testing.T) {
	srv := server(t)
	ctx := t.Context()
	bucket := srv.NewBucket(t)
	l := open(t, bucket, nil)

	_, err := l.Get(ctx, "no/such.csv")
	var nsk *types.NoSuchKey
	var api smithy.APIError
	var resp *awshttp.ResponseError
	switch {
	case !errors.Is(err, landing.ErrNotFound):
		t.Errorf("Get of a missing key: %v, want ErrNotFound", err)
	case !errors.As(err, &nsk) || !errors.As(err, &api) || api.ErrorCode() != "NoSuchKey":
		t.Errorf("Get of a missing key: %v, want the SDK's NoSuchKey reachable", err)
	case !errors.As(err, &resp) || resp.HTTPStatusCode() != http.StatusNotFound:
		t.Errorf("Get of a missing key: %v, want the HTTP 404 reachable", err)
	case !strings.HasPrefix(err.Error(), `s3landing: get "no/such.csv": landing: not found`):
		t.Errorf("Get of a missing key: message %q", err)
	}
	_, _, err = l.ReadVersioned(ctx, "no/such.csv")
	if !errors.Is(err, landing.ErrNotFound) {
		t.Errorf("ReadVersioned of a missing key: %v", err)
	}

	v, err := l.WriteIfVersion(ctx, "cas", []byte("1"), "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.WriteIfVersion(ctx, "cas", []byte("2"), "")
	if !errors.Is(err, landing.ErrConflict) || !errors.As(err, &api) || api.ErrorCode() != "PreconditionFailed" ||
		!strings.Contains(err.Error(), "expected no object") {
		t.Errorf("create over an object: %v, want ErrConflict with S3's PreconditionFailed", err)
	}
	_, err = l.WriteIfVersion(ctx, "cas", []byte("2"), `"0123"`)
	if !errors.Is(err, landing.ErrConflict) || !strings.Contains(err.Error(), `expected ETag "0123"`) {
		t.Errorf("update with a wrong ETag: %v", err)
	}
	if _, err := l.WriteIfVersion(ctx, "cas", []byte("2"), v); err != nil {
		t.Errorf("update with the right ETag: %v", err)
	}

	// A missing bucket is not a missing object.
	nb := open(t, "no-such-bucket", nil)
	_, err = nb.Get(ctx, "k")
	if errors.Is(err, landing.ErrNotFound) || !errors.As(err, &api) || api.ErrorCode() != "NoSuchBucket" ||
		!strings.Contains(err.Error(), `bucket "no-such-bucket"`) {
		t.Errorf("Get in a missing bucket: %v, want NoSuchBucket, not ErrNotFound", err)
	}

	// Closed.
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Put(ctx, "k", strings.NewReader("v")); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("Put after Close: %v", err)
	}
	if _, err := l.List(ctx, ""); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("List after Close: %v", err)
	}
	var c *s3.Client
	if !l.As(&c) || c == nil {
		t.Error("As(**s3.Client) = false")
	}
	var wrong *http.Client
	if l.As(&wrong) {
		t.Error("As(**http.Client) = true")
	}
}

// TestSecretsStayOut checks that the server enforces signatures, and that
// neither a refused request nor a refused URL repeats a secret.
func TestSecretsStayOut(t *testing.T) {
	srv := server(t)
	ctx := t.Context()
	bucket := srv.NewBucket(t)
	const badSecret = "wJalrXUtnFEMI-not-the-secret-K7MDENGbPxRfiCY"
	o := srv.Options()
	o.Credentials = credentials.NewStaticCredentialsProvider(srv.AccessKey, badSecret, "")
	l, err := s3landing.Open(ctx, bucket, o)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	err = l.Put(ctx, "k", strings.NewReader("v"))
	var api smithy.APIError
	if err == nil || !errors.As(err, &api) {
		t.Fatalf("Put with a wrong secret: %v, want the server's refusal", err)
	}
	t.Logf("refused as %s", api.ErrorCode())
	for _, secret := range []string{badSecret, srv.SecretKey} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows a secret: %v", err)
		}
	}

	for _, raw := range []string{
		"s3://AKIDEXAMPLE:" + badSecret + "@bucket/p?region=us-east-1",
		"s3://bucket/p?region=us-east-1&endpoint=http://AKIDEXAMPLE:" + badSecret + "@127.0.0.1:1",
		"s3://bucket/p?region=us-east-1&secret=" + badSecret,
	} {
		_, err := landing.Open(ctx, raw, nil)
		if err == nil {
			t.Errorf("Open(%q): no error", raw)
		} else if strings.Contains(err.Error(), badSecret) {
			t.Errorf("Open: the error shows the secret: %v", err)
		}
	}
}

func TestParseURL(t *testing.T) {
	good := []struct {
		raw    string
		bucket string
		want   s3landing.Options
	}{
		{"s3://bucket", "bucket", s3landing.Options{}},
		{"s3://bucket/", "bucket", s3landing.Options{}},
		{"s3://my.bucket/landing/edqm/", "my.bucket", s3landing.Options{Prefix: "landing/edqm/"}},
		{"s3://b/p?region=eu-west-3", "b", s3landing.Options{Prefix: "p", Region: "eu-west-3"}},
		{"s3://b/p?endpoint=http://127.0.0.1:7070&path_style=true&region=us-east-1", "b",
			s3landing.Options{Prefix: "p", Endpoint: "http://127.0.0.1:7070", PathStyle: true, Region: "us-east-1"}},
		{"s3://b?path_style=0", "b", s3landing.Options{}},
		{"s3://b/date%3D2025", "b", s3landing.Options{Prefix: "date=2025"}},
	}
	for _, g := range good {
		u, err := url.Parse(g.raw)
		if err != nil {
			t.Fatal(err)
		}
		bucket, opts, err := s3landing.ParseURL(u)
		if err != nil || bucket != g.bucket || opts.Prefix != g.want.Prefix || opts.Region != g.want.Region ||
			opts.Endpoint != g.want.Endpoint || opts.PathStyle != g.want.PathStyle {
			t.Errorf("ParseURL(%q) = %q, %+v, %v; want %q, %+v", g.raw, bucket, opts, err, g.bucket, g.want)
		}
	}
	bad := map[string]string{
		"s3:///prefix":                         "bucket is missing",
		"s3://b/p?foo=1&bar=2&region=x":        `unknown query parameter(s) "bar", "foo"`,
		"s3://b?region=a&region=b":             `"region" is given 2 times`,
		"s3://b?path_style=maybe":              `path_style="maybe" is not a boolean`,
		"s3://b:9000/p":                        "no port",
		"s3://b/p#frag":                        "fragment",
		"s3://user@b/p":                        "credentials in the URL are refused",
		"s3://b/a//c":                          "empty segment",
		"s3://b/a/../c":                        ".. segment",
		"s3://b?endpoint=ftp://host":           "want an http:// or https:// URL",
		"s3://b?endpoint=http://":              "host is missing",
		"s3://b?endpoint=http://h/?x=1":        "query",
		"s3:b":                                 "opaque",
		"s3://b?endpoint=http://u:p@127.0.0.1": "endpoint: credentials in the URL are refused",
	}
	for raw, want := range bad {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s3landing.ParseURL(u); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseURL(%q) = %v, want an error saying %q", raw, err, want)
		}
	}
}

func TestOpen(t *testing.T) {
	ctx := t.Context()
	// Open makes no request: a URL to a closed port opens.
	l, err := landing.Open(ctx, "s3://bucket/p?region=us-east-1&endpoint=http://127.0.0.1:1&path_style=true", nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	l.Close()

	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent/edqm-test")
	t.Setenv("AWS_PROFILE", "")
	if _, err := landing.Open(ctx, "s3://bucket/p", nil); err == nil || !strings.Contains(err.Error(), "no region") {
		t.Errorf("Open without a region: %v", err)
	}
	for _, o := range []*s3landing.Options{
		{Region: "r", PartSize: s3landing.MinPartSize - 1},
		{Region: "r", Prefix: "../x"},
		{Region: "r", ListPageSize: -1},
		{Region: "r", Endpoint: "localhost:7070"},
	} {
		if _, err := s3landing.Open(ctx, "bucket", o); err == nil || !strings.HasPrefix(err.Error(), "s3landing.Open: ") {
			t.Errorf("Open(%+v) = %v, want an error", o, err)
		}
	}
	if _, err := s3landing.Open(ctx, "", nil); err == nil || !strings.Contains(err.Error(), "bucket is required") {
		t.Errorf("Open without a bucket: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s3landing.Open(cctx, "bucket", &s3landing.Options{Region: "r"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Open with a done context: %v", err)
	}

	client := s3.New(s3.Options{Region: "us-east-1"})
	nl, err := s3landing.New(client, "bucket", &s3landing.Options{Prefix: "a/b"})
	if err != nil || nl.Prefix() != "a/b/" || nl.Bucket() != "bucket" {
		t.Errorf("New: %v, prefix %q", err, nl.Prefix())
	}
	if _, err := s3landing.New(client, "bucket", &s3landing.Options{Region: "x"}); err == nil {
		t.Error("New with a Region: no error")
	}
	if _, err := s3landing.New(nil, "bucket", nil); err == nil {
		t.Error("New with a nil client: no error")
	}
}
