package s3landing_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/faultlanding"
	"github.com/edqm/edqm/landing/landingtest"
	"github.com/edqm/edqm/landing/s3landing"
)

// patientRetryer is the SDK's standard retryer with 10 attempts, short
// back-offs and no retry quota, so that a long run at a high fault rate
// neither fails for lack of attempts nor empties the quota.
func patientRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 10
		o.MaxBackoff = 200 * time.Millisecond
		o.BaseDelay = 5 * time.Millisecond
		o.RateLimiter = ratelimit.None
	})
}

// faulty opens a Lander on bucket whose requests go through a fault
// Transport with opts.
func faulty(t *testing.T, bucket string, opts *faultlanding.Options, lo *s3landing.Options) (*s3landing.Lander, *faultlanding.Transport) {
	t.Helper()
	tr, err := faultlanding.NewTransport(awshttp.NewBuildableClient().GetTransport(), opts)
	if err != nil {
		t.Fatal(err)
	}
	o := &s3landing.Options{}
	if lo != nil {
		*o = *lo
	}
	o.HTTPClient = &http.Client{Transport: tr}
	o.Retryer = patientRetryer
	return open(t, bucket, o), tr
}

// conditionalPut matches the conditional writes of WriteIfVersion.
func conditionalPut(c faultlanding.Call) bool {
	h := c.Request.Header
	return c.Request.Method == http.MethodPut && (h.Get("If-None-Match") != "" || h.Get("If-Match") != "")
}

// TestLostAnswerToConditionalWrite drops the answer to the first
// conditional write after the server did it: the SDK sends the write
// again, S3 refuses it (the object changed: it is ours), and WriteIfVersion
// must recognise its own write and succeed.
func TestLostAnswerToConditionalWrite(t *testing.T) {
	srv := server(t)
	ctx := t.Context()
	bucket := srv.NewBucket(t)
	const key = "_state/watermark.json"
	for _, fault := range []faultlanding.Fault{faultlanding.LostResponse, faultlanding.Timeout} {
		t.Run(fault.String(), func(t *testing.T) {
			prefix := &s3landing.Options{Prefix: fault.String()}
			dropFirst := func() *faultlanding.Options {
				return &faultlanding.Options{Rate: 1, Max: 1, Faults: []faultlanding.Fault{fault}, Match: conditionalPut}
			}
			clean := open(t, bucket, prefix)

			l, tr := faulty(t, bucket, dropFirst(), prefix)
			v1, err := l.WriteIfVersion(ctx, key, []byte("one"), "")
			if err != nil {
				t.Fatalf("create, first answer lost: %v", err)
			}
			if s := tr.Stats(); s.Injected != 1 || s.Calls != 2 {
				t.Fatalf("want one lost answer, then one retry: %v", s)
			}
			data, ver, err := clean.ReadVersioned(ctx, key)
			if err != nil || string(data) != "one" || ver != v1 {
				t.Fatalf("after create: %q, %q, %v; want \"one\", %q", data, ver, err, v1)
			}

			l, tr = faulty(t, bucket, dropFirst(), prefix)
			v2, err := l.WriteIfVersion(ctx, key, []byte("two"), v1)
			if err != nil {
				t.Fatalf("update, first answer lost: %v", err)
			}
			if s := tr.Stats(); s.Injected != 1 || s.Calls != 2 {
				t.Fatalf("want one lost answer, then one retry: %v", s)
			}
			data, ver, err = clean.ReadVersioned(ctx, key)
			if err != nil || string(data) != "two" || ver != v2 || v2 == v1 {
				t.Fatalf("after update: %q, %q, %v; want \"two\", %q", data, ver, err, v2)
			}

			// A write that loses, answer lost: still a conflict.
			l, tr = faulty(t, bucket, dropFirst(), prefix)
			_, err = l.WriteIfVersion(ctx, key, []byte("stale"), v1)
			if !errors.Is(err, landing.ErrConflict) {
				t.Fatalf("stale update, answer lost: %v, want a conflict", err)
			}
			if s := tr.Stats(); s.Injected != 1 {
				t.Fatalf("no fault injected: %v", s)
			}
			if data, _, _ := clean.ReadVersioned(ctx, key); string(data) != "two" {
				t.Fatalf("a lost compare-and-swap wrote %q", data)
			}
		})
	}
}

// TestLostAnswerToMultipartCompletion drops the answer to the completion
// of a multipart upload after the server did it: the retry finds no
// upload, and Put must see that the object is whole.
func TestLostAnswerToMultipartCompletion(t *testing.T) {
	srv := server(t)
	ctx := t.Context()
	complete := func(c faultlanding.Call) bool {
		return c.Request.Method == http.MethodPost && c.Request.URL.Query().Has("uploadId")
	}
	l, tr := faulty(t, srv.NewBucket(t), &faultlanding.Options{
		Rate: 1, Max: 1, Faults: []faultlanding.Fault{faultlanding.LostResponse}, Match: complete,
	}, &s3landing.Options{PartSize: s3landing.MinPartSize})
	content := randomBytes(s3landing.MinPartSize+1234, 1)
	if err := l.Put(ctx, "big/file.bin", bytes.NewReader(content)); err != nil {
		t.Fatalf("Put, completion answer lost: %v", err)
	}
	if s := tr.Stats(); s.Injected != 1 || s.Calls < 2 {
		t.Fatalf("want one lost answer, then a retry: %v", s)
	}
	requireObject(t, l, "big/file.bin", content, 2)
}

