package duckdbwarehouse_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// createLoopEnv names the folder in which a child process of
// TestKilledWhileCreating creates database after database until killed.
const createLoopEnv = "EDQM_TEST_CREATE_LOOP"

// createLoop creates db-0.duckdb, db-1.duckdb, … in dir, each with a table,
// until the process is killed.
func createLoop(dir string) {
	ctx := context.Background() // a child process: no test, so no t.Context
	os.Stdout.WriteString("creating\n")
	for i := 0; ; i++ {
		w, err := duckdbwarehouse.Open(ctx, filepath.Join(dir, fmt.Sprintf("db-%d.duckdb", i)), nil)
		if err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		_ = w.Exec(ctx, "CREATE TABLE t AS SELECT 1 AS one")
		_ = w.Close()
	}
}

// TestKilledWhileCreating kills, with SIGKILL at seeded moments, a process
// that does nothing but create database files: every file it leaves at a
// database's path opens. (Before creation went through a private folder,
// a kill between DuckDB creating the file and writing its header left an
// empty file that no later Open could use.)
func TestKilledWhileCreating(t *testing.T) {
	if testing.Short() {
		t.Skip("kills processes; skipped with -short")
	}
	const rounds = 12
	rng := rand.New(rand.NewPCG(9, 9))
	ctx := t.Context()
	opened := 0
	for round := range rounds {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), createLoopEnv+"="+dir)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "creating\n" {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("round %d: the child said %q (%v): %s", round, line, err, stderr.String())
		}
		if round%2 == 0 {
			// At a seeded moment.
			time.Sleep(time.Duration(20+rng.IntN(200)) * time.Millisecond)
		} else {
			// The moment a seeded database's path appears, which is when
			// a half-made file would be there to be found.
			watch := filepath.Join(dir, fmt.Sprintf("db-%d.duckdb", rng.IntN(4)))
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
				if _, err := os.Lstat(watch); err == nil {
					break
				}
			}
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if stderr.Len() > 0 {
			t.Fatalf("round %d: the child failed: %s", round, stderr.String())
		}
		paths, err := filepath.Glob(filepath.Join(dir, "db-*.duckdb"))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			w, err := duckdbwarehouse.Open(ctx, p, nil)
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			opened++
		}
	}
	if opened == 0 {
		// A kill can come before the first database is made; every one
		// of them cannot.
		t.Fatalf("the %d killed processes left no database file to open", rounds)
	}
	t.Logf("%d database files left by %d killed processes, all open", opened, rounds)
}

// TestNewFileAppearsWhole checks how a new database file is made: nothing
// is at its path until the database is complete beside it, and once Open
// returns the private folder is gone.
func TestNewFileAppearsWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "new.duckdb")
	called := false
	duckdbwarehouse.SetBeforePublish(func(tmp string) {
		called = true
		if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("before the new database is published, Lstat(%s) = %v, want not exist", path, err)
		}
		if filepath.Dir(filepath.Dir(tmp)) != dir {
			t.Errorf("the new database is made in %s, not beside %s", tmp, path)
		}
	})
	defer duckdbwarehouse.SetBeforePublish(nil)
	ctx := t.Context()
	w, err := duckdbwarehouse.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Exec(ctx, "CREATE TABLE t AS SELECT 42 AS x"); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !called {
		t.Fatal("Open of a new path did not go through the private folder")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != "new.duckdb" {
		t.Errorf("the folder holds %v, want only new.duckdb", names)
	}

	// An existing database is opened in place, its rows intact.
	called = false
	w, err = duckdbwarehouse.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if called {
		t.Error("Open of an existing database made a new one")
	}
	rows, err := w.Query(ctx, "SELECT x FROM t")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var x int
	if !rows.Next() || rows.Scan(&x) != nil || x != 42 {
		t.Errorf("the table's row is lost: got %d", x)
	}
}

// TestEmptyFileIsExplained opens an empty file, which a kill during
// creation by an earlier version could leave: the error names the file
// and says it is empty, and the file is left alone.
func TestEmptyFileIsExplained(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.duckdb")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := duckdbwarehouse.Open(t.Context(), path, nil)
	if err == nil {
		t.Fatal("an empty file opened")
	}
	for _, want := range []string{path, "the file is empty"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
		t.Errorf("the empty file was changed: %v %v", fi, err)
	}
}
