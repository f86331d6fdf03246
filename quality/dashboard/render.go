package dashboard

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/quality"
)

//go:embed templates/*.html templates/*.css
var templateFS embed.FS

// parseTemplates parses the page templates with their functions.
func parseTemplates() (*template.Template, error) {
	css, err := templateFS.ReadFile("templates/style.css")
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"f1":      f1,
		"css":     func() template.CSS { return template.CSS(css) },
		"money":   func(m quality.Money) string { return m.String() },
		"count":   quality.FormatCount,
		"pct":     pct,
		"ratio":   ratioPct,
		"add":     func(a, b float64) float64 { return a + b },
		"rownum":  func(first int64, i int) int64 { return first + int64(i) },
		"sub":     func(a, b float64) float64 { return a - b },
		"heading": heading,
	}
	return template.New("page").Funcs(funcs).ParseFS(templateFS, "templates/*.html")
}

// pct formats a percentage (0 to 100) with two decimals: "90.12%".
func pct(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) + "%" }

// ratioPct formats a ratio (0 to 1) as a percentage with one decimal.
func ratioPct(v float64) string { return strconv.FormatFloat(100*v, 'f', 1, 64) + "%" }

// pageData is what the "page" template draws.
type pageData struct {
	Title  string
	Static bool
	Mode   string
	Source string
	Notice string
	// Generated, RunID and Rendered describe the report and the page.
	Generated, RunID, Rendered string
	// Span is the data's first and last day.
	Span   string
	Filter filterView
	KPIs   []kpi
	// Business Overview.
	Revenue, Risk, Status *chart
	DirtyStatuses         []statusRow
	OverviewNote          string
	// Empty is true when the date range holds no orders.
	Empty bool
	// NegativeNote and IssuesNegNote explain negative Revenue at Risk.
	NegativeNote, IssuesNegNote string
	KindRisk                    *chart
	KindRiskNote                string
	// Quarantine Zone.
	Issues       []issueRow
	IssuesNote   string
	FlagsChart   *chart
	KindDays     *chart
	KindDaysNote string
	Tests        []testView
	Drill        *drillView
	StaticDrills []*drillView
	// Detection.
	Scorecard     []kindScore
	ScoreChart    *chart
	ScorecardNote string
	// ScoreReading reads the scorecard out, a line per kind.
	ScoreReading []string
	Datasets     *datasetScore
	Monitors     []monitorView
	// Schemas are the schema monitors (and others without buckets), shown
	// compactly.
	Schemas     []monitorView
	MetricsLink string
	// Lineage is the DAG of the models, with their checks.
	Lineage    *lineage
	ReportLink string
}

// filterView is the filter form's state.
type filterView struct {
	From, To string
	Kinds    []kindOption
	Mode     string
	Active   bool
	Reset    string
	// Modes offers the mode switch when both modes are configured.
	Modes bool
}

// kindOption is a kind checkbox.
type kindOption struct {
	Kind    string
	Checked bool
}

// kpi is a headline figure. Value is the raw number, for data-value.
type kpi struct {
	ID, Label, Text, Value, Sub, Class string
}

// issueRow is one flag's line in "issues by type".
type issueRow struct {
	Flag       string
	Kind       chaos.Kind
	Rows       int64
	Revenue    string
	HasRevenue bool
	Link       string
}

// testView is one test's line.
type testView struct {
	testRow
	Link     string
	LinkText string
	History  *historyView
}

// drillView is a drill-down with its links.
type drillView struct {
	*drill
	ID         string
	Prev, Next string
	Close      string
	Static     bool
	// CSV links to the page's rows as CSV (rows.csv, or a data: URL in
	// the static report, saved as CSVName).
	CSV     template.URL
	CSVName string
}

// monitorView is a monitor with its charts.
type monitorView struct {
	monitorRow
	Charts  []*chart
	History *historyView
}

// errorPage is what the "error" template draws.
type errorPage struct {
	Title, StatusText, Message string
	Status                     int
}

