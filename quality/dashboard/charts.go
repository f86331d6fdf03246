package dashboard

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/quality"
)

// chart is an SVG chart, laid out in Go and drawn by the "chart" template.
// Every mark carries its value in data attributes, so that tests (and
// people with the inspector) can read what was drawn.
type chart struct {
	// ID is the chart's data-testid.
	ID          string
	Title, Desc string
	W, H        float64
	// X0, X1, Y0 and Y1 bound the plot: left, right, top, bottom.
	X0, X1, Y0, Y1 float64
	XTicks         []tick
	YTicks         []tick
	// YUnit names the unit of the y axis ("USD", "rows", "hours", "%"),
	// drawn above it.
	YUnit string
	// Zero is the y of the value 0 when it is inside the plot.
	Zero   float64
	Paths  []path
	Marks  []mark
	Texts  []text
	Legend []legend
	// Points is the number of data points (days, kinds, buckets).
	Points int
}

// tick is an axis tick at Pos (x or y) with its label.
type tick struct {
	Pos   float64
	Label string
	// Long is the label with its year, for a month tick that becomes the
	// first.
	Long string
	// Anchor is the label's text-anchor; empty means middle.
	Anchor string
}

// path is a polyline (or a polygon when Closed).
type path struct {
	Class, Points string
	Closed        bool
	Series        string
}

// mark is a rect or a circle with its data.
type mark struct {
	Circle     bool
	X, Y, W, H float64 // rect
	R          float64 // circle: centre X, Y
	Class      string
	Title      string
	// Data attributes (empty ones are left out).
	Day, Kind, Series, Flag, Status, Value, Cents, Count string
	Anomalous                                            bool
}

// text is a label inside the chart.
type text struct {
	X, Y         float64
	Text, Anchor string
	Class        string
}

// legend is a legend entry.
type legend struct{ Class, Label string }

