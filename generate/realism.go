package generate

import (
	"math/rand/v2"
	"time"
)

// This file holds the shape of the data: how many orders a day brings, what
// things cost, how many units an order holds and how an order's status
// moves with its age. It is integer arithmetic (per-mille factors, integer
// powers), so that no floating-point rounding, fused multiply-add or math
// library can make two machines disagree.

// Per-mille factors of the daily demand.
const (
	// levelStart and levelEnd bound the growth trend: the demand level is
	// levelStart on the Epoch and tends to levelEnd; it has gone half the
	// way after levelHalfLife days.
	levelStart    = 300
	levelEnd      = 600
	levelHalfLife = 365
	// noiseSpread is the day-to-day noise, ± per mille.
	noiseSpread = 100
)

// weekdayFactor is the per-mille demand of each weekday, Sunday first:
// shoppers buy most on Sunday evening and Monday, least on Saturday.
var weekdayFactor = [7]int64{1080, 1100, 1050, 1000, 980, 930, 860}

// holidayFactor returns the per-mille demand factor of the calendar day
// (y, m, d): Black Friday, its weekend and Cyber Monday, the Christmas
// shopping season, a quiet Christmas Day and New Year's Day, and Boxing
// Day. Other days have 1000.
func holidayFactor(y int, m time.Month, d int) int64 {
	switch m {
	case time.November, time.December:
		bf := blackFriday(y)
		cyber := bf.AddDate(0, 0, 3)
		day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		switch {
		case day.Equal(bf):
			return 2200
		case day.After(bf) && day.Before(cyber):
			return 1500 // the Black Friday weekend
		case day.Equal(cyber):
			return 1900
		}
		if m == time.November {
			return 1000
		}
		switch {
		case d <= 20:
			return 1300
		case d <= 23:
			return 1150 // the last days to ship before Christmas
		case d == 24:
			return 800
		case d == 25:
			return 550
		case d == 26:
			return 1250
		}
		return 1100
	case time.January:
		if d == 1 {
			return 700
		}
	}
	return 1000
}

// blackFriday returns the day after the fourth Thursday of November of
// year y (US Thanksgiving).
func blackFriday(y int) time.Time {
	nov1 := time.Date(y, time.November, 1, 0, 0, 0, 0, time.UTC)
	firstThursday := 1 + (int(time.Thursday)-int(nov1.Weekday())+7)%7
	return time.Date(y, time.November, firstThursday+22, 0, 0, 0, 0, time.UTC)
}

// demand returns the per-mille demand of day number dn, in [0, 1000]: the
// growth level since the Epoch, times the weekday and holiday factors
// (unless noHolidays), times a noise factor drawn from r, capped at 1000.
func demand(dn, epochDay int64, noHolidays bool, r *rand.Rand) int64 {
	t := dn - epochDay
	level := levelStart + (levelEnd-levelStart)*t/(t+levelHalfLife)
	day := time.Unix(dn*86400, 0).UTC()
	y, m, d := day.Date()
	v := level * weekdayFactor[day.Weekday()] / 1000
	if !noHolidays {
		v = v * holidayFactor(y, m, d) / 1000
	}
	v = v * (1000 - noiseSpread + r.Int64N(2*noiseSpread+1)) / 1000
	return min(v, 1000)
}

// orderCount maps a per-mille demand to a number of orders in
// [lo, hi], rounding to the nearest.
func orderCount(lo, hi int, demand int64) int {
	return lo + int((int64(hi-lo)*demand+500)/1000)
}

// category is a product category: its share of the catalogue, and the
// distribution of its prices in cents. A price is min + (max−min)·x^skew
// for x uniform in [0, 1), so a higher skew gives more cheap items and a
// long tail of expensive ones; it then ends in .99, .49, .95 or .00, the
// way shops price.
type category struct {
	name     string
	weight   int // share of the catalogue, in per cent
	min, max int64
	skew     int // 1 to 3
}

