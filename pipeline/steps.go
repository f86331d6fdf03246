package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/chaos/chaosdataset"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/transform"
	"github.com/edqm/edqm/warehouse"
)

// DatasetLabelsPrefix is the landing prefix of the dataset-level chaos
// labels: <prefix>date=YYYY-MM-DD/dataset-labels-YYYY-MM-DD.csv. They load
// into raw_chaos_dataset_labels.
const DatasetLabelsPrefix = "_chaos/_dataset/"

// BuildTable records how many ledger entries the models were last built
// from; a different count means they are stale.
const BuildTable = "_edqm_build"

// table is a table landed per day, with its columns.
type table struct {
	name    string
	columns []string
}

// tables lists the data tables landed per day, in load order.
var tables = []table{
	{"customers", generate.CustomerColumns},
	{"products", generate.ProductColumns},
	{"orders", generate.OrderColumns},
}

// Landed is what [LandDays] landed.
type Landed struct {
	// Orders are the order rows landed (duplicates included); OrderIDs
	// the distinct order ids among them (summed over the days: a day's
	// order ids are its own); Labels the record-level chaos labels;
	// DatasetLabels the dataset-level ones.
	Orders, OrderIDs, Labels, DatasetLabels int64
}

// LandDays generates, corrupts and lands days with opts's Generator,
// Injector and Dataset chaos (opts may be nil): at most GOMAXPROCS days at
// once, and days together of at most 300,000 orders (a larger day lands
// alone), each day's tables released once landed, so memory grows neither
// with the number of days nor with the cores. Each day's files depend only
// on the options and the day, so a re-run writes the same bytes. With backfill, the first day
// also carries the product catalogue and every customer who signed up
// before it. LandDays does not move the watermark ([Run] does). With no
// Generator, the Epoch is that of the first day landed on l, or of the
// earliest of days when earlier (see [Options.Generator]).
func LandDays(ctx context.Context, l landing.Lander, days []time.Time, backfill bool, opts *Options) (*Landed, error) {
	s, err := newSettings(opts)
	if err != nil {
		return nil, err
	}
	if err := withGenerator(ctx, l, &s.Options, days); err != nil {
		return nil, err
	}
	return landDays(ctx, l, days, backfill, &s.Options, nil, func() {})
}

// withGenerator fills in o.Generator when it is nil (see
// Options.Generator): generate.New with the Epoch generate.EpochFor gives
// for the first day landed on l, or for the earliest of days when it is
// earlier (a first run's backfill, or one rebuilt before the first day
// landed).
func withGenerator(ctx context.Context, l landing.Lander, o *Options, days []time.Time) error {
	if o.Generator != nil {
		return nil
	}
	first, ok, err := firstLanded(ctx, l)
	if err != nil {
		return err
	}
	for _, d := range days {
		if d = edqm.Day(d); !ok || d.Before(first) {
			first, ok = d, true
		}
	}
	g, err := generate.New(generate.Config{Epoch: generate.EpochFor(first)}) // a zero first gives DefaultEpoch
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	o.Generator = g
	return nil
}

// firstLanded returns the first day landed on l: the earliest day of its
// product catalogue (which a backfill lands with its first day) and of its
// day manifests, so that one lost file does not move it; ok is false when
// no day is landed.
func firstLanded(ctx context.Context, l landing.Lander) (day time.Time, ok bool, err error) {
	for _, prefix := range []string{"products/", landing.ManifestPrefix} {
		objs, err := l.List(ctx, prefix)
		if err != nil {
			if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
				return time.Time{}, false, ctx.Err()
			}
			return time.Time{}, false, fmt.Errorf("pipeline: find the first day landed: %w", err)
		}
		for _, o := range objs {
			d, err := time.Parse(edqm.DateLayout, partitionDay(o.Key))
			if err == nil && (!ok || d.Before(day)) {
				day, ok = d, true
			}
		}
	}
	return day, ok, nil
}

