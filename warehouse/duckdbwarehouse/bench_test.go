package duckdbwarehouse_test

import (
	"bytes"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/filelanding"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// benchDays is the number of daily order files BenchmarkLoad loads (about
// 100 orders each, as examples/full lands them).
const benchDays = 256

// landedOrders generates, corrupts (2% per chaos kind) and writes as CSV
// benchDays days of orders, and returns the files by key and their rows.
func landedOrders(b *testing.B, days, perDay int) (files map[string][]byte, keys []string, rows int64) {
	b.Helper()
	ctx := b.Context()
	cfg := generate.Config{Seed: 42}
	if perDay > 0 {
		cfg.MinOrders, cfg.MaxOrders = perDay, perDay
	}
	gen, err := generate.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	inj, err := chaos.New(chaos.Config{Seed: 42, Rates: chaos.Uniform(0.02)})
	if err != nil {
		b.Fatal(err)
	}
	spec := chaos.OrdersSpec(gen.SignupDate)
	files = map[string][]byte{}
	day := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for range days {
		clean, err := gen.Orders(ctx, day)
		if err != nil {
			b.Fatal(err)
		}
		dirty, _, err := inj.Inject(ctx, day, spec, clean)
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if err := edqm.WriteCSV(&buf, dirty); err != nil {
			b.Fatal(err)
		}
		key := landing.DataKey(dirty.Name, day, "csv")
		files[key] = buf.Bytes()
		keys = append(keys, key)
		rows += int64(len(dirty.Rows))
		day = day.AddDate(0, 0, 1)
	}
	return files, keys, rows
}

// BenchmarkLoad loads benchDays landed order files (about 25,000 rows) into
// a new warehouse per iteration, and reports rows per second:
//
//   - per_file: one transaction per file, one at a time (how Load worked
//     before batches), from a local folder into a database file, as
//     examples/full does;
//   - batched_serial: 64 files per transaction, one batch at a time, the
//     same folder and database file;
//   - batched: Load's defaults (64 files per transaction, two batches at
//     once), the same folder and database file;
//   - batched_memory: Load's defaults, from memlanding into an in-memory
//     database;
//   - read_csv_reference: DuckDB's own read_csv of the same local files
//     into a table of a database file, in one statement (no ledger, no
//     line numbers, no rejects: see the package documentation).
//
// Run it with:
//
//	go test ./warehouse/duckdbwarehouse -run '^$' -bench BenchmarkLoad -benchtime 3x -count 3
func BenchmarkLoad(b *testing.B) {
	for _, ds := range []struct {
		name         string
		days, perDay int
		all          bool // also the slow variants
	}{
		{"small_files", benchDays, 0, true},
		{"bench_1M_days", 64, 2740, false},
	} {
		b.Run(ds.name, func(b *testing.B) { benchmarkLoad(b, ds.days, ds.perDay, ds.all) })
	}
}

func benchmarkLoad(b *testing.B, days, perDay int, all bool) {
	ctx := b.Context()
	files, keys, rows := landedOrders(b, days, perDay)
	local, err := filelanding.Open(ctx, b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer local.Close()
	mem := memlanding.New()
	for _, l := range []landing.Lander{local, mem} {
		for k, v := range files {
			if err := l.Put(ctx, k, bytes.NewReader(v)); err != nil {
				b.Fatal(err)
			}
		}
	}

	// fresh opens an empty warehouse, in a new database file unless
	// memory; the caller closes it.
	fresh := func(b *testing.B, memory bool) *duckdbwarehouse.Warehouse {
		path := ""
		if !memory {
			path = filepath.Join(b.TempDir(), "bench.duckdb")
		}
		w, err := duckdbwarehouse.Open(ctx, path, nil)
		if err != nil {
			b.Fatal(err)
		}
		return w
	}
	// report adds rows/s (wall) and the process's CPU time per row while
	// the timer runs (DuckDB's threads included): a figure that other
	// processes on the machine change less than the wall time.
	var cpu, cpu0 float64
	start := func(b *testing.B) { b.StartTimer(); cpu0 = cpuTime() }
	stop := func(b *testing.B) { cpu += cpuTime() - cpu0; b.StopTimer() }
	report := func(b *testing.B) {
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(cpu*1e9/float64(rows)/float64(b.N), "cpu-ns/row")
	}
	load := func(b *testing.B, l landing.Lander, memory bool, batchFiles, workers int) {
		b.ReportAllocs()
		cpu, cpu0 = 0, cpuTime()
		req := warehouse.LoadRequest{Table: "raw_orders", Columns: generate.OrderColumns, Source: l, Keys: keys}
		for b.Loop() {
			stop(b)
			w := fresh(b, memory)
			if batchFiles > 0 {
				w.SetBatching(batchFiles, workers)
			}
			start(b)
			res, err := w.Load(ctx, req)
			if err != nil {
				b.Fatal(err)
			}
			stop(b)
			if _, _, loaded, rejected := res.Totals(); loaded+rejected != rows {
				b.Fatalf("loaded %d + rejected %d rows, want %d", loaded, rejected, rows)
			}
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
			start(b)
		}
		report(b)
	}
	if all {
		b.Run("per_file", func(b *testing.B) { load(b, local, false, 1, 1) })
		b.Run("batched_serial", func(b *testing.B) { load(b, local, false, 64, 1) })
	}
	b.Run("batched", func(b *testing.B) { load(b, local, false, 0, 0) })
	b.Run("one_batch_at_once", func(b *testing.B) { load(b, local, false, 64, 1) })
	b.Run("batched_memory", func(b *testing.B) { load(b, mem, true, 0, 0) })
	for _, ref := range []struct{ name, opts string }{
		{"read_csv_reference", "strict_mode = true"},
		{"read_csv_store_rejects", "strict_mode = true, store_rejects = true"},
		{"read_csv_lax", "strict_mode = false"},
	} {
		opts := ref.opts
		b.Run(ref.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu, cpu0 = 0, cpuTime()
			paths := make([]string, len(keys))
			for i, k := range keys {
				p, err := local.LocalPath(k)
				if err != nil {
					b.Fatal(err)
				}
				paths[i] = "'" + strings.ReplaceAll(p, "'", "''") + "'"
			}
			var colSpec, colDefs []string
			for _, c := range generate.OrderColumns {
				colSpec = append(colSpec, fmt.Sprintf("'%s': 'VARCHAR'", c))
				colDefs = append(colDefs, c+" VARCHAR")
			}
			q := `INSERT INTO raw_orders SELECT ` + strings.Join(generate.OrderColumns, ", ") + `, filename FROM read_csv([` + strings.Join(paths, ", ") + `], header = true,
	all_varchar = true, auto_detect = false, columns = {` + strings.Join(colSpec, ", ") + `},
	delim = ',', quote = '"', escape = '"', ` + opts + `, filename = true)`
			for b.Loop() {
				stop(b)
				w := fresh(b, false)
				var db *sql.DB
				w.As(&db)
				if _, err := db.ExecContext(ctx, `CREATE TABLE raw_orders (`+strings.Join(colDefs, ", ")+`, _file VARCHAR)`); err != nil {
					b.Fatal(err)
				}
				start(b)
				res, err := db.ExecContext(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				stop(b)
				if n, _ := res.RowsAffected(); n != rows {
					b.Fatalf("read_csv loaded %d rows, want %d", n, rows)
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
				start(b)
			}
			report(b)
		})
	}
}

// cpuTime is the process's user and system time in seconds.
func cpuTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
