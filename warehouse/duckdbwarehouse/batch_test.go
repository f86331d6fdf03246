package duckdbwarehouse_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// batchKeys puts n files of two rows each and returns their keys.
func batchKeys(t *testing.T, l landing.Lander, n int) []string {
	t.Helper()
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("t/%04d.csv", i)
		put(t, l, keys[i], fmt.Sprintf("id,name,amount\n%d,a,1.00\n%d,b,2.00\n", 2*i, 2*i+1))
	}
	return keys
}

// failingLander fails Get for the keys in bad, and makes the reader of the
// keys in broken fail after their first bytes.
type failingLander struct {
	landing.Lander
	bad, broken map[string]bool
	gets        atomic.Int64
}

var errDisk = errors.New("disk on fire")

func (f *failingLander) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	f.gets.Add(1)
	if f.bad[key] {
		return nil, fmt.Errorf("get %s: %w", key, errDisk)
	}
	rc, err := f.Lander.Get(ctx, key)
	if err != nil || !f.broken[key] {
		return rc, err
	}
	return &brokenReader{rc: rc}, nil
}

type brokenReader struct {
	rc   io.ReadCloser
	done bool
}

func (b *brokenReader) Read(p []byte) (int, error) {
	if b.done {
		return 0, errDisk
	}
	b.done = true
	return b.rc.Read(p[:min(len(p), 20)])
}

func (b *brokenReader) Close() error { return b.rc.Close() }

// checkLoaded checks the ledger and the table against the keys that must
// be loaded (two rows each) and those that must not.
func checkLoaded(t *testing.T, w warehouse.Warehouse, loaded, notLoaded []string) {
	t.Helper()
	for _, k := range loaded {
		if got := queryStrings(t, w, `SELECT count(*) FROM raw_t WHERE _file = ?`, k); got[0] != "2" {
			t.Errorf("%s has %s rows, want 2", k, got[0])
		}
		if got := queryStrings(t, w, `SELECT count(*) FROM `+warehouse.LedgerTable+` WHERE file = ?`, k); got[0] != "1" {
			t.Errorf("%s is %s times in the ledger, want once", k, got[0])
		}
	}
	for _, k := range notLoaded {
		if got := queryStrings(t, w, `SELECT (SELECT count(*) FROM raw_t WHERE _file = ?) + (SELECT count(*) FROM `+warehouse.LedgerTable+` WHERE file = ?)`, k, k); got[0] != "0" {
			t.Errorf("%s left %s rows in the table and the ledger, want none", k, got[0])
		}
	}
}

func loadedKeys(res *warehouse.LoadResult) []string {
	var keys []string
	if res == nil {
		return nil
	}
	for _, f := range res.Files {
		if !f.Skipped {
			keys = append(keys, f.Key)
		}
	}
	return keys
}

// TestBatchFailureKeepsEarlierFiles: when a file of a batch fails, the files
// before it in the batch are still committed and reported, the error names
// the file, and the files after it are not loaded.
func TestBatchFailureKeepsEarlierFiles(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail func(t *testing.T, l *failingLander, key string)
		is   error
	}{
		{"Get fails", func(_ *testing.T, l *failingLander, k string) { l.bad[k] = true }, errDisk},
		{"read fails mid-file", func(_ *testing.T, l *failingLander, k string) { l.broken[k] = true }, errDisk},
		{"bad header", func(t *testing.T, l *failingLander, k string) { put(t, l.Lander, k, "id,other,amount\n1,a,1.00\n") }, warehouse.ErrBadFile},
		{"missing file", func(t *testing.T, l *failingLander, k string) { _ = l.Lander.Delete(t.Context(), k) }, landing.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := openMemory(t)
			mem := memlanding.New()
			keys := batchKeys(t, mem, 10)
			l := &failingLander{Lander: mem, bad: map[string]bool{}, broken: map[string]bool{}}
			tc.fail(t, l, keys[6])
			res, err := w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_t", Columns: cols, Source: l, Keys: keys})
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), keys[6]) {
				t.Fatalf("error = %v, want one wrapping %v and naming %s", err, tc.is, keys[6])
			}
			if got, want := strings.Join(loadedKeys(res), " "), strings.Join(keys[:6], " "); got != want {
				t.Errorf("reported loaded: %s\nwant %s", got, want)
			}
			for _, f := range res.Files {
				if f.Parsed != 2 || f.Loaded != 2 || f.Rejected != 0 {
					t.Errorf("%+v, want 2 rows parsed and loaded", f)
				}
			}
			checkLoaded(t, w, keys[:6], keys[6:])

			// Once fixed, the rest loads and the first six are skipped.
			l.bad, l.broken = map[string]bool{}, map[string]bool{}
			batchKeys(t, mem, 10)
			res, err = w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_t", Columns: cols, Source: l, Keys: keys})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := strings.Join(loadedKeys(res), " "), strings.Join(keys[6:], " "); got != want {
				t.Errorf("second load loaded %s, want %s", got, want)
			}
			checkLoaded(t, w, keys, nil)
		})
	}
}

