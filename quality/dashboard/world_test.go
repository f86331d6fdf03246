package dashboard_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/transform"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// world is the pipeline's output, as examples/full leaves it: a warehouse
// with its models built, chaos labels, the results history of one run, and
// a report snapshot in a landing.
type world struct {
	cfg  worldConfig
	w    *duckdbwarehouse.Warehouse
	land *memlanding.Lander
	// rep is the report the pipeline wrote (with monitors); live is the
	// one the dashboard computes live (default tests, monitors from the
	// history), for the same data and Clock.
	rep, live *quality.Report
	snapKey   string
	clock     edqm.Clock
}

type worldConfig struct {
	days int
	seed uint64
	rate float64
	last time.Time
}

// testWorld is the world most tests share: 40 days, enough for monitor
// bands over the last 12.
var testWorld = worldConfig{days: 40, seed: 7, rate: 0.03, last: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)}

// defaultWorld is examples/full's default data (365 days, seed 42, 2 % per
// kind), for the README's screenshot.
var defaultWorld = worldConfig{days: 365, seed: 42, rate: 0.02, last: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)}

var (
	worldsMu sync.Mutex
	worlds   = map[worldConfig]*world{}
)

// getWorld builds a world once per test binary; tests only read it.
func getWorld(t testing.TB, cfg worldConfig) *world {
	t.Helper()
	worldsMu.Lock()
	defer worldsMu.Unlock()
	if wo, ok := worlds[cfg]; ok {
		return wo
	}
	wo, err := buildWorld(t.Context(), cfg)
	if err != nil {
		t.Fatalf("building the test data: %v", err)
	}
	worlds[cfg] = wo
	return wo
}

func csvBytes(tab *edqm.Table) ([]byte, error) {
	var b bytes.Buffer
	err := edqm.WriteCSV(&b, tab)
	return b.Bytes(), err
}

// monitors are the default monitors with a detection window long enough
// to draw.
func monitors() []quality.Monitor {
	ms := quality.DefaultMonitors()[:2] // volume and freshness of stg_orders
	for i := range ms {
		ms[i].Detection.DetectionDays = 12
	}
	return ms
}

func buildWorld(ctx context.Context, cfg worldConfig) (*world, error) {
	gen, err := generate.New(generate.Config{Seed: cfg.seed})
	if err != nil {
		return nil, err
	}
	inj, err := chaos.New(chaos.Config{Seed: cfg.seed, Rates: chaos.Uniform(cfg.rate)})
	if err != nil {
		return nil, err
	}
	wo := &world{cfg: cfg, land: memlanding.New(), clock: edqm.FixedClock(cfg.last.Add(6 * time.Hour))}
	first := cfg.last.AddDate(0, 0, -(cfg.days - 1))
	spec := chaos.OrdersSpec(gen.SignupDate)
	put := func(key string, tab *edqm.Table) error {
		b, err := csvBytes(tab)
		if err != nil {
			return err
		}
		return wo.land.Put(ctx, key, bytes.NewReader(b))
	}
	for d := first; !d.After(cfg.last); d = d.AddDate(0, 0, 1) {
		from := d
		if d.Equal(first) {
			p, err := gen.Products(ctx)
			if err != nil {
				return nil, err
			}
			if err := put(landing.DataKey("products", d, "csv"), p); err != nil {
				return nil, err
			}
			from = time.Time{}
		}
		c, err := gen.Customers(ctx, from, d)
		if err != nil {
			return nil, err
		}
		clean, err := gen.Orders(ctx, d)
		if err != nil {
			return nil, err
		}
		dirty, labels, err := inj.Inject(ctx, d, spec, clean)
		if err != nil {
			return nil, err
		}
		for key, tab := range map[string]*edqm.Table{
			landing.DataKey("customers", d, "csv"): c,
			landing.DataKey("orders", d, "csv"):    dirty,
			landing.LabelsKey("orders", d):         chaos.LabelsTable(labels),
		} {
			if err := put(key, tab); err != nil {
				return nil, err
			}
		}
	}
	w, err := duckdbwarehouse.Open(ctx, "", nil)
	if err != nil {
		return nil, err
	}
	wo.w = w
	for _, src := range []struct {
		prefix, table string
		columns       []string
	}{
		{"products/", "raw_products", generate.ProductColumns},
		{"customers/", "raw_customers", generate.CustomerColumns},
		{"orders/", "raw_orders", generate.OrderColumns},
		{"_chaos/orders/", "raw_chaos_labels", chaos.LabelColumns},
	} {
		objs, err := wo.land.List(ctx, src.prefix)
		if err != nil {
			return nil, err
		}
		var keys []string
		for _, o := range objs {
			keys = append(keys, o.Key)
		}
		if _, err := w.Load(ctx, warehouse.LoadRequest{Table: src.table, Columns: src.columns, Source: wo.land, Keys: keys}); err != nil {
			return nil, err
		}
	}
	models, err := transform.Builtin()
	if err != nil {
		return nil, err
	}
	proj, err := transform.NewProject(models, nil)
	if err != nil {
		return nil, err
	}
	if _, err := proj.Run(ctx, w, nil); err != nil {
		return nil, err
	}
	r, err := quality.NewReporter(&quality.Options{Clock: wo.clock, Monitors: monitors()})
	if err != nil {
		return nil, err
	}
	if wo.rep, err = r.Report(ctx, w); err != nil {
		return nil, err
	}
	if _, err := (quality.History{}).Append(ctx, w, wo.rep); err != nil {
		return nil, err
	}
	wo.snapKey = quality.SnapshotKey(cfg.last)
	if err := quality.WriteSnapshot(ctx, wo.land, wo.snapKey, wo.rep); err != nil {
		return nil, err
	}
	// What live mode computes: the default tests, and the monitors as the
	// history recorded them.
	r, err = quality.NewReporter(&quality.Options{Clock: wo.clock, MonitorResults: wo.rep.Monitors})
	if err != nil {
		return nil, err
	}
	if wo.live, err = r.Report(ctx, w); err != nil {
		return nil, err
	}
	if len(wo.rep.Monitors) == 0 || len(wo.rep.Monitors[0].Buckets) == 0 {
		return nil, fmt.Errorf("the world has no monitor buckets: %+v", wo.rep.Monitors)
	}
	return wo, nil
}

// dayRange returns n of the report's days from the from-th, as a
// from/to range.
func (wo *world) dayRange(from, n int) (string, string) {
	days := wo.rep.Days
	return days[from].Day, days[min(from+n, len(days))-1].Day
}
