package generate

import (
	"fmt"
	"time"
)

// DefaultEpochYears is how many years after [DefaultEpoch] a dataset's
// first day may lie and still keep DefaultEpoch as its Epoch (see
// [EpochFor]).
const DefaultEpochYears = 100

// EpochFor returns the Epoch for a dataset whose first day is first (its
// calendar date; the time of day and location are dropped as
// Config.Epoch drops them):
//
//   - [DefaultEpoch] when first is on or after it and less than
//     [DefaultEpochYears] years after it, so every range that was valid
//     with the zero Config keeps its bytes;
//   - first itself otherwise: a range before 2024 gets a calendar that
//     starts on its first day instead of failing with [ErrBeforeEpoch],
//     and a range far in the future does not make its first day carry
//     every customer who signed up since 2024.
//
// A program that lands days over several runs must give every run the
// same first day (the first day ever landed), since the Epoch decides
// every customer's signup date.
func EpochFor(first time.Time) time.Time {
	y, m, d := first.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if !day.Before(DefaultEpoch) && day.Before(DefaultEpoch.AddDate(DefaultEpochYears, 0, 0)) {
		return DefaultEpoch
	}
	return day
}

// OrderBand returns the MinOrders and MaxOrders of a Config whose days
// hold about perDay orders on average: perDay/2 to perDay + perDay/2
// (50 to 150 for 100, the defaults), or 1 to 1 for perDay 1. perDay below
// 1 is an error wrapping [ErrInvalidConfig].
func OrderBand(perDay int) (minOrders, maxOrders int, err error) {
	if perDay < 1 {
		return 0, 0, fmt.Errorf("%w: %d orders per day, want at least 1", ErrInvalidConfig, perDay)
	}
	minOrders = max(1, perDay/2)
	return minOrders, max(minOrders, perDay+perDay/2), nil
}