// TestBatchFailureFirstFile: a failure on a batch's first file loads
// nothing of that batch, and reads no file again (the files after it may
// have been read ahead, each once).
func TestBatchFailureFirstFile(t *testing.T) {
	w := openMemory(t)
	mem := memlanding.New()
	keys := batchKeys(t, mem, 5)
	l := &failingLander{Lander: mem, bad: map[string]bool{keys[0]: true}}
	res, err := w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_t", Columns: cols, Source: l, Keys: keys})
	if !errors.Is(err, errDisk) || !strings.Contains(err.Error(), keys[0]) {
		t.Fatalf("error = %v", err)
	}
	if len(res.Files) != 0 {
		t.Errorf("result %+v, want no file", res.Files)
	}
	if n := l.gets.Load(); n < 1 || n > int64(len(keys)) {
		t.Errorf("%d Gets, want 1 to %d", n, len(keys))
	}
	checkLoaded(t, w, nil, keys)
}

// TestManyBatches loads more files than one batch holds, with two batches
// at once, forced reloads included: no write-write conflict, nothing twice.
func TestManyBatches(t *testing.T) {
	for _, file := range []bool{false, true} {
		t.Run(fmt.Sprintf("file=%v", file), func(t *testing.T) {
			ctx := t.Context()
			w := openMemory(t)
			if file {
				var err error
				w, err = duckdbwarehouse.Open(ctx, filepath.Join(t.TempDir(), "wh.duckdb"), nil)
				if err != nil {
					t.Fatal(err)
				}
				defer w.Close()
			}
			l := memlanding.New()
			keys := batchKeys(t, l, 300)
			req := warehouse.LoadRequest{Table: "raw_t", Columns: cols, Source: l, Keys: keys}
			res, err := w.Load(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if files, parsed, loaded, rejected := res.Totals(); files != 300 || parsed != 600 || loaded != 600 || rejected != 0 {
				t.Errorf("totals %d files, %d parsed, %d loaded, %d rejected", files, parsed, loaded, rejected)
			}
			for i, f := range res.Files {
				if f.Key != keys[i] {
					t.Fatalf("result %d is %s, want %s: results follow the request's order", i, f.Key, keys[i])
				}
			}
			req.Force = true
			if _, err := w.Load(ctx, req); err != nil {
				t.Fatalf("forced reload: %v", err)
			}
			if got := queryStrings(t, w, `SELECT count(*) || ' ' || count(DISTINCT id) FROM raw_t`); got[0] != "600 600" {
				t.Errorf("rows, distinct ids = %s, want 600 600", got[0])
			}
			if got := queryStrings(t, w, `SELECT count(*) FROM `+warehouse.LedgerTable); got[0] != "300" {
				t.Errorf("%s ledger entries, want 300", got[0])
			}
		})
	}
}

// TestManyBatchesFailure: with several batches running at once, a failing
// file stops the load; whatever is reported loaded is committed, whatever
// is not reported is not, and a second load completes the rest.
func TestManyBatchesFailure(t *testing.T) {
	ctx := t.Context()
	w := openMemory(t)
	mem := memlanding.New()
	keys := batchKeys(t, mem, 300)
	l := &failingLander{Lander: mem, bad: map[string]bool{keys[150]: true}}
	res, err := w.Load(ctx, warehouse.LoadRequest{Table: "raw_t", Columns: cols, Source: l, Keys: keys})
	if !errors.Is(err, errDisk) || !strings.Contains(err.Error(), keys[150]) {
		t.Fatalf("error = %v", err)
	}
	reported := map[string]bool{}
	for _, k := range loadedKeys(res) {
		reported[k] = true
	}
	var in, out []string
	for _, k := range keys {
		if reported[k] {
			in = append(in, k)
		} else {
			out = append(out, k)
		}
	}
	if reported[keys[150]] || !reported[keys[149]] || !reported[keys[0]] {
		t.Errorf("reported %d files; want %s and %s, not %s", len(in), keys[0], keys[149], keys[150])
	}
	checkLoaded(t, w, in, out)

	l.bad = nil
	res, err = w.Load(ctx, warehouse.LoadRequest{Table: "raw_t", Columns: cols, Source: l, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	if files, _, _, _ := res.Totals(); files != len(out) {
		t.Errorf("second load loaded %d files, want %d", files, len(out))
	}
	checkLoaded(t, w, keys, nil)
}

// TestDuplicateKeys: a key listed twice is loaded once.
func TestDuplicateKeys(t *testing.T) {
	for _, force := range []bool{false, true} {
		w := openMemory(t)
		l := memlanding.New()
		keys := batchKeys(t, l, 3)
		req := warehouse.LoadRequest{Table: "raw_t", Columns: cols, Source: l, Keys: []string{keys[0], keys[1], keys[0], keys[2], keys[1]}, Force: force}
		res, err := w.Load(t.Context(), req)
		if err != nil {
			t.Fatalf("force=%v: %v", force, err)
		}
		var skipped []bool
		for _, f := range res.Files {
			skipped = append(skipped, f.Skipped)
		}
		if fmt.Sprint(skipped) != "[false false true false true]" {
			t.Errorf("force=%v: skipped = %v, want the repeats skipped", force, skipped)
		}
		checkLoaded(t, w, keys, nil)
	}
}

// TestCommitNotCancelled cancels the context right before a batch's COMMIT:
// the COMMIT still runs, and the files are reported loaded, as they are.
func TestCommitNotCancelled(t *testing.T) {
	w := openMemory(t)
	l := memlanding.New()
	keys := batchKeys(t, l, 3)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	duckdbwarehouse.SetBeforeCommit(cancel)
	defer duckdbwarehouse.SetBeforeCommit(nil)
	res, err := w.Load(ctx, warehouse.LoadRequest{Table: "raw_t", Columns: cols, Source: l, Keys: keys})
	if ctx.Err() == nil {
		t.Fatal("the hook did not run")
	}
	if err != nil {
		t.Fatalf("Load cancelled during its COMMIT: %v; want the batch committed and reported", err)
	}
	if got := loadedKeys(res); len(got) != 3 {
		t.Errorf("reported loaded %v, want the 3 files", got)
	}
	checkLoaded(t, w, keys, nil)
}

// TestBatchSizes: whatever the batch size and the number of batches at
// once, every file is loaded once and reported in the request's order.
func TestBatchSizes(t *testing.T) {
	for _, files := range []int{1, 2, 7} {
		for _, workers := range []int{1, 2, 3} {
			w := openMemory(t)
			w.SetBatching(files, workers)
			l := memlanding.New()
			keys := batchKeys(t, l, 20)
			res, err := w.Load(t.Context(), warehouse.LoadRequest{Table: "raw_t", Columns: cols, Source: l, Keys: keys})
			if err != nil {
				t.Fatalf("%d files a batch, %d at once: %v", files, workers, err)
			}
			if got := loadedKeys(res); strings.Join(got, " ") != strings.Join(keys, " ") {
				t.Errorf("%d files a batch, %d at once: loaded %v", files, workers, got)
			}
			checkLoaded(t, w, keys, nil)
		}
	}
}