// f1 formats a coordinate.
func f1(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

// timeScale places days on the x axis: one slot per calendar day from the
// first to the last, so that a missing day leaves a gap.
type timeScale struct {
	first  time.Time
	n      int
	x0, x1 float64
}

func newTimeScale(first, last string, x0, x1 float64) timeScale {
	f, err1 := time.Parse(edqm.DateLayout, first)
	l, err2 := time.Parse(edqm.DateLayout, last)
	n := 1
	if err1 == nil && err2 == nil && !l.Before(f) {
		n = int(l.Sub(f).Hours()/24) + 1
	}
	return timeScale{first: f, n: n, x0: x0, x1: x1}
}

func (s timeScale) slot() float64 { return (s.x1 - s.x0) / float64(s.n) }

// index returns the day's slot.
func (s timeScale) index(day string) int {
	d, err := time.Parse(edqm.DateLayout, day)
	if err != nil {
		return 0
	}
	return int(math.Round(d.Sub(s.first).Hours() / 24))
}

// left and mid return the x of the day's slot's left edge and centre.
func (s timeScale) left(day string) float64 { return s.x0 + float64(s.index(day))*s.slot() }
func (s timeScale) mid(day string) float64  { return s.left(day) + s.slot()/2 }

// tickStep is one candidate spacing of date ticks: every n days, or
// every n months.
type tickStep struct {
	days, months int
}

// tickSteps are the candidate spacings, finest first.
var tickSteps = []tickStep{{days: 1}, {days: 2}, {days: 7}, {days: 14}, {months: 1}, {months: 2}, {months: 3}, {months: 6}, {months: 12}, {months: 24}, {months: 60}}

// ticks returns the finest date ticks whose labels fit the axis without
// overlapping: days or weeks ("Mar 9") over short spans, months ("Jan",
// with the year on the first tick and on each January) or years over long
// ones. Any span of two days or more gets at least two ticks.
func (s timeScale) ticks() []tick {
	var last []tick
	for _, st := range tickSteps {
		ts := s.stepTicks(st)
		if len(ts) == 0 {
			continue
		}
		if fits(ts, s.x0, s.x1) {
			return ts
		}
		// A first tick close to the axis may make room for the rest,
		// handing its year on.
		if len(ts) > 4 && fits(ts[1:], s.x0, s.x1) {
			if ts[1].Long != "" {
				ts[1].Label = ts[1].Long
			}
			if fits(ts[1:], s.x0, s.x1) {
				return ts[1:]
			}
		}
		last = ts
	}
	return last
}

// stepTicks places the ticks of one spacing, labels grown inwards at the
// ends of the axis.
func (s timeScale) stepTicks(st tickStep) []tick {
	var out []tick
	lastDay := s.first.AddDate(0, 0, s.n-1)
	at := func(d time.Time, label string) {
		pos := s.x0 + (float64(int(math.Round(d.Sub(s.first).Hours()/24)))+0.5)*s.slot()
		t := tick{Pos: pos, Label: label}
		if st.months > 0 && st.months < 12 {
			t.Long = d.Format("Jan 2006")
		}
		out = append(out, t)
	}
	if st.days > 0 {
		for d := s.first; !d.After(lastDay); d = d.AddDate(0, 0, st.days) {
			at(d, d.Format("Jan 2"))
		}
	} else {
		m := time.Date(s.first.Year(), s.first.Month(), 1, 0, 0, 0, 0, time.UTC)
		if m.Before(s.first) {
			m = m.AddDate(0, 1, 0)
		}
		if st.months >= 12 {
			for m.Month() != time.January {
				m = m.AddDate(0, 1, 0)
			}
		}
		for first := true; !m.After(lastDay); m = m.AddDate(0, st.months, 0) {
			label := m.Format("Jan")
			switch {
			case st.months >= 12:
				label = m.Format("2006")
			case first || m.Month() == time.January:
				label = m.Format("Jan 2006")
			}
			at(m, label)
			first = false
		}
		if st.months == 1 && len(out) < 2 {
			return nil // a span of a month or less reads better by day
		}
	}
	for i := range out {
		switch {
		case out[i].Pos-s.x0 < 24:
			out[i].Anchor = "start"
		case s.x1-out[i].Pos < 24:
			out[i].Anchor = "end"
		}
	}
	return out
}

// tickExtent returns the x range a tick's label takes (11 px text).
func tickExtent(t tick) (float64, float64) {
	w := 6.3 * float64(len([]rune(t.Label)))
	switch t.Anchor {
	case "start":
		return t.Pos, t.Pos + w
	case "end":
		return t.Pos - w, t.Pos
	}
	return t.Pos - w/2, t.Pos + w/2
}

// fits reports whether the labels stay within the chart and apart.
func fits(ticks []tick, x0, x1 float64) bool {
	prevEnd := math.Inf(-1)
	for _, t := range ticks {
		a, b := tickExtent(t)
		if a < prevEnd+8 || a < x0-40 || b > x1+10 {
			return false
		}
		prevEnd = b
	}
	return true
}

// linScale maps values to y (or x) linearly.
type linScale struct {
	lo, hi float64 // value domain
	p0, p1 float64 // pixel range (p0 for lo)
	ticks  []float64
}

// newLinScale makes a scale whose domain holds lo, hi and 0, rounded to
// nice ticks.
func newLinScale(lo, hi, p0, p1 float64, n int) linScale {
	lo, hi = math.Min(lo, 0), math.Max(hi, 0)
	if hi-lo < 1e-9 {
		hi = lo + 1
	}
	step := niceNum((hi-lo)/float64(n), true)
	s := linScale{lo: math.Floor(lo/step) * step, hi: math.Ceil(hi/step) * step, p0: p0, p1: p1}
	for v := s.lo; v <= s.hi+step/2; v += step {
		s.ticks = append(s.ticks, math.Round(v/step)*step)
	}
	return s
}

// newBandScale is newLinScale without forcing 0 into the domain (for
// monitor metrics far from 0).
func newBandScale(lo, hi, p0, p1 float64, n int) linScale {
	if hi-lo < 1e-9 {
		lo, hi = lo-1, hi+1
	}
	step := niceNum((hi-lo)/float64(n), true)
	s := linScale{lo: math.Floor(lo/step) * step, hi: math.Ceil(hi/step) * step, p0: p0, p1: p1}
	for v := s.lo; v <= s.hi+step/2; v += step {
		s.ticks = append(s.ticks, math.Round(v/step)*step)
	}
	return s
}

func (s linScale) at(v float64) float64 { return s.p0 + (v-s.lo)/(s.hi-s.lo)*(s.p1-s.p0) }

// niceNum rounds x to 1, 2, 5 or 10 times a power of ten.
func niceNum(x float64, round bool) float64 {
	if x <= 0 {
		return 1
	}
	e := math.Floor(math.Log10(x))
	f := x / math.Pow(10, e)
	var nf float64
	switch {
	case round && f < 1.5, !round && f <= 1:
		nf = 1
	case round && f < 3, !round && f <= 2:
		nf = 2
	case round && f < 7, !round && f <= 5:
		nf = 5
	default:
		nf = 10
	}
	return nf * math.Pow(10, e)
}

// shortMoney formats cents for an axis: $850, $12k, $1.5M.
func shortMoney(c float64) string {
	d := c / 100
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	switch {
	case d >= 1e6:
		return sign + "$" + trimFloat(math.Round(d/1e5)/10) + "M"
	case d >= 1e3:
		return sign + "$" + trimFloat(math.Round(d/1e2)/10) + "k"
	}
	return sign + "$" + trimFloat(math.Round(d))
}

// shortNum formats a number for an axis: 850, 12k, 1.5M, 0.25.
func shortNum(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e6:
		return trimFloat(math.Round(v/1e5)/10) + "M"
	case a >= 1e4:
		return trimFloat(math.Round(v/1e2)/10) + "k"
	case a >= 100:
		return trimFloat(math.Round(v))
	}
	return trimFloat(math.Round(v*100) / 100)
}

