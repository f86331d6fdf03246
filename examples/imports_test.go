// Package examples_test checks that the example programs are composed only
// through the module's public API, so that a team can copy them.
package examples_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/edqm/edqm"

// testOnly are the internal packages the examples' tests may import: test
// helpers, never needed by a copied program.
var testOnly = map[string]bool{module + "/internal/syncbuf": true}

// TestExamplesImportNoInternalPackage lists every program under examples/
// with go list: none imports a package under an internal/ folder of this
// module; their tests import none but the test helpers in testOnly.
func TestExamplesImportNoInternalPackage(t *testing.T) {
	out, err := exec.CommandContext(t.Context(), "go", "list", "-f",
		`{{.ImportPath}}|{{.Name}}|{{join .Imports " "}}|{{join .TestImports " "}} {{join .XTestImports " "}}`, "./...").Output()
	require.NoError(t, err, "go list: %s", errOutput(err))
	programs := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.SplitN(line, "|", 4)
		require.Len(t, f, 4, line)
		if f[1] == "main" {
			programs++
		}
		for _, imp := range strings.Fields(f[2]) {
			require.False(t, internal(imp), "%s imports %s", f[0], imp)
		}
		for _, imp := range strings.Fields(f[3]) {
			require.False(t, internal(imp) && !testOnly[imp], "the tests of %s import %s", f[0], imp)
		}
	}
	require.GreaterOrEqual(t, programs, 4, "bench, compile, dashboard and full")
}

// internal reports whether imp is a package under an internal/ folder of
// this module.
func internal(imp string) bool {
	return (imp == module || strings.HasPrefix(imp, module+"/")) &&
		(strings.Contains(imp, "/internal/") || strings.HasSuffix(imp, "/internal"))
}

// TestCopiedFullBuildsOutsideTheModule copies examples/full/main.go into a
// module of its own (requiring this one through a replace directive) and
// builds it: what the README tells a team to do.
func TestCopiedFullBuildsOutsideTheModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program outside the module")
	}
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("full", "main.go"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), src, 0o644))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644))
	mod := "module example.com/copied\n\ngo 1.26\n\nrequire " + module + " v0.0.0\n\nreplace " + module + " => " + filepath.ToSlash(root) + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644))
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", filepath.Join(dir, "full"), ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "CGO_ENABLED=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build of the copy:\n%s", out)
	out, err = exec.CommandContext(t.Context(), filepath.Join(dir, "full"), "-data", filepath.Join(dir, "data"),
		"-now", "2026-03-10", "-days", "2").CombinedOutput()
	require.NoError(t, err, "the copy's run:\n%s", out)
	require.Contains(t, string(out), "Data Health Score")
}

// errOutput returns the standard error of a failed command, if any.
func errOutput(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
