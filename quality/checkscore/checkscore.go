package checkscore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/quality"
	"github.com/edqm/edqm/warehouse"
)

// Sentinel errors.
var (
	// ErrInvalidOptions is wrapped by the error of Score for options it
	// cannot run with: no tests, a rate outside (0, 1], an unknown variant.
	ErrInvalidOptions = errors.New("checkscore: invalid options")
	// ErrNotEmpty is wrapped by the error of a trial whose warehouse's
	// load ledger already lists a file: its figures would mix two trials.
	ErrNotEmpty = errors.New("checkscore: warehouse not empty")
)

// DefaultRate is the per-row probability of the variant of a trial when
// Options.Rate is 0.
const DefaultRate = 0.05

// DefaultWarehouseURL is the warehouse the default Options.Open opens for
// each trial: an in-memory DuckDB, empty at every open.
const DefaultWarehouseURL = "duckdb://memory"

// Options configure Score. A nil *Options is invalid: Tests are required.
type Options struct {
	// Tests are the checks scored, such as a quality.Suite's Tests.
	// Required.
	Tests []quality.Test
	// Seeds are the chaos seeds; each variant is injected once per seed.
	// nil means {1}.
	Seeds []uint64
	// Rate is the per-row probability of the variant in each trial; 0
	// means DefaultRate.
	Rate float64
	// Variants are the variants injected, by their label names (see
	// chaos.Variants); nil means all of them.
	Variants []string
	// Open returns an empty warehouse for a trial; Score closes it after
	// the trial. nil means URLOpener(DefaultWarehouseURL, nil), which needs
	// warehouse/duckdbwarehouse imported.
	Open func(ctx context.Context) (warehouse.Warehouse, error)
	// Examples is the number of missed rows kept per variant; 0 means 3,
	// negative keeps none.
	Examples int
}

// TrialPlaceholder, in a URL given to URLOpener, is replaced by the
// number of the trial.
const TrialPlaceholder = "{trial}"

// URLOpener returns an Options.Open that opens rawURL with warehouse.Open
// at every trial, TrialPlaceholder replaced by the trial's number (0 for the
// first call, 1 for the next...), so that each trial can have a database or
// schema of its own: duckdb:///tmp/score/t{trial}.duckdb, or
// snowflake://me@acct/DB/SCORE_{trial}?warehouse=WH&setup=all (set-up all
// creates the schema; see package warehouse/snowflakewarehouse). The
// scheme's package must be imported.
func URLOpener(rawURL string, opts *warehouse.OpenOptions) func(ctx context.Context) (warehouse.Warehouse, error) {
	var mu sync.Mutex
	n := 0
	return func(ctx context.Context) (warehouse.Warehouse, error) {
		mu.Lock()
		u := strings.ReplaceAll(rawURL, TrialPlaceholder, strconv.Itoa(n))
		n++
		mu.Unlock()
		return warehouse.Open(ctx, u, opts)
	}
}

// variantKinds maps each variant name to its kind.
func variantKinds() map[string]chaos.Kind {
	out := map[string]chaos.Kind{}
	for _, k := range chaos.Kinds {
		for _, v := range chaos.Variants[k] {
			out[v] = k
		}
	}
	return out
}

// normalize checks opts and fills in the defaults.
func normalize(opts *Options) (Options, error) {
	if opts == nil || len(opts.Tests) == 0 {
		return Options{}, fmt.Errorf("%w: no tests to score", ErrInvalidOptions)
	}
	o := *opts
	if o.Seeds == nil {
		o.Seeds = []uint64{1}
	}
	if len(o.Seeds) == 0 {
		return Options{}, fmt.Errorf("%w: Seeds is empty", ErrInvalidOptions)
	}
	if o.Rate == 0 {
		o.Rate = DefaultRate
	}
	if !(o.Rate > 0 && o.Rate <= 1) {
		return Options{}, fmt.Errorf("%w: Rate %v: want a probability in (0, 1]", ErrInvalidOptions, o.Rate)
	}
	kinds := variantKinds()
	if o.Variants == nil {
		for _, k := range chaos.Kinds {
			o.Variants = append(o.Variants, chaos.Variants[k]...)
		}
	}
	for _, v := range o.Variants {
		if _, ok := kinds[v]; !ok {
			return Options{}, fmt.Errorf("%w: unknown variant %q (see chaos.Variants)", ErrInvalidOptions, v)
		}
	}
	if o.Open == nil {
		o.Open = URLOpener(DefaultWarehouseURL, nil)
	}
	if o.Examples == 0 {
		o.Examples = 3
	}
	for i, t := range o.Tests {
		if err := t.Validate(); err != nil {
			return Options{}, fmt.Errorf("%w: test %d: %w", ErrInvalidOptions, i, err)
		}
	}
	return o, nil
}

// injector returns the injector of one trial: variant v alone at rate, or
// nil for the clean trial (v empty).
func injector(v string, seed uint64, rate float64) (*chaos.Injector, error) {
	if v == "" {
		return nil, nil
	}
	var vr chaos.VariantRates
	if err := setVariantRate(&vr, v, rate); err != nil {
		return nil, err
	}
	return chaos.New(chaos.Config{Seed: seed, VariantRates: vr})
}