// render draws the page for d and q into w.
func (h *Handler) render(ctx context.Context, w io.Writer, d *data, q query, static bool) error {
	p := h.pageHeader(d, q, static)
	ranged := q.From != "" || q.To != ""
	h.addOverview(ctx, p, d, q, ranged)
	h.addIssues(p, d, q, static, ranged)
	h.addTests(p, d, q, static)
	if static {
		if err := h.addStaticDrills(ctx, p, d, q); err != nil {
			return err
		}
	} else if q.Flag != "" || q.Test != "" {
		if err := h.addDrill(ctx, p, d, q); err != nil {
			return err
		}
	}
	addDetection(p, d, q, ranged)
	p.Lineage = newLineage(h.project, p.Tests, d.sum.Monitors)
	return h.page.ExecuteTemplate(w, "page", p)
}

// pageHeader returns the page with its title, times, span and filter.
func (h *Handler) pageHeader(d *data, q query, static bool) *pageData {
	s := d.sum
	p := &pageData{Title: h.o.Title, Static: static, Mode: d.mode, Source: d.source, Notice: d.notice, RunID: s.RunID,
		MetricsLink: "metrics", ReportLink: "report.html" + strings.TrimPrefix(q.filterOnly().link(), "./")}
	if !s.GeneratedAt.IsZero() {
		p.Generated = s.GeneratedAt.UTC().Format("2006-01-02 15:04 UTC")
	}
	if now := h.now(); !now.IsZero() {
		p.Rendered = now.UTC().Format("2006-01-02 15:04 UTC")
	}
	if s.FirstDay != "" {
		p.Span = s.FirstDay + " to " + s.LastDay
	}
	p.Filter = filterView{From: q.From, To: q.To, Mode: q.Mode, Active: q.From != "" || q.To != "" || len(q.Kinds) > 0,
		Reset: query{Mode: q.Mode}.link(), Modes: h.hasWarehouse() && h.hasDemo() && !h.o.Demo}
	for _, k := range chaos.Kinds {
		p.Filter.Kinds = append(p.Filter.Kinds, kindOption{Kind: string(k), Checked: slices.Contains(q.Kinds, k)})
	}
	return p
}

// addOverview fills the headline figures (over the date range) and the
// Business Overview.
func (h *Handler) addOverview(ctx context.Context, p *pageData, d *data, q query, ranged bool) {
	s := d.sum
	days := filterDays(s.Days, q)
	if d.extras != nil && d.extras.Days != nil {
		days = d.extras.Days // the daily mart, already filtered
	}
	t := s.Totals
	if ranged {
		t = rangeTotals(filterDays(s.Days, q), s.Totals.Labels)
	}
	p.Empty = ranged && len(days) == 0
	inc := s.Incidents
	switch {
	case p.Empty:
		inc = incidentCount{}
	case ranged:
		inc = h.rangeIncidents(ctx, d, q)
	}
	p.KPIs = kpis(t, inc)
	switch {
	case p.Empty:
		p.KPIs[len(p.KPIs)-1].Sub = "no orders in this range"
	case ranged:
		p.KPIs[len(p.KPIs)-1].Sub += " in this range"
	}

	p.Revenue, p.Risk = revenueChart(days), riskChart(days)
	if slices.ContainsFunc(days, func(d dayRow) bool { return d.Risk < 0 }) {
		p.NegativeNote = negativeNote
	}
	if d.extras != nil {
		p.Status = statusChart(d.extras.Statuses)
		if p.Status == nil {
			p.OverviewNote = "No orders in this range."
		}
		for _, r := range d.extras.Statuses {
			if r.Dirty {
				p.DirtyStatuses = append(p.DirtyStatuses, r)
			}
		}
	} else {
		p.OverviewNote = "The snapshot has no status distribution: live mode (a warehouse) shows orders by status."
	}
	p.KindRisk, p.KindRiskNote = kindRiskChart(s, d.extras, ranged, p.Span)
}

