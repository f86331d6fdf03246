package chaostest_test

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/chaos/chaostest"
	"github.com/edqm/edqm/generate"
)

// The Example functions have no *testing.T: they use the background context,
// as a program would.

// TestOrdersInATest is what a Go team writes: one call for the data and
// its ground truth, then the validator against the corrupted rows, each
// named by its key and occurrence. Duplication is on: the clean first copy
// of a duplicated order is accepted, and the test still holds.
func TestOrdersInATest(t *testing.T) {
	ds := chaostest.Orders(t, &chaostest.Options{Chaos: chaos.Config{Rates: chaos.Uniform(0.03)}})
	require.Len(t, ds.Rows, len(ds.Dirty))
	validate := orderValidator(ds)
	var rejected []chaos.RowKey
	for i, o := range ds.Dirty {
		if validate(o) != nil {
			rejected = append(rejected, ds.Rows[i])
		}
	}
	chaostest.RequireRejected(t, ds.Labels, rejected)

	dups := ds.Corrupted(chaos.Duplication)
	require.NotEmpty(t, dups)
	for r := range dups {
		assert.Equal(t, 2, r.Occurrence, "a duplication names the added copy")
		assert.True(t, ds.Labelled()[r.Key], "Labelled, by order id, counts the first copy of %s too", r.Key)
	}
	assert.Len(t, ds.Dirty, len(ds.Clean)+len(dups))
	assert.Len(t, ds.Clean, chaostest.DefaultOrders)
	assert.NotEmpty(t, ds.Customers)
	assert.Len(t, ds.Products, generate.DefaultProducts)
	assert.Equal(t, chaostest.DefaultDay, ds.Day)
}

// recordT is a chaostest.TestingT (testify's require.TestingT) that
// records what it is told.
type recordT struct {
	errors []string
	failed bool
}

func (r *recordT) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recordT) FailNow() { r.failed = true }

// TestAssertRejected: a validator that misses a row or rejects a clean one
// is told which, with the labels.
func TestAssertRejected(t *testing.T) {
	ds := chaostest.Orders(t, &chaostest.Options{Orders: 300, Chaos: chaos.Config{Rates: chaos.Rates{Domain: 0.05, Duplication: 0.05}}})
	corrupted := ds.Corrupted()
	require.NotEmpty(t, corrupted)
	var all []chaos.RowKey
	for r := range corrupted {
		all = append(all, r, r) // a row listed twice counts once
	}
	var ok recordT
	require.True(t, chaostest.AssertRejected(&ok, ds.Labels, all))
	require.Empty(t, ok.errors)

	missed := ds.Labels[0]
	var fewer []chaos.RowKey
	for _, r := range all {
		if r != missed.Row() {
			fewer = append(fewer, r)
		}
	}
	clean := ds.Rows[0]
	if corrupted[clean] {
		clean = ds.Rows[1]
	}
	require.False(t, corrupted[clean])
	fewer = append(fewer, clean)
	var bad recordT
	chaostest.RequireRejected(&bad, ds.Labels, fewer)
	require.True(t, bad.failed)
	require.Len(t, bad.errors, 1)
	msg := bad.errors[0]
	assert.Contains(t, msg, fmt.Sprintf("1 of %d corrupted rows accepted, 1 clean rows rejected", len(corrupted)))
	assert.Contains(t, msg, fmt.Sprintf("missed row %s: %s/%s", missed.Row(), missed.Kind, missed.Variant))
	assert.Contains(t, msg, fmt.Sprintf("false alarm: row %s is clean", clean))
}

