package transform

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/edqm/edqm/warehouse"
)

// DefaultSources maps the source names models may use to the prefix of
// their tables: {{ source "raw" "orders" }} renders "raw_orders".
var DefaultSources = map[string]string{"raw": "raw_"}

// ProjectOptions configures a Project. The zero value is valid.
type ProjectOptions struct {
	// Sources adds to or overrides [DefaultSources]: source name → table
	// prefix. The prefix and the table name together must form a plain
	// identifier.
	Sources map[string]string
}

// Project is a checked set of models: unique names, known refs and sources,
// no cycle. It is safe for concurrent use.
type Project struct {
	models  map[string]*Model
	levels  [][]*Model
	sources map[string]string
}

// NewProject checks models and sorts them into levels. It copies the
// models, re-reading refs and sources from their SQL. Errors: a duplicate
// name, a ref to a model not in the set (the error names both), an unknown
// source, or a cycle (wrapping [ErrCycle], with the path "a -> b -> a").
// opts may be nil.
func NewProject(models []*Model, opts *ProjectOptions) (*Project, error) {
	p := &Project{models: make(map[string]*Model, len(models)), sources: maps.Clone(DefaultSources)}
	if opts != nil {
		maps.Copy(p.sources, opts.Sources)
	}
	for _, m := range models {
		if m == nil {
			return nil, fmt.Errorf("transform: nil model")
		}
		parsed, err := ParseModel(m.Name, m.SQL)
		if err != nil {
			return nil, err
		}
		parsed.Path = m.Path
		if m.Materialized != "" {
			if err := checkConfig("materialized", string(m.Materialized)); err != nil {
				return nil, fmt.Errorf("transform: model %s: %w", m.Name, err)
			}
			parsed.Materialized = m.Materialized
		}
		if m.IncrementalKey != "" {
			if err := checkConfig("incremental_key", m.IncrementalKey); err != nil {
				return nil, fmt.Errorf("transform: model %s: %w", m.Name, err)
			}
			parsed.IncrementalKey = m.IncrementalKey
		}
		if err := parsed.checkIncremental(); err != nil {
			return nil, err
		}
		if _, dup := p.models[m.Name]; dup {
			return nil, fmt.Errorf("transform: two models are named %s", m.Name)
		}
		p.models[m.Name] = parsed
	}
	for _, name := range slices.Sorted(maps.Keys(p.models)) {
		m := p.models[name]
		for _, r := range m.Refs {
			if _, ok := p.models[r]; !ok {
				return nil, fmt.Errorf("transform: model %s refers to %s, which is not a model", m.Name, r)
			}
		}
		for _, s := range m.Sources {
			if _, err := p.sourceTable(s[0], s[1]); err != nil {
				return nil, fmt.Errorf("transform: model %s: %w", m.Name, err)
			}
		}
	}
	if err := p.checkCycles(); err != nil {
		return nil, err
	}
	p.levels = p.computeLevels()
	return p, nil
}

// sourceTable returns the table a source action renders.
func (p *Project) sourceTable(src, table string) (string, error) {
	prefix, ok := p.sources[src]
	if !ok {
		return "", fmt.Errorf("unknown source %q (known: %s)", src, strings.Join(slices.Sorted(maps.Keys(p.sources)), ", "))
	}
	name := prefix + table
	if err := warehouse.ValidIdent(name); err != nil {
		return "", fmt.Errorf("source %q table %q: %w", src, table, err)
	}
	return name, nil
}

// checkCycles reports the first cycle found, visiting models by name.
func (p *Project) checkCycles() error {
	const (
		unseen = iota
		open
		done
	)
	state := make(map[string]int, len(p.models))
	var stack []string
	var visit func(name string) error
	visit = func(name string) error {
		switch state[name] {
		case done:
			return nil
		case open:
			i := slices.Index(stack, name)
			path := append(slices.Clone(stack[i:]), name)
			return fmt.Errorf("%w: %s", ErrCycle, strings.Join(path, " -> "))
		}
		state[name] = open
		stack = append(stack, name)
		for _, r := range p.models[name].Refs {
			if err := visit(r); err != nil {
				return err
			}
		}
		stack = stack[:len(stack)-1]
		state[name] = done
		return nil
	}
	for _, name := range slices.Sorted(maps.Keys(p.models)) {
		if err := visit(name); err != nil {
			return err
		}
	}
	return nil
}