// timeChart returns an empty chart with a time axis over days.
func timeChart(id, title string, w, h float64, first, last string) (*chart, timeScale) {
	c := &chart{ID: id, Title: title, W: w, H: h, X0: 64, X1: w - 12, Y0: 24, Y1: h - 26}
	ts := newTimeScale(first, last, c.X0, c.X1)
	c.XTicks = ts.ticks()
	return c, ts
}

// yAxis sets the chart's y ticks and zero line.
func (c *chart) yAxis(s linScale, label func(float64) string) {
	for _, v := range s.ticks {
		c.YTicks = append(c.YTicks, tick{Pos: s.at(v), Label: label(v)})
	}
	c.Zero = s.at(0)
}

// revenueChart draws reported (raw) and clean revenue per day.
func revenueChart(days []dayRow) *chart {
	if len(days) == 0 {
		return nil
	}
	c, ts := timeChart("chart-revenue", "Reported vs clean revenue per day", 960, 280, days[0].Day, days[len(days)-1].Day)
	c.Desc = "Two lines: the revenue every order reports, and the revenue of the orders without any quality flag."
	c.YUnit = "USD per day"
	lo, hi := 0.0, 0.0
	for _, d := range days {
		lo = math.Min(lo, float64(min(d.Raw, d.Clean)))
		hi = math.Max(hi, float64(max(d.Raw, d.Clean)))
	}
	ys := newLinScale(lo, hi, c.Y1, c.Y0, 5)
	c.yAxis(ys, shortMoney)
	r := 2.0
	if len(days) > 120 {
		r = 1.4
	}
	for _, s := range []struct {
		name, class, label string
		get                func(dayRow) quality.Money
	}{
		{"raw", "s-raw", "Reported (raw)", func(d dayRow) quality.Money { return d.Raw }},
		{"clean", "s-clean", "Clean", func(d dayRow) quality.Money { return d.Clean }},
	} {
		pts := make([]string, 0, len(days))
		for _, d := range days {
			x, y := ts.mid(d.Day), ys.at(float64(s.get(d)))
			pts = append(pts, f1(x)+","+f1(y))
			c.Marks = append(c.Marks, mark{Circle: true, X: x, Y: y, R: r, Class: "pt " + s.class, Day: d.Day, Series: s.name,
				Cents: strconv.FormatInt(int64(s.get(d)), 10), Title: d.Day + " · " + strings.ToLower(s.label) + " " + s.get(d).String()})
		}
		c.Paths = append(c.Paths, path{Class: "line " + s.class, Points: strings.Join(pts, " "), Series: s.name})
		c.Legend = append(c.Legend, legend{Class: s.class, Label: s.label})
	}
	c.Points = len(days)
	return c
}

