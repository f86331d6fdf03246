// Command compile prints the SQL of EDQM's models for a dialect without
// running it: for each model, level by level, the statements a run would
// execute. No warehouse, account or network is needed.
//
//	go run ./examples/compile                          # Snowflake, full build
//	go run ./examples/compile -dialect duckdb
//	go run ./examples/compile -incremental             # an incremental run's merge
//	go run ./examples/compile -models ./my_models -model my_mart -run-date 2026-03-10
//
// -models adds the .sql files of a folder to the built-in models, as a
// project of one's own would.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/edqm/edqm/transform"
	"github.com/edqm/edqm/warehouse"
	// The engines register their dialects, which -dialect names.
	_ "github.com/edqm/edqm/warehouse/duckdbwarehouse"
	_ "github.com/edqm/edqm/warehouse/snowflakewarehouse"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run is main without the process: it returns the exit code (0 ok, 1 the
// models do not compile, 2 bad command line).
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("compile", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dialect := fs.String("dialect", transform.Snowflake, "SQL `dialect`: "+strings.Join(warehouse.DialectNames(), " or "))
	incremental := fs.Bool("incremental", false, "compile incremental models as a run that merges new rows into an existing table")
	runDate := fs.String("run-date", "", "the run's `day` (YYYY-MM-DD), for models that use {{ run_date }}")
	models := fs.String("models", "", "a `folder` of .sql models to add to the built-in ones")
	only := fs.String("model", "", "print only this `model`")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./examples/compile [flags]\n\nPrints the SQL of the models for a dialect, without running it.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "compile: unexpected argument %q (flags start with -)\n", fs.Arg(0))
		return 2
	}
	opts := &transform.CompileOptions{Incremental: *incremental}
	if *runDate != "" {
		d, err := parseDay(*runDate)
		if err != nil {
			fmt.Fprintf(stderr, "compile: invalid value %q for -run-date: %v\n", *runDate, err)
			return 2
		}
		opts.RunDate = d
	}
	if *models != "" {
		if err := checkFolder(*models); err != nil {
			fmt.Fprintf(stderr, "compile: invalid value %q for -models: %v\n", *models, err)
			return 2
		}
	}
	out, err := compile(*dialect, *models, *only, opts)
	if err != nil {
		fmt.Fprintf(stderr, "compile: %v\n", err)
		return 1
	}
	fmt.Fprint(stdout, out)
	return 0
}

// parseDay parses a YYYY-MM-DD day, telling a date that does not exist
// (2026-02-30) from one in another form.
func parseDay(s string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err == nil {
		return d, nil
	}
	var y, m, day int
	if n, _ := fmt.Sscanf(s, "%4d-%2d-%2d", &y, &m, &day); n != 3 || len(s) != len(time.DateOnly) {
		return time.Time{}, errors.New("want a date as YYYY-MM-DD")
	}
	if m < 1 || m > 12 {
		return time.Time{}, fmt.Errorf("there is no month %d", m)
	}
	last := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return time.Time{}, fmt.Errorf("the date does not exist: %s %d has %d days", time.Month(m), y, last)
}

// checkFolder tells why dir cannot be a models folder, if it cannot.
func checkFolder(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errors.New("no such folder")
	case err != nil:
		return err
	case !fi.IsDir():
		return errors.New("a file, not a folder")
	}
	return nil
}

// compile builds the project and renders its script.
func compile(dialect, dir, only string, opts *transform.CompileOptions) (string, error) {
	ms, err := transform.Builtin()
	if err != nil {
		return "", err
	}
	if dir != "" {
		extra, err := transform.LoadFS(os.DirFS(dir), ".")
		if err != nil {
			return "", fmt.Errorf("models folder %s: %w", dir, err)
		}
		ms = append(ms, extra...)
	}
	p, err := transform.NewProject(ms, nil)
	if err != nil {
		return "", err
	}
	compiled, err := p.CompileAll(dialect, opts)
	if err != nil {
		return "", err
	}
	if only != "" {
		var kept []transform.Compiled
		for _, c := range compiled {
			if c.Name == only {
				kept = append(kept, c)
			}
		}
		if len(kept) == 0 {
			return "", fmt.Errorf("no model named %s", only)
		}
		compiled = kept
	}
	return transform.Script(compiled), nil
}
