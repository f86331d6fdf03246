// Command score scores a dbt schema.yml against labelled chaos, the way
// mutation testing scores unit tests: each chaos variant is a mutant,
// injected alone into EDQM's generated orders, landed, loaded and built
// into the built-in models (stg_*, fct_orders); a variant is killed when
// one of the schema's tests fails on a row it corrupted. The program
// prints, per variant, the tests that killed it and the rows they caught,
// then the mutation score and the variants no test catches.
//
//	go run ./examples/score                         # the seed project's schema.yml
//	go run ./examples/score -schema ./my/schema.yml -seeds 5 -rate 0.02
//	go run ./examples/score -json > score.json
//
// Without -schema it scores the original pipeline's schema.yml (a copy of
// quality/testdata/schema.yml, embedded). Each trial runs in a fresh
// warehouse: the default in-memory DuckDB is one; in a -warehouse URL,
// {trial} is replaced by the trial's number, for a schema per trial:
//
//	go run ./examples/score -warehouse 'snowflake://me@acct/EDQM_DB/SCORE_{trial}?warehouse=WH&setup=all'
//
// (see checkscore.URLOpener).
//
// Exit codes: 0 done; 1 scoring failed, with an error naming what failed;
// 2 a bad command line.
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/quality/checkscore"
	_ "github.com/edqm/edqm/warehouse/duckdbwarehouse"    // duckdb://
	_ "github.com/edqm/edqm/warehouse/snowflakewarehouse" // snowflake://
)

// seedSchema is the original pipeline's schema.yml, as
// quality/testdata/schema.yml holds it.
//
//go:embed seed_schema.yml
var seedSchema []byte

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// config is the parsed command line.
type config struct {
	seed                 uint64
	seeds, days          int
	rate                 float64
	schema, warehouseURL string
	json                 bool
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	suite, name, err := loadSuite(cfg.schema)
	if err != nil {
		fmt.Fprintf(stderr, "score: %v\n", err)
		return 1
	}
	g, err := generate.New(generate.Config{Seed: cfg.seed, MinOrders: 40, MaxOrders: 60})
	if err != nil {
		fmt.Fprintf(stderr, "score: %v\n", err)
		return 1
	}
	seeds := make([]uint64, cfg.seeds)
	for i := range seeds {
		seeds[i] = cfg.seed + uint64(i)
	}
	target := &checkscore.Builtin{Generator: g, Days: cfg.days}
	sc, err := checkscore.Score(ctx, target, &checkscore.Options{Tests: suite.Tests, Seeds: seeds, Rate: cfg.rate,
		Open: checkscore.URLOpener(cfg.warehouseURL, nil)})
	if err != nil {
		fmt.Fprintf(stderr, "score: %v\n", err)
		return 1
	}
	if cfg.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sc); err != nil {
			fmt.Fprintf(stderr, "score: %v\n", err)
			return 1
		}
		return 0
	}
	which := fmt.Sprintf("chaos seed %d", seeds[0])
	if len(seeds) > 1 {
		which = fmt.Sprintf("chaos seeds %d to %d", seeds[0], seeds[len(seeds)-1])
	}
	fmt.Fprintf(stdout, "Scoring the %d tests of %s against the built-in models: %d days of orders, each variant alone on %.4g %% of rows, %s.\n\n",
		len(suite.Tests), name, cfg.days, 100*sc.Rate, which)
	if err := checkscore.WriteText(stdout, sc); err != nil {
		fmt.Fprintf(stderr, "score: %v\n", err)
		return 1
	}
	return 0
}

// parseFlags parses the command line; errors are written to stderr.
func parseFlags(args []string, stderr io.Writer) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("score", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Uint64Var(&cfg.seed, "seed", 42, "the data's `seed` (package generate), and the first chaos seed")
	fs.IntVar(&cfg.seeds, "seeds", 2, "the `number` of chaos seeds each variant is injected with")
	fs.IntVar(&cfg.days, "days", 3, "the `number` of days of orders")
	fs.Float64Var(&cfg.rate, "rate", checkscore.DefaultRate, "the per-row `probability` of the variant in each trial")
	fs.StringVar(&cfg.schema, "schema", "", "a dbt schema.yml `file`; empty scores the seed project's (embedded)")
	fs.StringVar(&cfg.warehouseURL, "warehouse", checkscore.DefaultWarehouseURL, "the warehouse `URL` opened for each trial, {trial} replaced by its number")
	fs.BoolVar(&cfg.json, "json", false, "write the scorecard as JSON")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./examples/score [flags]\n\nScores a schema.yml's tests against labelled chaos: which variants they kill, which survive.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	bad := func(format string, a ...any) (*config, error) {
		err := fmt.Errorf(format, a...)
		fmt.Fprintf(stderr, "score: %v\n", err)
		return nil, err
	}
	switch {
	case fs.NArg() > 0:
		return bad("unexpected argument %q (flags start with -)", fs.Arg(0))
	case cfg.seeds < 1:
		return bad("invalid value %d for -seeds: want 1 or more", cfg.seeds)
	case cfg.days < 1:
		return bad("invalid value %d for -days: want 1 or more", cfg.days)
	case !(cfg.rate > 0 && cfg.rate <= 1):
		return bad("invalid value %v for -rate: want a probability in (0, 1]", cfg.rate)
	}
	return cfg, nil
}

// loadSuite reads the schema.yml at path, or the embedded seed one when
// path is empty, and returns its suite and its name.
func loadSuite(path string) (*quality.Suite, string, error) {
	if path == "" {
		s, err := quality.ParseSchema("schema.yml", seedSchema, nil)
		return s, "the seed project's schema.yml", err
	}
	s, err := quality.LoadSchemaFile(path, nil)
	return s, path, err
}