// setVariantRate sets the field of vr for the variant named v.
func setVariantRate(vr *chaos.VariantRates, v string, rate float64) error {
	fields := map[string]*float64{
		"scaled": &vr.Scaled, "drifted": &vr.Drifted,
		"future": &vr.Future, "before_signup": &vr.BeforeSignup,
		"ghost": &vr.Ghost, "null": &vr.Null,
		"negative_amount": &vr.NegativeAmount, "bad_status": &vr.BadStatus,
		"bad_quantity": &vr.BadQuantity, "bad_format": &vr.BadFormat,
		"exact": &vr.Exact, "conflicting": &vr.Conflicting,
	}
	f, ok := fields[v]
	if !ok {
		return fmt.Errorf("%w: variant %q has no rate in chaos.VariantRates", ErrInvalidOptions, v)
	}
	*f = rate
	if vr.Of(v) != rate {
		return fmt.Errorf("%w: variant %q: chaos.VariantRates disagrees on its field", ErrInvalidOptions, v)
	}
	return nil
}

// Score scores opts.Tests on target: one clean trial, then one trial per
// variant and seed (see the package documentation). A variant whose trial
// fails with chaos.ErrVariantUnavailable (the target's spec lacks the role
// it needs) is not injected and goes to Scorecard.NotInjected; any other
// error of a trial stops Score and names the variant and the seed.
func Score(ctx context.Context, target Target, opts *Options) (*Scorecard, error) {
	if target == nil {
		return nil, fmt.Errorf("%w: no target", ErrInvalidOptions)
	}
	o, err := normalize(opts)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	s := newScorer(o)
	base, err := runTrial(ctx, target, &o, "", 0)
	if err != nil {
		return nil, fmt.Errorf("checkscore: clean trial: %w", err)
	}
	s.baseline(base)
	for _, v := range o.Variants {
		for _, seed := range o.Seeds {
			tr, err := runTrial(ctx, target, &o, v, seed)
			if errors.Is(err, chaos.ErrVariantUnavailable) {
				break // the target cannot take v: not injected
			}
			if err != nil {
				return nil, fmt.Errorf("checkscore: trial %s seed %d: %w", v, seed, err)
			}
			s.add(v, seed, tr)
		}
	}
	sc := s.scorecard()
	sc.Trials = 1 + len(o.Variants)*len(o.Seeds)
	sc.Duration = time.Since(start)
	return sc, nil
}

// trial is what one trial found: the labels, and per test its failures and
// the rows it caught (nil when not attributed to rows).
type trial struct {
	labels  []chaos.Label
	results []quality.TestResult
	rows    []map[rowKey]bool
}

// rowKey names a row of the target by its key and occurrence.
type rowKey struct {
	k string
	o int
}

// runTrial runs one trial on a fresh warehouse: v "" is the clean trial.
func runTrial(ctx context.Context, target Target, o *Options, v string, seed uint64) (_ *trial, err error) {
	inj, err := injector(v, seed, o.Rate)
	if err != nil {
		return nil, err
	}
	wh, err := o.Open(ctx)
	if err != nil {
		return nil, fmt.Errorf("open warehouse: %w", err)
	}
	defer func() {
		if cerr := wh.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close warehouse: %w", cerr)
		}
	}()
	if err := checkEmpty(ctx, wh); err != nil {
		return nil, err
	}
	loaded, err := target.Load(ctx, wh, inj)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if err := warehouse.ValidIdent(loaded.Key); err != nil {
		return nil, fmt.Errorf("target %T: Loaded.Key: %w", target, err)
	}
	if strings.TrimSpace(loaded.Occurrences) == "" {
		return nil, fmt.Errorf("target %T: Loaded.Occurrences is empty", target)
	}
	if inj == nil && len(loaded.Labels) > 0 {
		return nil, fmt.Errorf("target %T returned %d labels for clean data", target, len(loaded.Labels))
	}
	results, err := quality.RunTests(ctx, wh, o.Tests, &quality.RunOptions{Now: loaded.Now, SampleSize: -1})
	if err != nil {
		return nil, err
	}
	tr := &trial{labels: loaded.Labels, results: results, rows: make([]map[rowKey]bool, len(results))}
	for i, r := range results {
		if tr.rows[i], err = failingRows(ctx, wh, loaded, o.Tests[i], r); err != nil {
			return nil, fmt.Errorf("test %s: %w", r.Name, err)
		}
	}
	return tr, nil
}

// checkEmpty returns an error wrapping ErrNotEmpty when wh's load ledger
// holds a file (an engine may create the ledger empty when it opens).
func checkEmpty(ctx context.Context, wh warehouse.Warehouse) error {
	ok, err := wh.TableExists(ctx, warehouse.LedgerTable)
	if err != nil || !ok {
		return err
	}
	var n int64
	if err := warehouse.QueryRow(ctx, wh, "SELECT COUNT(*) FROM "+warehouse.LedgerTable, nil, &n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%w: its load ledger (%s) lists %d files; Options.Open must give an empty warehouse per trial", ErrNotEmpty, warehouse.LedgerTable, n)
	}
	return nil
}

// sortedKeys returns m's keys, sorted.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
