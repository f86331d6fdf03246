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

// BenchmarkLoad loads landed order files into a new warehouse per
// iteration, and reports rows per second (wall) and the process's CPU
// nanoseconds per row (DuckDB's threads included), for three sets of files:
// small_files, benchDays days of about 100 orders (about 25,000 rows, as
// examples/full lands them); bench_1M_days, 64 days of 2,740 orders
// (about 178,000 rows: the days of examples/bench -orders 1e6, one batch);
// bench_1M_4_batches, 256 such days (about 700,000 rows). Variants:
//
//   - per_file (small_files only): one transaction per file, one at a
//     time (how Load worked before batches), from a local folder into a
//     database file, as examples/full does;
//   - batched_serial (small_files only): 64 files per transaction, one
//     batch at a time, the same folder and database file;
//   - batched: Load's defaults (up to 1,024 files and about a million
//     rows per transaction, one batch at a time), the same folder and
//     database file;
//   - one_batch_at_once, two_batches_at_once: 64 files per transaction,
//     one or two batches at once; batches_of_256_files: one at a time;
//   - batched_memory: Load's defaults, from memlanding into an in-memory
//     database;
//   - read_csv_reference: DuckDB's own read_csv of the same local files
//     into a table of a database file, in one statement (all VARCHAR,
//     strict_mode, the file name; no ledger, no line numbers, no rejects:
//     see the package documentation) — what examples/bench compares the
//     load with;
//   - read_csv_store_rejects, read_csv_lax: the same with store_rejects,
//     or without strict_mode.
//
// The designs measured, as the load's rows/s over read_csv's in the same
// run (2 cores shared with other work, so the wall times are noisy; the
// CPU per row moves less), medians of 3 or 4 runs, 5 December; "before"
// is the commit before the read_csv design, built from its tree:
//
//	design                                               bench_1M_days  bench_1M_4_batches
//	before: Appender cell by cell, 64 files, 2 at once       0.61            0.55
//	Go judges, read_csv writes, 64 files, 2 at once          0.85            0.74
//	Go judges, read_csv writes, ≤ 1,024 files, 1 at once     0.81            1.02 (Load today)
//	the same, an INSERT every 131,072 rows of a batch          -             0.66 (vs 0.83)
//
// CPU per row on bench_1M_days in the quietest run: Appender 5,380 ns
// against read_csv's 4,560; Go judging with read_csv writing 5,000 ns
// against 4,740. The Appender spent its time in one thread per batch
// (AppendDataChunk and COMMIT about 60 %, setting cells about 15 %,
// encoding/csv about 10 %), and Appender batches at once were slower
// (32 files × 2 or 16 × 4: 0.55 to 0.65× of one batch: the transactions
// contend on the table), so handing DuckDB whole columns through the same
// single-threaded append would not reach read_csv. duckdb-go's Arrow
// interface (RegisterView, then INSERT … SELECT on DuckDB's threads)
// needs the duckdb_arrow build tag (arrow.go, arrowmapping and
// duckdb-go-bindings' arrow.go are all behind it), so a default build
// such as go run ./examples/full cannot use it; it was not measured.
// Two read_csv INSERTs at once (two_batches_at_once) contend like the
// Appender's, hence one batch at a time; _file from read_csv's file_index
// or from its filename measured the same.
//
// Run it with:
//
//	go test ./warehouse/duckdbwarehouse -run '^$' -bench 'BenchmarkLoad/bench_1M_(days|4_batches)/(batched$|two_batches|read_csv_reference)' -benchtime 2x -count 3
func BenchmarkLoad(b *testing.B) {
	for _, ds := range []struct {
		name         string
		days, perDay int
		all          bool // also the slow variants
	}{
		{"small_files", benchDays, 0, true},
		{"bench_1M_days", 64, 2740, false},
		{"bench_1M_4_batches", 256, 2740, false},
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
	b.Run("two_batches_at_once", func(b *testing.B) { load(b, local, false, 64, 2) })
	b.Run("batches_of_256_files", func(b *testing.B) { load(b, local, false, 256, 1) })
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
