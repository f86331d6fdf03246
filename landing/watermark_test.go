package landing_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/filelanding"
	"github.com/edqm/edqm/landing/landingtest"
	"github.com/edqm/edqm/landing/memlanding"
)

// landers returns one empty Lander of each kind, by name.
func landers(t *testing.T) map[string]landing.Lander {
	t.Helper()
	fl, err := filelanding.Open(t.Context(), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ml := memlanding.New()
	t.Cleanup(func() {
		if err := errors.Join(fl.Close(), ml.Close()); err != nil {
			t.Error(err)
		}
	})
	return map[string]landing.Lander{"file": fl, "mem": ml}
}

func TestWatermarkFirstLoad(t *testing.T) {
	for name, l := range landers(t) {
		m, ok, err := landing.NewWatermark(l).Load(t.Context())
		if err != nil || ok || !m.LastDay.IsZero() {
			t.Errorf("%s: first Load = %v, %v, %v; want the zero Mark, false, nil", name, m, ok, err)
		}
	}
}

func TestWatermarkAdvanceLoad(t *testing.T) {
	ctx := t.Context()
	for name, l := range landers(t) {
		t.Run(name, func(t *testing.T) {
			w := landing.NewWatermark(l)
			zero, ok, err := w.Load(ctx)
			if err != nil || ok {
				t.Fatalf("first Load: ok=%v err=%v", ok, err)
			}

			// A day given late in the evening in UTC+5 is still that
			// calendar day; now is stored in UTC, to the second.
			east := time.FixedZone("UTC+5", 5*3600)
			day := time.Date(2025, 1, 31, 23, 30, 0, 0, east)
			now := time.Date(2025, 2, 1, 6, 7, 8, 999, east)
			m1, err := w.Advance(ctx, zero, day, now)
			if err != nil {
				t.Fatalf("Advance: %v", err)
			}
			if want := time.Date(2025, 1, 31, 0, 0, 0, 0, time.UTC); !m1.LastDay.Equal(want) {
				t.Errorf("Advance returned LastDay %v, want %v", m1.LastDay, want)
			}
			got, ok, err := w.Load(ctx)
			if err != nil || !ok {
				t.Fatalf("Load after Advance: ok=%v err=%v", ok, err)
			}
			if !got.LastDay.Equal(m1.LastDay) || got.LastDay.Location() != time.UTC {
				t.Errorf("Load: LastDay %v, want %v in UTC", got.LastDay, m1.LastDay)
			}
			if want := time.Date(2025, 2, 1, 1, 7, 8, 0, time.UTC); !got.UpdatedAt.Equal(want) {
				t.Errorf("Load: UpdatedAt %v, want %v", got.UpdatedAt, want)
			}

			// Advance from the returned mark, without a Load in between.
			if _, err := w.Advance(ctx, m1, day.AddDate(0, 0, 1), now); err != nil {
				t.Fatalf("Advance from the mark Advance returned: %v", err)
			}
			got, _, err = w.Load(ctx)
			if err != nil || got.LastDay.Format("2006-01-02") != "2025-02-01" {
				t.Fatalf("Load after the second Advance: %v, %v", got.LastDay, err)
			}

			// Stale marks lose, and the error names the key.
			for what, prev := range map[string]landing.Mark{"stale mark": m1, "no mark when there is one": zero} {
				_, err = w.Advance(ctx, prev, day.AddDate(0, 0, 5), now)
				if !errors.Is(err, landing.ErrConflict) || !strings.Contains(err.Error(), landing.WatermarkKey) {
					t.Errorf("Advance from a %s: %v, want a conflict naming %s", what, err, landing.WatermarkKey)
				}
			}
			if _, err := w.Advance(ctx, got, day.AddDate(0, 0, 2), now); err != nil {
				t.Errorf("Advance from a freshly loaded mark: %v", err)
			}
		})
	}
}

func TestWatermarkCorrupt(t *testing.T) {
	ctx := t.Context()
	cases := map[string]string{
		"garbage":         "this is not JSON",
		"empty":           "",
		"null":            "null",
		"array":           `["2025-01-01"]`,
		"wrong date":      `{"last_day":"2025-13-45","updated_at":"2025-01-01T00:00:00Z"}`,
		"date and time":   `{"last_day":"2025-01-01T00:00:00Z"}`,
		"missing day":     `{"updated_at":"2025-01-01T00:00:00Z"}`,
		"unknown field":   `{"last_day":"2025-01-01","updated_at":"2025-01-01T00:00:00Z","extra":1}`,
		"bad updated_at":  `{"last_day":"2025-01-01","updated_at":"yesterday"}`,
		"trailing data":   `{"last_day":"2025-01-01"} {"last_day":"2025-01-02"}`,
		"truncated":       `{"last_day":"2025-01-01","upd`,
		"number for date": `{"last_day":20250101}`,
	}
	for name, l := range landers(t) {
		for what, content := range cases {
			if err := l.Put(ctx, landing.WatermarkKey, strings.NewReader(content)); err != nil {
				t.Fatal(err)
			}
			_, ok, err := landing.NewWatermark(l).Load(ctx)
			if !errors.Is(err, landing.ErrCorruptWatermark) || ok {
				t.Errorf("%s, %s: Load = %v, %v; want false and an error wrapping ErrCorruptWatermark", name, what, ok, err)
				continue
			}
			if !strings.Contains(err.Error(), "_state/watermark.json") {
				t.Errorf("%s, %s: error %q does not name the key", name, what, err)
			}
		}
		// Valid variants: no updated_at, surrounding white space.
		for _, content := range []string{`{"last_day":"2025-01-01"}`, " {\"last_day\":\"2025-01-01\"}\n\n"} {
			if err := l.Put(ctx, landing.WatermarkKey, strings.NewReader(content)); err != nil {
				t.Fatal(err)
			}
			m, ok, err := landing.NewWatermark(l).Load(ctx)
			if err != nil || !ok || !m.LastDay.Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) || !m.UpdatedAt.IsZero() {
				t.Errorf("%s: Load of %q = %+v, %v, %v", name, content, m, ok, err)
			}
		}
	}
}

func TestWatermarkRace(t *testing.T) {
	for name, l := range landers(t) {
		t.Run(name, func(t *testing.T) {
			landingtest.WatermarkRace(t, 8, l)
			landingtest.WatermarkRace(t, 8, l)
		})
	}
}
