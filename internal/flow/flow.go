// Package flow holds the steps of the EDQM pipeline that the example
// programs share: generate, corrupt and land days of data; load every landed
// file into the warehouse's raw tables; and record when the models were last
// built, so a run knows whether they are stale.
//
// examples/full and examples/bench compose these same functions, so the
// benchmark measures the code the full example runs.
package flow

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/warehouse"
)

// Table is a table landed per day, with its columns.
type Table struct {
	// Name is the table's name: its files land under Name/ and load into
	// raw_Name.
	Name string
	// Columns are the CSV header's columns, in order.
	Columns []string
}

// Tables lists the data tables landed per day, in load order.
var Tables = []Table{
	{"customers", generate.CustomerColumns},
	{"products", generate.ProductColumns},
	{"orders", generate.OrderColumns},
}

// LandDays generates, corrupts and lands days in parallel (at most
// GOMAXPROCS days at once; each day's tables are released once landed, so
// memory does not grow with the number of days). Each day's files depend
// only on the seed and the day, so the order does not matter and a re-run
// writes the same bytes. With backfill, the first day also carries the
// product catalogue and every customer who signed up before it.
//
// It returns the number of orders (dirty rows, duplicates included) and of
// chaos labels landed.
func LandDays(ctx context.Context, gen generate.Generator, inj chaos.ChaosInjector, land landing.Lander,
	days []time.Time, backfill bool) (orders, labels int64, err error) {
	spec := chaos.OrdersSpec(gen.SignupDate)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	var nOrders, nLabels atomic.Int64
	for i, day := range days {
		g.Go(func() error {
			var tabs []*edqm.Table
			if backfill && i == 0 {
				p, err := gen.Products(gctx)
				if err != nil {
					return err
				}
				c, err := gen.Customers(gctx, time.Time{}, day)
				if err != nil {
					return err
				}
				tabs = append(tabs, p, c)
			} else {
				c, err := gen.Customers(gctx, day, day)
				if err != nil {
					return err
				}
				tabs = append(tabs, c)
			}
			clean, err := gen.Orders(gctx, day)
			if err != nil {
				return err
			}
			dirty, lbls, err := inj.Inject(gctx, day, spec, clean)
			if err != nil {
				return err
			}
			tabs = append(tabs, dirty)
			for _, t := range tabs {
				if err := PutCSV(gctx, land, landing.DataKey(t.Name, day, "csv"), t); err != nil {
					return err
				}
			}
			if err := PutCSV(gctx, land, landing.LabelsKey(dirty.Name, day), chaos.LabelsTable(lbls)); err != nil {
				return err
			}
			nOrders.Add(int64(len(dirty.Rows)))
			nLabels.Add(int64(len(lbls)))
			return nil
		})
	}
	err = g.Wait()
	return nOrders.Load(), nLabels.Load(), err
}

// PutCSV writes t as CSV and lands it under key.
func PutCSV(ctx context.Context, land landing.Lander, key string, t *edqm.Table) error {
	var buf bytes.Buffer
	if err := edqm.WriteCSV(&buf, t); err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	if err := land.Put(ctx, key, &buf); err != nil {
		return fmt.Errorf("land %s: %w", key, err)
	}
	return nil
}

// LoadAll loads every landed data and label file into its raw table
// (raw_customers, raw_products, raw_orders, raw_chaos_labels). Files the
// warehouse's ledger already holds are skipped, so files landed by a run
// that crashed before its load are loaded by the next one.
func LoadAll(ctx context.Context, wh warehouse.Warehouse, land landing.Lander) (files int, rows, rejected int64, err error) {
	type source struct {
		prefix, table string
		columns       []string
	}
	var sources []source
	for _, t := range Tables {
		sources = append(sources, source{t.Name + "/", "raw_" + t.Name, t.Columns})
	}
	sources = append(sources, source{"_chaos/orders/", "raw_chaos_labels", chaos.LabelColumns})
	for _, s := range sources {
		objs, err := land.List(ctx, s.prefix)
		if err != nil {
			return files, rows, rejected, err
		}
		keys := make([]string, 0, len(objs))
		for _, o := range objs {
			if strings.HasSuffix(o.Key, ".csv") {
				keys = append(keys, o.Key)
			}
		}
		res, err := wh.Load(ctx, warehouse.LoadRequest{Table: s.table, Columns: s.columns, Source: land, Keys: keys})
		if err != nil {
			return files, rows, rejected, err
		}
		f, _, l, r := res.Totals()
		files += f
		rows += l
		rejected += r
	}
	return files, rows, rejected, nil
}

// BuildTable records how many ledger entries the models were last built
// from; a different count means they are stale.
const BuildTable = "_edqm_build"

// ModelsStale reports the ledger's size and whether the models were built
// from a different (or unknown) ledger.
func ModelsStale(ctx context.Context, wh warehouse.Warehouse) (ledger int64, stale bool, err error) {
	if err := warehouse.QueryRow(ctx, wh, "SELECT COUNT(*) FROM "+warehouse.LedgerTable, nil, &ledger); err != nil {
		return 0, false, fmt.Errorf("read the load ledger: %w", err)
	}
	ok, err := wh.TableExists(ctx, BuildTable)
	if err != nil || !ok {
		return ledger, true, err
	}
	var built int64 = -1
	if err := warehouse.QueryRow(ctx, wh, "SELECT COALESCE(MAX(ledger_files), -1) FROM "+BuildTable, nil, &built); err != nil {
		return 0, false, fmt.Errorf("read %s: %w", BuildTable, err)
	}
	return ledger, built != ledger, nil
}

// MarkBuilt records that the models are built from a ledger of n files.
func MarkBuilt(ctx context.Context, wh warehouse.Warehouse, n int64) error {
	for _, q := range []string{
		"CREATE TABLE IF NOT EXISTS " + BuildTable + " (ledger_files BIGINT)",
		"DELETE FROM " + BuildTable,
		fmt.Sprintf("INSERT INTO %s VALUES (%d)", BuildTable, n),
	} {
		if err := wh.Exec(ctx, q); err != nil {
			return fmt.Errorf("record the build: %w", err)
		}
	}
	return nil
}
