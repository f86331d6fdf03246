package duckdbwarehouse_test

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
)

// holdEnv names the file a child process of TestLockedByAnotherProcess
// holds open until its standard input closes.
const holdEnv = "EDQM_TEST_HOLD_DUCKDB"

// TestMain lets the test binary act as the other process.
func TestMain(m *testing.M) {
	if path := os.Getenv(holdEnv); path != "" {
		// The child process has no test, so no t.Context.
		w, err := duckdbwarehouse.Open(context.Background(), path, nil)
		if err != nil {
			os.Stdout.WriteString("error " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("holding\n")
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
		_ = w.Close()
		os.Exit(0)
	}
	if dir := os.Getenv(createLoopEnv); dir != "" {
		createLoop(dir)
	}
	os.Exit(m.Run())
}

// TestLockedByAnotherProcess opens a database file that another process
// holds: the error matches warehouse.ErrLocked and names the file, and
// once the other process is gone the same Open succeeds.
func TestLockedByAnotherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "held.duckdb")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), holdEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "holding\n" {
		t.Fatalf("the holding process said %q (%v)", line, err)
	}

	ctx := t.Context()
	_, err = duckdbwarehouse.Open(ctx, path, nil)
	if !errors.Is(err, warehouse.ErrLocked) {
		t.Errorf("Open of a held file = %v, want an error matching warehouse.ErrLocked", err)
	}
	if err != nil && !strings.Contains(err.Error(), path) {
		t.Errorf("the error %q does not name the file", err)
	}

	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the holding process: %v", err)
	}
	w, err := duckdbwarehouse.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("Open after the other process closed it: %v", err)
	}
	w.Close()

	// An error that is not about a lock does not match ErrLocked.
	dir := filepath.Join(t.TempDir(), "a-folder.duckdb")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := duckdbwarehouse.Open(ctx, dir, nil); err == nil || errors.Is(err, warehouse.ErrLocked) {
		t.Errorf("Open of a folder = %v, want an error that is not ErrLocked", err)
	}
}

// TestOpenRefusesSettingsInThePath: DuckDB reads what follows a ? in its
// DSN as settings; Open refuses such a path without repeating the part
// after it.
func TestOpenRefusesSettingsInThePath(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{filepath.Join(dir, "x.duckdb?access_mode=read_only&motherduck_token=S3CRETtoken"), filepath.Join(dir, "x\x00.duckdb")} {
		_, err := duckdbwarehouse.Open(t.Context(), p, nil)
		if err == nil || !strings.Contains(err.Error(), "refused") || strings.Contains(err.Error(), "S3CRET") {
			t.Errorf("Open(%q) = %v, want a refusal that does not repeat the settings", p, err)
		}
	}
}