// landDays is LandDays with defaults filled in; onDay is called after each
// day landed, from the goroutine that landed it. g, when not nil, keeps
// the landing from changing files the warehouse loaded (see writeDay).
//
// Days land GOMAXPROCS at a time, and at most landBudget orders at a time
// (see landWeight), so that memory follows the orders in flight, not the
// cores nor the size of a day.
func landDays(ctx context.Context, l landing.Lander, days []time.Time, backfill bool, o *Options, g *landGuard, onDay func()) (*Landed, error) {
	eg, gctx := errgroup.WithContext(ctx)
	eg.SetLimit(runtime.GOMAXPROCS(0))
	budget := semaphore.NewWeighted(landBudget)
	var orders, orderIDs, labels, dsLabels, largest atomic.Int64
	for i, day := range days {
		w := landWeight(largest.Load())
		if err := budget.Acquire(gctx, w); err != nil {
			break // a day failed, or ctx is done: Wait says which
		}
		eg.Go(func() error {
			defer budget.Release(w)
			first := backfill && i == 0
			files, got, err := genDay(gctx, day, first, o)
			if err != nil {
				return err
			}
			if err := writeDay(gctx, l, day, first, files, g, false); err != nil {
				return err
			}
			for n := largest.Load(); got.Orders > n && !largest.CompareAndSwap(n, got.Orders); n = largest.Load() {
			}
			orders.Add(got.Orders)
			orderIDs.Add(got.OrderIDs)
			labels.Add(got.Labels)
			dsLabels.Add(got.DatasetLabels)
			onDay()
			return nil
		})
	}
	err := eg.Wait()
	got := &Landed{Orders: orders.Load(), OrderIDs: orderIDs.Load(), Labels: labels.Load(), DatasetLabels: dsLabels.Load()}
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return got, ctx.Err()
	}
	return got, err
}

// landBudget is the most orders landDays holds in memory at once, over
// the days it lands together. A day's tables, chaos and encoded files
// cost about 1.3 KiB of RSS per order until it lands: days of 274 k
// orders (the size examples/bench -orders 1e8 lands) peaked at 342 MiB one
// at a time, 525–800 MiB two at a time, and 1,084 MiB in that bench's
// land stage. The budget keeps the land stage near 400 MiB however many
// cores, while days of the size a year of 10 M orders gives (27 k) still
// land GOMAXPROCS at a time, up to 11 at once.
var landBudget int64 = 300_000

// landWeight is what a day takes of landBudget: the most orders a day has
// had so far in the run, or the whole budget before any day has landed
// (the first day lands alone and tells the size of the next) or for a day
// larger than the budget.
func landWeight(largest int64) int64 {
	if largest <= 0 || largest > landBudget {
		return landBudget
	}
	return largest
}

// dayFile is a file of a day, held in memory until it lands.
type dayFile struct {
	key  string
	data []byte
}

// genDay generates a day's files: its customers (and, first, the
// catalogue and every earlier customer), its orders with chaos, and the
// labels.
func genDay(ctx context.Context, day time.Time, first bool, o *Options) ([]dayFile, *Landed, error) {
	gen := o.Generator
	var tabs []*edqm.Table
	from := day
	if first {
		p, err := gen.Products(ctx)
		if err != nil {
			return nil, nil, err
		}
		tabs, from = append(tabs, p), time.Time{}
	}
	c, err := gen.Customers(ctx, from, day)
	if err != nil {
		return nil, nil, err
	}
	tabs = append(tabs, c)
	var files []dayFile
	for _, t := range tabs {
		key := landing.DataKey(t.Name, day, o.Format.ext())
		data, err := encodeTable(ctx, o.Format, key, t)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, dayFile{key, data})
	}
	orders, err := gen.Orders(ctx, day)
	if err != nil {
		return nil, nil, err
	}
	more, got, err := genOrders(ctx, day, orders, chaos.OrdersSpec(gen.SignupDate), o)
	if err != nil {
		return nil, nil, err
	}
	return append(files, more...), got, nil
}

