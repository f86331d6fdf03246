package pipeline

import (
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/term"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/quality"
)

// TextOptions configure [TextProgress]. A nil *TextOptions means the zero
// value.
type TextOptions struct {
	// Lander is the run's landing zone: when it is a
	// [landing.LocalPather], the snapshot's lines show the files' paths.
	Lander landing.Lander
	// LandingURL is the landing zone's URL: when the Lander gives no
	// path, the snapshot's lines show "<key> in <DescribeURL(LandingURL)>";
	// empty shows the key alone.
	LandingURL string
	// DayName names the run's day in the up-to-date line ("-now" for a
	// program whose flag sets it); empty means "the run's day".
	DayName string
	// Live shows the work of the stage running on one line that is
	// rewritten in place (a carriage return, then the ANSI "erase to the
	// end of the line" sequence): the stage's name when it starts
	// ("Loading files…"), then its count as Progress reports it ("Landing
	// days: 412 of 1,500 (27%)"), at most once per percent; the line is
	// erased before the stage's own line. Set it only when w is a
	// terminal ([IsTerminal]): without it nothing but the lines below is
	// written, so a log or a pipe gets them alone.
	Live bool
}

// IsTerminal reports whether w is an *os.File open on a terminal, where
// [TextOptions.Live] belongs.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// TextProgress returns an [Options.Progress] callback that writes one line
// to w as each stage with something to say ends, the lines examples/full
// prints:
//
//	Backfilled 365 days (2025-11-27 to 2026-11-26): 37,974 orders, 4,385 chaos labels (865ms)
//	Landed 1 day (2026-11-27 to 2026-11-27): 104 orders, 12 chaos labels (41ms)
//	Up to date: the watermark is at 2026-11-27 and the run's day is 2026-11-27; nothing to land.
//	Loaded 1,096 files: 45,742 rows, 0 rejected (176ms)
//	Loaded 0 new files: the warehouse has every landed file.
//	Built 5 models (266ms)
//	Models are current: nothing rebuilt.
//	Report snapshot /home/you/edqm-data/landing/_reports/report-2026-11-26.json
//	Report page     /home/you/edqm-data/landing/_reports/report-2026-11-26.html
//
// The land line counts the land and advance stages' time; durations are
// rounded to the millisecond. No line is written for the other stages,
// nor for a snapshot that was current. With [TextOptions.Live], the work
// within each stage is shown too, on a line rewritten in place. Write
// errors are ignored: the lines are for a person watching.
func TextProgress(w io.Writer, opts *TextOptions) func(Progress) {
	var o TextOptions
	if opts != nil {
		o = *opts
	}
	if o.DayName == "" {
		o.DayName = "the run's day"
	}
	var live liveLine
	return func(p Progress) {
		if !p.End {
			if o.Live {
				live.show(w, p)
			}
			return
		}
		live.clear(w)
		if p.Result == nil {
			return
		}
		if line := o.line(p); line != "" {
			_, _ = io.WriteString(w, line+"\n")
		}
	}
}

// liveLine is the line TextOptions.Live rewrites: what it shows and the
// last percentage shown.
type liveLine struct {
	shown   bool
	stage   Stage
	percent int
}

// liveWork names each stage's work on the live line: what it shows when
// the stage starts, and the verb and unit of its count; a stage missing
// from it shows nothing.
var liveWork = map[Stage]struct{ start, doing, unit string }{
	StageLand:     {"Landing days…", "Landing", "days"},
	StageLoad:     {"Loading files…", "Loading", "files"},
	StageBuild:    {"Building models…", "Building", "models"},
	StageQuality:  {"Running the tests and monitors…", "Testing", "tests"},
	StageSnapshot: {"Writing the report…", "Writing", "reports"},
}

// eraseLine moves to the start of the line and erases it.
const eraseLine = "\r\x1b[K"