// addIssues fills the Quarantine Zone: issues by type.
func (h *Handler) addIssues(p *pageData, d *data, q query, static, ranged bool) {
	for _, k := range chaos.Kinds {
		if !q.hasKind(k) {
			continue
		}
		for _, f := range quality.KindFlags[k] {
			r := issueRow{Flag: f, Kind: k}
			if d.extras != nil {
				st := d.extras.Flags[f]
				r.Rows, r.Revenue, r.HasRevenue = st.Rows, st.Revenue.String(), true
				if st.Revenue < 0 {
					p.IssuesNegNote = "A negative revenue impact (" + f + ": " + st.Revenue.String() + ") is the sum of those orders' totals, which are below zero: " +
						"they lower raw revenue, so leaving them out of clean revenue lowers Revenue at Risk by as much. The amount is still misstated."
				}
			} else {
				r.Rows = d.sum.FlagRows[f]
			}
			if r.Rows > 0 && d.w != nil {
				r.Link = h.drillLink(q, "flag", f, static)
			}
			p.Issues = append(p.Issues, r)
		}
	}
	if d.extras == nil {
		p.IssuesNote = "Revenue per flag and rows per flag come from the warehouse: the snapshot has counts for the whole period only."
		if ranged {
			p.IssuesNote = "The counts below cover the whole snapshot (" + p.Span + "), not the date range: the snapshot has no counts per day and flag."
		}
	}
	p.FlagsChart = flagsChart(p.Issues)
	if d.extras != nil {
		p.KindDays = kindDaysChart(d.extras.KindDays, q)
		if p.KindDays == nil {
			p.KindDaysNote = "No orders in this range."
		}
	} else {
		p.KindDaysNote = "The snapshot has no counts per kind and day: live mode (a warehouse) shows issues per kind over time."
	}
}

// addTests fills the tests of the kinds in q, with their drill-down links.
func (h *Handler) addTests(p *pageData, d *data, q query, static bool) {
	for _, tr := range d.sum.Tests {
		if len(q.Kinds) > 0 && !slices.Contains(q.Kinds, tr.Kind) {
			continue
		}
		tv := testView{testRow: tr, History: newHistoryView(d.history[historyKey("test", tr.Name)], "failing rows")}
		switch {
		case tr.Failures == 0:
		case d.w != nil && tr.trusted:
			tv.Link, tv.LinkText = h.drillLink(q, "test", tr.Name, static), "rows"
		case tr.Sample != nil:
			tv.Link, tv.LinkText = h.drillLink(q, "test", tr.Name, static), "sample"
		}
		p.Tests = append(p.Tests, tv)
	}
}

// addStaticDrills fills the static report's drill-downs: the first page of
// every linked flag, then of every linked test.
func (h *Handler) addStaticDrills(ctx context.Context, p *pageData, d *data, q query) error {
	for _, r := range p.Issues {
		if r.Link == "" || d.w == nil {
			continue
		}
		dr, err := h.flagDrill(ctx, d, q, r.Flag, 1)
		if err != nil {
			return err
		}
		dv, err := staticDrill(dr, anchor("flag", r.Flag))
		if err != nil {
			return err
		}
		p.StaticDrills = append(p.StaticDrills, dv)
	}
	for _, tv := range p.Tests {
		if tv.Link == "" {
			continue
		}
		dr, err := h.testDrill(ctx, d, tv.testRow, 1)
		if err != nil {
			return err
		}
		dv, err := staticDrill(dr, anchor("test", tv.Name))
		if err != nil {
			return err
		}
		p.StaticDrills = append(p.StaticDrills, dv)
	}
	return nil
}

// addDrill fills the server page's drill-down of q's flag or test, with its
// close, previous and next links.
func (h *Handler) addDrill(ctx context.Context, p *pageData, d *data, q query) error {
	dr, err := h.pageDrill(ctx, d, q)
	if err != nil {
		return err
	}
	dv := &drillView{drill: dr, ID: "drill", CSV: template.URL("rows.csv" + strings.TrimPrefix(q.link(), "./")), CSVName: csvName(dr)}
	closeQ := q
	closeQ.Flag, closeQ.Test, closeQ.Page = "", "", 1
	dv.Close = closeQ.link() + "#quarantine"
	if dr.Page > 1 {
		pq := q
		pq.Page = dr.Page - 1
		dv.Prev = pq.link() + "#drill"
	}
	if dr.Page < dr.Pages {
		nq := q
		nq.Page = dr.Page + 1
		dv.Next = nq.link() + "#drill"
	}
	p.Drill = dv
	return nil
}

// pageDrill reads the drill-down page q asks for: a flag's or a test's.
func (h *Handler) pageDrill(ctx context.Context, d *data, q query) (*drill, error) {
	if q.Flag != "" {
		return h.flagDrill(ctx, d, q, q.Flag, q.Page)
	}
	tests := d.sum.Tests
	i := slices.IndexFunc(tests, func(t testRow) bool { return t.Name == q.Test })
	if i < 0 {
		return nil, badParam("test", "no test named %q in this report", q.Test)
	}
	return h.testDrill(ctx, d, tests[i], q.Page)
}