// riskChart draws the Revenue at Risk of each day as bars.
func riskChart(days []dayRow) *chart {
	if len(days) == 0 {
		return nil
	}
	c, ts := timeChart("chart-risk", "Revenue at Risk per day", 960, 220, days[0].Day, days[len(days)-1].Day)
	c.Desc = "One bar per day: reported minus clean revenue."
	c.YUnit = "USD per day"
	lo, hi := 0.0, 0.0
	for _, d := range days {
		lo, hi = math.Min(lo, float64(d.Risk)), math.Max(hi, float64(d.Risk))
	}
	ys := newLinScale(lo, hi, c.Y1, c.Y0, 4)
	c.yAxis(ys, shortMoney)
	w := ts.slot()
	gap := 0.0
	if w > 3 {
		gap = w * 0.2
	}
	c.Legend = []legend{{"s-risk", "Revenue at Risk (reported − clean)"}}
	if slices.ContainsFunc(days, func(d dayRow) bool { return d.Risk < 0 }) {
		c.Legend = append(c.Legend, legend{"s-neg", "below zero: the day's flagged orders sum to a negative total"})
	}
	for _, d := range days {
		y0, y1 := ys.at(0), ys.at(float64(d.Risk))
		class := "bar s-risk"
		if d.Risk < 0 {
			class += " neg"
		}
		c.Marks = append(c.Marks, mark{X: ts.left(d.Day) + gap/2, Y: math.Min(y0, y1), W: math.Max(w-gap, 0.5), H: math.Max(math.Abs(y1-y0), 0.5),
			Class: class, Day: d.Day, Series: "risk", Cents: strconv.FormatInt(int64(d.Risk), 10),
			Title: fmt.Sprintf("%s · at risk %s of %s (%s flagged orders)", d.Day, d.Risk, d.Raw, quality.FormatCount(d.Flagged))})
	}
	c.Points = len(days)
	return c
}

// kindDaysChart stacks the rows of each selected kind per day.
func kindDaysChart(days []kindDay, q query) *chart {
	if len(days) == 0 {
		return nil
	}
	c, ts := timeChart("chart-kind-days", "Issues per kind per day", 960, 240, days[0].Day, days[len(days)-1].Day)
	c.Desc = "One stacked bar per day: the orders each chaos kind's flags mark."
	c.YUnit = "orders per day"
	hi := 0.0
	for _, d := range days {
		var sum int64
		for i, k := range chaos.Kinds {
			if q.hasKind(k) {
				sum += d.Counts[i]
			}
		}
		hi = math.Max(hi, float64(sum))
	}
	ys := newLinScale(0, hi, c.Y1, c.Y0, 4)
	c.yAxis(ys, shortNum)
	w := ts.slot()
	gap := 0.0
	if w > 3 {
		gap = w * 0.2
	}
	for _, d := range days {
		var acc int64
		for i, k := range chaos.Kinds {
			n := d.Counts[i]
			if !q.hasKind(k) || n == 0 {
				continue
			}
			y1, y0 := ys.at(float64(acc+n)), ys.at(float64(acc))
			acc += n
			c.Marks = append(c.Marks, mark{X: ts.left(d.Day) + gap/2, Y: y1, W: math.Max(w-gap, 0.5), H: y0 - y1, Class: "bar k-" + string(k),
				Day: d.Day, Kind: string(k), Count: strconv.FormatInt(n, 10), Title: fmt.Sprintf("%s · %s: %s orders", d.Day, k, quality.FormatCount(n))})
		}
	}
	for _, k := range chaos.Kinds {
		if q.hasKind(k) {
			c.Legend = append(c.Legend, legend{Class: "k-" + string(k), Label: string(k)})
		}
	}
	c.Points = len(days)
	return c
}

// hbar is one bar of a horizontal bar chart.
type hbar struct {
	Label, Value string
	N            float64
	Class        string
	m            mark // data attributes
}