// show rewrites the live line for p: the stage's work when it starts,
// its count when it has more than one unit, at most once per percent.
func (l *liveLine) show(w io.Writer, p Progress) {
	work, ok := liveWork[p.Stage]
	if !ok {
		return
	}
	text := work.start
	percent := -1
	if p.Total > 1 && p.Done > 0 {
		percent = int(int64(p.Done) * 100 / int64(p.Total))
		text = fmt.Sprintf("%s %s: %s of %s (%d%%)", work.doing, work.unit,
			quality.FormatCount(int64(p.Done)), quality.FormatCount(int64(p.Total)), percent)
	}
	if l.shown && l.stage == p.Stage && l.percent == percent {
		return
	}
	l.shown, l.stage, l.percent = true, p.Stage, percent
	_, _ = io.WriteString(w, eraseLine+text)
}

// clear erases the live line, if one is shown.
func (l *liveLine) clear(w io.Writer) {
	if l.shown {
		_, _ = io.WriteString(w, eraseLine)
		l.shown = false
	}
}

// line is the text of the end of p's stage, "" when there is none.
func (o *TextOptions) line(p Progress) string {
	r := p.Result
	took := func(stages ...Stage) time.Duration {
		var d time.Duration
		for _, s := range stages {
			d += r.Duration(s)
		}
		return d.Round(time.Millisecond)
	}
	switch p.Stage {
	case StageAdvance:
		if r.UpToDate() {
			return fmt.Sprintf("Up to date: the watermark is at %s and %s is %s; nothing to land.",
				r.Watermark.Format(edqm.DateLayout), o.DayName, r.Day.Format(edqm.DateLayout))
		}
		what := "Landed"
		if r.Backfill {
			what = "Backfilled"
		}
		return fmt.Sprintf("%s %s (%s to %s): %s orders in %s rows, %s chaos labels (%s)", what, plural(len(r.Days), "day"),
			r.Days[0].Format(edqm.DateLayout), r.Days[len(r.Days)-1].Format(edqm.DateLayout),
			quality.FormatCount(r.OrderIDs), quality.FormatCount(r.Orders), quality.FormatCount(r.Labels), took(StageLand, StageAdvance))
	case StageLoad:
		if r.Files == 0 {
			return "Loaded 0 new files: the warehouse has every landed file."
		}
		return fmt.Sprintf("Loaded %s: %s rows, %s rejected (%s)", plural(r.Files, "file"),
			quality.FormatCount(r.Rows), quality.FormatCount(r.Rejected), took(StageLoad))
	case StageBuild:
		if r.ModelsBuilt == 0 {
			return "Models are current: nothing rebuilt."
		}
		return fmt.Sprintf("Built %d models (%s)", r.ModelsBuilt, took(StageBuild))
	case StageSnapshot:
		if r.SnapshotKey == "" {
			return ""
		}
		line := "Report snapshot " + o.snapshotWhere(r.SnapshotKey)
		if r.HTMLKey != "" {
			line += "\nReport page     " + o.snapshotWhere(r.HTMLKey)
		}
		return line
	}
	return ""
}

// snapshotWhere tells where a report's key is: a local path, or the key
// in the landing zone's URL.
func (o *TextOptions) snapshotWhere(key string) string {
	if lp, ok := o.Lander.(landing.LocalPather); ok {
		if path, err := lp.LocalPath(key); err == nil {
			return path
		}
	}
	if o.LandingURL == "" {
		return key
	}
	return key + " in " + DescribeURL(o.LandingURL)
}

// plural renders "1 day", "2 days", "1,096 files".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return quality.FormatCount(int64(n)) + " " + noun + "s"
}

// DescribeURL tells a person where a landing or warehouse URL points: the
// local path of a file:// or duckdb:// URL naming one (file:///var/edqm
// gives /var/edqm, in the operating system's form); for a URL with user
// information or an opaque part (where a password would be), the URL as
// [landing.RedactURL] shows it; otherwise the URL as given. Query values
// are shown as given, since they are settings (region, endpoint,
// warehouse): describe URLs that landing.Open or warehouse.Open accepted,
// as they refuse credentials in the query. A URL that does not parse gives
// "(malformed URL)".
func DescribeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(malformed URL)"
	}
	if (u.Scheme == "file" || u.Scheme == "duckdb") && u.Opaque == "" && u.Host == "" && u.Path != "" {
		return filepath.FromSlash(u.Path)
	}
	if u.User != nil || u.Opaque != "" {
		return landing.RedactURL(u)
	}
	return raw
}
