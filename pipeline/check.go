package pipeline

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/warehouse"
)

// ErrLeftOut is wrapped by the error of a load that left landed files out:
// a file its manifest lists is missing, cut short or changed, or a file
// cannot be loaded at all (quarantined). Every other file is loaded; the
// error names each file left out, what is wrong and the remedy, and
// [QuarantineTable] lists them.
var ErrLeftOut = errors.New("pipeline: landed files left out of the load")

// QuarantineTable lists the landed files the last load left out, with
// columns file, table_name, problem (one of the Problem constants), reason
// and remedy. Each load rewrites it: a file fixed since loads, and leaves
// the table.
const QuarantineTable = "_edqm_quarantine"

// The problems of a file left out of a load.
const (
	// ProblemQuarantined: the file cannot be loaded at all (empty, a
	// byte order mark, a header other than the table's columns).
	ProblemQuarantined = "quarantined"
	// ProblemMissing: the day's manifest lists the file, the landing
	// zone does not hold it, and the warehouse never loaded it.
	ProblemMissing = "missing"
	// ProblemChanged: the file differs from its manifest's record (cut
	// short, or other bytes).
	ProblemChanged = "changed"
)

// LeftOut is a landed file a load left out.
type LeftOut struct {
	// Key is the file's landing key; Table the raw table it loads into.
	Key, Table string
	// Problem is one of ProblemQuarantined, ProblemMissing and
	// ProblemChanged; Reason says what is wrong, Remedy what to do.
	Problem, Reason, Remedy string
}

// String renders the file, its reason and its remedy on one line.
func (f LeftOut) String() string {
	return f.Key + ": " + f.Reason + "; remedy: " + f.Remedy
}

// leftOutError returns the error of a load that left files out, naming
// the first few.
func leftOutError(files []LeftOut) error {
	const show = 5
	var b strings.Builder
	for i, f := range files {
		if i == show {
			fmt.Fprintf(&b, " … and %d more (all in %s)", len(files)-show, QuarantineTable)
			break
		}
		if i > 0 {
			b.WriteString(" | ")
		}
		b.WriteString(f.String())
	}
	n := "1 landed file"
	if len(files) != 1 {
		n = fmt.Sprintf("%d landed files", len(files))
	}
	return fmt.Errorf("%w: %s not loaded, every other file loaded: %s", ErrLeftOut, n, b.String())
}

// manifestEntry is a file's record in a manifest, with the manifest.
type manifestEntry struct {
	file landing.ManifestFile
	m    *landing.Manifest
}

// index maps every file the manifests list to its record.
func (g *landGuard) index() map[string]manifestEntry {
	idx := map[string]manifestEntry{}
	for _, m := range g.sortedManifests() {
		for _, f := range m.Files {
			idx[f.Key] = manifestEntry{f, m}
		}
	}
	return idx
}

// relandRemedy is the remedy of a file its manifest lists.
func relandRemedy(m *landing.Manifest) string {
	d := m.Day.Format("2006-01-02")
	return fmt.Sprintf("re-land day %s from its seed (examples/full: -reland %s; Go: pipeline.Options.Reland), then run again", d, d)
}