// staticDrill returns a static report's drill-down, with its rows as a
// CSV data: URL.
func staticDrill(dr *drill, id string) (*drillView, error) {
	dv := &drillView{drill: dr, ID: id, Static: true, CSVName: csvName(dr)}
	var err error
	dv.CSV, err = csvDataURL(dr)
	return dv, err
}

// addDetection fills the Detection section: the scorecard, the datasets
// and the monitors.
func addDetection(p *pageData, d *data, q query, ranged bool) {
	s := d.sum
	for _, k := range s.Kinds {
		if q.hasKind(k.Kind) {
			p.Scorecard = append(p.Scorecard, k)
		}
	}
	p.ScoreChart = scorecardChart(p.Scorecard)
	p.ScoreReading = scoreReading(p.Scorecard)
	if !s.Totals.Labels {
		p.ScorecardNote = "No chaos labels: the scorecard needs the labels table to compare the flags with."
	} else if ranged {
		p.ScorecardNote = "The scorecard covers the whole report (" + p.Span + "), not the date range."
	}
	p.Datasets = s.Datasets
	for i, m := range s.Monitors {
		mv := monitorView{monitorRow: m, History: newHistoryView(d.history[historyKey("monitor", m.Name)], "anomalous days")}
		if len(m.Buckets) == 0 || m.Type == string(quality.SchemaMonitor) {
			p.Schemas = append(p.Schemas, mv)
			continue
		}
		mv.Charts = monitorCharts(m, i)
		p.Monitors = append(p.Monitors, mv)
	}
}

// rangeIncidents counts the incidents of q's range: a monitor's when one
// of its anomalous days is in it; a test's when, in live mode, some of its
// failing rows are (by their batch_date; a test whose rows have none
// counts, and so does every test in demo mode); the Health Score's is left
// to the range's own score.
func (h *Handler) rangeIncidents(ctx context.Context, d *data, q query) incidentCount {
	var out incidentCount
	in := func(day string) bool { return (q.From == "" || day >= q.From) && (q.To == "" || day <= q.To) }
	for _, i := range d.sum.Incidents.List {
		keep := false
		switch i.Source {
		case "monitor":
			keep = len(i.Days) == 0 || slices.ContainsFunc(i.Days, in)
		case "test":
			keep = h.testFailsInRange(ctx, d, q, i.Name)
		}
		if !keep {
			continue
		}
		out.Total++
		if i.Error {
			out.Errors++
		} else {
			out.Warnings++
		}
	}
	return out
}

// testFailsInRange reports whether a test has failing rows in q's range,
// true when that cannot be told.
func (h *Handler) testFailsInRange(ctx context.Context, d *data, q query, name string) bool {
	i := slices.IndexFunc(d.sum.Tests, func(t testRow) bool { return t.Name == name })
	if d.w == nil || i < 0 || !d.sum.Tests[i].trusted || d.sum.Tests[i].SQL == "" {
		return true
	}
	where, args := rangeWhere(q, "failing.batch_date")
	var n int64
	src := "(" + strings.TrimRight(strings.TrimSpace(d.sum.Tests[i].SQL), ";") + ") AS failing"
	if err := scanRow(ctx, d.w, "SELECT COUNT(*) FROM "+src+where, args, &n); err != nil {
		return true // no batch_date column: the rows have no day
	}
	return n > 0
}

// negativeNote explains a day with a negative Revenue at Risk.
const negativeNote = "Revenue at Risk is the total of the flagged orders. An order whose total_amount is negative " +
	"(has_negative_amount) lowers raw revenue by its amount, so on a day where such orders outweigh the other flagged ones, " +
	"reported minus clean revenue is below zero (grey bars): the revenue is still misstated, by the negative amount."

// scoreReading reads the scorecard out, one sentence per kind.
func scoreReading(kinds []kindScore) []string {
	var out []string
	for _, k := range kinds {
		if k.Labelled == 0 && k.Flagged == 0 {
			out = append(out, fmt.Sprintf("%s: nothing injected and nothing flagged.", k.Kind))
			continue
		}
		out = append(out, fmt.Sprintf("%s: %s of the %s rows flagged carry a %s label (precision %s); the flags caught %s of the %s labelled rows (recall %s).",
			k.Kind, quality.FormatCount(k.Caught), quality.FormatCount(k.Flagged), k.Kind, ratioPct(k.Precision),
			quality.FormatCount(k.Caught), quality.FormatCount(k.Labelled), ratioPct(k.Recall)))
	}
	return out
}

