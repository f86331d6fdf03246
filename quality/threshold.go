package quality

import (
	"fmt"
	"strconv"
	"strings"
)

// Threshold is a condition on a test's failures, as written in dbt's
// warn_if and error_if: an operator and a number of failing rows, or a
// percentage of the model's rows when the number ends with "%". Examples:
// "!=0" (dbt's default), "> 1000", ">=10", ">5%", "<= 0.5 %".
type Threshold struct {
	// Op is one of >, >=, <, <=, =, ==, !=, <>.
	Op string
	// Value is a count, or a percentage when Percent is true.
	Value float64
	// Percent compares Value with the failing percentage of the model's
	// rows instead of the failure count.
	Percent bool
}

// DefaultThreshold is dbt's default for both warn_if and error_if: any
// failure.
const DefaultThreshold = "!=0"

var thresholdOps = []string{">=", "<=", "!=", "<>", "==", ">", "<", "="}

// ParseThreshold parses a condition such as "> 1000" or ">5%". The error
// wraps [ErrBadTest].
func ParseThreshold(s string) (Threshold, error) {
	in := strings.TrimSpace(s)
	var th Threshold
	for _, op := range thresholdOps {
		if strings.HasPrefix(in, op) {
			th.Op = op
			break
		}
	}
	if th.Op == "" {
		return th, fmt.Errorf("%w: threshold %q: want an operator (>, >=, <, <=, =, !=) and a number, e.g. \">0\" or \">5%%\"", ErrBadTest, s)
	}
	num := strings.TrimSpace(in[len(th.Op):])
	if strings.HasSuffix(num, "%") {
		th.Percent = true
		num = strings.TrimSpace(strings.TrimSuffix(num, "%"))
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v != v || v < 0 { // NaN and negatives make no sense for counts
		return th, fmt.Errorf("%w: threshold %q: %q is not a non-negative number", ErrBadTest, s, num)
	}
	if th.Percent && v > 100 {
		return th, fmt.Errorf("%w: threshold %q: a percentage is at most 100", ErrBadTest, s)
	}
	th.Value = v
	return th, nil
}

// Match reports whether failures (a count) or percent (of the model's
// rows, 0 to 100) meet the condition.
func (th Threshold) Match(failures int64, percent float64) bool {
	x := float64(failures)
	if th.Percent {
		x = percent
	}
	switch th.Op {
	case ">":
		return x > th.Value
	case ">=":
		return x >= th.Value
	case "<":
		return x < th.Value
	case "<=":
		return x <= th.Value
	case "=", "==":
		return x == th.Value
	case "!=", "<>":
		return x != th.Value
	}
	return false
}

// String renders the threshold as ParseThreshold reads it, e.g. ">5%".
func (th Threshold) String() string {
	s := th.Op + strconv.FormatFloat(th.Value, 'f', -1, 64)
	if th.Percent {
		s += "%"
	}
	return s
}
