package generate

import (
	"errors"
	"fmt"
	"time"
)

// ErrInvalidConfig is wrapped by every error [Config.Validate] and [New]
// return for a bad configuration.
var ErrInvalidConfig = errors.New("generate: invalid config")

// ErrBeforeEpoch is wrapped by the error [Seeded.Orders] returns for a day
// before the configured Epoch: nobody had signed up yet, so no order can be
// placed.
var ErrBeforeEpoch = errors.New("generate: day before the epoch")

// Defaults used for the zero values of [Config].
const (
	DefaultCustomersPerDay = 3
	DefaultProducts        = 200
	DefaultMinOrders       = 50
	DefaultMaxOrders       = 150
)

// DefaultEpoch is the first customer's signup day when Config.Epoch is zero.
var DefaultEpoch = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

// Config configures a [Seeded] generator. The zero value of every field
// selects its default, so Config{Seed: 42} is a complete configuration.
type Config struct {
	// Seed selects the data: the same Seed (and the same other fields) gives
	// byte-identical tables on every machine and in every process.
	Seed uint64
	// Epoch is the day the first customer signs up; only its calendar date
	// counts (the time of day and the location are dropped, the date is read
	// in Epoch's own location). Zero means [DefaultEpoch], 2024-01-01: no
	// order is placed before it. [EpochFor] picks the Epoch of a range of
	// days that may start anywhere.
	Epoch time.Time
	// CustomersPerDay is how many customers sign up each day: customer
	// number k (counting from 0) signs up on day Epoch + k/CustomersPerDay.
	// Zero means [DefaultCustomersPerDay]; negative is an error.
	CustomersPerDay int
	// Products is the size of the product catalogue. Zero means
	// [DefaultProducts]; negative is an error.
	Products int
	// MinOrders is the smallest number of orders placed on a day: the count
	// of a day never goes below it. Zero means [DefaultMinOrders]; negative
	// is an error.
	MinOrders int
	// MaxOrders is the largest number of orders placed on a day: the count
	// of a day never goes above it. Where a day falls in [MinOrders,
	// MaxOrders] is set by its demand (growth trend, weekday, holidays,
	// noise; see the package documentation): a quiet Saturday of the first
	// weeks is near MinOrders, Black Friday at MaxOrders, an ordinary day of
	// the second year about halfway. MinOrders = MaxOrders fixes the count.
	// Zero means [DefaultMaxOrders]; negative, or smaller than MinOrders
	// once the defaults are applied, is an error.
	MaxOrders int
	// NoHolidays switches off the holiday peaks and troughs of the daily
	// volume (Black Friday, Christmas, ...); the growth trend, the weekday
	// cycle and the noise stay. A volume monitor that knows no calendar
	// flags the holidays, as it would on real data.
	NoHolidays bool
	// AsOf is the day the order statuses are observed, as in a snapshot of
	// the shop's database taken that day; only its calendar date counts.
	// Each order follows a lifecycle drawn from its own stream (placed,
	// then cancelled; or shipped, then delivered, which is COMPLETED), and
	// its status is the state of that lifecycle at the end of AsOf: orders
	// placed ten days or more before AsOf are COMPLETED or CANCELLED, recent
	// ones mostly PENDING or SHIPPED.
	//
	// Zero, the default, observes every order at the end of the day it was
	// placed (age 0), as a daily extract does: about 69% PENDING, 26%
	// SHIPPED, 2% COMPLETED, 3% CANCELLED. An order placed after AsOf is
	// observed on its own day too. Either way the rows depend only on the
	// Config and the day, never on when they are generated.
	AsOf time.Time
}

// withDefaults returns c with every zero field replaced by its default and
// Epoch truncated to its calendar day.
func (c Config) withDefaults() Config {
	if c.Epoch.IsZero() {
		c.Epoch = DefaultEpoch
	}
	y, m, d := c.Epoch.Date()
	c.Epoch = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if !c.AsOf.IsZero() {
		y, m, d := c.AsOf.Date()
		c.AsOf = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	if c.CustomersPerDay == 0 {
		c.CustomersPerDay = DefaultCustomersPerDay
	}
	if c.Products == 0 {
		c.Products = DefaultProducts
	}
	if c.MinOrders == 0 {
		c.MinOrders = DefaultMinOrders
	}
	if c.MaxOrders == 0 {
		c.MaxOrders = DefaultMaxOrders
	}
	return c
}

// Validate reports the first configuration error, naming the offending
// field; the error wraps [ErrInvalidConfig]. Defaults are applied before the
// MinOrders ≤ MaxOrders check.
func (c Config) Validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{
		{"CustomersPerDay", c.CustomersPerDay},
		{"Products", c.Products},
		{"MinOrders", c.MinOrders},
		{"MaxOrders", c.MaxOrders},
	} {
		if f.v < 0 {
			return fmt.Errorf("%w: %s is %d, want ≥ 0 (0 selects the default)", ErrInvalidConfig, f.name, f.v)
		}
	}
	d := c.withDefaults()
	if d.MinOrders > d.MaxOrders {
		return fmt.Errorf("%w: MinOrders is %d but MaxOrders is %d (after defaults), want MinOrders ≤ MaxOrders",
			ErrInvalidConfig, d.MinOrders, d.MaxOrders)
	}
	return nil
}
