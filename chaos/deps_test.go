package chaos_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDependencies keeps chaos light for teams that only want test data:
// it depends on the standard library and the module's root package only,
// never on Arrow, generate or any other module.
func TestDependencies(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	cmd := exec.CommandContext(t.Context(), goCmd, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".")
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		t.Logf("go list: %s", ee.Stderr)
	}
	require.NoError(t, err)
	var deps []string
	for _, p := range strings.Fields(string(out)) {
		if p != "github.com/edqm/edqm" && p != "github.com/edqm/edqm/chaos" && p != "github.com/edqm/edqm/chaos/internal/cells" {
			deps = append(deps, p)
		}
	}
	assert.Empty(t, deps, "chaos depends on packages outside the standard library and the module root")
}