// computeLevels puts each model one level after its deepest ref.
func (p *Project) computeLevels() [][]*Model {
	level := make(map[string]int, len(p.models))
	var depth func(name string) int
	depth = func(name string) int {
		if l, ok := level[name]; ok {
			return l
		}
		l := 0
		for _, r := range p.models[name].Refs {
			l = max(l, depth(r)+1)
		}
		level[name] = l
		return l
	}
	var levels [][]*Model
	for _, name := range slices.Sorted(maps.Keys(p.models)) {
		l := depth(name)
		for len(levels) <= l {
			levels = append(levels, nil)
		}
		levels[l] = append(levels[l], p.models[name])
	}
	return levels
}

// Levels returns the models in topological levels: every ref of a model is
// in an earlier level, so the models of one level are independent. Models
// are sorted by name inside a level. The slices are the caller's; the
// models are shared and must not be changed.
func (p *Project) Levels() [][]*Model {
	out := make([][]*Model, len(p.levels))
	for i, l := range p.levels {
		out[i] = slices.Clone(l)
	}
	return out
}

// Model returns the named model, or nil.
func (p *Project) Model(name string) *Model { return p.models[name] }

// CompileOptions set what a compiled model sees. A nil *CompileOptions,
// like the zero value, compiles a full build without a run date.
type CompileOptions struct {
	// RunDate is what {{ run_date }} renders (as CAST('YYYY-MM-DD' AS
	// DATE)); when it is zero, a model using run_date fails to compile.
	RunDate time.Time
	// Incremental compiles incremental models as a run does when their
	// table exists: {{ is_incremental }} is true and the statements merge
	// the new rows. Other models are not affected.
	Incremental bool
}

// Compile renders a model's SELECT statement for the dialect registered
// under the name dialect (see [warehouse.LookupDialect]: "duckdb" or
// "snowflake" once their engine's package is imported), without the CREATE … AS that Run wraps it in, and without
// a trailing semicolon. opts may be nil: the model is then compiled as a
// full build runs it ({{ is_incremental }} false), and a model using
// {{ run_date }} fails (set CompileOptions.RunDate).
func (p *Project) Compile(name, dialect string, opts *CompileOptions) (string, error) {
	m, ok := p.models[name]
	if !ok {
		return "", fmt.Errorf("transform: compile: no model named %s", name)
	}
	if opts == nil {
		opts = &CompileOptions{}
	}
	d, err := warehouse.LookupDialect(dialect)
	if err != nil {
		return "", fmt.Errorf("transform: compile %s: %w", m.Name, err)
	}
	return p.compile(m, d, opts.RunDate, opts.Incremental && m.Materialized == Incremental)
}

// compile renders m's SELECT.
func (p *Project) compile(m *Model, dialect warehouse.Dialect, runDate time.Time, incremental bool) (string, error) {
	r := &renderer{
		dialect:     dialect,
		this:        m.Name,
		incremental: incremental,
		ref: func(ref string) (string, error) {
			if _, ok := p.models[ref]; !ok {
				return "", fmt.Errorf("ref: no model named %s", ref)
			}
			return ref, nil
		},
		source: p.sourceTable,
		config: func(string, string) error { return nil },
		runDate: func() (string, error) {
			if runDate.IsZero() {
				return "", errors.New("run_date: no run date: set RunOptions.RunDate (or CompileOptions.RunDate)")
			}
			return dialect.DateLiteral(runDate), nil
		},
	}
	t, err := parse(m.Name, m.SQL, r)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, templateData{Dialect: dialect}); err != nil {
		return "", fmt.Errorf("transform: model %s (dialect %s): %w", m.Name, dialect.Name(), err)
	}
	q := strings.TrimSpace(b.String())
	for strings.HasSuffix(q, ";") {
		q = strings.TrimSpace(strings.TrimSuffix(q, ";"))
	}
	if q == "" {
		return "", fmt.Errorf("transform: model %s renders no SQL", m.Name)
	}
	return q, nil
}