// hbarChart draws horizontal bars between x0 and x1 (the longest reaches
// x1), labels on the left, values on the right.
func hbarChart(id, title string, x0, x1 float64, bars []hbar) *chart {
	if len(bars) == 0 {
		return nil
	}
	const row = 30.0
	c := &chart{ID: id, Title: title, W: 460, H: 12 + row*float64(len(bars)), X0: x0, X1: x1, Y0: 6}
	c.Y1 = c.H - 6
	hi := 0.0
	for _, b := range bars {
		hi = math.Max(hi, b.N)
	}
	if hi == 0 {
		hi = 1
	}
	for i, b := range bars {
		y := c.Y0 + float64(i)*row
		m := b.m
		m.X, m.Y, m.W, m.H = c.X0, y+5, math.Max((c.X1-c.X0)*b.N/hi, 1), row-10
		m.Class = "bar " + b.Class
		c.Marks = append(c.Marks, m)
		c.Texts = append(c.Texts, text{X: c.X0 - 8, Y: y + row/2 + 4, Text: b.Label, Anchor: "end"},
			text{X: m.X + m.W + 6, Y: y + row/2 + 4, Text: b.Value, Anchor: "start", Class: "val"})
	}
	c.Points = len(bars)
	return c
}

// statusChart draws the orders per status, dirty statuses grouped.
func statusChart(rows []statusRow) *chart {
	var total, dirty int64
	var dirtyRev quality.Money
	var bars []hbar
	nDirty := 0
	for _, r := range rows {
		total += r.Orders
	}
	for _, r := range rows {
		if r.Dirty {
			dirty += r.Orders
			dirtyRev += r.Revenue
			nDirty++
			continue
		}
		bars = append(bars, hbar{Label: r.Status, N: float64(r.Orders), Class: "s-status",
			Value: quality.FormatCount(r.Orders) + " · " + pct(share(r.Orders, total)),
			m: mark{Status: r.Status, Count: strconv.FormatInt(r.Orders, 10), Cents: strconv.FormatInt(int64(r.Revenue), 10),
				Title: fmt.Sprintf("%s: %s orders, %s", r.Status, quality.FormatCount(r.Orders), r.Revenue)}})
	}
	if nDirty > 0 {
		label := fmt.Sprintf("Dirty (%d values)", nDirty)
		if nDirty == 1 {
			label = "Dirty (1 value)"
		}
		bars = append(bars, hbar{Label: label, N: float64(dirty), Class: "s-dirty",
			Value: quality.FormatCount(dirty) + " · " + pct(share(dirty, total)),
			m: mark{Status: "dirty", Count: strconv.FormatInt(dirty, 10), Cents: strconv.FormatInt(int64(dirtyRev), 10),
				Title: fmt.Sprintf("%d status values outside the accepted set: %s orders, %s", nDirty, quality.FormatCount(dirty), dirtyRev)}})
	}
	c := hbarChart("chart-status", "Orders by status", 130, 320, bars)
	if c != nil {
		c.Desc = "Accepted statuses one by one; every other value (typos, NULL) grouped as dirty."
		c.Legend = []legend{{"s-status", "accepted status (orders · share)"}}
		if nDirty > 0 {
			c.Legend = append(c.Legend, legend{"s-dirty", "outside the accepted set"})
		}
	}
	return c
}

// share returns 100 × n ÷ total, 0 when total is 0.
func share(n, total int64) float64 {
	if total == 0 {
		return 0
	}
	return 100 * float64(n) / float64(total)
}

// flagsChart draws the rows of each flag of the selected kinds.
func flagsChart(rows []issueRow) *chart {
	var bars []hbar
	for _, r := range rows {
		bars = append(bars, hbar{Label: r.Flag, N: float64(r.Rows), Class: "k-" + string(r.Kind),
			Value: quality.FormatCount(r.Rows),
			m:     mark{Flag: r.Flag, Kind: string(r.Kind), Count: strconv.FormatInt(r.Rows, 10), Title: fmt.Sprintf("%s (%s): %s rows", r.Flag, r.Kind, quality.FormatCount(r.Rows))}})
	}
	c := hbarChart("chart-flags", "Flagged rows by flag", 150, 370, bars)
	if c != nil {
		c.Desc = "One bar per quality flag, coloured by the chaos kind it catches."
		c.Legend = kindLegend(rows)
	}
	return c
}

