package snowflakewarehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/internal/loadcheck"
)

// source says how a request's files reach a stage.
type source struct {
	stage string              // InternalStage or ExternalStage
	local landing.LocalPather // for PUT by path; nil: streamed
	from  landing.Lander
}

// sourceOf picks the stage for a request's Lander.
func (w *Warehouse) sourceOf(req warehouse.LoadRequest) (*source, error) {
	src := &source{stage: InternalStage, from: req.Source}
	if loc, ok := req.Source.(S3Locator); ok && w.cfg.S3 != nil {
		root := "s3://" + loc.Bucket() + "/" + loc.Prefix()
		if root != w.cfg.S3.URL {
			return nil, fmt.Errorf("%s: load into %s: the files are under %s, the external stage's URL is %s: "+
				"the stage's URL must be the landing root", pkg, req.Table, root, w.cfg.S3.URL)
		}
		src.stage = ExternalStage
		return src, nil
	}
	if lp, ok := req.Source.(landing.LocalPather); ok {
		src.local = lp
	}
	return src, nil
}

// Load loads files into a raw table; see the package documentation. On
// error, the result lists the files committed before the failure.
func (w *Warehouse) Load(ctx context.Context, req warehouse.LoadRequest) (*warehouse.LoadResult, error) {
	if err := loadcheck.ValidateRequest(pkg, req); err != nil {
		return nil, err
	}
	if err := checkFormats(req.Table, req.Keys); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := w.ensureTables(ctx, req); err != nil {
		return nil, err
	}
	done := map[string]bool{}
	if !req.Force {
		var err error
		if done, err = w.loadedFiles(ctx); err != nil {
			return nil, err
		}
	}
	src, err := w.sourceOf(req)
	if err != nil {
		return nil, err
	}

	b := &batcher{w: w, req: req, src: src, done: done, inBatch: map[string]bool{}, tails: map[string]bool{},
		res: &warehouse.LoadResult{Files: make([]warehouse.FileResult, 0, len(req.Keys))}}
	for _, k := range req.Keys {
		if done[k] || b.inBatch[k] {
			b.segment = append(b.segment, k)
			continue
		}
		// A key that another key of the batch ends with (a/b.csv and
		// x/a/b.csv) would make Snowflake's file names ambiguous: it
		// starts a new batch.
		if b.conflicts(k) || len(b.batch) == MaxFilesPerCopy {
			if err := b.flush(ctx); err != nil {
				return b.res, err
			}
		}
		b.add(k)
	}
	if err := b.flush(ctx); err != nil {
		return b.res, err
	}
	return b.res, nil
}

// batcher groups Load's keys into COPY batches and collects their results.
type batcher struct {
	w    *Warehouse
	req  warehouse.LoadRequest
	src  *source
	res  *warehouse.LoadResult
	done map[string]bool // the keys loaded

	segment []string // keys since the last batch, in order
	batch   []string // the keys of segment to load
	inBatch map[string]bool
	tails   map[string]bool // every slash-suffix of the batch's keys
}

// conflicts says whether k ends with a key of the batch or one of them ends
// with k.
func (b *batcher) conflicts(k string) bool {
	conflict := b.tails[k]
	for _, s := range suffixes(k) {
		conflict = conflict || b.inBatch[s]
	}
	return conflict
}

// add adds k to the batch.
func (b *batcher) add(k string) {
	b.segment = append(b.segment, k)
	b.batch = append(b.batch, k)
	b.inBatch[k] = true
	for _, s := range suffixes(k) {
		b.tails[s] = true
	}
}