// filterOnly returns q without its drill-down.
func (q query) filterOnly() query {
	q.Flag, q.Test, q.Page = "", "", 1
	return q
}

// drillLink links to a drill-down: a page of the server, or an anchor of
// the static report.
func (h *Handler) drillLink(q query, what, name string, static bool) string {
	if static {
		return "#" + anchor(what, name)
	}
	dq := q.filterOnly()
	if what == "flag" {
		dq.Flag = name
	} else {
		dq.Test = name
	}
	return dq.link() + "#drill"
}

// anchor returns a static drill-down's element id.
func anchor(what, name string) string {
	return "drill-" + what + "-" + url.PathEscape(name)
}

// filterDays keeps the days in q's range.
func filterDays(days []dayRow, q query) []dayRow {
	var out []dayRow
	for _, d := range days {
		if (q.From == "" || d.Day >= q.From) && (q.To == "" || d.Day <= q.To) {
			out = append(out, d)
		}
	}
	return out
}

// rangeTotals sums days (all day figures are additive).
func rangeTotals(days []dayRow, labels bool) totals {
	t := totals{Labels: labels}
	for _, d := range days {
		t.Orders += d.Orders
		t.Flagged += d.Flagged
		t.Raw += d.Raw
		t.Clean += d.Clean
		t.TrueRisk += d.TrueRisk
	}
	t.Risk = t.Raw - t.Clean
	t.Health = 100
	if t.Orders > 0 {
		t.Health = 100 * float64(t.Orders-t.Flagged) / float64(t.Orders)
	}
	return t
}

// kpis returns the headline cards.
func kpis(t totals, inc incidentCount) []kpi {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	c := func(m quality.Money) string { return strconv.FormatInt(int64(m), 10) }
	health := "good"
	switch {
	case t.Health < 90:
		health = "bad"
	case t.Health < 97:
		health = "warn"
	}
	riskSub := pct(share(int64(t.Risk), int64(t.Raw))) + " of reported revenue"
	if t.Raw == 0 {
		riskSub = "no revenue"
	}
	if t.Labels {
		riskSub += " · labels say " + t.TrueRisk.String() + " (" + gap(t.Risk, t.TrueRisk) + ")"
	}
	incClass := "good"
	if inc.Errors > 0 {
		incClass = "bad"
	} else if inc.Warnings > 0 {
		incClass = "warn"
	}
	return []kpi{
		{ID: "kpi-health", Label: "Data Health Score", Text: pct(t.Health), Value: f(t.Health), Class: health,
			Sub: quality.FormatCount(t.Orders-t.Flagged) + " of " + quality.FormatCount(t.Orders) + " orders clean"},
		{ID: "kpi-raw", Label: "Total Revenue (raw)", Text: t.Raw.String(), Value: c(t.Raw), Sub: "what every order reports"},
		{ID: "kpi-clean", Label: "Clean Revenue", Text: t.Clean.String(), Value: c(t.Clean), Sub: "orders without any flag"},
		{ID: "kpi-risk", Label: "Revenue at Risk", Text: t.Risk.String(), Value: c(t.Risk), Sub: riskSub, Class: "risk"},
		{ID: "kpi-orders", Label: "Total Orders", Text: quality.FormatCount(t.Orders), Value: strconv.FormatInt(t.Orders, 10),
			Sub: quality.FormatCount(t.Flagged) + " flagged (" + pct(share(t.Flagged, t.Orders)) + ")"},
		{ID: "kpi-incidents", Label: "Quality Incidents", Text: quality.FormatCount(int64(inc.Total)), Value: strconv.Itoa(inc.Total), Class: incClass,
			Sub: plural(inc.Errors, "failure") + " · " + plural(inc.Warnings, "warning")},
	}
}

// gap says how far a measured amount is from the labels' truth.
func gap(measured, truth quality.Money) string {
	switch {
	case measured == truth:
		return "exact"
	case truth == 0:
		return "none expected"
	}
	d := 100 * float64(measured-truth) / math.Abs(float64(truth))
	if d > 0 {
		return strconv.FormatFloat(d, 'f', 2, 64) + "% over"
	}
	return strconv.FormatFloat(-d, 'f', 2, 64) + "% under"
}

// plural renders "1 warning", "2 warnings".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return quality.FormatCount(int64(n)) + " " + noun + "s"
}
