package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/warehouse"
)

// Stores are a landing zone and a warehouse, as [Open] opened them for
// [Run].
type Stores struct {
	Lander    landing.Lander
	Warehouse warehouse.Warehouse
}

// Close closes the warehouse, then the landing zone, and returns their
// errors, joined.
func (s *Stores) Close() error {
	return errors.Join(s.Warehouse.Close(), s.Lander.Close())
}

// Open opens the landing zone and the warehouse two URLs name, with
// [landing.Open] and [warehouse.Open] and their options (nil for the
// defaults); the schemes' packages must be imported. Before the warehouse
// is opened (or created), it reads the landing zone's watermark, so that a
// corrupt one stops the run with nothing written. Close the Stores when
// done.
//
// Open returns the errors of landing.Open, warehouse.Open and the
// watermark's read as they are, unprefixed (they name their package). A
// warehouse another run holds gives "another run is using the warehouse
// <DescribeURL(warehouseURL)>; nothing was changed", wrapping
// [warehouse.ErrLocked].
func Open(ctx context.Context, landingURL, warehouseURL string, lo *landing.OpenOptions, wo *warehouse.OpenOptions) (*Stores, error) {
	land, err := landing.Open(ctx, landingURL, lo)
	if err != nil {
		return nil, err
	}
	if _, _, err := landing.NewWatermark(land).Load(ctx); err != nil {
		_ = land.Close()
		return nil, err
	}
	wh, err := warehouse.Open(ctx, warehouseURL, wo)
	if err != nil {
		_ = land.Close()
		if errors.Is(err, warehouse.ErrLocked) {
			return nil, fmt.Errorf("another run is using the warehouse %s; nothing was changed: %w", DescribeURL(warehouseURL), err)
		}
		return nil, err
	}
	return &Stores{Lander: land, Warehouse: wh}, nil
}

// FolderURLs returns the URLs of a landing zone and a DuckDB warehouse in
// one local folder, the layout of examples/full: file://<dir>/landing and
// duckdb://<dir>/warehouse.duckdb, with dir made absolute. Nothing is
// created: [Open] does that.
func FolderURLs(dir string) (landingURL, warehouseURL string, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", "", fmt.Errorf("pipeline: data folder %q: %w", dir, err)
	}
	u := func(scheme, name string) string {
		return (&url.URL{Scheme: scheme, Path: filepath.ToSlash(filepath.Join(abs, name))}).String()
	}
	return u("file", "landing"), u("duckdb", "warehouse.duckdb"), nil
}