// randomBytes returns n seeded pseudo-random bytes.
func randomBytes(n int, seed uint64) []byte {
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)})
	b := make([]byte, n)
	_, _ = r.Read(b)
	return b
}

// requireObject fails unless key holds want, uploaded in parts parts (0:
// in one PutObject).
func requireObject(t *testing.T, l *s3landing.Lander, key string, want []byte, parts int) {
	t.Helper()
	ctx := t.Context()
	rc, err := l.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: %d bytes differ from the %d put", key, len(got), len(want))
	}
	var c *s3.Client
	if !l.As(&c) {
		t.Fatal("As(**s3.Client) = false")
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(l.Bucket()), Key: aws.String(l.Prefix() + key)})
	if err != nil {
		t.Fatal(err)
	}
	etag := aws.ToString(head.ETag)
	if multi := fmt.Sprintf("-%d\"", parts); (parts > 0) != strings.HasSuffix(etag, multi) {
		t.Errorf("%s: ETag %s, want one of %d parts", key, etag, parts)
	}
}

// TestTwentyPercentFaults lands two months of files, one of them large enough
// for a multipart upload, and advances the watermark, through a transport
// that fails one request in five (server errors, resets, lost answers,
// timeouts): with the SDK's retryer the landed bytes are exactly those of
// a clean run, and the compare-and-swap stays exact.
func TestTwentyPercentFaults(t *testing.T) {
	srv := server(t)
	ctx := t.Context()
	bucket := srv.NewBucket(t)
	l, tr := faulty(t, bucket, &faultlanding.Options{Rate: 0.2, Seed: 20250301}, &s3landing.Options{PartSize: s3landing.MinPartSize})
	start := time.Now()

	first := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 0, 59)
	want := map[string][]byte{}
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		for k, v := range landingtest.RunnerFiles(d) {
			want[k] = []byte(v)
		}
	}
	big := randomBytes(s3landing.MinPartSize+777, 2)
	want["big/orders-2025.parquet"] = big

	// Land everything at once, as the pipeline does, then advance.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for k, v := range want {
		g.Go(func() error { return l.Put(gctx, k, bytes.NewReader(v)) })
	}
	if err := g.Wait(); err != nil {
		t.Fatalf("Put at 20%% faults: %v (%v)", err, tr.Stats())
	}
	if _, err := landing.NewWatermark(l).Advance(ctx, landing.Mark{}, last, last); err != nil {
		t.Fatalf("Advance at 20%% faults: %v", err)
	}
	// Re-landing the same day overwrites with the same bytes.
	for k, v := range landingtest.RunnerFiles(last) {
		if err := l.Put(ctx, k, strings.NewReader(v)); err != nil {
			t.Fatalf("second Put of %s: %v", k, err)
		}
	}

	// Read back through a clean client.
	clean := open(t, bucket, nil)
	objs, err := clean.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(want)+1)
	for k := range want {
		keys = append(keys, k)
	}
	keys = append(keys, landing.WatermarkKey)
	slices.Sort(keys)
	if got := objectKeys(objs); !slices.Equal(got, keys) {
		t.Fatalf("landed keys differ:\n got %q\nwant %q", got, keys)
	}
	for k, v := range want {
		rc, err := clean.Get(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, v) {
			t.Fatalf("%s: landed bytes differ (%d vs %d bytes, %v)", k, len(got), len(v), err)
		}
	}
	requireObject(t, clean, "big/orders-2025.parquet", big, 2)
	m, ok, err := landing.NewWatermark(clean).Load(ctx)
	if err != nil || !ok || !m.LastDay.Equal(last) {
		t.Fatalf("watermark %v, %v, %v; want %v", m.LastDay, ok, err, last)
	}

	// A compare-and-swap counter, one writer: a write whose answer was lost
	// and that is then reported as a conflict would be counted twice.
	const increments = 40
	if err := landingtest.Increment(ctx, l, "_state/counter", 1, increments); err != nil {
		t.Fatalf("increments at 20%% faults: %v", err)
	}
	if data, _, err := clean.ReadVersioned(ctx, "_state/counter"); err != nil || string(data) != fmt.Sprint(increments) {
		t.Fatalf("counter %q, %v; want %d", data, err, increments)
	}

	// Runners on two faulty clients: still exactly one winner.
	l2, tr2 := faulty(t, bucket, &faultlanding.Options{Rate: 0.2, Seed: 7}, nil)
	landingtest.WatermarkRace(t, 8, l, l2)

	s := tr.Stats()
	t.Logf("faults: %v, and %v on the second client; %v", s, tr2.Stats(), time.Since(start).Round(time.Millisecond))
	if rate := float64(s.Injected) / float64(s.Calls); s.Calls < 200 || rate < 0.15 || rate > 0.25 {
		t.Errorf("the transport failed %v: want about 20%% of at least 200 calls", s)
	}
	for _, f := range faultlanding.AllFaults {
		if s.ByFault[f] == 0 {
			t.Errorf("no %s injected: %v", f, s)
		}
	}
}

