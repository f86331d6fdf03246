package s3landing

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// DefaultRetryTime is how long a call keeps retrying transient faults
// when [Options.RetryTime] is 0: long enough to ride out an S3 outage of
// a minute or so.
const DefaultRetryTime = 2 * time.Minute

// maxBackoff is the longest wait between two attempts of a call (a
// variable for the tests).
var maxBackoff = 2 * time.Second

// standardRetryer is the retryer of Open when Options.Retryer is nil: the
// SDK's standard one (what is retryable, exponential back-off with jitter
// up to maxBackoff) without a retry quota, so that an outage is not made
// permanent by an emptied quota; the attempts are bounded by the retry
// time (see budget) and by maxAttempts when positive.
func standardRetryer(maxAttempts int) func() aws.Retryer {
	backoff := maxBackoff
	return func() aws.Retryer {
		return retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = max(maxAttempts, 1)
			so.MaxBackoff = backoff
			so.RateLimiter = ratelimit.None
		})
	}
}

// budget bounds each call's retries by a total time: every call gets its
// own deadline (a fresh budgetRetryer over the client's retryer).
type budget struct {
	total       time.Duration
	maxAttempts int // 0: no bound but the time
}

// option is the per-call option that gives the call its deadline.
func (b budget) option() func(*s3.Options) {
	return func(so *s3.Options) {
		base, ok := so.Retryer.(aws.RetryerV2)
		if !ok {
			return
		}
		so.Retryer = &budgetRetryer{RetryerV2: base, deadline: time.Now().Add(b.total), total: b.total, maxAttempts: b.maxAttempts}
	}
}

// budgetRetryer is a call's retryer: base's decisions and delays, and no
// retry whose delay would end after the deadline.
type budgetRetryer struct {
	aws.RetryerV2
	deadline    time.Time
	total       time.Duration
	maxAttempts int
}

// MaxAttempts returns the attempt bound, 0 (none) when only the time
// bounds the call.
func (r *budgetRetryer) MaxAttempts() int { return r.maxAttempts }

// RetryDelay returns base's delay, or an error wrapping err once the delay
// would take the call past its deadline.
func (r *budgetRetryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	d, derr := r.RetryerV2.RetryDelay(attempt, err)
	if derr != nil {
		return 0, derr
	}
	if time.Now().Add(d).After(r.deadline) {
		return 0, fmt.Errorf("gave up after %d attempts in the retry time of %s: %w", attempt, r.total, err)
	}
	return d, nil
}

// GetAttemptToken is base's.
func (r *budgetRetryer) GetAttemptToken(ctx context.Context) (func(error) error, error) {
	return r.RetryerV2.GetAttemptToken(ctx)
}
