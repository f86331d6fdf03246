// Package chaostest gives a Go test a seeded, labelled dirty dataset in one
// call, and tells how to replay it when the test fails.
//
// # Orders
//
// [Orders] generates a day of orders with package generate, corrupts them
// with package chaos and returns the clean rows, the dirty rows and the
// labels: the ground truth a validator, a parser or a data-quality check
// under test must match. A row is named by its [chaos.RowKey], its key and
// occurrence (2 for an added duplicate), so that a duplicated order's
// clean first copy is not taken for a corrupted one:
//
//	func TestMyValidator(t *testing.T) {
//		ds := chaostest.Orders(t, nil)
//		var rejected []chaos.RowKey
//		for i, o := range ds.Dirty {
//			if myValidator(o) != nil {
//				rejected = append(rejected, ds.Rows[i])
//			}
//		}
//		chaostest.RequireRejected(t, ds.Labels, rejected) // exactly the corrupted rows
//	}
//
// [AssertRejected] and [RequireRejected] take testify's TestingT (a
// *testing.T is one), and sit beside testify's assertions.
//
// [Inject] and [Record] do the same with the test's own rows: a slice of
// structs or an Arrow record batch, described by a chaos.TableSpec;
// [RowKeys] names the rows of a slice.
//
// # Scoring a validator
//
// [Score] measures a validator against every kind and variant of chaos:
// per variant, how many corrupted rows it rejects (recall) and how many of
// its rejections are corrupted rows (precision), with examples of misses
// and false alarms; [Scorecard.Require] turns thresholds into a test
// failure that names the variant missed and the seed that replays it.
//
//	func TestPaymentValidator(t *testing.T) {
//		chaostest.Score(t, spec, rows, validate).Require(
//			chaostest.Recall(chaos.Domain, 0.99), chaostest.Precision("", 0.95))
//	}
//
// validate is the team's check, as a func(T) error, a func(T) bool or a
// func([]T) []int returning the rows it rejects; spec, a chaos.TableSpec,
// says which field of T plays which role. With testify,
// require.NoError(t, card.Check(...)) reads the same.
//
// # Seeds and replay
//
// Every dataset is seeded. The seed is, in order: the environment variable
// EDQM_CHAOS_SEED when set, Options.Seed when not zero, or a hash of the
// test's name (so each test has its own data, the same on every run). When
// the test fails, the log says:
//
//	chaostest: seed=12345; replay with EDQM_CHAOS_SEED=12345 go test -run '^TestMyValidator$'
package chaostest

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/chaos/chaosarrow"
	"github.com/edqm/edqm/generate"
)

// SeedEnv is the environment variable that sets the seed of every dataset,
// to replay a failure.
const SeedEnv = "EDQM_CHAOS_SEED"

// Defaults used for the zero values of [Options].
var (
	// DefaultDay is the day of the orders: a Monday.
	DefaultDay = time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)
	// DefaultRates are the per-row probabilities of each kind: about one
	// row in ten is dirty.
	DefaultRates = chaos.Uniform(0.02)
)

// DefaultOrders is the number of orders [Orders] generates when
// Options.Orders is zero.
const DefaultOrders = 1000

// Options adjusts a dataset. A nil *Options means the defaults.
type Options struct {
	// Seed seeds the data and the chaos; see the package documentation for
	// when it is used.
	Seed uint64
	// Day is the day of the orders, and the batch day of the chaos (the
	// reference of "future" dates). Zero means [DefaultDay].
	Day time.Time
	// Orders is how many orders [Orders] generates. Zero means
	// [DefaultOrders].
	Orders int
	// Chaos sets the probabilities and the mode; its Seed is ignored. Zero
	// Rates and VariantRates mean [DefaultRates].
	Chaos chaos.Config
	// AsOf is passed to generate.Config.AsOf: the day order statuses are
	// observed.
	AsOf time.Time
	// Allocator allocates the batches [Record] returns. Nil means
	// memory.DefaultAllocator.
	Allocator memory.Allocator
}