// Compiled is a model compiled for a dialect.
type Compiled struct {
	// Name is the model's name.
	Name string
	// Level is the model's level (see [Project.Levels]).
	Level int
	// Materialized is how it is stored; IncrementalKey is set for
	// incremental models.
	Materialized   Materialization
	IncrementalKey string
	// Incremental is true when the statements merge new rows into an
	// existing table rather than build it.
	Incremental bool
	// SQL is the model's SELECT statement.
	SQL string
	// Statements are what Run executes to materialize the model, in order
	// (Run also drops a relation of the other kind first, when there is
	// one). An incremental merge's DELETE and INSERT run in one
	// transaction when the warehouse is a [warehouse.AtomicExecer].
	Statements []string
}

// CompileAll compiles every model for the dialect registered under the
// name dialect (see [Project.Compile]), level by level and by name inside
// a level, without running anything. opts may be nil.
func (p *Project) CompileAll(dialect string, opts *CompileOptions) ([]Compiled, error) {
	if opts == nil {
		opts = &CompileOptions{}
	}
	d, err := warehouse.LookupDialect(dialect)
	if err != nil {
		return nil, fmt.Errorf("transform: compile: %w", err)
	}
	var out []Compiled
	for level, models := range p.levels {
		for _, m := range models {
			incremental := opts.Incremental && m.Materialized == Incremental
			q, err := p.compile(m, d, opts.RunDate, incremental)
			if err != nil {
				return nil, err
			}
			out = append(out, Compiled{
				Name: m.Name, Level: level, Materialized: m.Materialized, IncrementalKey: m.IncrementalKey,
				Incremental: incremental, SQL: q, Statements: statements(m, q, incremental),
			})
		}
	}
	return out, nil
}

// Script renders compiled models as one SQL script: a comment naming each
// model, then its statements, each ending with a semicolon.
func Script(models []Compiled) string {
	var b strings.Builder
	for i, c := range models {
		if i > 0 {
			b.WriteString("\n")
		}
		what := string(c.Materialized)
		if c.Materialized == Incremental {
			what += ", key " + c.IncrementalKey
			if c.Incremental {
				what += ", merging new rows"
			} else {
				what += ", full build"
			}
		}
		fmt.Fprintf(&b, "-- %s (%s), level %d\n", c.Name, what, c.Level)
		for _, s := range c.Statements {
			b.WriteString(s + ";\n")
		}
	}
	return b.String()
}

// incrementalTable is the work table of an incremental run: the new rows.
func incrementalTable(model string) string { return "_edqm_new_" + model }

// statements returns what materializing m runs, given its SELECT.
func statements(m *Model, q string, incremental bool) []string {
	switch {
	case m.Materialized == View:
		return []string{"CREATE OR REPLACE VIEW " + m.Name + " AS\n" + q}
	case !incremental:
		return []string{"CREATE OR REPLACE TABLE " + m.Name + " AS\n" + q}
	}
	tmp, key := incrementalTable(m.Name), m.IncrementalKey
	return []string{
		"CREATE OR REPLACE TABLE " + tmp + " AS\n" + q,
		"DELETE FROM " + m.Name + " WHERE " + key + " IN (SELECT DISTINCT " + key + " FROM " + tmp + " WHERE " + key + " IS NOT NULL)" +
			" OR (" + key + " IS NULL AND EXISTS (SELECT 1 FROM " + tmp + " WHERE " + key + " IS NULL))",
		"INSERT INTO " + m.Name + " SELECT * FROM " + tmp,
		"DROP TABLE IF EXISTS " + tmp,
	}
}

