package dashboard

import (
	"math"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/edqm/edqm/chaos"
)

func TestScalesAndLabels(t *testing.T) {
	s := newLinScale(-312, 2870, 200, 0, 5)
	if s.lo > -312 || s.hi < 2870 || s.ticks[0] != s.lo || s.ticks[len(s.ticks)-1] != s.hi {
		t.Errorf("scale %+v does not cover -312..2870 with ticks at its ends", s)
	}
	zero := false
	for _, v := range s.ticks {
		zero = zero || v == 0
	}
	if !zero {
		t.Errorf("ticks %v miss 0", s.ticks)
	}
	if y := s.at(s.lo); y != 200 {
		t.Errorf("the bottom of the domain is at %v, want 200", y)
	}
	for _, tc := range []struct {
		cents float64
		want  string
	}{{0, "$0"}, {85_000, "$850"}, {1_200_000, "$12k"}, {150_000, "$1.5k"}, {473_000_000, "$4.7M"}, {-500_000, "-$5k"}} {
		if got := shortMoney(tc.cents); got != tc.want {
			t.Errorf("shortMoney(%v) = %q, want %q", tc.cents, got, tc.want)
		}
	}
	for _, tc := range []struct {
		v    float64
		want string
	}{{0.25, "0.25"}, {24, "24"}, {850, "850"}, {12_345, "12.3k"}, {2_500_000, "2.5M"}} {
		if got := shortNum(tc.v); got != tc.want {
			t.Errorf("shortNum(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
	if got := pct(90.124822); got != "90.12%" {
		t.Errorf("pct: %q", got)
	}
	if got := ratioPct(0.9987); got != "99.9%" {
		t.Errorf("ratioPct: %q", got)
	}
}

// TestTimeScaleLeavesGaps: a missing day keeps its slot.
func TestTimeScaleLeavesGaps(t *testing.T) {
	ts := newTimeScale("2026-03-01", "2026-03-10", 0, 100)
	if ts.slot() != 10 {
		t.Fatalf("slot %v", ts.slot())
	}
	if x := ts.left("2026-03-05"); x != 40 {
		t.Errorf("2026-03-05 at %v, want 40", x)
	}
	c := riskChart([]dayRow{{Day: "2026-03-01", Risk: 100}, {Day: "2026-03-10", Risk: -50}})
	if len(c.Marks) != 2 || c.Marks[1].X <= 80 || !strings.Contains(c.Marks[1].Class, "neg") {
		t.Errorf("marks %+v", c.Marks)
	}
	// Year-long spans are labelled by month, short ones by week.
	long := newTimeScale("2025-11-27", "2026-11-26", 0, 1000).ticks()
	if len(long) != 12 || long[0].Label != "Dec 2025" || long[1].Label != "Jan 2026" || long[2].Label != "Feb" {
		t.Errorf("year ticks %+v", long)
	}
	// On a chart, "Dec 2025" 4 days from the axis would run into "Jan
	// 2026": it goes.
	c, _ = timeChart("x", "x", 960, 200, "2025-11-27", "2026-11-26")
	if len(c.XTicks) != 11 || c.XTicks[0].Label != "Jan 2026" {
		t.Errorf("chart ticks %+v", c.XTicks)
	}
	if w := newTimeScale("2026-03-01", "2026-03-28", 0, 1000).ticks(); len(w) < 4 {
		t.Errorf("4-week ticks %+v", w)
	}
}

// TestTimeTicksFitEverySpan: a monitor chart (the narrowest) gets at least
// 4 readable date ticks over a year, a month and a week, and 1 over a day;
// labels never overlap.
func TestTimeTicksFitEverySpan(t *testing.T) {
	for _, tc := range []struct {
		first, last string
		min         int
	}{
		{"2025-11-27", "2026-11-26", 4},
		{"2024-01-01", "2026-12-31", 4},
		{"2026-02-01", "2026-03-02", 4},
		{"2026-03-01", "2026-03-07", 4},
		{"2026-03-01", "2026-03-01", 1},
	} {
		c, _ := timeChart("x", "x", 460, 200, tc.first, tc.last)
		if len(c.XTicks) < tc.min {
			t.Errorf("%s to %s: %d ticks %+v, want at least %d", tc.first, tc.last, len(c.XTicks), c.XTicks, tc.min)
		}
		if !fits(c.XTicks, c.X0, c.X1) {
			t.Errorf("%s to %s: labels overlap: %+v", tc.first, tc.last, c.XTicks)
		}
	}
}

func TestMonitorChartsPutAnomaliesFirst(t *testing.T) {
	m := monitorRow{Name: "dimension_anomalies_fct_orders_status"}
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5 {
		d := day.AddDate(0, 0, i).Format("2006-01-02")
		for j, dim := range []string{"PENDING", "Shipped!", "A", "B", "C", "D", "E"} {
			b := bucketRow{Day: d, Dimension: dim, Value: float64(10 + i + j), HasValue: i != 2, Trained: i > 0,
				Expected: 12, Lower: 8, Upper: 16, Anomalous: dim == "Shipped!" && i == 4}
			m.Buckets = append(m.Buckets, b)
		}
	}
	charts := monitorCharts(m, 3)
	if len(charts) != 6 {
		t.Fatalf("%d charts, want at most 6", len(charts))
	}
	if !strings.HasPrefix(charts[0].Title, "Shipped!") || charts[0].ID != "chart-monitor-3-0" {
		t.Errorf("the anomalous dimension is not first: %q %s", charts[0].Title, charts[0].ID)
	}
	var points, bands, anomalous int
	for _, mk := range charts[0].Marks {
		switch {
		case mk.Circle:
			points++
			if mk.Anomalous {
				anomalous++
			}
		case mk.Class == "band":
			bands++
		}
	}
	if points != 4 || bands != 4 || anomalous != 1 {
		t.Errorf("points %d (want 4: one day has no value), bands %d (want 4), anomalous %d (want 1)", points, bands, anomalous)
	}
}

func TestQueryRoundTrip(t *testing.T) {
	q := query{From: "2026-01-01", To: "2026-02-01", Kinds: []chaos.Kind{chaos.Temporal, chaos.Domain}, Flag: "has_bad_status", Page: 3, Mode: ModeDemo}
	got, err := parseQuery(q.values())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, q) {
		t.Errorf("round trip: %+v, want %+v", got, q)
	}
	// Kinds come back in chaos.Kinds order, whatever the URL's order.
	v, _ := url.ParseQuery("kind=domain&kind=Temporal,calculation")
	got, err = parseQuery(v)
	if err != nil || !reflect.DeepEqual(got.Kinds, []chaos.Kind{chaos.Calculation, chaos.Temporal, chaos.Domain}) {
		t.Errorf("kinds %v, %v", got.Kinds, err)
	}
	if l := (query{Page: 1}).link(); l != "./" {
		t.Errorf("empty link %q", l)
	}
}

func TestCellText(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
		null bool
	}{
		{nil, "NULL", true}, {"x", "x", false}, {[]byte("b"), "b", false}, {true, "true", false},
		{2.50, "2.5", false}, {float64(3), "3", false}, {math.Inf(1), "+Inf", false}, {int64(7), "7", false},
		{time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), "2026-03-01", false},
		{time.Date(2026, 3, 1, 10, 30, 0, 0, time.UTC), "2026-03-01 10:30:00", false},
	} {
		got, null := cellText(tc.v)
		if got != tc.want || null != tc.null {
			t.Errorf("cellText(%#v) = %q, %v; want %q, %v", tc.v, got, null, tc.want, tc.null)
		}
	}
}

func TestMergeLabels(t *testing.T) {
	got := mergeLabels([]string{"duplication · conflicting", "duplication · conflicting · status: A → B", "duplication · conflicting · status: A → B", "domain · typo"})
	want := []string{"duplication · conflicting · status: A → B", "domain · typo"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("mergeLabels: %q, want %q", got, want)
	}
}