// genOrders applies the chaos to a day's orders and returns their file
// and their labels'. A late partition (dataset chaos) lands under its
// landing day, and its record-level chaos is relative to that day.
func genOrders(ctx context.Context, day time.Time, orders *edqm.Table, spec chaos.TableSpec, o *Options) ([]dayFile, *Landed, error) {
	var ds []chaosdataset.Label
	key, landOn := landing.DataKey(orders.Name, day, o.Format.ext()), day
	if o.Dataset != nil {
		shaped, dl, err := o.Dataset.ApplyTable(ctx, day, spec, orders)
		if err != nil {
			return nil, nil, fmt.Errorf("pipeline: dataset chaos %s: %w", day.Format(edqm.DateLayout), err)
		}
		orders, ds = shaped, dl
		if landOn = edqm.Day(o.Dataset.LandingDay(orders.Name, day)); !landOn.Equal(edqm.Day(day)) {
			key = orders.Name + "/date=" + landOn.Format(edqm.DateLayout) + "/" + orders.Name + "-" + day.Format(edqm.DateLayout) + "-late." + o.Format.ext()
		}
	}
	var labels []chaos.Label
	if o.Injector != nil {
		dirty, lbls, err := o.Injector.Inject(ctx, landOn, spec, orders)
		if err != nil {
			return nil, nil, fmt.Errorf("pipeline: chaos %s: %w", day.Format(edqm.DateLayout), err)
		}
		orders, labels = dirty, lbls
	}
	data, err := csvBytes(key, orders)
	if err != nil {
		return nil, nil, err
	}
	plain := data
	if o.Dataset != nil {
		out, dl, err := o.Dataset.ApplyCSV(ctx, day, orders.Name, data)
		if err != nil {
			return nil, nil, fmt.Errorf("pipeline: dataset chaos %s: %w", day.Format(edqm.DateLayout), err)
		}
		data, ds = out, append(ds, dl...)
	}
	if data, err = fromCSV(ctx, o.Format, key, orders, plain, data); err != nil {
		return nil, nil, err
	}
	files := []dayFile{{key, data}}
	add := func(key string, t *edqm.Table) error {
		data, err := csvBytes(key, t)
		files = append(files, dayFile{key, data})
		return err
	}
	if o.Injector != nil {
		if err := add(landing.LabelsKey(orders.Name, day), chaos.LabelsTable(labels)); err != nil {
			return nil, nil, err
		}
	}
	if len(ds) > 0 {
		d := day.Format(edqm.DateLayout)
		if err := add(DatasetLabelsPrefix+"date="+d+"/dataset-labels-"+d+".csv", chaosdataset.LabelsTable(ds)); err != nil {
			return nil, nil, err
		}
	}
	return files, &Landed{Orders: int64(len(orders.Rows)), OrderIDs: distinctKeys(orders, spec.Key), Labels: int64(len(labels)), DatasetLabels: int64(len(ds))}, nil
}

// distinctKeys counts the distinct values of t's column key; 0 when t has
// no such column.
func distinctKeys(t *edqm.Table, key string) int64 {
	c := t.Col(key)
	if c < 0 {
		return 0
	}
	seen := make(map[string]struct{}, len(t.Rows))
	for _, r := range t.Rows {
		seen[r[c]] = struct{}{}
	}
	return int64(len(seen))
}

// csvBytes encodes t as CSV.
func csvBytes(key string, t *edqm.Table) ([]byte, error) {
	var buf bytes.Buffer
	if err := edqm.WriteCSV(&buf, t); err != nil {
		return nil, fmt.Errorf("pipeline: encode %s: %w", key, err)
	}
	return buf.Bytes(), nil
}

// put lands data under key; the error names the key.
func put(ctx context.Context, l landing.Lander, key string, data []byte) error {
	if err := l.Put(ctx, key, bytes.NewReader(data)); err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return ctx.Err()
		}
		return fmt.Errorf("pipeline: land %s: %w", key, err)
	}
	return nil
}

// Loaded is what [LoadAll] loaded.
type Loaded struct {
	// Files, Rows and Rejected count the files loaded, the rows loaded and
	// the rows rejected (kept in the warehouse's rejects table).
	Files          int
	Rows, Rejected int64
	// Headers is the check of the orders files' headers, made when
	// checkHeaders is set; nil otherwise.
	Headers *quality.MonitorResult
	// LeftOut are the landed files left out of the load, sorted by key
	// (see [ErrLeftOut]).
	LeftOut []LeftOut
}

// source is a landing prefix whose CSV files load into a raw table.
type source struct {
	prefix, table string
	columns       []string
}

// sources lists what loads, in load order.
func sources() []source {
	var out []source
	for _, t := range tables {
		out = append(out, source{t.name + "/", "raw_" + t.name, t.columns})
	}
	return append(out,
		source{"_chaos/orders/", "raw_chaos_labels", chaos.LabelColumns},
		source{DatasetLabelsPrefix, "raw_chaos_dataset_labels", chaosdataset.LabelColumns})
}

// LoadAll loads every landed data and label file into its raw table
// (raw_customers, raw_products, raw_orders, raw_chaos_labels and
// raw_chaos_dataset_labels). Files the warehouse's ledger already holds
// are skipped, so files landed by a run that crashed before its load are
// loaded by the next one.
//
// Every file not loaded yet is read and checked first, against its day's
// manifest ([landing.Manifest]) and the table's header: a file its
// manifest lists that is missing, cut short or changed, and a file that
// cannot be loaded at all (empty, a byte order mark, another header), is
// left out, with its day's labels when it is an orders file; every other
// file loads. The files left out are in Loaded.LeftOut and
// [QuarantineTable], and the error wraps [ErrLeftOut], naming each with its
// remedy. A file fixed since (re-landed, or replaced) loads on the next
// call and leaves the table.
//
// With checkHeaders, the header of each orders file is checked first
// ([quality.CheckHeaders]): a file whose header changed (dataset chaos's
// schema change) is not loaded, nor are its day's labels, and the check
// is returned in Loaded.Headers for the report; such a file is not
// counted as left out.
func LoadAll(ctx context.Context, wh warehouse.Warehouse, l landing.Lander, checkHeaders bool) (*Loaded, error) {
	g, err := newLandGuard(ctx, l, wh)
	if err != nil {
		return nil, err
	}
	return loadAll(ctx, wh, l, checkHeaders, g, nil)
}

