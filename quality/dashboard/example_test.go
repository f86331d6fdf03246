package dashboard_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/quality/dashboard"
)

// The Example functions have no *testing.T: they use the background context,
// as a program would.

// snapshotLanding returns a landing holding one small report snapshot, as
// the pipeline writes it.
func snapshotLanding(ctx context.Context) *memlanding.Lander {
	land := memlanding.New()
	rep := &quality.Report{
		SchemaVersion: quality.ReportSchemaVersion,
		FirstDay:      "2026-03-09", LastDay: "2026-03-10",
		Orders: 1000, Flagged: 25, HealthScore: 97.5,
		RawRevenue: 12_345_678, CleanRevenue: 12_000_000, RevenueAtRisk: 345_678,
		FlagCounts: map[string]int64{"has_math_error": 10, "is_duplicate": 15},
		Incidents:  []quality.Incident{{ID: "test:unique_fct_orders_order_id", Severity: quality.Warn}},
	}
	if err := quality.WriteSnapshot(ctx, land, quality.SnapshotKey(time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)), rep); err != nil {
		panic(err)
	}
	return land
}

// The /metrics endpoint gives Prometheus the figures of the latest report;
// here, in demo mode, of a snapshot in an in-memory landing.
func Example() {
	ctx := context.Background()
	h, err := dashboard.New(&dashboard.Options{Lander: snapshotLanding(ctx)})
	if err != nil {
		panic(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodGet, "/metrics", nil))
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if strings.Contains(line, "edqm_health_score_ratio") || strings.Contains(line, "edqm_revenue_at_risk_dollars") ||
			strings.HasPrefix(line, "edqm_flag_rows") && !strings.HasSuffix(line, " 0") {
			fmt.Println(line)
		}
	}
	// Output:
	// edqm_flag_rows{flag="has_math_error",kind="calculation"} 10
	// edqm_flag_rows{flag="is_duplicate",kind="duplication"} 15
	// # HELP edqm_health_score_ratio Data Health Score as a ratio: orders without any quality flag divided by orders (1 when there are none).
	// # TYPE edqm_health_score_ratio gauge
	// edqm_health_score_ratio 0.975
	// # HELP edqm_revenue_at_risk_dollars Revenue at Risk: raw revenue minus clean revenue.
	// # TYPE edqm_revenue_at_risk_dollars gauge
	// edqm_revenue_at_risk_dollars 3456.78
}

// A Handler mounts under any prefix of a server's mux; its links are
// relative.
func ExampleNew() {
	ctx := context.Background()
	h, err := dashboard.New(&dashboard.Options{Lander: snapshotLanding(ctx)})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/quality/", http.StripPrefix("/quality", h))

	for _, path := range []string{"/quality/", "/quality/metrics", "/quality/?kind=weather"} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil))
		fmt.Println(path, rec.Code, rec.Header().Get("Content-Type"))
	}
	// Output:
	// /quality/ 200 text/html; charset=utf-8
	// /quality/metrics 200 text/plain; version=0.0.4; charset=utf-8; escaping=underscores
	// /quality/?kind=weather 400 text/html; charset=utf-8
}

// FiguresKey names the figures file that WriteFigures writes beside a
// report snapshot, which demo mode reads to show every view.
func ExampleFiguresKey() {
	fmt.Println(dashboard.FiguresKey("_reports/report-2026-03-10.json"))
	// Output:
	// _reports/report-2026-03-10.figures.json
}