// scorecardChart draws precision and recall per kind.
func scorecardChart(kinds []kindScore) *chart {
	if len(kinds) == 0 {
		return nil
	}
	c := &chart{ID: "chart-scorecard", Title: "Detection: precision and recall of the flags", W: 460, H: 240, X0: 44, X1: 448, Y0: 22, Y1: 206, YUnit: "% of rows"}
	ys := newLinScale(0, 1, c.Y1, c.Y0, 4)
	c.yAxis(ys, func(v float64) string { return trimFloat(v*100) + "%" })
	group := (c.X1 - c.X0) / float64(len(kinds))
	bw := math.Min(group*0.3, 28)
	for i, k := range kinds {
		gx := c.X0 + float64(i)*group
		for j, s := range []struct {
			name string
			v    float64
		}{{"precision", k.Precision}, {"recall", k.Recall}} {
			y := ys.at(s.v)
			c.Marks = append(c.Marks, mark{X: gx + group/2 - bw - 2 + float64(j)*(bw+4), Y: y, W: bw, H: math.Max(c.Y1-y, 0.5),
				Class: "bar s-" + s.name, Kind: string(k.Kind), Series: s.name, Value: strconv.FormatFloat(s.v, 'g', -1, 64),
				Title: fmt.Sprintf("%s %s %s", k.Kind, s.name, ratioPct(s.v))})
		}
		c.XTicks = append(c.XTicks, tick{Pos: gx + group/2, Label: string(k.Kind)})
	}
	c.Legend = []legend{{"s-precision", "precision"}, {"s-recall", "recall"}}
	c.Points = len(kinds)
	return c
}

// monitorCharts draws a monitor's value against its band, one chart per
// dimension value (at most maxDims, anomalous ones first).
func monitorCharts(m monitorRow, idx int) []*chart {
	const maxDims = 6
	ordered, byDim := monitorDims(m)
	var out []*chart
	for i, dim := range ordered {
		if i == maxDims {
			break
		}
		out = append(out, monitorChart(fmt.Sprintf("chart-monitor-%d-%d", idx, i), m, dim, byDim[dim]))
	}
	return out
}

// monitorDims returns the dimension values of m's buckets, anomalous ones
// first and the others in their order, and the buckets of each.
func monitorDims(m monitorRow) ([]string, map[string][]bucketRow) {
	var dims []string
	byDim := map[string][]bucketRow{}
	anomalous := map[string]bool{}
	for _, b := range m.Buckets {
		if _, ok := byDim[b.Dimension]; !ok {
			dims = append(dims, b.Dimension)
		}
		byDim[b.Dimension] = append(byDim[b.Dimension], b)
		anomalous[b.Dimension] = anomalous[b.Dimension] || b.Anomalous
	}
	var ordered []string
	for _, pass := range []bool{true, false} {
		for _, d := range dims {
			if anomalous[d] == pass {
				ordered = append(ordered, d)
			}
		}
	}
	return ordered, byDim
}

// monitorUnit returns what a monitor's values count, for its y axis,
// and its chart's title.
func monitorUnit(m monitorRow) (unit, title string) {
	switch m.Type {
	case string(quality.VolumeMonitor):
		return "rows per day", "Rows per day"
	case string(quality.FreshnessMonitor):
		return "hours", "Hours since the latest data, at each day's end"
	case string(quality.DimensionMonitor):
		return "rows per day", "Rows per day"
	}
	switch quality.Metric(m.Metric) {
	case quality.NullPercent, quality.ZeroPercent:
		return "% of rows", strings.ReplaceAll(m.Metric, "_", " ") + " of " + m.Column + " per day"
	case quality.NullCount, quality.ZeroCount:
		return "rows per day", strings.ReplaceAll(m.Metric, "_", " ") + " of " + m.Column + " per day"
	}
	unit = m.Column
	if m.Column == "rows_rejected" {
		unit = "rows rejected"
	}
	if m.Metric == "" {
		return unit, m.Column + " per day"
	}
	return unit, m.Metric + " of " + m.Column + " per day"
}

