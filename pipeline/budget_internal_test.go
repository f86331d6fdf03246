package pipeline

import (
	"context"
	"io"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// putWatcher counts the orders files being put at once.
type putWatcher struct {
	landing.Lander
	now, most atomic.Int32
}

func (p *putWatcher) Put(ctx context.Context, key string, r io.Reader) error {
	if !strings.HasPrefix(key, "orders/") {
		return p.Lander.Put(ctx, key, r)
	}
	n := p.now.Add(1)
	defer p.now.Add(-1)
	for m := p.most.Load(); n > m && !p.most.CompareAndSwap(m, n); m = p.most.Load() {
	}
	time.Sleep(5 * time.Millisecond) // long enough for another day to overlap, if it may
	return p.Lander.Put(ctx, key, r)
}

// TestLandBudget: days larger than landBudget land one at a time, however
// many cores; the budget changes nothing in the bytes landed; and
// landWeight gives the whole budget before the first day and for a day
// larger than it.
func TestLandBudget(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	old := landBudget
	defer func() { landBudget = old }()

	last := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	days := make([]time.Time, 8)
	for i := range days {
		days[i] = last.AddDate(0, 0, i-len(days)+1)
	}
	land := func(budget int64) (*putWatcher, map[string]string) {
		landBudget = budget
		gen, err := generate.New(generate.Config{Seed: 3, MinOrders: 40, MaxOrders: 40})
		require.NoError(t, err)
		inj, err := chaos.New(chaos.Config{Seed: 3, Rates: chaos.Rates{Calculation: 0.1, Duplication: 0.1}})
		require.NoError(t, err)
		w := &putWatcher{Lander: memlanding.New()}
		_, err = LandDays(t.Context(), w, days, true, &Options{Generator: gen, Injector: inj})
		require.NoError(t, err)
		objs, err := w.List(t.Context(), "")
		require.NoError(t, err)
		files := map[string]string{}
		for _, o := range objs {
			b, err := landing.ReadAll(t.Context(), w, o.Key)
			require.NoError(t, err)
			files[o.Key] = string(b)
		}
		return w, files
	}
	small, smallFiles := land(30) // a day has about 40 orders and more with its duplicates
	assert.Equal(t, int32(1), small.most.Load(), "days of more orders than the budget landed together")
	_, bigFiles := land(1 << 30)
	assert.Equal(t, bigFiles, smallFiles, "the budget changed the bytes landed")
	assert.Len(t, bigFiles, 8*4+1, "8 days of customers, orders, labels and manifest, and the catalogue")

	landBudget = 100
	assert.Equal(t, int64(100), landWeight(0))
	assert.Equal(t, int64(100), landWeight(101))
	assert.Equal(t, int64(40), landWeight(40))
}
