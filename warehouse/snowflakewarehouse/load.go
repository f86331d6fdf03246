package snowflakewarehouse

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	sf "github.com/snowflakedb/gosnowflake"
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

	res := &warehouse.LoadResult{Files: make([]warehouse.FileResult, 0, len(req.Keys))}
	var (
		segment []string // keys since the last batch, in order
		batch   []string // the keys of segment to load
		inBatch = map[string]bool{}
		tails   = map[string]bool{} // every slash-suffix of the batch's keys
	)
	flush := func() error {
		var results map[string]warehouse.FileResult
		var err error
		if len(batch) > 0 {
			results, err = w.loadBatch(ctx, req, src, batch)
		}
		for _, k := range segment {
			switch fr, ok := results[k]; {
			case ok:
				res.Files = append(res.Files, fr)
				delete(results, k) // a repeated key is skipped after the first
				done[k] = true
			case done[k]:
				res.Files = append(res.Files, warehouse.FileResult{Key: k, Skipped: true})
			default:
				// Not committed: the batch stopped before this file.
				if err == nil {
					err = fmt.Errorf("%s: load into %s: internal error: no result for %s", pkg, req.Table, k)
				}
				return err
			}
		}
		segment, batch = segment[:0], batch[:0]
		clear(inBatch)
		clear(tails)
		return err
	}
	for _, k := range req.Keys {
		if done[k] || inBatch[k] {
			segment = append(segment, k)
			continue
		}
		// A key that another key of the batch ends with (a/b.csv and
		// x/a/b.csv) would make Snowflake's file names ambiguous: it
		// starts a new batch.
		conflict := tails[k]
		for _, s := range suffixes(k) {
			conflict = conflict || inBatch[s]
		}
		if conflict || len(batch) == MaxFilesPerCopy {
			if err := flush(); err != nil {
				return res, err
			}
		}
		segment = append(segment, k)
		batch = append(batch, k)
		inBatch[k] = true
		for _, s := range suffixes(k) {
			tails[s] = true
		}
	}
	if err := flush(); err != nil {
		return res, err
	}
	return res, nil
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

// loadBatch loads up to MaxFilesPerCopy files. It returns the results of
// the files committed; when a file's header is wrong, the files before it
// are loaded and the error is returned with their results.
func (w *Warehouse) loadBatch(ctx context.Context, req warehouse.LoadRequest, src *source, keys []string) (map[string]warehouse.FileResult, error) {
	keys, badErr := w.checkHeaders(ctx, req, keys)
	if len(keys) == 0 {
		return nil, badErr
	}
	if src.stage == InternalStage {
		if err := w.upload(ctx, src, keys); err != nil {
			return nil, err
		}
	}
	results, err := w.copyBatch(ctx, req, src, keys)
	if err != nil {
		return nil, err
	}
	return results, badErr
}

