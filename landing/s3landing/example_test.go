package s3landing_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/faultlanding"
	"github.com/edqm/edqm/landing/s3landing"
)

// The Example functions have no *testing.T: they use the background context,
// as a program would.

// Swapping a local folder for S3 is one string; the credentials come from
// the standard AWS chain (AWS_ACCESS_KEY_ID, AWS_PROFILE…), never the URL.
// This example needs a bucket, so it is compiled but not run.
func Example() {
	ctx := context.Background()
	l, err := landing.Open(ctx, "s3://my-bucket/edqm?region=eu-west-1", nil)
	// l, err := landing.Open(ctx, "file:///var/edqm", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()
	if err := l.Put(ctx, "orders/date=2025-01-01/orders-2025-01-01.csv", strings.NewReader("order_id\n1\n")); err != nil {
		fmt.Println(err)
		return
	}
	var c *s3.Client
	if l.(*s3landing.Lander).As(&c) {
		fmt.Println("the S3 client is at hand for what landing does not wrap")
	}
}

// An S3-compatible server (here versitygw or MinIO on loopback), reached
// through a transport that fails 20% of the requests, under the SDK's
// retryer with more attempts than its default 3.
func ExampleOpen() {
	ctx := context.Background()
	flaky, err := faultlanding.NewTransport(nil, &faultlanding.Options{Rate: 0.2, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	l, err := s3landing.Open(ctx, "edqm", &s3landing.Options{
		Prefix:     "landing/",
		Region:     "us-east-1",
		Endpoint:   "http://127.0.0.1:7070",
		PathStyle:  true,
		HTTPClient: &http.Client{Transport: flaky},
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 10 })
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()
	w := landing.NewWatermark(l)
	mark, ok, err := w.Load(ctx)
	fmt.Println(mark.LastDay, ok, err, flaky.Stats())
}