// monitorChart draws the chart id of one dimension value's buckets bs: the
// expected band of the trained ones and the value of those that have one.
// A freshness chart starts at 0 hours, so a steady 24 reads as "a batch a
// day" rather than as noise on a narrow axis.
func monitorChart(id string, m monitorRow, dim string, bs []bucketRow) *chart {
	unit, title := monitorUnit(m)
	if dim != "" {
		title = dim + " · " + strings.ToLower(title[:1]) + title[1:]
	}
	c, ts := timeChart(id, title, 460, 210, bs[0].Day, bs[len(bs)-1].Day)
	c.YUnit = unit
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, b := range bs {
		if b.HasValue {
			lo, hi = math.Min(lo, b.Value), math.Max(hi, b.Value)
		}
		if b.Trained {
			lo, hi = math.Min(lo, b.Lower), math.Max(hi, b.Upper)
		}
	}
	if math.IsInf(lo, 1) {
		lo, hi = 0, 1
	}
	ys := newBandScale(lo, hi, c.Y1, c.Y0, 4)
	if m.Type == string(quality.FreshnessMonitor) || m.Type == string(quality.VolumeMonitor) {
		ys = newLinScale(math.Max(lo, 0), hi*1.1, c.Y1, c.Y0, 4)
	}
	c.yAxis(ys, shortNum)
	c.Zero = 0
	w := ts.slot()
	var pts []string
	for _, b := range bs {
		if b.Trained {
			yl, yu := ys.at(b.Lower), ys.at(b.Upper)
			c.Marks = append(c.Marks, mark{X: ts.left(b.Day), Y: yu, W: w, H: math.Max(yl-yu, 0.5), Class: "band", Day: b.Day, Series: "band",
				Title: fmt.Sprintf("%s · expected %s %s (band %s to %s)", b.Day, shortNum(b.Expected), unit, shortNum(b.Lower), shortNum(b.Upper))})
		}
	}
	for _, b := range bs {
		if !b.HasValue {
			continue
		}
		x, y := ts.mid(b.Day), ys.at(b.Value)
		pts = append(pts, f1(x)+","+f1(y))
		class, r, note := "pt s-metric", 1.6, ""
		if len(bs) < 60 {
			r = 2.2
		}
		if b.Anomalous {
			class, r, note = class+" anomalous", 4, " · anomalous"
		}
		c.Marks = append(c.Marks, mark{Circle: true, X: x, Y: y, R: r, Class: class, Day: b.Day, Series: "value",
			Value: strconv.FormatFloat(b.Value, 'g', -1, 64), Anomalous: b.Anomalous,
			Title: fmt.Sprintf("%s · %s %s%s", b.Day, shortNum(b.Value), unit, note)})
	}
	if len(pts) > 1 {
		c.Paths = append(c.Paths, path{Class: "line s-metric", Points: strings.Join(pts, " "), Series: "value"})
	}
	c.Legend = []legend{{"s-metric", "value (" + unit + ")"}, {"band", "expected band"}, {"anomalous", "anomaly"}}
	c.Points = len(bs)
	return c
}

// kindRiskChart draws the Revenue at Risk each chaos kind's flags mark:
// over the date range in live mode, over the whole report otherwise.
func kindRiskChart(s *summary, ex *extras, ranged bool, span string) (*chart, string) {
	note := "The revenue of the orders each kind's flags mark. A row with flags of several kinds counts in each."
	var bars []hbar
	for _, k := range s.Kinds {
		risk := k.Risk
		if ex != nil {
			risk = ex.Kinds[k.Kind].Revenue
		}
		value := risk.String()
		if s.Totals.Labels && (ex == nil || !ranged) {
			value += " · labels " + k.TrueRisk.String()
		}
		bars = append(bars, hbar{Label: string(k.Kind), N: math.Abs(float64(risk)), Class: "k-" + string(k.Kind), Value: value,
			m: mark{Kind: string(k.Kind), Cents: strconv.FormatInt(int64(risk), 10), Title: fmt.Sprintf("%s: %s at risk", k.Kind, risk)}})
	}
	if ranged && ex == nil {
		note += " These cover the whole snapshot (" + span + "), not the date range."
	}
	c := hbarChart("chart-kind-risk", "Revenue at Risk by chaos kind", 96, 226, bars)
	if c != nil {
		for _, k := range s.Kinds {
			c.Legend = append(c.Legend, legend{"k-" + string(k.Kind), string(k.Kind) + " (USD)"})
		}
	}
	return c, note
}

// kindLegend returns one legend entry per chaos kind of rows, in order.
func kindLegend(rows []issueRow) []legend {
	var out []legend
	seen := map[chaos.Kind]bool{}
	for _, r := range rows {
		if !seen[r.Kind] {
			seen[r.Kind] = true
			out = append(out, legend{"k-" + string(r.Kind), string(r.Kind)})
		}
	}
	return out
}
