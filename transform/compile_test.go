package transform_test

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edqm/edqm/transform"
	"github.com/edqm/edqm/warehouse"
	// The engines register their dialects, which Compile looks up by name.
	_ "github.com/edqm/edqm/warehouse/duckdbwarehouse"
	_ "github.com/edqm/edqm/warehouse/snowflakewarehouse"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the compiled SQL (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", p, got, want)
	}
}

// TestCompiledGolden keeps the SQL the built-in models send to each engine
// in testdata, so that a change shows in review.
func TestCompiledGolden(t *testing.T) {
	p := builtinProject(t)
	for _, d := range []string{transform.DuckDB, transform.Snowflake} {
		for _, incremental := range []bool{false, true} {
			name := "compiled_" + d + ".sql"
			if incremental {
				name = "compiled_" + d + "_incremental.sql"
			}
			cs, err := p.CompileAll(d, &transform.CompileOptions{Incremental: incremental})
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name, transform.Script(cs))
		}
	}
}

func TestCompileAll(t *testing.T) {
	p := builtinProject(t)
	cs, err := p.CompileAll(transform.Snowflake, &transform.CompileOptions{Incremental: true})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cs {
		names = append(names, c.Name)
		q, err := p.Compile(c.Name, transform.Snowflake, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.Name == "fct_orders" || c.Name == "stg_orders" {
			if !c.Incremental || c.IncrementalKey != "batch_date" || len(c.Statements) != 4 || q == c.SQL {
				t.Errorf("%s compiled as %+v", c.Name, c)
			}
			if !strings.Contains(c.SQL, "NOT IN (SELECT DISTINCT _file FROM "+c.Name+")") {
				t.Errorf("the incremental SELECT does not read its own table:\n%s", c.SQL)
			}
			continue
		}
		if c.Incremental || len(c.Statements) != 1 || c.SQL != q {
			t.Errorf("%s compiled as %+v", c.Name, c)
		}
	}
	if want := "stg_customers stg_orders stg_products fct_orders mart_daily_revenue"; strings.Join(names, " ") != want {
		t.Errorf("order %q, want %q", names, want)
	}
	if _, err := p.CompileAll("oracle", nil); err == nil {
		t.Error("an unknown dialect compiled")
	}
}

// barrier is a Warehouse that holds every CREATE statement until n of
// them are waiting at once: a run that does not run a level's models
// concurrently times out.
type barrier struct {
	warehouse.Warehouse
	mu      sync.Mutex
	n       int
	waiting int
	release chan struct{}
	max     int
}

func (b *barrier) Exec(ctx context.Context, q string, args ...any) error {
	if strings.HasPrefix(q, "CREATE OR REPLACE VIEW stg_") || strings.HasPrefix(q, "CREATE OR REPLACE TABLE stg_") {
		b.mu.Lock()
		b.waiting++
		b.max = max(b.max, b.waiting)
		if b.waiting == b.n {
			close(b.release)
		}
		b.mu.Unlock()
		select {
		case <-b.release:
		case <-time.After(10 * time.Second):
			return errors.New("barrier: the level's models did not run at the same time")
		}
	}
	return b.Warehouse.Exec(ctx, q, args...)
}

func TestLevelRunsConcurrently(t *testing.T) {
	w := &barrier{Warehouse: newLoadedWarehouse(t), n: 3, release: make(chan struct{})}
	res, err := builtinProject(t).Run(t.Context(), w, &transform.RunOptions{Parallelism: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Models) != 5 || w.max != 3 {
		t.Errorf("%d models, at most %d at once; want 5 and 3", len(res.Models), w.max)
	}
}