// flush loads the batch and adds the results of the segment's keys, in
// order, to the result; it starts a new segment.
func (b *batcher) flush(ctx context.Context) error {
	var results map[string]warehouse.FileResult
	var err error
	if len(b.batch) > 0 {
		results, err = b.w.loadBatch(ctx, b.req, b.src, b.batch)
	}
	for _, k := range b.segment {
		switch fr, ok := results[k]; {
		case ok:
			b.res.Files = append(b.res.Files, fr)
			delete(results, k) // a repeated key is skipped after the first
			b.done[k] = true
		case b.done[k]:
			b.res.Files = append(b.res.Files, warehouse.FileResult{Key: k, Skipped: true})
		default:
			// Not committed: the batch stopped before this file.
			if err == nil {
				err = fmt.Errorf("%s: load into %s: internal error: no result for %s", pkg, b.req.Table, k)
			}
			return err
		}
	}
	b.segment, b.batch = b.segment[:0], b.batch[:0]
	clear(b.inBatch)
	clear(b.tails)
	return err
}

// ensureTables creates the ledger and the rejects table once, and the raw
// table if needed, checking its columns.
func (w *Warehouse) ensureTables(ctx context.Context, req warehouse.LoadRequest) error {
	w.metaMu.Lock()
	if !w.metaReady {
		for _, q := range ensureMetaSQL {
			if _, err := w.db.ExecContext(ctx, q); err != nil {
				w.metaMu.Unlock()
				return sqlError("exec", q, err)
			}
		}
		w.metaReady = true
	}
	w.metaMu.Unlock()

	w.ddlMu.Lock()
	defer w.ddlMu.Unlock()
	want := make([]loadcheck.Column, 0, len(req.Columns)+2)
	for _, c := range req.Columns {
		want = append(want, loadcheck.Column{Name: strings.ToUpper(c), Type: "TEXT"})
	}
	want = append(want, loadcheck.Column{Name: "_FILE", Type: "TEXT"}, loadcheck.Column{Name: "_LINE", Type: "NUMBER"})
	have, err := w.columns(ctx, req.Table)
	if err != nil {
		return err
	}
	if len(have) == 0 {
		q := createRawTableSQL(req.Table, req.Columns)
		if _, err := w.db.ExecContext(ctx, q); err != nil {
			return sqlError("exec", q, err)
		}
		return nil
	}
	return loadcheck.CompareColumns(pkg, req.Table, have, want)
}

