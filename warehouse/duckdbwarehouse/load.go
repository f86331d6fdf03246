package duckdbwarehouse

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/internal/loadcheck"
)

// Batches: see "# Loads" in the package documentation.
const (
	// batchFiles is the largest number of files one transaction loads.
	batchFiles = 1024
	// batchRows ends a batch early, after the file that brings it to this
	// many rows, so that a transaction never holds too many rows.
	batchRows = 1 << 20
	// loadWorkers is the number of batches one Load runs at once, each on
	// its own connection. One: each batch already runs on every core (Go
	// judges GOMAXPROCS files at once, DuckDB's INSERT runs on its
	// threads), and two INSERTs into one table at once contend
	// (BenchmarkLoad: two_batches_at_once).
	loadWorkers = 1
)

// Load loads files into a raw table; see the package documentation. On
// error, the result lists every file this call committed and every file it
// skipped, in the request's order (when batches run at once, these can
// include files after the one that failed); a key missing from the result
// was not loaded by this call.
func (w *Warehouse) Load(ctx context.Context, req warehouse.LoadRequest) (*warehouse.LoadResult, error) {
	if err := loadcheck.ValidateRequest("duckdbwarehouse", req); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := w.ensureTables(ctx, req); err != nil {
		return nil, err
	}
	// One query finds the files already loaded, so that an up-to-date
	// request costs no transaction; each batch checks again inside its
	// transaction, for concurrent loaders.
	var done map[string]bool
	if !req.Force {
		var err error
		if done, err = w.loadedFiles(ctx); err != nil {
			return nil, err
		}
	}
	results := make([]warehouse.FileResult, len(req.Keys))
	settled := make([]bool, len(req.Keys))
	pending := make([]int, 0, len(req.Keys))
	seen := make(map[string]bool, len(req.Keys))
	for i, key := range req.Keys {
		if done[key] || seen[key] {
			// Loaded earlier, or listed twice: loaded once.
			results[i], settled[i] = warehouse.FileResult{Key: key, Skipped: true}, true
			w.log.DebugContext(ctx, "duckdbwarehouse: file already loaded, skipped", "table", req.Table, "file", key)
			continue
		}
		seen[key] = true
		pending = append(pending, i)
	}

	var chunks [][]int
	for len(pending) > 0 {
		n := min(w.batchFiles, len(pending))
		chunks = append(chunks, pending[:n:n])
		pending = pending[n:]
	}
	errs := make([]error, len(chunks))
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range min(w.loadWorkers, len(chunks)) {
		wg.Go(func() {
			for !failed.Load() {
				c := int(next.Add(1) - 1)
				if c >= len(chunks) {
					return
				}
				// Workers settle disjoint indices of results and settled.
				if err := w.loadChunk(ctx, req, chunks[c], results, settled); err != nil {
					errs[c] = err
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()

	res := &warehouse.LoadResult{Files: make([]warehouse.FileResult, 0, len(req.Keys))}
	for i, ok := range settled {
		if ok {
			res.Files = append(res.Files, results[i])
		}
	}
	for _, err := range errs {
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// loadChunk loads the files req.Keys[i] for i in idx, in as many batches as
// batchRows asks for, and records each committed file in results and
// settled. When a file fails, the files before it in its batch are loaded
// again in a new batch (the failed transaction is rolled back whole), so
// that only the failed file and those after it are left out. When
// Parquet files read together fail (errParquetGroup), the batch is loaded
// again with each Parquet file read alone.
func (w *Warehouse) loadChunk(ctx context.Context, req warehouse.LoadRequest, idx []int, results []warehouse.FileResult, settled []bool) error {
	single := false
	for len(idx) > 0 {
		keys := make([]string, len(idx))
		for j, i := range idx {
			keys[j] = req.Keys[i]
		}
		frs, failedAt, err := w.loadBatch(ctx, req, keys, single)
		if err != nil && !single && errors.Is(err, errParquetGroup) && ctx.Err() == nil {
			// Rolled back whole: load it again, one Parquet file per
			// read_parquet, so that the error names its file.
			w.log.DebugContext(ctx, "duckdbwarehouse: Parquet files read together failed, loading them one by one", "table", req.Table, "error", err)
			single = true
			continue
		}
		for j, fr := range frs {
			results[idx[j]], settled[idx[j]] = fr, true
		}
		if err != nil {
			if failedAt > 0 && ctx.Err() == nil {
				if perr := w.loadChunk(ctx, req, idx[:failedAt], results, settled); perr != nil {
					err = errors.Join(err, perr)
				}
			}
			return err
		}
		idx = idx[len(frs):]
	}
	return nil
}

// loadBatch loads keys, or the first of them up to batchRows rows, in one
// transaction, and returns the results of the files committed: all or
// none. On error, failedAt is the index in keys of the file that failed,
// or -1 when the error is the batch's own (begin, flush, commit). single
// reads each Parquet file alone (see appendFiles).
func (w *Warehouse) loadBatch(ctx context.Context, req warehouse.LoadRequest, keys []string, single bool) (frs []warehouse.FileResult, failedAt int, err error) {
	failedAt = -1
	if err := ctx.Err(); err != nil {
		return nil, -1, err
	}
	what := batchName(keys)
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return nil, -1, fmt.Errorf("duckdbwarehouse: load %s: %w", what, err)
	}
	defer conn.Close()

	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return nil, -1, fmt.Errorf("duckdbwarehouse: load %s: begin: %w", what, err)
	}
	committed := false
	defer func() {
		if committed {
			return
		}
		// The context may be cancelled: roll back regardless.
		if _, rbErr := conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); rbErr != nil {
			// Never hand a connection with an open transaction back to
			// the pool: make database/sql discard it.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			err = errors.Join(err, fmt.Errorf("duckdbwarehouse: load %s: rollback: %w", what, rbErr))
		}
		frs = nil
	}()

	loaded, err := ledgerHas(ctx, conn, keys)
	if err != nil {
		return nil, -1, fmt.Errorf("duckdbwarehouse: load %s: %w", what, err)
	}
	if req.Force {
		if err := deleteForced(ctx, conn, req.Table, keys, what); err != nil {
			return nil, -1, err
		}
	}

	err = conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("duckdbwarehouse: unexpected driver connection %T", dc)
		}
		var aerr error
		frs, failedAt, aerr = w.appendFiles(ctx, c, req, keys, loaded, what, single)
		return aerr
	})
	if err != nil {
		return nil, failedAt, err
	}
	if err := ctx.Err(); err != nil {
		return nil, -1, err
	}
	if testHookBeforeCommit != nil {
		testHookBeforeCommit()
	}
	// Once COMMIT starts, a cancellation must not interrupt it: the batch
	// would be committed but reported as failed.
	if _, err := conn.ExecContext(context.WithoutCancel(ctx), "COMMIT"); err != nil {
		return nil, -1, fmt.Errorf("duckdbwarehouse: load %s: commit: %w", what, err)
	}
	committed = true
	for _, fr := range frs {
		if fr.Skipped {
			w.log.DebugContext(ctx, "duckdbwarehouse: file already loaded, skipped", "table", req.Table, "file", fr.Key)
		} else {
			w.log.DebugContext(ctx, "duckdbwarehouse: file loaded", "table", req.Table, "file", fr.Key,
				"parsed", fr.Parsed, "loaded", fr.Loaded, "rejected", fr.Rejected)
		}
	}
	return frs, -1, nil
}

// deleteForced deletes, in the batch's transaction on conn, the previous
// rows, rejects and ledger entries of the forced files keys; what names the
// batch in errors.
func deleteForced(ctx context.Context, conn *sql.Conn, table string, keys []string, what string) error {
	in, args := inList(keys)
	for _, q := range []string{
		`DELETE FROM ` + quote(table) + ` WHERE _file IN ` + in,
		`DELETE FROM ` + warehouse.RejectsTable + ` WHERE file IN ` + in,
		`DELETE FROM ` + warehouse.LedgerTable + ` WHERE file IN ` + in,
	} {
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("duckdbwarehouse: load %s: %w", what, sqlError("exec", q, err))
		}
	}
	return nil
}

