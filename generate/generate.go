// Package generate produces deterministic, realistic synthetic e-commerce
// data: a product catalogue, customers who sign up day by day, and the orders
// placed each day.
//
// # Determinism
//
// The same [Config] (above all the same Seed) gives the same rows, whatever
// the order in which days are asked for and whatever the number of goroutines:
// each day derives its own random stream from the seed and the date, so any
// day can be regenerated alone, for example after a crash.
//
// # Tables
//
// The tables have the original pipeline's columns, as strings (see
// [edqm.Table]):
//
//   - products: product_id, product_name, category, price, stock_level
//   - customers: customer_id, name, email, signup_date, region
//   - orders: order_id, customer_id, product_id, quantity, total_amount,
//     order_date, status
//
// Amounts are written with two decimals ("123.40"), dates as YYYY-MM-DD.
package generate

import (
	"context"
	"time"

	"github.com/edqm/edqm"
)

// Column names of the generated tables.
var (
	ProductColumns  = []string{"product_id", "product_name", "category", "price", "stock_level"}
	CustomerColumns = []string{"customer_id", "name", "email", "signup_date", "region"}
	OrderColumns    = []string{"order_id", "customer_id", "product_id", "quantity", "total_amount", "order_date", "status"}
)

// Statuses are the accepted order statuses.
var Statuses = []string{"COMPLETED", "PENDING", "SHIPPED", "CANCELLED"}

// MaxQuantity is the largest quantity a clean order line has; clean orders
// have 1 to MaxQuantity units.
const MaxQuantity = 5

// Generator produces the synthetic tables.
//
// Contract for every implementation:
//   - Pure: the same Generator configuration gives byte-identical tables for
//     the same arguments, on every call, machine and degree of parallelism.
//   - Safe for concurrent use by multiple goroutines.
//   - Referentially clean: every order's customer_id and product_id exist,
//     the customer signed up on or before the order's day, total_amount is
//     quantity × price to the cent, status is one of [Statuses]. Only the
//     chaos package makes data dirty.
//   - Honours ctx: a cancelled context returns ctx.Err() unwrapped.
type Generator interface {
	// Products returns the product catalogue. It is fixed for a seed.
	Products(ctx context.Context) (*edqm.Table, error)
	// Customers returns the customers whose signup_date is in the closed
	// range [from, to], ordered by signup date. A zero from means "since the
	// first customer".
	Customers(ctx context.Context, from, to time.Time) (*edqm.Table, error)
	// Orders returns the orders placed on day (its calendar date; the time of
	// day is ignored).
	Orders(ctx context.Context, day time.Time) (*edqm.Table, error)
	// SignupDate returns the signup date of a customer id the generator
	// produced, and false for any other id.
	SignupDate(customerID string) (time.Time, bool)
}