// columns returns a table's columns in the current schema, in order; none
// if it does not exist.
func (w *Warehouse) columns(ctx context.Context, table string) ([]loadcheck.Column, error) {
	rows, err := w.db.QueryContext(ctx, rawColumnsSQL, strings.ToUpper(table))
	if err != nil {
		return nil, sqlError("query", rawColumnsSQL, err)
	}
	defer rows.Close()
	var cols []loadcheck.Column
	for rows.Next() {
		var c loadcheck.Column
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			return nil, sqlError("query", rawColumnsSQL, err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, sqlError("query", rawColumnsSQL, err)
	}
	return cols, nil
}

// loadedFiles returns the set of files in the ledger.
func (w *Warehouse) loadedFiles(ctx context.Context) (map[string]bool, error) {
	rows, err := w.db.QueryContext(ctx, ledgerFilesSQL)
	if err != nil {
		return nil, sqlError("query", ledgerFilesSQL, err)
	}
	defer rows.Close()
	done := map[string]bool{}
	for rows.Next() {
		var f string
		if err := rows.Scan(&f); err != nil {
			return nil, sqlError("query", ledgerFilesSQL, err)
		}
		done[f] = true
	}
	if err := rows.Err(); err != nil {
		return nil, sqlError("query", ledgerFilesSQL, err)
	}
	return done, nil
}

// prepared is a batch's files once read: their scans and, for the
// internal stage, the local files PUT uploads.
type prepared struct {
	keys  []string
	scans map[string]*fileScan
	paths map[string]string // key: local file for PUT
	temp  []string          // temporary folders to remove
}

// cleanup removes the temporary copies of streamed files.
func (p *prepared) cleanup() {
	for _, d := range p.temp {
		_ = os.RemoveAll(d)
	}
}

// loadBatch loads up to MaxFilesPerCopy files. It returns the results of
// the files committed; when a file's header is wrong, the files before it
// are loaded and the error is returned with their results.
func (w *Warehouse) loadBatch(ctx context.Context, req warehouse.LoadRequest, src *source, keys []string) (map[string]warehouse.FileResult, error) {
	p, badErr := w.prepare(ctx, req, src, keys)
	if p != nil {
		defer p.cleanup()
	}
	if p == nil || len(p.keys) == 0 {
		return nil, badErr
	}
	if err := w.upload(ctx, p); err != nil {
		return nil, err
	}
	results, err := w.copyBatch(ctx, req, src, p)
	if err != nil {
		return nil, err
	}
	return results, badErr
}

// prepare reads each file, several at a time: the header is checked and
// the records are scanned (see fileScan). A file streamed from a Lander
// without local files is written to a temporary file on the way, for PUT:
// gosnowflake's PUT from a stream (WithFileStream) computes the size and
// digest from the stream it has already drained (file_transfer_agent.go,
// v1.19.1: buf.ReadFrom(sourceStream), then
// getDigestAndSizeForStream(fileStream)), so a real file is uploaded. It
// returns the keys before the first file refused with ErrBadFile, and that
// file's error; any other error stops the batch.
func (w *Warehouse) prepare(ctx context.Context, req warehouse.LoadRequest, src *source, keys []string) (*prepared, error) {
	scans := make([]*fileScan, len(keys))
	paths := make([]string, len(keys))
	temps := make([][]string, len(keys))
	errs := make([]error, len(keys))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(w.cfg.Uploads)
	for i, k := range keys {
		g.Go(func() error {
			var err error
			scans[i], paths[i], temps[i], err = w.readFile(gctx, req, src, k)
			if err != nil && !errors.Is(err, warehouse.ErrBadFile) {
				return err
			}
			errs[i] = err
			return nil
		})
	}
	err := g.Wait()
	p := &prepared{scans: map[string]*fileScan{}, paths: map[string]string{}}
	for _, ds := range temps {
		p.temp = append(p.temp, ds...)
	}
	if err != nil {
		p.cleanup()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	for i, k := range keys {
		if errs[i] != nil {
			return p, errs[i]
		}
		p.keys = append(p.keys, k)
		p.scans[k], p.paths[k] = scans[i], paths[i]
	}
	return p, nil
}

// readFile scans one file and returns the local path PUT uploads (for
// the internal stage, or a repaired copy: see repairFile) and the
// temporary folders to remove.
func (w *Warehouse) readFile(ctx context.Context, req warehouse.LoadRequest, src *source, key string) (*fileScan, string, []string, error) {
	scan, local, temp, err := w.scanOne(ctx, req, src, key)
	var temps []string
	if temp != "" {
		temps = append(temps, temp)
	}
	if err != nil || !scan.repair {
		return scan, local, temps, err
	}
	open := func(ctx context.Context) (io.ReadCloser, error) { return req.Source.Get(ctx, key) }
	if local != "" {
		orig := local
		open = func(context.Context) (io.ReadCloser, error) { return os.Open(orig) }
	}
	fixed, local, dir, err := repairFile(ctx, key, req.Columns, open)
	if dir != "" {
		temps = append(temps, dir)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, "", temps, ctx.Err()
		}
		return nil, "", temps, fmt.Errorf("%s: load %s: repairing the file: %w", pkg, key, err)
	}
	w.log.DebugContext(ctx, "snowflakewarehouse: file repaired before the COPY: a quoted field does not close on its line",
		"file", key, "blanked", len(fixed.blanked), "first", fixed.blanked[0].line)
	return fixed, local, temps, nil
}

// scanOne scans one file and returns the local path PUT uploads (for the
// internal stage) and the temporary folder to remove, if any.
func (w *Warehouse) scanOne(ctx context.Context, req warehouse.LoadRequest, src *source, key string) (*fileScan, string, string, error) {
	var local, temp string
	if src.stage == InternalStage && src.local != nil {
		p, err := src.local.LocalPath(key)
		if err != nil {
			return nil, "", "", fmt.Errorf("%s: load %s: %w", pkg, key, err)
		}
		if filepath.Base(p) != path.Base(key) {
			return nil, "", "", fmt.Errorf("%s: load %s: the local file %s is not named after the key", pkg, key, p)
		}
		local = p
	}
	rc, err := req.Source.Get(ctx, key)
	if err != nil {
		return nil, "", "", fmt.Errorf("%s: load %s: %w", pkg, key, err)
	}
	defer rc.Close()
	var r io.Reader = rc
	var copyTo *os.File
	if src.stage == InternalStage && local == "" {
		// PUT keeps the local file's name: it must be the key's.
		if temp, err = os.MkdirTemp("", "edqm-put-"); err != nil {
			return nil, "", "", fmt.Errorf("%s: load %s: %w", pkg, key, err)
		}
		local = filepath.Join(temp, path.Base(key))
		if copyTo, err = os.Create(local); err != nil {
			return nil, "", temp, fmt.Errorf("%s: load %s: %w", pkg, key, err)
		}
		defer copyTo.Close()
		r = io.TeeReader(rc, copyTo)
	}
	scan, err := scanAny(key, r, req.Columns)
	if err == nil && copyTo != nil {
		err = copyTo.Close()
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, "", temp, ctx.Err()
		}
		if errors.Is(err, warehouse.ErrBadFile) {
			return nil, "", temp, err
		}
		return nil, "", temp, fmt.Errorf("%s: load %s: %w", pkg, key, err)
	}
	return scan, local, temp, nil
}