// RunOptions configures Project.Run. The zero value is valid.
type RunOptions struct {
	// Parallelism is the number of models of one level run at the same
	// time; 0 means 1. Above 1 the warehouse must be safe for concurrent
	// use (duckdbwarehouse is).
	Parallelism int
	// Select, if not empty, runs only these models and the models they
	// depend on, directly or not.
	Select []string
	// RunDate is what {{ run_date }} renders; it is a parameter so that a
	// run is reproducible (library code never reads the wall clock). A
	// model using run_date fails when it is zero.
	RunDate time.Time
	// FullRefresh rebuilds incremental models from scratch instead of
	// merging new rows.
	FullRefresh bool
	// OnModel, when set, is called with each model's result as the model
	// ends (a failed one included), never concurrently: a progress hook.
	OnModel func(ModelResult)
}

// ModelResult accounts for one model run.
type ModelResult struct {
	// Name is the model's name.
	Name string
	// Materialized is how it was materialized.
	Materialized Materialization
	// Incremental is true when an incremental model merged new rows into
	// its existing table; false when it was built in full.
	Incremental bool
	// Duration is how long its statements took.
	Duration time.Duration
	// Err is the model's error, nil on success.
	Err error
}

// RunResult accounts for a run.
type RunResult struct {
	// Models are the models run, level by level, by name inside a level.
	Models []ModelResult
	// Skipped are the selected models not run because a model failed.
	Skipped []string
}

// Run materializes the models level by level: each model becomes
// CREATE OR REPLACE VIEW name AS … or CREATE OR REPLACE TABLE name AS …
// (after dropping an existing relation of the other kind). A failing model
// stops the run: the models of its level already running finish, the rest
// of the selection is skipped, and the error names the model and wraps the
// engine's error. opts may be nil. The result is returned with the error.
func (p *Project) Run(ctx context.Context, w warehouse.Warehouse, opts *RunOptions) (*RunResult, error) {
	if opts == nil {
		opts = &RunOptions{}
	}
	parallelism := max(opts.Parallelism, 1)
	selected, err := p.selection(opts.Select)
	if err != nil {
		return nil, err
	}
	dialect := w.Dialect()
	res := &RunResult{}
	var runErr error
	for _, level := range p.levels {
		var todo []*Model
		for _, m := range level {
			if selected == nil || selected[m.Name] {
				todo = append(todo, m)
			}
		}
		if runErr != nil {
			for _, m := range todo {
				res.Skipped = append(res.Skipped, m.Name)
			}
			continue
		}
		results := make([]*ModelResult, len(todo))
		var g errgroup.Group
		g.SetLimit(parallelism)
		var mu sync.Mutex
		failed := false
		for i, m := range todo {
			g.Go(func() error {
				mu.Lock()
				stop := failed
				mu.Unlock()
				if stop {
					return nil
				}
				if err := ctx.Err(); err != nil {
					return err
				}
				start := time.Now()
				incremental, err := p.materialize(ctx, w, m, dialect, opts)
				results[i] = &ModelResult{Name: m.Name, Materialized: m.Materialized, Incremental: incremental,
					Duration: time.Since(start), Err: err}
				if opts.OnModel != nil {
					mu.Lock()
					opts.OnModel(*results[i])
					mu.Unlock()
				}
				if err != nil {
					mu.Lock()
					failed = true
					mu.Unlock()
					return fmt.Errorf("transform: model %s failed: %w", m.Name, err)
				}
				return nil
			})
		}
		runErr = g.Wait()
		for i, r := range results {
			if r != nil {
				res.Models = append(res.Models, *r)
			} else if runErr != nil {
				res.Skipped = append(res.Skipped, todo[i].Name)
			}
		}
	}
	return res, runErr
}

// selection returns the selected models and their upstream, or nil for all.
func (p *Project) selection(names []string) (map[string]bool, error) {
	if len(names) == 0 {
		return nil, nil
	}
	sel := map[string]bool{}
	var add func(name string)
	add = func(name string) {
		if sel[name] {
			return
		}
		sel[name] = true
		for _, r := range p.models[name].Refs {
			add(r)
		}
	}
	for _, n := range names {
		if _, ok := p.models[n]; !ok {
			return nil, fmt.Errorf("transform: run: selected model %s does not exist", n)
		}
		add(n)
	}
	return sel, nil
}