// checkSource checks the files of a source not loaded yet: each is read
// and compared with its manifest's record and with the table's header;
// manifest files under the source's prefix that are neither landed nor
// loaded are missing (all is every key landed under the prefix). It
// returns the keys to load and the files left out.
func checkSource(ctx context.Context, l landing.Lander, s source, all, keys []string, g *landGuard, idx map[string]manifestEntry) ([]string, []LeftOut, error) {
	var ok []string
	var out []LeftOut
	listed := make(map[string]bool, len(all))
	for _, key := range all {
		listed[key] = true
	}
	// Each file is read and fingerprinted on its own goroutine, GOMAXPROCS
	// at a time; the verdicts are gathered in the keys' order.
	type verdict struct{ diff, bad string }
	verdicts := make([]verdict, len(keys))
	err := eachIndex(len(keys), func(i int) error {
		key := keys[i]
		if g.loaded[key] {
			return nil
		}
		data, err := landing.ReadAll(ctx, l, key)
		if err != nil {
			return err
		}
		if e, inManifest := idx[key]; inManifest {
			verdicts[i].diff = e.file.Diff(landing.Fingerprint(key, data))
		}
		verdicts[i].bad = headerProblem(data, s.columns)
		if strings.HasSuffix(key, "."+FormatParquet.ext()) {
			verdicts[i].bad = parquetHeaderProblem(data, s.columns)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for i, key := range keys {
		if g.loaded[key] {
			ok = append(ok, key) // the ledger skips it
			continue
		}
		e, inManifest := idx[key]
		diff, bad := verdicts[i].diff, verdicts[i].bad
		switch {
		case bad != "":
			lo := LeftOut{Key: key, Table: s.table, Problem: ProblemQuarantined, Reason: "cannot be loaded: " + bad,
				Remedy: "replace it with a file whose line 1 is " + strings.Join(s.columns, ",") + "; it loads on the next run"}
			if inManifest {
				lo.Reason += "; differs from its manifest: " + diff
				lo.Remedy = relandRemedy(e.m)
			}
			out = append(out, lo)
		case diff != "":
			out = append(out, LeftOut{Key: key, Table: s.table, Problem: ProblemChanged, Reason: diff + " (manifest " + landing.ManifestKey(e.m.Day) + ")", Remedy: relandRemedy(e.m)})
		default:
			ok = append(ok, key)
		}
	}
	for key, e := range idx {
		if strings.HasPrefix(key, s.prefix) && !listed[key] && !g.loaded[key] {
			out = append(out, LeftOut{Key: key, Table: s.table, Problem: ProblemMissing,
				Reason: fmt.Sprintf("missing: its manifest %s lists it with %d rows and %d bytes, and it was never loaded", landing.ManifestKey(e.m.Day), e.file.Rows, e.file.Size),
				Remedy: relandRemedy(e.m)})
		}
	}
	return ok, out, nil
}

// bom is the UTF-8 byte order mark.
var bom = []byte{0xEF, 0xBB, 0xBF}

// headerProblem says why a file whose bytes are data cannot be loaded
// into a table of columns at all, as the warehouses' header check
// would; "" when its header is right.
func headerProblem(data []byte, columns []string) string {
	if bytes.HasPrefix(data, bom) {
		return "line 1 starts with a byte order mark (EF BB BF)"
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	got, err := cr.Read()
	var pe *csv.ParseError
	switch {
	case err == io.EOF:
		return fmt.Sprintf("empty file, want a header with %d columns", len(columns))
	case errors.As(err, &pe):
		return fmt.Sprintf("header, line %d, column %d: %v", pe.StartLine, pe.Column, pe.Err)
	case err != nil:
		return err.Error()
	}
	if line, _ := cr.FieldPos(0); line != 1 {
		return "line 1 is blank, want the header"
	}
	for i := 0; i < len(got) || i < len(columns); i++ {
		switch {
		case i >= len(got):
			return fmt.Sprintf("line 1: column %d: want %q, the header has only %d columns", i+1, columns[i], len(got))
		case i >= len(columns):
			return fmt.Sprintf("line 1: column %d: found extra column %q, want %d columns", i+1, got[i], len(columns))
		case got[i] != columns[i]:
			return fmt.Sprintf("line 1: column %d: found %q, want %q", i+1, got[i], columns[i])
		}
	}
	return ""
}

// recordLeftOut rewrites [QuarantineTable] with files.
func recordLeftOut(ctx context.Context, wh warehouse.Warehouse, files []LeftOut) error {
	for _, q := range []string{
		"CREATE TABLE IF NOT EXISTS " + QuarantineTable + " (file VARCHAR, table_name VARCHAR, problem VARCHAR, reason VARCHAR, remedy VARCHAR)",
		"DELETE FROM " + QuarantineTable,
	} {
		if err := wh.Exec(ctx, q); err != nil {
			return fmt.Errorf("pipeline: record the files left out in %s: %w", QuarantineTable, err)
		}
	}
	for _, f := range files {
		if err := wh.Exec(ctx, "INSERT INTO "+QuarantineTable+" VALUES (?, ?, ?, ?, ?)", f.Key, f.Table, f.Problem, f.Reason, f.Remedy); err != nil {
			return fmt.Errorf("pipeline: record %s in %s: %w", f.Key, QuarantineTable, err)
		}
	}
	return nil
}

// eachIndex runs f(i) for every i in [0, n), GOMAXPROCS at a time (an
// errgroup, as LandDays uses), and returns the error of the lowest i that
// failed: the error a loop in order would return. Indices start in order
// and none starts after a failure, so every index below the failed one
// has run.
func eachIndex(n int, f func(i int) error) error {
	errs := make([]error, n)
	var failed atomic.Bool
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := 0; i < n && !failed.Load(); i++ {
		g.Go(func() error {
			if errs[i] = f(i); errs[i] != nil {
				failed.Store(true)
			}
			return nil
		})
	}
	_ = g.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