func TestSeeds(t *testing.T) {
	a := chaostest.Orders(t, nil)
	b := chaostest.Orders(t, nil)
	require.Equal(t, a.Seed, b.Seed)
	require.Equal(t, a.Dirty, b.Dirty, "two datasets of one test")
	require.Equal(t, a.Labels, b.Labels, "two datasets of one test")
	t.Run("other", func(t *testing.T) {
		c := chaostest.Orders(t, nil)
		assert.NotEqual(t, a.Seed, c.Seed, "another test has the same seed")
		assert.NotEqual(t, a.Dirty, c.Dirty)
	})
	assert.Equal(t, uint64(5), chaostest.Orders(t, &chaostest.Options{Seed: 5}).Seed, "Options.Seed")
	t.Run("env", func(t *testing.T) {
		t.Setenv(chaostest.SeedEnv, "42")
		assert.Equal(t, uint64(42), chaostest.Orders(t, &chaostest.Options{Seed: 5}).Seed, "%s=42", chaostest.SeedEnv)
		ds, err := chaostest.New(t.Context(), &chaostest.Options{Seed: 42})
		require.NoError(t, err)
		assert.Equal(t, ds.Labels, chaostest.Orders(t, nil).Labels, "the replayed dataset differs from New with the same seed")
	})
}

// fakeTB records what chaostest does with a test.
type fakeTB struct {
	testing.TB // nil: only the methods below are called
	mu         sync.Mutex
	name       string
	failed     bool
	logs       []string
	cleanups   []func()
}

func (f *fakeTB) Helper()                  {}
func (f *fakeTB) Context() context.Context { return context.Background() }
func (f *fakeTB) Name() string             { return f.name }
func (f *fakeTB) Cleanup(c func())         { f.mu.Lock(); f.cleanups = append(f.cleanups, c); f.mu.Unlock() }
func (f *fakeTB) Failed() bool             { f.mu.Lock(); defer f.mu.Unlock(); return f.failed }
func (f *fakeTB) Logf(format string, a ...any) {
	f.mu.Lock()
	f.logs = append(f.logs, fmt.Sprintf(format, a...))
	f.mu.Unlock()
}
func (f *fakeTB) Fatalf(format string, a ...any) {
	f.Logf(format, a...)
	f.mu.Lock()
	f.failed = true
	f.mu.Unlock()
	runtime.Goexit()
}