// upload puts the files that have a local path (all of them for the
// internal stage, the repaired copies for the external one) on the
// internal stage, several at a time.
func (w *Warehouse) upload(ctx context.Context, p *prepared) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(w.cfg.Uploads)
	for _, k := range p.keys {
		if p.paths[k] == "" {
			continue
		}
		g.Go(func() error { return w.put(gctx, k, p.paths[k], p.scans[k].size) })
	}
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	return nil
}

// put uploads one local file to the folder of its key in the internal
// stage, and checks PUT's result against the file's size.
func (w *Warehouse) put(ctx context.Context, key, local string, size int64) error {
	q := putSQL(local, key)
	rows, err := w.db.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("%s: load %s: %w", pkg, key, sqlError("put", q, err))
	}
	defer rows.Close()
	return checkPutResult(key, size, rows)
}

// checkPutResult reads PUT's result: every file must be UPLOADED (or
// SKIPPED, the same content being there already), and its source_size,
// when reported, must be size (https://docs.snowflake.com/en/sql-reference/sql/put
// lists source_size among the output columns).
func checkPutResult(key string, size int64, rows rowReader) error {
	cols, err := rows.Columns()
	if err != nil {
		return fmt.Errorf("%s: load %s: PUT result: %w", pkg, key, err)
	}
	status, message, srcSize := -1, -1, -1
	for i, c := range cols {
		switch strings.ToLower(c) {
		case "status":
			status = i
		case "message":
			message = i
		case "source_size":
			srcSize = i
		}
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		n++
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("%s: load %s: PUT result: %w", pkg, key, err)
		}
		if srcSize >= 0 && vals[srcSize].Valid {
			if n, err := strconv.ParseInt(vals[srcSize].String, 10, 64); err == nil && n != size {
				return fmt.Errorf("%s: load %s: PUT read %d bytes of a %d-byte file", pkg, key, n, size)
			}
		}
		if status < 0 {
			continue
		}
		switch s := strings.ToUpper(vals[status].String); s {
		case "UPLOADED", "SKIPPED":
		default:
			msg := ""
			if message >= 0 {
				msg = ": " + vals[message].String
			}
			return fmt.Errorf("%s: load %s: PUT status %s%s", pkg, key, s, msg)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: load %s: PUT result: %w", pkg, key, err)
	}
	if status >= 0 && n == 0 {
		return fmt.Errorf("%s: load %s: PUT uploaded nothing", pkg, key)
	}
	return nil
}