// appendFiles loads keys, or the first of them up to batchRows rows, and
// their ledger entries on c, skipping the files loaded (unless forced).
// The CSV files are read and judged ahead, GOMAXPROCS at a time (see
// prepareCSV); then, in the keys' order, each file's rejects and odd
// records are appended, with its ledger entry (a Parquet file is opened
// and checked); the Parquet files are read by one read_parquet per
// signature (each alone when single; see loadParquet), the appenders are
// flushed, and one read_csv loads the plain records of every CSV file. On
// error, failedAt is the index in keys of the file that failed, or -1 when
// the error is the batch's own.
func (w *Warehouse) appendFiles(ctx context.Context, c driver.Conn, req warehouse.LoadRequest, keys []string, loaded map[string]bool, what string, single bool) (frs []warehouse.FileResult, failedAt int, err error) {
	tmp, err := os.MkdirTemp("", "edqm-load-*")
	if err != nil {
		return nil, -1, fmt.Errorf("duckdbwarehouse: load %s: temporary folder: %w", what, err)
	}
	defer os.RemoveAll(tmp)
	a, err := newAppenders(c, req.Table)
	if err != nil {
		return frs, -1, fmt.Errorf("duckdbwarehouse: load %s: %w", what, err)
	}
	ahead := w.prepareAhead(ctx, req, keys, loaded, tmp)
	defer ahead.stop()
	plain := &plainBatch{path: filepath.Join(tmp, "batch.csv")}
	defer plain.close()
	var pq []parquetFile
	files := &parquetFiles{conn: c, req: req, bySig: map[string][]parquetColumn{}}
	defer files.close()
	var rows int64
	for i, key := range keys {
		if loaded[key] && !req.Force {
			// Loaded by someone else since Load's first look.
			frs = append(frs, warehouse.FileResult{Key: key, Skipped: true})
			continue
		}
		var fr warehouse.FileResult
		if isParquet(key) {
			var f parquetFile
			if f, err = files.prepare(ctx, key); err == nil {
				f.at = i
				pq = append(pq, f)
				fr = warehouse.FileResult{Key: key, Parsed: f.rows} // counted by loadParquet
			}
		} else {
			p := ahead.get(i)
			fr, err = p.fr, p.err
			if err == nil {
				err = appendPrepared(a, req, p)
			}
			if err == nil && p.plain > 0 {
				if err = plain.add(p); err != nil {
					err = fmt.Errorf("duckdbwarehouse: load %s: temporary file: %w", key, err)
				}
			}
			p.release()
		}
		if err == nil && !isParquet(key) {
			err = a.ledger.AppendRow(key, req.Table, fr.Parsed, fr.Loaded, fr.Rejected, w.clock.Now())
			if err != nil {
				err = fmt.Errorf("duckdbwarehouse: load %s: appending its ledger entry: %w", key, err)
			}
		}
		if err != nil {
			a.discard()
			return frs, i, err
		}
		frs = append(frs, fr)
		if rows += fr.Parsed; rows >= w.batchRows {
			break
		}
	}
	ahead.stop()
	if at, err := w.loadParquet(ctx, a, req, pq, frs, single); err != nil {
		a.discard()
		return frs, at, err
	}
	if err := a.close(ctx); err != nil {
		return frs, -1, fmt.Errorf("duckdbwarehouse: load %s: flushing: %w", what, err)
	}
	if err := plain.close(); err != nil {
		return frs, -1, fmt.Errorf("duckdbwarehouse: load %s: temporary file: %w", what, err)
	}
	if err := insertPlain(ctx, c, req.Table, req.Columns, keys, plain); err != nil {
		if ctx.Err() != nil {
			return frs, -1, ctx.Err()
		}
		return frs, -1, fmt.Errorf("duckdbwarehouse: load %s: %w", what, err)
	}
	return frs, -1, nil
}