// checkHeaders reads the header of each file, several at a time. It
// returns the keys before the first file refused with ErrBadFile, and that
// file's error; any other error stops the batch.
func (w *Warehouse) checkHeaders(ctx context.Context, req warehouse.LoadRequest, keys []string) ([]string, error) {
	errs := make([]error, len(keys))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(w.cfg.Uploads)
	for i, k := range keys {
		g.Go(func() error {
			rc, err := req.Source.Get(gctx, k)
			if err != nil {
				return fmt.Errorf("%s: load %s: %w", pkg, k, err)
			}
			defer rc.Close()
			errs[i] = loadcheck.ReadHeader(k, rc, req.Columns)
			if errs[i] != nil && !errors.Is(errs[i], warehouse.ErrBadFile) {
				return errs[i]
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	for i, err := range errs {
		if err != nil {
			return keys[:i], err
		}
	}
	return keys, nil
}

// upload puts the files on the internal stage, several at a time.
func (w *Warehouse) upload(ctx context.Context, src *source, keys []string) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(w.cfg.Uploads)
	for _, k := range keys {
		g.Go(func() error { return w.put(gctx, src, k) })
	}
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	return nil
}

// put uploads one file, by path when the Lander has local files, from a
// stream otherwise.
func (w *Warehouse) put(ctx context.Context, src *source, key string) error {
	var q string
	if src.local != nil {
		p, err := src.local.LocalPath(key)
		if err != nil {
			return fmt.Errorf("%s: load %s: %w", pkg, key, err)
		}
		if filepath.Base(p) != path.Base(key) {
			return fmt.Errorf("%s: load %s: the local file %s is not named after the key", pkg, key, p)
		}
		q = putSQL(p, key)
	} else {
		rc, err := src.from.Get(ctx, key)
		if err != nil {
			return fmt.Errorf("%s: load %s: %w", pkg, key, err)
		}
		// The driver reads the whole stream into memory anyway.
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("%s: load %s: %w", pkg, key, err)
		}
		q = putSQL(streamPath(key), key)
		ctx = sf.WithFileStream(ctx, bytes.NewReader(data))
	}
	rows, err := w.db.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("%s: load %s: %w", pkg, key, sqlError("put", q, err))
	}
	defer rows.Close()
	return checkPutResult(key, rows)
}

// checkPutResult reads PUT's result: every file must be UPLOADED (or
// SKIPPED, the same content being there already).
func checkPutResult(key string, rows rowReader) error {
	cols, err := rows.Columns()
	if err != nil {
		return fmt.Errorf("%s: load %s: PUT result: %w", pkg, key, err)
	}
	status, message := -1, -1
	for i, c := range cols {
		switch strings.ToLower(c) {
		case "status":
			status = i
		case "message":
			message = i
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

// copyBatch runs the batch's transaction: delete forced files' rows, COPY,
// turn row numbers into lines, keep the rejected rows, fill the ledger.
func (w *Warehouse) copyBatch(ctx context.Context, req warehouse.LoadRequest, src *source, keys []string) (results map[string]warehouse.FileResult, err error) {
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: load into %s: %w", pkg, req.Table, err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: load into %s: begin: %w", pkg, req.Table, err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback()
		}
	}()
	exec := func(q string) (sql.Result, error) {
		r, err := tx.ExecContext(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("%s: load into %s: %w", pkg, req.Table, sqlError("exec", q, err))
		}
		return r, nil
	}

	if req.Force {
		for _, q := range deleteFilesSQL(req.Table, keys) {
			if _, err := exec(q); err != nil {
				return nil, err
			}
		}
	}
	q := copySQL(req.Table, src.stage, keys, req.Force)
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("%s: load into %s: %w", pkg, req.Table, sqlError("copy", q, err))
	}
	files, err := readCopyResult(rows)
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("%s: load into %s: %w", pkg, req.Table, err)
	}
	var queryID string
	if err := tx.QueryRowContext(ctx, lastQueryIDSQL).Scan(&queryID); err != nil {
		return nil, fmt.Errorf("%s: load into %s: %w", pkg, req.Table, sqlError("query", lastQueryIDSQL, err))
	}
	if !queryIDRE.MatchString(queryID) {
		return nil, fmt.Errorf("%s: load into %s: unexpected query id %q", pkg, req.Table, queryID)
	}

	m := newKeyMatcher(keys)
	byKey := make(map[string]copyFile, len(files))
	for _, f := range files {
		k, ok := m.match(f.File)
		if !ok {
			return nil, fmt.Errorf("%s: load into %s: COPY reported file %q, which is not one of the batch's", pkg, req.Table, f.File)
		}
		if _, dup := byKey[k]; dup {
			return nil, fmt.Errorf("%s: load into %s: COPY reported %s twice", pkg, req.Table, k)
		}
		byKey[k] = f
	}
	results = make(map[string]warehouse.FileResult, len(keys))
	var ledger []warehouse.FileResult
	var withRows, withRejects []string
	var rejected int64
	for _, k := range keys {
		f, ok := byKey[k]
		if !ok || f.Status == statusLoadSkipped {
			// FORCE = FALSE and Snowflake's load metadata has the file,
			// though the ledger does not.
			w.log.WarnContext(ctx, "snowflakewarehouse: file skipped by Snowflake's load metadata, not in the ledger",
				"table", req.Table, "file", k)
			results[k] = warehouse.FileResult{Key: k, Skipped: true}
			continue
		}
		fr := warehouse.FileResult{Key: k, Parsed: f.RowsParsed, Loaded: f.RowsLoaded, Rejected: f.RowsParsed - f.RowsLoaded}
		if fr.Rejected == 0 && f.ErrorsSeen > 0 {
			// An error that is no row's: the file itself could not be read.
			return nil, fmt.Errorf("%w: %s: %s (line %d)", warehouse.ErrBadFile, k, f.FirstError, f.FirstErrorLine)
		}
		if fr.Rejected > 0 {
			fr.FirstError, fr.FirstErrorLine = f.FirstError, f.FirstErrorLine
			if fr.FirstError == "" {
				fr.FirstError = "rejected by COPY (status " + f.Status + ")"
			}
			if f.ErrorsSeen != fr.Rejected {
				w.log.WarnContext(ctx, "snowflakewarehouse: COPY's errors_seen differs from the rows not loaded",
					"file", k, "errors_seen", f.ErrorsSeen, "not_loaded", fr.Rejected)
			}
			withRejects = append(withRejects, k)
			rejected += fr.Rejected
		}
		if fr.Loaded > 0 {
			withRows = append(withRows, k)
		}
		results[k] = fr
		ledger = append(ledger, fr)
	}
	if len(withRows) > 0 {
		if _, err := exec(fixLinesSQL(req.Table, withRows)); err != nil {
			return nil, err
		}
	}
	if rejected > 0 {
		r, err := exec(rejectsSQL(req.Table, queryID, withRejects))
		if err != nil {
			return nil, err
		}
		// Rejected rows are never dropped silently: VALIDATE must account
		// for every row COPY did not load.
		if n, err := r.RowsAffected(); err == nil && n < rejected {
			return nil, fmt.Errorf("%s: load into %s: VALIDATE returned %d rejected rows, COPY reported %d",
				pkg, req.Table, n, rejected)
		}
	}
	if len(ledger) > 0 {
		if _, err := exec(ledgerSQL(req.Table, ledger, w.clock.Now())); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("%s: load into %s: commit: %w", pkg, req.Table, err)
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
