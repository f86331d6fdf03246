package s3landing_test

import (
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/landingtest"
	"github.com/edqm/edqm/landing/s3landing"
)

// open opens a Lander on the shared server, and closes it at the end of
// the test. opts may be nil; the server's settings fill it.
func open(t *testing.T, bucket string, opts *s3landing.Options) *s3landing.Lander {
	t.Helper()
	o := server(t).Options()
	if opts != nil {
		o.Prefix, o.PartSize, o.ListPageSize = opts.Prefix, opts.PartSize, opts.ListPageSize
		if opts.HTTPClient != nil {
			o.HTTPClient = opts.HTTPClient
		}
		if opts.Retryer != nil {
			o.Retryer = opts.Retryer
		}
	}
	l, err := s3landing.Open(t.Context(), bucket, o)
	if err != nil {
		t.Fatalf("Open(%q): %v", bucket, err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// reopen opens another Lander, with its own S3 client, on the bucket and
// prefix of l.
func reopen(t *testing.T, l landing.Lander) landing.Lander {
	s := l.(*s3landing.Lander)
	return open(t, s.Bucket(), &s3landing.Options{Prefix: s.Prefix()})
}

// TestConformance runs the suite with a new bucket for each test, keys at
// the bucket's root.
func TestConformance(t *testing.T) {
	srv := server(t)
	landingtest.RunConformanceTests(t, func(t *testing.T) landing.Lander {
		return open(t, srv.NewBucket(t), nil)
	}, landingtest.WithReopen(reopen))
}

// TestConformanceThroughURL runs the suite through landing.Open, with one
// bucket shared by the tests, each under a prefix of its own, and
// credentials from the environment.
func TestConformanceThroughURL(t *testing.T) {
	srv := server(t)
	bucket := srv.NewBucket(t)
	var n atomic.Int64
	openURL := func(t *testing.T, prefix string) landing.Lander {
		l, err := landing.Open(t.Context(), srv.URL(bucket, prefix), nil)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	landingtest.RunConformanceTests(t, func(t *testing.T) landing.Lander {
		return openURL(t, "runs/test-"+strconv.FormatInt(n.Add(1), 10))
	}, landingtest.WithReopen(func(t *testing.T, l landing.Lander) landing.Lander {
		return openURL(t, l.(*s3landing.Lander).Prefix())
	}))
}
