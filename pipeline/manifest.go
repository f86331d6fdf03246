package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/warehouse"
)

// ErrLoadedFileChanged is wrapped by the error of a landing that would
// change the bytes of a file the warehouse has loaded: the options differ
// from those the file was landed with. Nothing of that day is landed.
var ErrLoadedFileChanged = errors.New("pipeline: a loaded file would change")

// landGuard is what a landing checks its files against: the files the
// warehouse's ledger holds and the manifests landed, by day.
type landGuard struct {
	loaded map[string]bool
	// mu guards manifests: days land at once.
	mu        sync.Mutex
	manifests map[string]*landing.Manifest
}

// newLandGuard reads the ledger of wh and every manifest of l.
func newLandGuard(ctx context.Context, l landing.Lander, wh warehouse.Warehouse) (*landGuard, error) {
	loaded, err := ledgerFiles(ctx, wh)
	if err != nil {
		return nil, err
	}
	ms, err := landing.ReadManifests(ctx, l)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	g := &landGuard{loaded: loaded, manifests: make(map[string]*landing.Manifest, len(ms))}
	for _, m := range ms {
		g.manifests[m.Day.Format(edqm.DateLayout)] = m
	}
	return g, nil
}

// manifest returns the manifest of day, nil when none landed.
func (g *landGuard) manifest(day time.Time) *landing.Manifest {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.manifests[day.Format(edqm.DateLayout)]
}

// sortedManifests returns the manifests sorted by day.
func (g *landGuard) sortedManifests() []*landing.Manifest {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]*landing.Manifest, 0, len(g.manifests))
	for _, m := range g.manifests {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b *landing.Manifest) int { return a.Day.Compare(b.Day) })
	return out
}

// ledgerFiles returns the files the load ledger of wh holds; none when
// the ledger does not exist yet.
func ledgerFiles(ctx context.Context, wh warehouse.Warehouse) (map[string]bool, error) {
	files := map[string]bool{}
	ok, err := wh.TableExists(ctx, warehouse.LedgerTable)
	if err != nil || !ok {
		return files, err
	}
	rows, err := wh.Query(ctx, "SELECT file FROM "+warehouse.LedgerTable)
	if err != nil {
		return nil, fmt.Errorf("pipeline: read the load ledger: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f string
		if err := rows.Scan(&f); err != nil {
			return nil, fmt.Errorf("pipeline: read the load ledger: %w", err)
		}
		files[f] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pipeline: read the load ledger: %w", err)
	}
	return files, nil
}

// writeDay lands a day's files, then its manifest (so a manifest is never
// ahead of its files). With g, a file the warehouse has loaded is never
// given other bytes: it is written only when the day's manifest records
// exactly the new bytes (restoring a file deleted or changed since), and a
// loaded file whose landed bytes differ from the new ones, with no manifest
// to vouch for them, stops the day with nothing landed, wrapping
// [ErrLoadedFileChanged]. With reland, the new files must also be those
// the day's manifest records, byte for byte.
func writeDay(ctx context.Context, l landing.Lander, day time.Time, first bool, files []dayFile, g *landGuard, reland bool) error {
	d := day.Format(edqm.DateLayout)
	m := &landing.Manifest{Day: day, First: first}
	for _, f := range files {
		m.Files = append(m.Files, landing.Fingerprint(f.key, f.data))
	}
	slices.SortFunc(m.Files, func(a, b landing.ManifestFile) int { return strings.Compare(a.Key, b.Key) })
	old := g.manifest(day)
	if reland && old != nil {
		if diff := manifestDiff(old, m); diff != "" {
			return fmt.Errorf("%w: re-land %s: the options give other files than its manifest %s records: %s; nothing was landed: re-land with the options (seed, rates, mode, format) the day was landed with",
				ErrLoadedFileChanged, d, landing.ManifestKey(day), diff)
		}
	}
	skip := make([]bool, len(files))
	if g != nil {
		for i, f := range files {
			if !g.loaded[f.key] {
				continue
			}
			var err error
			if skip[i], err = keepLoaded(ctx, l, d, f, old); err != nil {
				return err
			}
		}
	}
	for i, f := range files {
		if !skip[i] {
			if err := put(ctx, l, f.key, f.data); err != nil {
				return err
			}
		}
	}
	if err := landing.WriteManifest(ctx, l, m); err != nil {
		return fmt.Errorf("pipeline: land %s: %w", d, err)
	}
	if g != nil {
		g.mu.Lock()
		g.manifests[d] = m
		g.mu.Unlock()
	}
	return nil
}

// keepLoaded decides about a loaded file f of day d: skip is true when its
// landed bytes must stay as they are (equal to f's, or missing with no
// manifest to vouch for f's); an error when they differ from f's and the
// manifest old does not record f's bytes.
func keepLoaded(ctx context.Context, l landing.Lander, d string, f dayFile, old *landing.Manifest) (skip bool, err error) {
	want := landing.Fingerprint(f.key, f.data)
	if old != nil {
		if rec, ok := old.File(f.key); ok && rec.Diff(want) == "" {
			return false, nil // the bytes loaded: restoring them is safe
		}
	}
	cur, err := landing.ReadAll(ctx, l, f.key)
	switch {
	case errors.Is(err, landing.ErrNotFound):
		return true, nil // loaded; nothing vouches for new bytes
	case err != nil:
		return false, err
	case bytes.Equal(cur, f.data):
		return true, nil
	}
	return false, fmt.Errorf("%w: land %s: %s is loaded, and this run would land other bytes in it (%s); nothing of %s was landed: run with the options (seed, rates, mode, format, first day) it was landed with",
		ErrLoadedFileChanged, d, f.key, landing.Fingerprint(f.key, cur).Diff(want), d)
}

// manifestDiff explains the first difference between two manifests of a
// day, "" when they list the same files with the same bytes.
func manifestDiff(old, m *landing.Manifest) string {
	for _, f := range old.Files {
		got, ok := m.File(f.Key)
		if !ok {
			return f.Key + " would not be landed"
		}
		if d := f.Diff(got); d != "" {
			return f.Key + ": " + d
		}
	}
	for _, f := range m.Files {
		if _, ok := old.File(f.Key); !ok {
			return f.Key + " is not in the manifest"
		}
	}
	return ""
}

// relandDays lands again each of days from the options, byte for byte as
// its manifest records (see [Options.Reland]); a day the run lands anyway
// (in planned) is left to it.
func (r *runner) relandDays(ctx context.Context, g *landGuard, planned []time.Time) error {
	for _, day := range r.s.Reland {
		if slices.ContainsFunc(planned, day.Equal) {
			continue
		}
		d := day.Format(edqm.DateLayout)
		first := false
		if m := g.manifest(day); m != nil {
			first = m.First
		} else {
			objs, err := r.land.List(ctx, "products/date="+d+"/")
			if err != nil {
				return fmt.Errorf("pipeline: re-land %s: %w", d, err)
			}
			first = len(objs) > 0 || g.loaded[landing.DataKey("products", day, r.s.Format.ext())]
		}
		files, _, err := genDay(ctx, day, first, &r.s.Options)
		if err != nil {
			return err
		}
		if err := writeDay(ctx, r.land, day, first, files, g, true); err != nil {
			return err
		}
		r.res.Relanded = append(r.res.Relanded, day)
	}
	return nil
}