// queryIDRE accepts Snowflake query ids (UUIDs) before they are put in SQL.
var queryIDRE = regexp.MustCompile(`^[0-9A-Za-z-]{1,64}$`)

// batchTx is one batch's transaction.
type batchTx struct {
	w     *Warehouse
	ctx   context.Context
	tx    *sql.Tx
	req   warehouse.LoadRequest
	p     *prepared
	fail  func(err error) error
	files map[string]copyFile // COPY's result row of each key
	jobs  map[string]string   // the query id of each key's COPY
}

func (b *batchTx) exec(q string, args ...any) (sql.Result, error) {
	r, err := b.tx.ExecContext(b.ctx, q, args...)
	if err != nil {
		return nil, b.fail(sqlError("exec", q, err))
	}
	return r, nil
}

// copyBatch runs the batch's transaction: delete forced files' rows, COPY,
// name the rows' files by their keys, turn row numbers into lines, keep
// the rejected rows, fill the ledger.
func (w *Warehouse) copyBatch(ctx context.Context, req warehouse.LoadRequest, src *source, p *prepared) (map[string]warehouse.FileResult, error) {
	fail := func(err error) error { return fmt.Errorf("%s: load into %s: %w", pkg, req.Table, err) }
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return nil, fail(err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fail(fmt.Errorf("begin: %w", err))
	}
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback()
		}
	}()
	b := &batchTx{w: w, ctx: ctx, tx: tx, req: req, p: p, fail: fail}
	if req.Force {
		for _, q := range deleteFilesSQL(req.Table, p.keys) {
			if _, err := b.exec(q); err != nil {
				return nil, err
			}
		}
	}
	if err := b.copyAll(src.stage); err != nil {
		return nil, err
	}
	results, ledger, err := b.results()
	if err != nil {
		return nil, err
	}
	rejected, err := b.keepRejects(ledger)
	if err != nil {
		return nil, err
	}
	if err := b.fixFilesAndLines(ledger); err != nil {
		return nil, err
	}
	if err := b.dropQuoted(results, ledger); err != nil {
		return nil, err
	}
	blanked, err := b.keepBlanked(results, ledger)
	if err != nil {
		return nil, err
	}
	rejected += blanked
	if len(ledger) > 0 {
		if _, err := b.exec(ledgerSQL(req.Table, ledger, w.clock.Now())); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fail(fmt.Errorf("commit: %w", err))
	}
	committed = true
	var parsed, loaded int64
	for _, f := range ledger {
		parsed += f.Parsed
		loaded += f.Loaded
	}
	w.log.DebugContext(ctx, "snowflakewarehouse: batch loaded", "table", req.Table, "stage", src.stage,
		"files", len(ledger), "parsed", parsed, "loaded", loaded, "rejected", rejected)
	return results, nil
}

// copyAll runs the batch's COPY from stage, and a second one from the
// internal stage for the repaired copies of files whose stage is the
// external one.
func (b *batchTx) copyAll(stage string) error {
	b.files, b.jobs = map[string]copyFile{}, map[string]string{}
	var direct, repaired []string
	for _, k := range b.p.keys {
		if stage != InternalStage && b.p.scans[k].repaired {
			repaired = append(repaired, k)
		} else {
			direct = append(direct, k)
		}
	}
	for _, c := range []struct {
		stage string
		keys  []string
	}{{stage, direct}, {InternalStage, repaired}} {
		if len(c.keys) == 0 {
			continue
		}
		id, err := b.copy(c.stage, c.keys)
		if err != nil {
			return err
		}
		for _, k := range c.keys {
			b.jobs[k] = id
		}
	}
	return nil
}