func objectKeys(objs []landing.Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.Key
	}
	return out
}

// TestMaxAttemptsThroughURL opens the Lander with landing.Open and
// OpenOptions: every call fails with a server error, and each Get is sent
// exactly MaxAttempts times before its error names the key.
func TestMaxAttemptsThroughURL(t *testing.T) {
	srv := server(t)
	srv.SetEnv(t)
	bucket := srv.NewBucket(t)
	for _, attempts := range []int{1, 4} {
		tr, err := faultlanding.NewTransport(awshttp.NewBuildableClient().GetTransport(),
			&faultlanding.Options{Rate: 1, Faults: []faultlanding.Fault{faultlanding.ServerError}})
		if err != nil {
			t.Fatal(err)
		}
		l, err := landing.Open(t.Context(), srv.URL(bucket, "attempts"), &landing.OpenOptions{
			HTTPClient: &http.Client{Transport: tr}, MaxAttempts: attempts})
		if err != nil {
			t.Fatal(err)
		}
		_, err = l.Get(t.Context(), "orders/a.csv")
		if err == nil || !strings.Contains(err.Error(), `"orders/a.csv"`) {
			t.Errorf("MaxAttempts %d: Get = %v, want an error naming the key", attempts, err)
		}
		if got := tr.Stats().Calls; got != int64(attempts) {
			t.Errorf("MaxAttempts %d: %d calls were sent, want %d", attempts, got, attempts)
		}
		l.Close()
	}
}

// outage fails the first n calls with server errors, then none: an S3
// outage counted in calls rather than seconds.
func outage(n int64) *faultlanding.Options {
	var calls atomic.Int64
	return &faultlanding.Options{Rate: 1, Faults: []faultlanding.Fault{faultlanding.ServerError},
		Match: func(faultlanding.Call) bool { return calls.Add(1) <= n }}
}

// TestRetryTimeRidesOutAnOutage: with the default retryer (no
// MaxAttempts), a call keeps retrying through 14 failed attempts in a row,
// more than the 10 attempts that used to be the most one call made, and
// succeeds once the server is back.
func TestRetryTimeRidesOutAnOutage(t *testing.T) {
	srv := server(t)
	srv.SetEnv(t)
	bucket := srv.NewBucket(t)
	defer s3landing.SetMaxBackoff(20 * time.Millisecond)()
	tr, err := faultlanding.NewTransport(awshttp.NewBuildableClient().GetTransport(), outage(14))
	require.NoError(t, err)
	l, err := landing.Open(t.Context(), srv.URL(bucket, "outage"), &landing.OpenOptions{HTTPClient: &http.Client{Transport: tr}})
	require.NoError(t, err)
	defer l.Close()
	require.NoError(t, l.Put(t.Context(), "orders/a.csv", strings.NewReader("a\n1\n")))
	assert.Equal(t, int64(14), tr.Stats().Injected, "one call, retried until the server came back")
	data, _, err := l.ReadVersioned(t.Context(), "orders/a.csv")
	require.NoError(t, err)
	assert.Equal(t, "a\n1\n", string(data))
}

// TestRetryTimeBoundsAPermanentFault: a server that never recovers stops
// the call once the URL's retry_time is used up, with an error naming the
// key, the fault and the retry time; a fault that is not transient (no
// such bucket) stops it at the first attempt.
func TestRetryTimeBoundsAPermanentFault(t *testing.T) {
	srv := server(t)
	srv.SetEnv(t)
	bucket := srv.NewBucket(t)
	defer s3landing.SetMaxBackoff(20 * time.Millisecond)()
	tr, err := faultlanding.NewTransport(awshttp.NewBuildableClient().GetTransport(), outage(1<<40))
	require.NoError(t, err)
	l, err := landing.Open(t.Context(), srv.URL(bucket, "down")+"&retry_time=300ms", &landing.OpenOptions{HTTPClient: &http.Client{Transport: tr}})
	require.NoError(t, err)
	defer l.Close()
	_, err = l.Get(t.Context(), "orders/a.csv")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"orders/a.csv"`)
	assert.Contains(t, err.Error(), "in the retry time of 300ms")
	assert.Greater(t, tr.Stats().Calls, int64(1), "retried")

	tr2, err := faultlanding.NewTransport(awshttp.NewBuildableClient().GetTransport(), &faultlanding.Options{})
	require.NoError(t, err)
	gone, err := landing.Open(t.Context(), srv.URL("no-such-bucket-edqm", "x"), &landing.OpenOptions{HTTPClient: &http.Client{Transport: tr2}})
	require.NoError(t, err)
	defer gone.Close()
	_, err = gone.Get(t.Context(), "orders/a.csv")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"orders/a.csv"`)
	assert.Equal(t, int64(1), tr2.Stats().Calls, "not retried")
}
