package landing

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/edqm/edqm"
)

// Mark is the content of the watermark: the last day whose files have all
// landed.
type Mark struct {
	// LastDay is the last day landed (a date, midnight UTC).
	LastDay time.Time
	// UpdatedAt is when the mark was written, from the runner's Clock.
	UpdatedAt time.Time
	// version is the store's version token of the object read.
	version string
}

// Watermark reads and advances the mark stored at [WatermarkKey] of a
// Lander, by compare-and-swap: of two runners advancing from the same mark,
// exactly one succeeds; the other gets an error wrapping [ErrConflict].
type Watermark struct {
	l   Lander
	key string
}

// NewWatermark returns the watermark kept in l at [WatermarkKey].
func NewWatermark(l Lander) *Watermark { return &Watermark{l: l, key: WatermarkKey} }

type markJSON struct {
	LastDay   string `json:"last_day"`
	UpdatedAt string `json:"updated_at"`
}

// Load returns the current mark. ok is false when no mark was ever written
// (a first run). A mark that cannot be parsed is an error wrapping
// [ErrCorruptWatermark] that names the key and the remedy (delete it: a
// run of package pipeline rebuilds it from the day manifests,
// [ManifestPrefix]); it is never silently reset.
func (w *Watermark) Load(ctx context.Context) (m Mark, ok bool, err error) {
	data, ver, err := w.l.ReadVersioned(ctx, w.key)
	if errors.Is(err, ErrNotFound) {
		return Mark{}, false, nil
	}
	if err != nil {
		return Mark{}, false, fmt.Errorf("watermark: read %s: %w", w.key, err)
	}
	m, err = parseMark(data)
	if err != nil {
		return Mark{}, false, fmt.Errorf("%w %s: %v (delete it: the next run rebuilds it from the manifests under %s, landing only the days that have none and loading no file twice)", ErrCorruptWatermark, w.key, err, ManifestPrefix)
	}
	m.version = ver
	return m, true, nil
}

func parseMark(data []byte) (Mark, error) {
	var j markJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return Mark{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return Mark{}, errors.New("trailing data after the JSON object")
	}
	day, err := time.Parse(edqm.DateLayout, j.LastDay)
	if err != nil {
		return Mark{}, fmt.Errorf("last_day: %w", err)
	}
	var upd time.Time
	if j.UpdatedAt != "" {
		if upd, err = time.Parse(time.RFC3339, j.UpdatedAt); err != nil {
			return Mark{}, fmt.Errorf("updated_at: %w", err)
		}
	}
	return Mark{LastDay: day, UpdatedAt: upd}, nil
}

// Advance moves the mark from prev (as returned by Load; the zero Mark when
// Load said there was none) to lastDay. It fails with an error wrapping
// [ErrConflict] if the stored mark is no longer prev. Where versions are
// content hashes (landing/filelanding, landing/memlanding), an Advance that
// writes exactly the mark already stored (same day, same second) changes no
// version, so a second Advance from that mark succeeds too; both runners
// then agree on the mark.
func (w *Watermark) Advance(ctx context.Context, prev Mark, lastDay time.Time, now time.Time) (Mark, error) {
	next := Mark{LastDay: edqm.Day(lastDay), UpdatedAt: now.UTC().Truncate(time.Second)}
	data, err := json.Marshal(markJSON{LastDay: next.LastDay.Format(edqm.DateLayout), UpdatedAt: next.UpdatedAt.Format(time.RFC3339)})
	if err != nil {
		return Mark{}, err
	}
	ver, err := w.l.WriteIfVersion(ctx, w.key, append(data, '\n'), prev.version)
	if err != nil {
		return Mark{}, fmt.Errorf("watermark: advance %s to %s: %w", w.key, next.LastDay.Format(edqm.DateLayout), err)
	}
	next.version = ver
	return next, nil
}