// ahead prepares a batch's CSV files in the background, GOMAXPROCS at a
// time and in order, so that Go reads and judges them on every core while
// the batch appends the ones before.
type ahead struct {
	cancel context.CancelFunc
	done   []chan struct{}
	preps  []csvPrep
	// sem bounds the files prepared and not yet taken by get (their plain
	// records are in memory); held[i] tells get that file i holds a slot.
	sem  chan struct{}
	held []bool
	wait sync.WaitGroup
}

func (w *Warehouse) prepareAhead(ctx context.Context, req warehouse.LoadRequest, keys []string, loaded map[string]bool, tmp string) *ahead {
	ctx, cancel := context.WithCancel(ctx)
	h := &ahead{cancel: cancel, done: make([]chan struct{}, len(keys)), preps: make([]csvPrep, len(keys)), held: make([]bool, len(keys))}
	for i := range keys {
		h.done[i] = make(chan struct{})
	}
	h.sem = make(chan struct{}, max(1, cmp.Or(w.setPrep, runtime.GOMAXPROCS(0))))
	h.wait.Go(func() {
		for i, key := range keys {
			if isParquet(key) || (loaded[key] && !req.Force) {
				close(h.done[i])
				continue
			}
			select {
			case h.sem <- struct{}{}:
			case <-ctx.Done():
				for j := i; j < len(keys); j++ {
					h.preps[j].err = ctx.Err()
					close(h.done[j])
				}
				return
			}
			h.held[i] = true
			h.wait.Go(func() {
				h.preps[i] = prepareCSV(ctx, req, key, i, filepath.Join(tmp, strconv.Itoa(i)+".csv"))
				close(h.done[i])
			})
		}
	})
	return h
}