// loadChunk is the fewest files a Load request holds when the files
// loaded are counted (see loadAll): a few of a warehouse's batches.
const loadChunk = 256

// loadAll is LoadAll with the ledger and manifests read. It checks every
// source's files first, then loads them; onFiles, when not nil, is called
// with the files loaded so far and the files to load (those the ledger
// does not hold) after each request, the files then going to the
// warehouse in requests of at least loadChunk files (and a hundredth of
// the files), so that the count moves within a table.
func loadAll(ctx context.Context, wh warehouse.Warehouse, l landing.Lander, checkHeaders bool, g *landGuard, onFiles func(done, total int)) (*Loaded, error) {
	got := &Loaded{}
	idx := g.index()
	skipDays := map[string]bool{} // days whose orders file is not loaded
	type request struct {
		s    source
		keys []string
	}
	var requests []request
	total := 0
	for _, s := range sources() {
		all, err := csvKeys(ctx, l, s.prefix)
		if err != nil {
			return got, err
		}
		keys := all
		if checkHeaders && s.table == "raw_orders" && len(keys) > 0 {
			ok, res, err := quality.CheckHeaders(ctx, l, s.table, keys, s.columns)
			if err != nil {
				return got, fmt.Errorf("pipeline: %w", err)
			}
			got.Headers, keys = &res, ok
			for _, b := range res.Buckets {
				skipDays[b.Day] = skipDays[b.Day] || b.Anomalous
			}
		}
		keys, left, err := checkSource(ctx, l, s, all, keys, g, idx)
		if err != nil {
			return got, err
		}
		got.LeftOut = append(got.LeftOut, left...)
		if s.table == "raw_orders" {
			for _, f := range left {
				skipDays[partitionDay(f.Key)] = true
			}
		}
		if len(keys) == 0 && s.prefix == DatasetLabelsPrefix {
			continue // no dataset chaos: no empty table either
		}
		if s.table == "raw_chaos_labels" {
			keys = withoutDays(keys, skipDays)
			// The label files to load are read first (those loaded were
			// read when they were loaded: reading every one again made
			// an incremental day cost as much as the history's labels);
			// a label file that changed is also read, so that a
			// malformed line is named with its line.
			check := slices.DeleteFunc(slices.Clone(keys), func(k string) bool { return g.loaded[k] })
			for _, f := range left {
				if f.Problem == ProblemChanged {
					check = append(check, f.Key)
				}
			}
			if err := checkLabels(ctx, l, check); err != nil {
				return got, err
			}
		}
		keys = slices.DeleteFunc(keys, func(k string) bool { return g.loaded[k] }) // the ledger would skip them
		requests, total = append(requests, request{s, keys}), total+len(keys)
	}
	done := 0
	for _, rq := range requests {
		size := max(len(rq.keys), 1) // one request; an empty one creates the table
		if onFiles != nil {
			size = max(loadChunk, (total+99)/100)
		}
		for i := 0; i == 0 || i < len(rq.keys); i += size {
			part := rq.keys[i:min(i+size, len(rq.keys))]
			res, err := wh.Load(ctx, warehouse.LoadRequest{Table: rq.s.table, Columns: rq.s.columns, Source: l, Keys: part})
			if res != nil {
				f, _, n, r := res.Totals()
				got.Files, got.Rows, got.Rejected = got.Files+f, got.Rows+n, got.Rejected+r
			}
			if err != nil {
				return got, err
			}
			if done += len(part); onFiles != nil && len(part) > 0 {
				onFiles(done, total)
			}
		}
	}
	slices.SortFunc(got.LeftOut, func(a, b LeftOut) int { return strings.Compare(a.Key, b.Key) })
	if err := recordLeftOut(ctx, wh, got.LeftOut); err != nil {
		return got, err
	}
	if len(got.LeftOut) > 0 {
		return got, leftOutError(got.LeftOut)
	}
	return got, nil
}

// partitionDay returns the YYYY-MM-DD of a key's date= segment, "" when
// it has none.
func partitionDay(key string) string {
	_, rest, ok := strings.Cut(key, "date=")
	if !ok || len(rest) < len(edqm.DateLayout) {
		return ""
	}
	return rest[:len(edqm.DateLayout)]
}

