package checkscore

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes sc for a terminal: the variants (killed by which tests,
// rows caught of rows injected), the mutation score, the kinds no test
// catches, the gaps, then the
// rows missed by variants the tests caught only in part (one example each,
// with its seed), the tests and the columns. It returns the first write
// error.
func WriteText(w io.Writer, sc *Scorecard) error {
	ew := &errWriter{w: w}
	writeVariants(ew, sc)
	fmt.Fprintf(ew, "\nmutation score: %d of %d variants killed (%.0f %%)\n", sc.Killed, sc.Mutants, 100*sc.Score)
	if len(sc.Uncaught) > 0 {
		var ks []string
		for _, k := range sc.Uncaught {
			ks = append(ks, string(k))
		}
		fmt.Fprintf(ew, "kinds no test catches: %s\n", strings.Join(ks, ", "))
	}
	if len(sc.Gaps) > 0 {
		fmt.Fprintf(ew, "\nsurvivors (%d):\n", len(sc.Gaps))
		for _, g := range sc.Gaps {
			fmt.Fprintf(ew, "  %s\n", g)
		}
	}
	writeMisses(ew, sc)
	if len(sc.NotInjected) > 0 {
		fmt.Fprintf(ew, "\nnot injected (the target has no column for them): %s\n", strings.Join(sc.NotInjected, ", "))
	}
	writeTests(ew, sc)
	writeColumns(ew, sc)
	return ew.err
}

func writeVariants(w io.Writer, sc *Scorecard) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "variant\tkilled by\tcaught/injected")
	for _, v := range sc.Variants {
		by := strings.Join(v.KilledBy, ", ")
		if by == "" {
			by = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d/%d\n", v.Name(), by, v.Caught, v.Injected)
	}
	tw.Flush()
}

func writeMisses(w io.Writer, sc *Scorecard) {
	head := false
	for _, v := range sc.Variants {
		if !v.Killed || v.Caught == v.Injected || len(v.Missed) == 0 {
			continue
		}
		if !head {
			fmt.Fprintln(w, "\nkilled, but rows missed (one each):")
			head = true
		}
		l := v.Missed[0]
		fmt.Fprintf(w, "  %s: %d of %d missed, e.g. %s occurrence %d, %s %s -> %s (seed %d)\n", v.Name(), v.Injected-v.Caught, v.Injected,
			l.Label.Key, l.Label.Occurrence, l.Label.Column, cell(l.Label.Original), cell(l.Label.Injected), l.Seed)
	}
}

// cell quotes a label's value; the empty string is NULL.
func cell(s string) string {
	if s == "" {
		return "NULL"
	}
	return fmt.Sprintf("%q", s)
}

func writeTests(w io.Writer, sc *Scorecard) {
	fmt.Fprintln(w, "\ntests:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  test\tcaught\tfalse alarms\tprecision\tkills")
	for _, t := range sc.Tests {
		var kills []string
		for _, k := range t.Kills {
			kills = append(kills, k.Variant)
		}
		ks := strings.Join(kills, ", ")
		if ks == "" {
			ks = "-"
		}
		if !t.Attributed {
			fmt.Fprintf(tw, "  %s\t-\t-\t-\t%s\n", t.Name, ks)
			continue
		}
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%.2f\t%s\n", t.Name, t.Caught, t.FalseAlarms, t.Precision, ks)
	}
	tw.Flush()
}

func writeColumns(w io.Writer, sc *Scorecard) {
	fmt.Fprintln(w, "\ncolumns:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  column\tcaught/injected\tvariants\ttests declared on it")
	for _, c := range sc.Columns {
		decl := strings.Join(c.Declared, ", ")
		if decl == "" {
			decl = "-"
		}
		fmt.Fprintf(tw, "  %s\t%d/%d\t%s\t%s\n", c.Column, c.Caught, c.Injected, strings.Join(c.Variants, ", "), decl)
	}
	tw.Flush()
}

// errWriter keeps the first write error and drops later writes.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