// get waits for the file keys[i] to be prepared, and frees its slot.
func (h *ahead) get(i int) *csvPrep {
	<-h.done[i]
	if h.held[i] {
		<-h.sem
	}
	return &h.preps[i]
}

// stop cancels the preparations not needed any more, waits for them,
// and releases the buffers of those not taken.
func (h *ahead) stop() {
	h.cancel()
	h.wait.Wait()
	for i := range h.preps {
		h.preps[i].release()
	}
}

// testHookBeforeCommit, when set by a test, runs right before a batch's
// COMMIT.
var testHookBeforeCommit func()

// batchName names a batch in errors: its file, or its first file and how
// many follow.
func batchName(keys []string) string {
	if len(keys) == 1 {
		return keys[0]
	}
	return fmt.Sprintf("%s and %d more files", keys[0], len(keys)-1)
}

// inList returns "(?, ?, …)" for keys, and keys as arguments.
func inList(keys []string) (string, []any) {
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", len(keys)), ", ") + ")", args
}

// ledgerHas returns which of keys the ledger holds, as seen by the
// connection's transaction.
func ledgerHas(ctx context.Context, conn *sql.Conn, keys []string) (map[string]bool, error) {
	in, args := inList(keys)
	q := `SELECT file FROM ` + warehouse.LedgerTable + ` WHERE file IN ` + in
	rows, err := conn.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, sqlError("query", q, err)
	}
	defer rows.Close()
	has := map[string]bool{}
	for rows.Next() {
		var f string
		if err := rows.Scan(&f); err != nil {
			return nil, sqlError("query", q, err)
		}
		has[f] = true
	}
	if err := rows.Err(); err != nil {
		return nil, sqlError("query", q, err)
	}
	return has, nil
}

// appenders are a batch's appenders: the raw table's, the rejects' and the
// ledger's, on the batch's connection and inside its transaction.
type appenders struct {
	rows, rejects, ledger *duckdb.Appender
	conn                  driver.Conn // for the loads that run SQL (Parquet)
}

func newAppenders(dc driver.Conn, table string) (*appenders, error) {
	a := &appenders{conn: dc}
	for _, t := range []struct {
		dst  **duckdb.Appender
		name string
	}{{&a.rows, table}, {&a.rejects, warehouse.RejectsTable}, {&a.ledger, warehouse.LedgerTable}} {
		app, err := duckdb.NewAppenderFromConn(dc, "", t.name)
		if err != nil {
			a.discard()
			return nil, fmt.Errorf("appender on %s: %w", t.name, err)
		}
		*t.dst = app
	}
	return a, nil
}

func (a *appenders) each() []*duckdb.Appender {
	var all []*duckdb.Appender
	for _, app := range []*duckdb.Appender{a.rows, a.rejects, a.ledger} {
		if app != nil {
			all = append(all, app)
		}
	}
	return all
}

// discard drops what is buffered and closes the appenders; the caller rolls
// back what was flushed.
func (a *appenders) discard() {
	for _, app := range a.each() {
		_ = app.Clear()
		_ = app.Close()
	}
}

// close flushes and closes the appenders; a cancelled ctx interrupts the
// flush.
func (a *appenders) close(ctx context.Context) error {
	var errs []error
	for _, app := range a.each() {
		errs = append(errs, app.CloseWithCancel(ctx))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return ctx.Err()
}

// loadParquet loads a batch's Parquet files, prepared, in groups of one
// signature in the order of their first file (each file alone when
// single; see loadParquetGroup), sets their results in frs and appends
// their ledger entries. On error, at is the index of the file that failed
// when it is known, else -1.
func (w *Warehouse) loadParquet(ctx context.Context, a *appenders, req warehouse.LoadRequest, files []parquetFile, frs []warehouse.FileResult, single bool) (at int, err error) {
	var groups [][]parquetFile
	bySig := map[string]int{}
	for _, f := range files {
		sig := f.sig
		if g, ok := bySig[sig]; ok && !single {
			groups[g] = append(groups[g], f)
			continue
		}
		bySig[sig] = len(groups)
		groups = append(groups, []parquetFile{f})
	}
	for _, g := range groups {
		if err := loadParquetGroup(ctx, a.conn, req, g, frs); err != nil {
			if len(g) == 1 {
				return g[0].at, err
			}
			return -1, err
		}
		for _, f := range g {
			fr := frs[f.at]
			if err := a.ledger.AppendRow(fr.Key, req.Table, fr.Parsed, fr.Loaded, fr.Rejected, w.clock.Now()); err != nil {
				return f.at, fmt.Errorf("duckdbwarehouse: load %s: appending its ledger entry: %w", fr.Key, err)
			}
		}
	}
	return -1, nil
}