// run calls body with f as a test would, in its own goroutine so that
// Fatalf can stop it, then runs the cleanups.
func (f *fakeTB) run(body func(testing.TB)) {
	var wg sync.WaitGroup
	wg.Go(func() { body(f) })
	wg.Wait()
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

func TestReplayMessage(t *testing.T) {
	f := &fakeTB{name: "TestPayments/refunds"}
	var seed uint64
	f.run(func(tb testing.TB) {
		seed = chaostest.Orders(tb, nil).Seed
		f.failed = true // the test fails after the call
	})
	want := fmt.Sprintf("chaostest: seed=%d; replay with EDQM_CHAOS_SEED=%d go test -run '^TestPayments/refunds$'", seed, seed)
	if len(f.logs) != 1 || f.logs[0] != want {
		t.Errorf("logs %q, want %q", f.logs, want)
	}
	// A passing test logs nothing.
	ok := &fakeTB{name: "TestPasses"}
	ok.run(func(tb testing.TB) { chaostest.Orders(tb, nil) })
	if len(ok.logs) != 0 {
		t.Errorf("a passing test logged %q", ok.logs)
	}
	// A bad seed in the environment stops the test, naming the variable.
	t.Setenv(chaostest.SeedEnv, "-3")
	bad := &fakeTB{name: "TestBadSeed"}
	bad.run(func(tb testing.TB) { chaostest.Orders(tb, nil); t.Error("Orders returned with a bad seed") })
	if !bad.failed || !strings.Contains(strings.Join(bad.logs, "\n"), `EDQM_CHAOS_SEED="-3"`) {
		t.Errorf("bad seed: failed %v, logs %q", bad.failed, bad.logs)
	}
}

func TestBadOptionsStopTheTest(t *testing.T) {
	for name, body := range map[string]func(testing.TB){
		"rates": func(tb testing.TB) {
			chaostest.Orders(tb, &chaostest.Options{Chaos: chaos.Config{Rates: chaos.Rates{Domain: 2}}})
		},
		"orders": func(tb testing.TB) { chaostest.Orders(tb, &chaostest.Options{Orders: -1}) },
		"spec": func(tb testing.TB) {
			chaostest.Inject(tb, chaos.TableSpec{Table: "t", Key: "ID", Amount: "Total"}, []struct{ ID string }{{"a"}}, nil)
		},
		"table": func(tb testing.TB) {
			chaostest.Inject(tb, chaos.TableSpec{Key: "ID"}, []struct{ ID string }{{"a"}}, nil)
		},
	} {
		f := &fakeTB{name: "Test" + name}
		f.run(body)
		if !f.failed || len(f.logs) < 2 || !strings.Contains(f.logs[0], "seed=") || !strings.Contains(f.logs[len(f.logs)-1], "replay with") {
			t.Errorf("%s: failed %v, logs %q", name, f.failed, f.logs)
		}
	}
	f := &fakeTB{name: "TestKeys"}
	f.run(func(tb testing.TB) { chaostest.RowKeys(tb, chaos.TableSpec{Key: "nope"}, []struct{ ID string }{{"a"}}) })
	assert.True(t, f.failed)
	assert.Contains(t, fmt.Sprint(f.logs), `Key names "nope", but struct { ID string } has no such field (it has ID)`)
}

type row struct {
	ID     int    `edqm:"id"`
	Parent string `edqm:"parent"`
	State  string `edqm:"state"`
}

func TestInjectAndRecord(t *testing.T) {
	rows := make([]row, 500)
	for i := range rows {
		rows[i] = row{ID: i, Parent: "p" + strconv.Itoa(i%4), State: "NEW"}
	}
	spec := chaos.TableSpec{Table: "rows", Key: "id", Status: "state", Accepted: []string{"NEW", "DONE"},
		ForeignKeys: []chaos.ForeignKey{{Column: "parent", Keys: []string{"p0", "p1", "p2", "p3"}}}}
	opts := &chaostest.Options{Chaos: chaos.Config{Rates: chaos.Rates{Integrity: 0.1, Domain: 0.1, Duplication: 0.05}}}
	dirty, labels := chaostest.Inject(t, spec, rows, opts)
	require.NotEmpty(t, labels)
	again, labels2 := chaostest.Inject(t, spec, rows, opts)
	require.Equal(t, dirty, again, "the same test gave two different injections")
	require.Equal(t, labels, labels2)

	// RowKeys names the dirty rows as the labels do: a row is corrupted
	// exactly when it differs from its clean row or is an added copy.
	keys := chaostest.RowKeys(t, spec, dirty)
	require.Len(t, keys, len(dirty))
	corrupted := chaostest.Corrupted(labels)
	var rejected []chaos.RowKey
	for i, r := range dirty {
		if keys[i].Occurrence > 1 || r != rows[r.ID] {
			rejected = append(rejected, keys[i])
		}
	}
	chaostest.RequireRejected(t, labels, rejected)
	assert.Greater(t, len(dirty), len(rows), "duplicates were added")
	assert.Len(t, rejected, len(corrupted))

	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Run("record", func(t *testing.T) {
		schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "state", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
		b := array.NewRecordBuilder(mem, schema)
		defer b.Release()
		for i := range 300 {
			b.Field(0).(*array.Int64Builder).Append(int64(i))
			b.Field(1).(*array.StringBuilder).Append("NEW")
		}
		rec := b.NewRecordBatch()
		defer rec.Release()
		out, labels := chaostest.Record(t, chaos.TableSpec{Table: "t", Key: "id", Status: "state", Accepted: []string{"NEW"}}, rec,
			&chaostest.Options{Allocator: mem, Chaos: chaos.Config{Rates: chaos.Rates{Domain: 0.2, Duplication: 0.1}}})
		if out.NumRows() <= rec.NumRows() || len(labels) == 0 {
			t.Errorf("%d rows out of %d, %d labels", out.NumRows(), rec.NumRows(), len(labels))
		}
	})
	mem.AssertSize(t, 0) // the record was released when the subtest ended
}

func ExampleNew() {
	ds, err := chaostest.New(context.Background(), &chaostest.Options{Seed: 1, Orders: 500, Day: time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(ds.Clean), "clean orders,", len(ds.Dirty), "dirty rows,", len(ds.Labels), "labels")
	for _, k := range chaos.Kinds {
		fmt.Println(k, len(ds.Labelled(k)))
	}
	// Output:
	// 500 clean orders, 505 dirty rows, 60 labels
	// calculation 16
	// temporal 8
	// integrity 15
	// domain 12
	// duplication 5
}