// categories are the product categories; prices stay within 5.00–500.00.
// The weights add up to 100.
var categories = []category{
	{"Electronics", 12, 1999, 49999, 2},
	{"Books", 14, 500, 4999, 2},
	{"Clothing", 16, 999, 14999, 2},
	{"Home & Kitchen", 11, 799, 29999, 2},
	{"Sports & Outdoors", 9, 999, 24999, 2},
	{"Toys & Games", 9, 500, 7999, 2},
	{"Beauty", 10, 500, 9999, 3},
	{"Garden", 6, 999, 19999, 2},
	{"Grocery", 7, 500, 2999, 1},
	{"Office Supplies", 6, 500, 12999, 3},
}

// pickCategory draws a category by its weight.
func pickCategory(r *rand.Rand) category {
	p := r.IntN(100)
	for _, c := range categories {
		if p < c.weight {
			return c
		}
		p -= c.weight
	}
	return categories[len(categories)-1]
}

// priceEndings are the cents a price ends in, each as likely.
var priceEndings = [...]int64{99, 99, 99, 99, 99, 99, 49, 49, 95, 0}

// drawPrice draws a price in cents from c's distribution.
func drawPrice(c category, r *rand.Rand) int64 {
	const bits = 15 // x^3 < 2^45 and max−min < 2^16: no overflow
	x := r.Int64N(1 << bits)
	pow := int64(1)
	for range c.skew {
		pow *= x
	}
	cents := c.min + (c.max-c.min)*pow>>(bits*c.skew)
	cents = cents/100*100 + priceEndings[r.IntN(len(priceEndings))]
	if cents > c.max {
		cents -= 100
	}
	return max(cents, c.min)
}

// quantityTop are the cumulative per-cent shares of quantities 1 to
// MaxQuantity: half the lines hold one unit, one in twenty holds five.
var quantityTop = [MaxQuantity]int{50, 75, 87, 95, 100}

// pickQuantity maps a percentile in [0, 100) to a quantity.
func pickQuantity(p int) int {
	for i, top := range quantityTop {
		if p < top {
			return i + 1
		}
	}
	return MaxQuantity
}

// Status indexes into Statuses.
const (
	statusCompleted = iota
	statusPending
	statusShipped
	statusCancelled
)

// The order lifecycle, in per cent and days.
const (
	// cancelRate is the share of orders cancelled before they ship.
	cancelRate = 6
)

// cancelDelay, shipDelay and transitDays are cumulative per-cent shares
// of a delay of 0, 1, 2, ... days.
var (
	cancelDelay = []int{50, 80, 100}
	shipDelay   = []int{30, 75, 90, 100}
	transitDays = []int{8, 25, 50, 72, 85, 93, 97, 100}
)

// pickDelay maps a percentile in [0, 100) to a delay by cumulative shares.
func pickDelay(p int, cum []int) int {
	for i, top := range cum {
		if p < top {
			return i
		}
	}
	return len(cum) - 1
}

// lifecycle is an order's fate, drawn once: cancelled after cancel days,
// or shipped after ship days and delivered (COMPLETED) transit days later.
type lifecycle struct {
	cancelled             bool
	cancel, ship, transit int8
}

// drawLifecycle draws a lifecycle from three percentiles in [0, 100).
func drawLifecycle(fate, delay, transit int) lifecycle {
	if fate < cancelRate {
		return lifecycle{cancelled: true, cancel: int8(pickDelay(delay, cancelDelay))}
	}
	return lifecycle{ship: int8(pickDelay(delay, shipDelay)), transit: int8(pickDelay(transit, transitDays))}
}

// status returns the index in Statuses of the order's status at the end
// of its age-th day (age 0: the day it was placed).
func (l lifecycle) status(age int64) int8 {
	switch {
	case l.cancelled && age >= int64(l.cancel):
		return statusCancelled
	case l.cancelled:
		return statusPending
	case age >= int64(l.ship)+int64(l.transit):
		return statusCompleted
	case age >= int64(l.ship):
		return statusShipped
	}
	return statusPending
}
