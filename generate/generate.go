// Package generate produces deterministic, realistic synthetic e-commerce
// data: a product catalogue, customers who sign up day by day, and the orders
// placed each day, as string tables, typed Go rows or Arrow record batches.
//
// # Determinism
//
// The same [Config] (above all the same Seed) gives the same rows, whatever
// the order in which days are asked for and whatever the number of goroutines:
// each day derives its own random streams from the seed and the date (one per
// order), so any day, or any batch of a day, can be regenerated alone, for
// example after a crash, and backfills can build days in parallel. Nothing
// reads the wall clock or a global random source. What decides a row is
// computed in integers, or in plain floating-point products, which IEEE 754
// rounds alike everywhere: no math library function and no multiply-add that
// a compiler could fuse, so no floating-point detail can make two machines
// disagree.
//
// # Realism
//
// The data is shaped so that anomaly detection means something:
//
//   - Volume: a day's order count lies in [Config.MinOrders,
//     Config.MaxOrders] (50 to 150 by default, about 100 on average). Where in
//     that band is set by the day's demand: a growth trend (from 30% of the
//     band on the Epoch towards 60%, half-way after a year), a weekday cycle
//     (Monday +10%, Saturday −14%), holiday peaks (Black Friday ×2.2, its
//     weekend ×1.5, Cyber Monday ×1.9, December 1–20 ×1.3, a quiet Christmas
//     Day ×0.55 and New Year's Day ×0.7; [Config.NoHolidays] turns them
//     off) and ±10% noise.
//   - Prices: each category has its own price range and skew (most books
//     cost under 20.00, electronics spread to 500.00), prices end in .99,
//     .49, .95 or .00, and categories have unequal shares of the catalogue.
//   - Baskets: half the order lines hold one unit, one in twenty holds
//     [MaxQuantity]; a few best-selling products take a large share.
//   - Customers: an order's customer signed up on or before the order's day;
//     early customers order more, a long tail of heavy customers.
//   - Statuses depend on the order's age at [Config.AsOf]: each order has a
//     lifecycle (cancelled, or shipped then delivered) and its status is the
//     lifecycle's state on that day. By default (zero AsOf) an order is
//     observed on its own day, so a day's rows never depend on when they are
//     generated.
//
// # Tables, rows and batches
//
// The tables have the original pipeline's columns:
//
//   - products: product_id, product_name, category, price, stock_level
//   - customers: customer_id, name, email, signup_date, region
//   - orders: order_id, customer_id, product_id, quantity, total_amount,
//     order_date, status
//
// Each comes in three forms with the same values: an [edqm.Table] of strings
// ([Seeded.Orders]; amounts with two decimals, "123.40", dates as
// YYYY-MM-DD), typed Go rows ([Order], [Seeded.OrderRows]) and Arrow record
// batches ([OrderSchema]). [Seeded.NewOrderReader] streams the orders of a
// range of days as batches, in the style of array.RecordReader, so 100
// million orders never sit in memory at once:
//
//	r, err := gen.NewOrderReader(ctx, from, to, nil)
//	if err != nil { ... }
//	defer r.Release()
//	for r.Next() {
//		rec := r.RecordBatch() // valid until the next Next
//		...
//	}
//	if err := r.Err(); err != nil { ... }
//
// Batches come from ReaderOptions.Allocator; a [PoolAllocator] recycles the
// memory of released batches, which takes a third off the CPU time of a
// long stream.
//
// # Faker and value pools
//
// Names, e-mail addresses and product names come from
// github.com/go-faker/faker/v4, but not one faker call per value: faker
// draws from a process-wide, clock-seeded source and costs about a
// microsecond a call. Its word lists are harvested once per process and each
// generator samples small pools from them with its own seeded stream; rows
// then pick from the pools, which costs nanoseconds (BenchmarkFakerName
// against BenchmarkPoolName measures both).
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

// Statuses are the accepted order statuses: [edqm.OrderStatuses], the same
// slice.
var Statuses = edqm.OrderStatuses

// MaxQuantity is the largest quantity a clean order line has; clean orders
// have 1 to MaxQuantity units. It is [edqm.MaxOrderQuantity].
const MaxQuantity = edqm.MaxOrderQuantity

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