// Dataset is a day of orders, clean and corrupted, with its ground truth.
type Dataset struct {
	// Seed is the seed the dataset was made with.
	Seed uint64
	// Day is the orders' day.
	Day time.Time
	// Generator made the clean data; its SignupDate tells customers'
	// signup dates.
	Generator *generate.Seeded
	// Products is the catalogue and Customers every customer signed up by
	// Day.
	Products  []generate.Product
	Customers []generate.Customer
	// Clean are the orders as generated; Dirty the same orders corrupted,
	// with duplicates right after their row.
	Clean, Dirty []generate.Order
	// Rows names each row of Dirty as the labels do: Rows[i] is the order
	// id and occurrence of Dirty[i].
	Rows []chaos.RowKey
	// Labels say what was corrupted: order id, occurrence, kind, variant,
	// column, original and injected value.
	Labels []chaos.Label
	// Spec is the chaos.TableSpec of the orders.
	Spec chaos.TableSpec
}

// Labelled returns the keys (order ids) of the rows labelled with any of
// kinds, or with any kind when none is given. An order id does not name a
// row when the order is duplicated: the clean first copy of a duplicated
// order is in the set too. To tell the corrupted rows, use [Dataset.Corrupted]
// with [Dataset.Rows].
func (d *Dataset) Labelled(kinds ...chaos.Kind) map[string]bool {
	return labelled(d.Labels, kinds)
}

// Corrupted returns the rows of Dirty with a detectable label (one that
// no other corruption masks, see chaos.Label.MaskedBy) of any of kinds, or
// of any kind when none is given: the rows a perfect validator rejects.
func (d *Dataset) Corrupted(kinds ...chaos.Kind) map[chaos.RowKey]bool {
	return Corrupted(d.Labels, kinds...)
}

// Corrupted returns the rows that labels give a detectable label (one that
// no other corruption masks, see chaos.Label.MaskedBy) of any of kinds, or
// of any kind when none is given.
func Corrupted(labels []chaos.Label, kinds ...chaos.Kind) map[chaos.RowKey]bool {
	rows := map[chaos.RowKey]bool{}
	for _, l := range labels {
		if l.MaskedBy == "" && (len(kinds) == 0 || contains(kinds, l.Kind)) {
			rows[l.Row()] = true
		}
	}
	return rows
}

func labelled(labels []chaos.Label, kinds []chaos.Kind) map[string]bool {
	keys := map[string]bool{}
	for _, l := range labels {
		if len(kinds) == 0 || contains(kinds, l.Kind) {
			keys[l.Key] = true
		}
	}
	return keys
}