// copy runs a COPY of keys from stage and reads its result, each row
// matched to a key, and returns the COPY's query id.
func (b *batchTx) copy(stage string, keys []string) (string, error) {
	q := copySQLFor(b.req.Table, stage, keys)
	rows, err := b.tx.QueryContext(b.ctx, q)
	if err != nil {
		return "", b.fail(sqlError("copy", q, err))
	}
	files, err := readCopyResult(rows)
	rows.Close()
	if err != nil {
		return "", b.fail(err)
	}
	var queryID string
	if err := b.tx.QueryRowContext(b.ctx, lastQueryIDSQL).Scan(&queryID); err != nil {
		return "", b.fail(sqlError("query", lastQueryIDSQL, err))
	}
	if !queryIDRE.MatchString(queryID) {
		return "", b.fail(fmt.Errorf("unexpected query id %q", queryID))
	}
	m := newKeyMatcher(keys)
	for _, f := range files {
		k, ok := m.match(f.File)
		if !ok {
			return "", b.fail(fmt.Errorf("COPY reported file %q, which is not one of the batch's", f.File))
		}
		if _, dup := b.files[k]; dup {
			return "", b.fail(fmt.Errorf("COPY reported %s twice", k))
		}
		b.files[k] = f
	}
	return queryID, nil
}

// results checks COPY's figures of each file against the file's scan and
// returns the files' results. The ledger is the authority on what was
// loaded (FORCE = TRUE), so a file COPY did not load is an error, never
// "skipped": it would otherwise be retried and skipped forever.
func (b *batchTx) results() (map[string]warehouse.FileResult, []warehouse.FileResult, error) {
	results := make(map[string]warehouse.FileResult, len(b.p.keys))
	var ledger []warehouse.FileResult
	for _, k := range b.p.keys {
		f, ok := b.files[k]
		if !ok || f.Status == statusLoadSkipped {
			return nil, nil, b.fail(fmt.Errorf("COPY with FORCE = TRUE did not load %s (status %q): is it on the stage?", k, f.Status))
		}
		fr := warehouse.FileResult{Key: k, Parsed: f.RowsParsed, Loaded: f.RowsLoaded, Rejected: f.RowsParsed - f.RowsLoaded}
		if fr.Rejected == 0 && f.ErrorsSeen > 0 {
			// An error that is no row's: the file itself could not be read.
			return nil, nil, fmt.Errorf("%w: %s: %s (line %d)", warehouse.ErrBadFile, k, f.FirstError, f.FirstErrorLine)
		}
		scan := b.p.scans[k]
		if fr.Loaded > scan.wellFormed() {
			// ERROR_ON_COLUMN_COUNT_MISMATCH with MATCH_BY_COLUMN_NAME and
			// INCLUDE_METADATA is not documented to reject these rows: fail
			// rather than keep rows with a wrong number of fields.
			return nil, nil, b.fail(fmt.Errorf("COPY loaded %d rows of %s, which has %d records with the header's %d fields "+
				"(%d with another number, the first on line %d): rows with a wrong number of fields were loaded",
				fr.Loaded, k, scan.wellFormed(), len(b.req.Columns), len(scan.bad), firstBadLine(scan)))
		}
		if fr.Rejected > 0 {
			fr.FirstError, fr.FirstErrorLine = f.FirstError, f.FirstErrorLine
			if fr.FirstError == "" {
				fr.FirstError = "rejected by COPY (status " + f.Status + ")"
			}
			if f.ErrorsSeen != fr.Rejected {
				b.w.log.WarnContext(b.ctx, "snowflakewarehouse: COPY's errors_seen differs from the rows not loaded",
					"file", k, "errors_seen", f.ErrorsSeen, "not_loaded", fr.Rejected)
			}
		}
		results[k] = fr
		ledger = append(ledger, fr)
	}
	return results, ledger, nil
}

// firstBadLine returns the line of a file's first malformed record, 0
// when none.
func firstBadLine(s *fileScan) int64 {
	if len(s.bad) == 0 {
		return 0
	}
	return s.bad[0].line
}

