package pipeline_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/pipeline"
	"github.com/edqm/edqm/quality/dashboard"
)

// demoPage serves the dashboard's page in demo mode: from the landing
// zone alone, no warehouse.
func demoPage(t *testing.T, w *world) string {
	t.Helper()
	h, err := dashboard.New(&dashboard.Options{Lander: w.land, Clock: edqm.FixedClock(day0)})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/", nil))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	return rec.Body.String()
}

// TestFiguresWrittenForTheDashboard: a run writes the figures file beside
// its snapshot, with the run's own results in its history, so that the
// dashboard's demo mode shows every view from the landing zone alone; a
// re-run writes it back when it is missing, and only then.
func TestFiguresWrittenForTheDashboard(t *testing.T) {
	w := newWorld(t, 3)
	ctx := t.Context()
	res, err := pipeline.Run(ctx, w.land, w.wh, w.opts)
	require.NoError(t, err)
	require.Equal(t, dashboard.FiguresKey(res.SnapshotKey), res.FiguresKey)
	_, _, err = w.land.ReadVersioned(ctx, res.FiguresKey)
	require.NoError(t, err)

	body := demoPage(t, w)
	for _, want := range []string{"snapshot " + res.SnapshotKey, `data-testid="chart-status"`, `data-testid="chart-kind-days"`, `data-testid="history"`} {
		assert.Contains(t, body, want, "demo page with the run's figures")
	}
	for _, note := range []string{`data-testid="status-note"`, `data-testid="kind-days-note"`} {
		assert.NotContains(t, body, note, "demo page with the run's figures")
	}

	again, err := pipeline.Run(ctx, w.land, w.wh, w.opts)
	require.NoError(t, err)
	assert.Empty(t, again.FiguresKey, "the figures file was current")

	require.NoError(t, w.land.Delete(ctx, res.FiguresKey))
	assert.Contains(t, demoPage(t, w), `data-testid="status-note"`, "demo page without the figures")
	again, err = pipeline.Run(ctx, w.land, w.wh, w.opts)
	require.NoError(t, err)
	assert.Equal(t, res.FiguresKey, again.FiguresKey, "the figures file is written again")
	assert.Empty(t, again.SnapshotKey, "the JSON snapshot is kept")
	assert.Empty(t, again.HTMLKey, "the HTML page is kept")
	assert.NotContains(t, demoPage(t, w), `data-testid="status-note"`)
}
