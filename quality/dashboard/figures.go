package dashboard

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/warehouse"
)

// figuresVersion is the version of the figures file's format.
const figuresVersion = 1

// figures is what a figures file holds: the views a report snapshot lacks.
type figures struct {
	Version int `json:"version"`
	// Extras are the counts of the whole data (no date range).
	Extras *extras `json:"extras"`
	// History is each test's and monitor's latest runs.
	History histories `json:"history,omitempty"`
}

// FiguresKey returns the key of the figures file that goes with the
// report snapshot at snapshotKey: "_reports/report-2026-03-10.json" gives
// "_reports/report-2026-03-10.figures.json".
func FiguresKey(snapshotKey string) string {
	return strings.TrimSuffix(snapshotKey, ".json") + ".figures.json"
}

// WriteFigures writes, beside the report snapshot at snapshotKey (at
// [FiguresKey]), the figures that demo mode cannot take from the snapshot:
// the orders per status, the rows and revenue per flag and per kind, the
// rows per kind per day, and each test's and monitor's latest runs of the
// results history (historyTable; empty means quality.DefaultHistoryTable).
// With it, demo mode shows every view live mode does over the whole data.
// A program that writes snapshots (package pipeline does) calls it right
// after quality.WriteSnapshot, on the same warehouse.
func WriteFigures(ctx context.Context, l landing.Lander, snapshotKey string, w warehouse.Warehouse, historyTable string) error {
	if historyTable == "" {
		historyTable = quality.DefaultHistoryTable
	}
	if err := warehouse.ValidIdent(historyTable); err != nil {
		return fmt.Errorf("dashboard.WriteFigures: %w", err)
	}
	key := FiguresKey(snapshotKey)
	if err := landing.ValidateKey(key); err != nil {
		return fmt.Errorf("dashboard.WriteFigures: %w", err)
	}
	h := &Handler{}
	ex, err := h.readExtras(ctx, w, query{Page: 1})
	if err != nil {
		return fmt.Errorf("dashboard.WriteFigures: %w", err)
	}
	ex.Days = nil // the snapshot has the days
	hist, err := readHistory(ctx, w, historyTable)
	if err != nil {
		return fmt.Errorf("dashboard.WriteFigures: %w", err)
	}
	b, err := json.MarshalIndent(figures{Version: figuresVersion, Extras: ex, History: hist}, "", " ")
	if err != nil {
		return fmt.Errorf("dashboard.WriteFigures: %w", err)
	}
	if err := l.Put(ctx, key, bytes.NewReader(b)); err != nil {
		return fmt.Errorf("dashboard.WriteFigures: %w", err)
	}
	return nil
}

// readFigures reads the figures file of the snapshot at snapshotKey; nil
// when there is none.
func readFigures(ctx context.Context, l landing.Lander, snapshotKey string) (*figures, error) {
	rc, err := l.Get(ctx, FiguresKey(snapshotKey))
	if errors.Is(err, landing.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	var f figures
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", FiguresKey(snapshotKey), err)
	}
	if f.Version != figuresVersion || f.Extras == nil {
		return nil, fmt.Errorf("%s: version %d, want %d with extras", FiguresKey(snapshotKey), f.Version, figuresVersion)
	}
	return &f, nil
}