// fixFilesAndLines names every row just loaded by its key (whatever
// METADATA$FILENAME holds: the documentation says "the full path"), checks
// that each key now has exactly the rows COPY loaded, derives how
// METADATA$FILE_ROW_NUMBER counts from the rows' numbers and the files'
// scans, and turns the numbers into lines.
func (b *batchTx) fixFilesAndLines(ledger []warehouse.FileResult) error {
	var withRows []string
	loaded := map[string]int64{}
	for _, f := range ledger {
		if f.Loaded > 0 {
			withRows = append(withRows, f.Key)
			loaded[f.Key] = f.Loaded
		}
	}
	if len(withRows) == 0 {
		return nil
	}
	if _, err := b.exec(normalizeFilesSQL(b.req.Table, withRows)); err != nil {
		return err
	}
	stats, err := b.fileStats(withRows)
	if err != nil {
		return err
	}
	base, err := rowBase(withRows, stats, loaded, b.p.scans)
	if err != nil {
		return b.fail(err)
	}
	if _, err := b.exec(fixLinesSQL(b.req.Table, withRows, firstDataLine-base)); err != nil {
		return err
	}
	// Records after a blank line or a record spanning lines start further
	// down than their number says: give them their lines.
	for _, k := range withRows {
		moved := b.p.scans[k].moved
		for i := 0; i < len(moved); i += movedPerUpdate {
			if _, err := b.exec(moveLinesSQL(b.req.Table, k, moved[i:min(i+movedPerUpdate, len(moved))])); err != nil {
				return err
			}
		}
	}
	return nil
}

// dropQuoted removes the rows COPY loaded from records with a quote in an
// unenclosed field (fileScan.quoted), which DuckDB rejects, and keeps
// them as rejected: Snowflake's documentation does not say whether it
// loads them, so the scan decides, the same way on both engines. It runs
// after fixFilesAndLines, so the rows are found by their lines. COPY must
// have loaded all of a file's quoted records or none.
func (b *batchTx) dropQuoted(results map[string]warehouse.FileResult, ledger []warehouse.FileResult) error {
	var rejects []rejectRow
	for i, f := range ledger {
		scan := b.p.scans[f.Key]
		q := int64(len(scan.quoted))
		extra := f.Loaded - (scan.wellFormed() - q) // quoted records COPY loaded
		if q == 0 || extra <= 0 {
			continue
		}
		if extra != q {
			return b.fail(fmt.Errorf("COPY loaded %d of the %d records of %s with a quote in an unenclosed field (the first on line %d): want all or none",
				extra, q, f.Key, scan.quoted[0].line))
		}
		lines := make([]string, len(scan.quoted))
		for j, r := range scan.quoted {
			lines[j] = strconv.FormatInt(r.line, 10)
			rejects = append(rejects, rejectRow{file: f.Key, line: r.line, reason: r.reason, raw: r.raw})
		}
		res, err := b.exec(dropLinesSQL(b.req.Table, f.Key, lines))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err == nil && n != q {
			return b.fail(fmt.Errorf("removing the %d rows of %s with a quote in an unenclosed field removed %d", q, f.Key, n))
		}
		f.Loaded, f.Rejected = f.Loaded-q, f.Rejected+q
		if f.FirstErrorLine == 0 || scan.quoted[0].line < f.FirstErrorLine {
			f.FirstError, f.FirstErrorLine = scan.quoted[0].reason, scan.quoted[0].line
		}
		ledger[i], results[f.Key] = f, f
	}
	for i := 0; i < len(rejects); i += rejectsPerInsert {
		q, args := insertRejectsSQL(b.req.Table, rejects[i:min(i+rejectsPerInsert, len(rejects))])
		if _, err := b.exec(q, args...); err != nil {
			return err
		}
	}
	return nil
}