func contains(kinds []chaos.Kind, k chaos.Kind) bool {
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

// New builds a dataset with exactly opts.Seed (zero included), without a
// test: for benchmarks, fuzzing or tools. Tests call [Orders].
func New(ctx context.Context, opts *Options) (*Dataset, error) {
	o := withDefaults(opts)
	if o.Orders < 0 {
		return nil, fmt.Errorf("chaostest: Options.Orders is %d, want ≥ 0", o.Orders)
	}
	gen, err := generate.New(generate.Config{Seed: o.Seed, MinOrders: o.Orders, MaxOrders: o.Orders, AsOf: o.AsOf,
		Epoch: o.Day.AddDate(-1, 0, 0)})
	if err != nil {
		return nil, fmt.Errorf("chaostest: %w", err)
	}
	inj, err := chaos.New(o.Chaos)
	if err != nil {
		return nil, fmt.Errorf("chaostest: Options.Chaos: %w", err)
	}
	d := &Dataset{Seed: o.Seed, Day: o.Day, Generator: gen, Spec: chaos.OrdersSpec(gen.SignupDate)}
	if d.Products, err = gen.ProductRows(ctx); err != nil {
		return nil, err
	}
	if d.Customers, err = gen.CustomerRows(ctx, time.Time{}, o.Day); err != nil {
		return nil, err
	}
	if d.Clean, err = gen.OrderRows(ctx, o.Day); err != nil {
		return nil, err
	}
	if d.Dirty, d.Labels, err = chaos.InjectSlice(ctx, inj, o.Day, d.Spec, d.Clean); err != nil {
		return nil, err
	}
	if d.Rows, err = chaos.SliceRows(d.Spec, d.Dirty); err != nil {
		return nil, err
	}
	return d, nil
}

// withDefaults returns a copy of opts with the defaults applied and the
// chaos seeded with Seed.
func withDefaults(opts *Options) Options {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Day.IsZero() {
		o.Day = DefaultDay
	}
	y, m, d := o.Day.Date()
	o.Day = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if o.Orders == 0 {
		o.Orders = DefaultOrders
	}
	if o.Chaos.Rates == (chaos.Rates{}) && o.Chaos.VariantRates == (chaos.VariantRates{}) {
		o.Chaos.Rates = DefaultRates
	}
	o.Chaos.Seed = o.Seed
	return o
}

// Orders returns a seeded dataset of orders for t (see the package
// documentation for the seed), or stops the test with t.Fatal. When the
// test fails, its log tells the seed and how to replay it.
func Orders(t testing.TB, opts *Options) *Dataset {
	t.Helper()
	o := seeded(t, opts)
	d, err := New(t.Context(), &o)
	if err != nil {
		t.Fatalf("chaostest: seed=%d: %v", o.Seed, err)
	}
	return d
}

// Inject corrupts the test's own rows as spec describes them and returns
// the dirty rows and the labels, or stops the test with t.Fatal (a bad
// spec, say: spec.Table is required, as chaos.InjectSlice requires it).
// [RowKeys] names the dirty rows as the labels do. Only Seed, Day and Chaos of opts count. When the test fails,
// its log tells the seed and how to replay it.
func Inject[T any](t testing.TB, spec chaos.TableSpec, rows []T, opts *Options) ([]T, []chaos.Label) {
	t.Helper()
	o := seeded(t, opts)
	o = withDefaults(&o)
	inj, err := chaos.New(o.Chaos)
	if err != nil {
		t.Fatalf("chaostest: seed=%d: Options.Chaos: %v", o.Seed, err)
	}
	dirty, labels, err := chaos.InjectSlice(t.Context(), inj, o.Day, spec, rows)
	if err != nil {
		t.Fatalf("chaostest: seed=%d: %v", o.Seed, err)
	}
	return dirty, labels
}

// RowKeys returns the [chaos.RowKey] of each of rows (the dirty rows
// [Inject] returned), as labels name them; or stops the test with t.Fatal
// when spec's Key names no field of T. See chaos.SliceRows.
func RowKeys[T any](t testing.TB, spec chaos.TableSpec, rows []T) []chaos.RowKey {
	t.Helper()
	keys, err := chaos.SliceRows(spec, rows)
	if err != nil {
		t.Fatalf("chaostest: %v", err)
	}
	return keys
}

// Record corrupts the test's own Arrow record batch as spec describes it
// and returns the dirty batch, released when the test ends, and the
// labels; or stops the test with t.Fatal. Only Seed, Day, Chaos and
// Allocator of opts count. When the test fails, its log tells the seed
// and how to replay it.
func Record(t testing.TB, spec chaos.TableSpec, rec arrow.RecordBatch, opts *Options) (arrow.RecordBatch, []chaos.Label) {
	t.Helper()
	o := seeded(t, opts)
	o = withDefaults(&o)
	inj, err := chaos.New(o.Chaos)
	if err != nil {
		t.Fatalf("chaostest: seed=%d: Options.Chaos: %v", o.Seed, err)
	}
	out, labels, err := chaosarrow.InjectRecord(t.Context(), inj, o.Allocator, o.Day, spec, rec)
	if err != nil {
		t.Fatalf("chaostest: seed=%d: %v", o.Seed, err)
	}
	t.Cleanup(out.Release)
	return out, labels
}

// Seed returns the seed a call with opts makes t's data with, and
// registers the replay message for when t fails.
func Seed(t testing.TB, opts *Options) uint64 {
	t.Helper()
	o := seeded(t, opts)
	return o.Seed
}

// seeded returns a copy of opts with the seed resolved, and registers the
// replay message.
func seeded(t testing.TB, opts *Options) Options {
	t.Helper()
	var o Options
	if opts != nil {
		o = *opts
	}
	switch env, ok := os.LookupEnv(SeedEnv); {
	case ok:
		s, err := strconv.ParseUint(env, 10, 64)
		if err != nil {
			t.Fatalf("chaostest: %s=%q is not a seed: want an unsigned integer", SeedEnv, env)
		}
		o.Seed = s
	case o.Seed == 0:
		h := fnv.New64a()
		h.Write([]byte(t.Name()))
		o.Seed = h.Sum64()
	}
	seed, name := o.Seed, t.Name()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("chaostest: seed=%d; replay with %s=%d go test -run '^%s$'", seed, SeedEnv, seed, name)
		}
	})
	return o
}
