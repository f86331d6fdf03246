package s3landing

import "time"

// SetMaxBackoff sets the longest wait between two attempts, so that tests
// retry quickly, and returns the function that restores it.
func SetMaxBackoff(d time.Duration) func() {
	old := maxBackoff
	maxBackoff = d
	return func() { maxBackoff = old }
}