// materialize creates or replaces a model's view or table, or merges an
// incremental model's new rows. It reports whether it merged.
func (p *Project) materialize(ctx context.Context, w warehouse.Warehouse, m *Model, dialect warehouse.Dialect, opts *RunOptions) (bool, error) {
	existing, err := relationKind(ctx, w, m.Name)
	if err != nil {
		return false, err
	}
	other := "VIEW" // the relation kind that must go first
	if m.Materialized == View {
		other = "TABLE"
	}
	if m.Materialized == Incremental && existing == "TABLE" && !opts.FullRefresh {
		merged, err := p.merge(ctx, w, m, dialect, opts)
		if merged || err != nil {
			return merged, err
		}
	}
	q, err := p.compile(m, dialect, opts.RunDate, false)
	if err != nil {
		return false, err
	}
	if existing == other {
		if err := w.Exec(ctx, "DROP "+other+" "+m.Name); err != nil {
			return false, err
		}
	}
	return false, w.Exec(ctx, statements(m, q, false)[0])
}

// merge runs an incremental model's merge: the new rows go to a work
// table, then the target's rows with the same keys are replaced, in one
// transaction when the warehouse can. It reports false, without error,
// when the new rows' columns differ from the table's (the model changed):
// the caller then builds the table in full.
func (p *Project) merge(ctx context.Context, w warehouse.Warehouse, m *Model, dialect warehouse.Dialect, opts *RunOptions) (bool, error) {
	q, err := p.compile(m, dialect, opts.RunDate, true)
	if err != nil {
		return false, err
	}
	stmts := statements(m, q, true)
	tmp := incrementalTable(m.Name)
	if err := w.Exec(ctx, stmts[0]); err != nil {
		return false, err
	}
	// The work table goes whatever happens; its name is the model's own,
	// so a leftover from a crash is replaced by the next run anyway.
	defer func() { _ = w.Exec(context.WithoutCancel(ctx), stmts[3]) }()
	same, err := sameColumns(ctx, w, m.Name, tmp)
	if err != nil || !same {
		return false, err
	}
	if a, ok := w.(warehouse.AtomicExecer); ok {
		return true, a.ExecAtomic(ctx, stmts[1], stmts[2])
	}
	for _, s := range stmts[1:3] {
		if err := w.Exec(ctx, s); err != nil {
			return true, err
		}
	}
	return true, nil
}

// sameColumns reports whether two relations have the same columns, in the
// same order (names compared without regard to case).
func sameColumns(ctx context.Context, w warehouse.Warehouse, a, b string) (bool, error) {
	cols := func(name string) ([]string, error) {
		rows, err := w.Query(ctx, "SELECT * FROM "+name+" WHERE 1 = 0")
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		c, err := rows.Columns()
		if err != nil {
			return nil, err
		}
		for i := range c {
			c[i] = strings.ToLower(c[i])
		}
		return c, rows.Close()
	}
	ca, err := cols(a)
	if err != nil {
		return false, err
	}
	cb, err := cols(b)
	if err != nil {
		return false, err
	}
	return slices.Equal(ca, cb), nil
}

// relationKind returns "VIEW", "TABLE" or "" (none) for a relation of the
// current schema.
func relationKind(ctx context.Context, w warehouse.Warehouse, name string) (string, error) {
	rows, err := w.Query(ctx, `SELECT table_type FROM information_schema.tables
WHERE lower(table_name) = lower(?) AND table_schema = current_schema() AND table_catalog = current_database()`, name)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	kind := ""
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return "", err
		}
		if strings.Contains(strings.ToUpper(t), "VIEW") {
			kind = "VIEW"
		} else {
			kind = "TABLE"
		}
	}
	return kind, rows.Err()
}