// checkLabels reads every label file of keys with chaos.ReadLabels (label
// files are small: a few per cent of the orders), so that a malformed label line
// (an unknown kind, a wrong field count, a bad occurrence, a file cut
// short) is an error naming the file and line instead of a shifted truth.
func checkLabels(ctx context.Context, l landing.Lander, keys []string) error {
	return eachIndex(len(keys), func(i int) error {
		key := keys[i]
		rc, err := l.Get(ctx, key)
		if err != nil {
			return fmt.Errorf("pipeline: labels %s: %w", key, err)
		}
		_, err = chaos.ReadLabels(rc, key)
		if cerr := rc.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("labels %s: %w", key, cerr)
		}
		if err != nil {
			return fmt.Errorf("pipeline: %w", err)
		}
		return nil
	})
}

// csvKeys lists the CSV files under prefix.
func csvKeys(ctx context.Context, l landing.Lander, prefix string) ([]string, error) {
	objs, err := l.List(ctx, prefix)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(objs))
	for _, o := range objs {
		if isDataFile(o.Key) {
			keys = append(keys, o.Key)
		}
	}
	return keys, nil
}

// withoutDays drops the keys of the days marked true.
func withoutDays(keys []string, days map[string]bool) []string {
	var out []string
	for _, k := range keys {
		skip := false
		for d, q := range days {
			skip = skip || (q && strings.Contains(k, "date="+d+"/"))
		}
		if !skip {
			out = append(out, k)
		}
	}
	return out
}

// builtinProject returns the built-in models as a project.
func builtinProject() (*transform.Project, error) {
	models, err := transform.Builtin()
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	p, err := transform.NewProject(models, nil)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	return p, nil
}

// Build builds the models of p (nil: the built-in ones) on wh and records
// the load ledger's size in [BuildTable], so that [Run] rebuilds them only
// when the ledger moves. It returns the number of models built.
func Build(ctx context.Context, wh warehouse.Warehouse, p *transform.Project) (int, error) {
	return build(ctx, wh, p, nil)
}

// build is Build; onModel, when not nil, is called with the models built
// so far and the project's models after each model built.
func build(ctx context.Context, wh warehouse.Warehouse, p *transform.Project, onModel func(done, total int)) (int, error) {
	if p == nil {
		var err error
		if p, err = builtinProject(); err != nil {
			return 0, err
		}
	}
	ledger, _, err := modelsStale(ctx, wh)
	if err != nil {
		return 0, err
	}
	opts := &transform.RunOptions{}
	if onModel != nil {
		total, done := 0, 0
		for _, level := range p.Levels() {
			total += len(level)
		}
		opts.OnModel = func(m transform.ModelResult) {
			if m.Err == nil {
				done++
				onModel(done, total)
			}
		}
	}
	res, err := p.Run(ctx, wh, opts)
	if err != nil {
		return 0, err
	}
	return len(res.Models), markBuilt(ctx, wh, ledger)
}

// modelsStale reports the ledger's size and whether the models were built
// from a different (or unknown) ledger.
func modelsStale(ctx context.Context, wh warehouse.Warehouse) (ledger int64, stale bool, err error) {
	if err := warehouse.QueryRow(ctx, wh, "SELECT COUNT(*) FROM "+warehouse.LedgerTable, nil, &ledger); err != nil {
		return 0, false, fmt.Errorf("pipeline: read the load ledger: %w", err)
	}
	ok, err := wh.TableExists(ctx, BuildTable)
	if err != nil || !ok {
		return ledger, true, err
	}
	var built int64 = -1
	if err := warehouse.QueryRow(ctx, wh, "SELECT COALESCE(MAX(ledger_files), -1) FROM "+BuildTable, nil, &built); err != nil {
		return 0, false, fmt.Errorf("pipeline: read %s: %w", BuildTable, err)
	}
	return ledger, built != ledger, nil
}

// markBuilt records that the models are built from a ledger of n files.
func markBuilt(ctx context.Context, wh warehouse.Warehouse, n int64) error {
	for _, q := range []string{
		"CREATE TABLE IF NOT EXISTS " + BuildTable + " (ledger_files BIGINT)",
		"DELETE FROM " + BuildTable,
		fmt.Sprintf("INSERT INTO %s VALUES (%d)", BuildTable, n),
	} {
		if err := wh.Exec(ctx, q); err != nil {
			return fmt.Errorf("pipeline: record the build: %w", err)
		}
	}
	return nil
}