// keepBlanked keeps the lines blanked in repaired copies (see
// repairFile) as rejected, with DuckDB's reasons and texts, and counts
// them among their files' rows parsed and rejected. It returns their
// number.
func (b *batchTx) keepBlanked(results map[string]warehouse.FileResult, ledger []warehouse.FileResult) (int64, error) {
	var rejects []rejectRow
	for i, f := range ledger {
		blanked := b.p.scans[f.Key].blanked
		if len(blanked) == 0 {
			continue
		}
		for _, r := range blanked {
			rejects = append(rejects, rejectRow{file: f.Key, line: r.line, reason: r.reason, raw: r.raw})
		}
		n := int64(len(blanked))
		f.Parsed, f.Rejected = f.Parsed+n, f.Rejected+n
		if f.FirstError == "" || blanked[0].line < f.FirstErrorLine {
			f.FirstError, f.FirstErrorLine = blanked[0].reason, blanked[0].line
		}
		ledger[i], results[f.Key] = f, f
	}
	for i := 0; i < len(rejects); i += rejectsPerInsert {
		q, args := insertRejectsSQL(b.req.Table, rejects[i:min(i+rejectsPerInsert, len(rejects))])
		if _, err := b.exec(q, args...); err != nil {
			return 0, err
		}
	}
	return int64(len(rejects)), nil
}

// fileStats returns, per key, the rows the table holds under it and their
// smallest and largest row numbers.
func (b *batchTx) fileStats(keys []string) (map[string]rowStats, error) {
	q := fileStatsSQL(b.req.Table, keys)
	rows, err := b.tx.QueryContext(b.ctx, q)
	if err != nil {
		return nil, b.fail(sqlError("query", q, err))
	}
	defer rows.Close()
	out := map[string]rowStats{}
	for rows.Next() {
		var k string
		var st rowStats
		if err := rows.Scan(&k, &st.n, &st.min, &st.max); err != nil {
			return nil, b.fail(sqlError("query", q, err))
		}
		out[k] = st
	}
	if err := rows.Err(); err != nil {
		return nil, b.fail(sqlError("query", q, err))
	}
	return out, nil
}

// keepRejects puts every rejected row in the rejects table. When COPY
// rejected exactly the records the scan found malformed, they are
// inserted from the scan (their line, reason and text are known without
// VALIDATE); otherwise VALIDATE(table, JOB_ID => …) gives them, and Load
// fails unless it returns every row COPY did not load. It returns the
// number of rows rejected.
func (b *batchTx) keepRejects(ledger []warehouse.FileResult) (int64, error) {
	var ours []rejectRow
	validate := map[string][]string{} // query id: keys
	var jobs []string
	var total, viaValidate int64
	for _, f := range ledger {
		if f.Rejected == 0 {
			continue
		}
		total += f.Rejected
		scan := b.p.scans[f.Key]
		bad := scan.bad
		if len(scan.quoted) > 0 && f.Rejected == int64(len(scan.bad)+len(scan.quoted)) {
			// COPY rejected the records with a quote in an unenclosed
			// field too (see fileScan.quoted).
			bad = slices.Concat(scan.bad, scan.quoted)
		}
		if f.Rejected != int64(len(bad)) {
			id := b.jobs[f.Key]
			if validate[id] == nil {
				jobs = append(jobs, id)
			}
			validate[id] = append(validate[id], f.Key)
			viaValidate += f.Rejected
			continue
		}
		for _, r := range bad {
			ours = append(ours, rejectRow{file: f.Key, line: r.line, reason: r.reason, raw: r.raw})
		}
	}
	for i := 0; i < len(ours); i += rejectsPerInsert {
		q, args := insertRejectsSQL(b.req.Table, ours[i:min(i+rejectsPerInsert, len(ours))])
		if _, err := b.exec(q, args...); err != nil {
			return 0, err
		}
	}
	var returned int64
	known := true
	for _, id := range jobs {
		r, err := b.exec(rejectsSQL(b.req.Table, id, validate[id]))
		if err != nil {
			return 0, err
		}
		n, err := r.RowsAffected()
		known = known && err == nil
		returned += n
	}
	// Rejected rows are never dropped silently: VALIDATE must account
	// for every row COPY did not load.
	if known && returned < viaValidate {
		return 0, b.fail(fmt.Errorf("VALIDATE returned %d rejected rows, COPY reported %d", returned, viaValidate))
	}
	return total, nil
}
