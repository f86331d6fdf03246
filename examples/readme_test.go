package examples_test

import (
	"bufio"
	"bytes"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readmeBlock is a ```go block of the README: its text and the line of
// its first line in the README.
type readmeBlock struct {
	line int
	code string
}

// readmeBlocks returns the README's ```go blocks.
func readmeBlocks(t *testing.T, readme string) []readmeBlock {
	t.Helper()
	var blocks []readmeBlock
	var cur *readmeBlock
	sc := bufio.NewScanner(strings.NewReader(readme))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && strings.TrimSpace(line) == "```go":
			cur = &readmeBlock{line: n + 1}
		case cur != nil && strings.TrimSpace(line) == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.code += line + "\n"
		}
	}
	require.NoError(t, sc.Err())
	require.Nil(t, cur, "README: the ```go block of line %d is not closed", func() int {
		if cur == nil {
			return 0
		}
		return cur.line
	}())
	return blocks
}

// readmeGivens are the names the README's fragments use without declaring
// them, as a reader's code would have them: the fragment is type-checked
// as the body of a function taking them as parameters (so that a fragment
// that does not use one is not an error).
var readmeGivens = []struct{ name, typ string }{
	{"ctx", "context.Context"},
	{"t", "*testing.T"},
	{"pw", "string"},
	{"customerIDs", "[]string"},
	{"day", "time.Time"},
	{"invoices", "[]invoice"},
	{"mem", "memory.Allocator"},
	{"rec", "arrow.RecordBatch"},
}

// readmeTypes declares the types the givens use that no package has.
const readmeTypes = `
type invoice struct {
	InvoiceID  string    ` + "`edqm:\"invoice_id\"`" + `
	CustomerID string    ` + "`edqm:\"customer_id\"`" + `
	Units      int       ` + "`edqm:\"units\"`" + `
	UnitPrice  string    ` + "`edqm:\"unit_price\"`" + `
	Total      string    ` + "`edqm:\"total\"`" + `
	IssuedOn   time.Time ` + "`edqm:\"issued_on\"`" + `
	State      string    ` + "`edqm:\"state\"`" + `
}
`

// stdPackages are the standard packages a README fragment may name.
var stdPackages = []string{"context", "errors", "fmt", "io", "log/slog", "os", "testing", "time"}

// TestReadmeGoBlocksCompile type-checks every ```go block of the README
// against the module's packages: a block of declarations as a file, a
// fragment of statements as the body of a function returning an error,
// with the names it uses but does not declare (ctx, t...) given as
// parameters and the imports its package selectors name. A variable a
// fragment declares and leaves unused is not an error (the reader goes on
// with it); anything else is, reported at its README line.
func TestReadmeGoBlocksCompile(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	require.NoError(t, err)
	blocks := readmeBlocks(t, string(readme))
	require.NotEmpty(t, blocks, "the README has no ```go block")
	paths := modulePackages(t)
	files := make([]string, len(blocks))
	imports := map[string]bool{"context": true, "testing": true, "time": true}
	for i, b := range blocks {
		files[i] = wrapBlock(b.code)
		for _, p := range usedPackages(files[i], paths) {
			imports[p] = true
		}
	}
	imp := exportImporter(t, slices.Sorted(func(yield func(string) bool) {
		for p := range imports {
			if !yield(p) {
				return
			}
		}
	}))
	for i, b := range blocks {
		t.Run(fmt.Sprintf("README line %d", b.line), func(t *testing.T) {
			for _, e := range typeCheck(files[i], paths, imp) {
				assert.Fail(t, "does not compile", "README.md:%d: %s\n%s", b.line+e.line, e.msg, b.code)
			}
		})
	}
}

// wrapBlock returns the file body of a block: the block itself when it
// declares (func, type, var, const at its start), else a function whose
// body it is.
func wrapBlock(code string) string {
	first := strings.TrimSpace(code)
	for _, kw := range []string{"func ", "type ", "var ", "const "} {
		if strings.HasPrefix(first, kw) {
			return code
		}
	}
	var params []string
	for _, g := range readmeGivens {
		params = append(params, g.name+" "+g.typ)
	}
	return "func _(" + strings.Join(params, ", ") + ") error {\n" + code + "return nil\n}\n"
}

// modulePackages maps the package names a fragment may use to their
// import paths: the standard ones of stdPackages, the module's, Arrow's.
func modulePackages(t *testing.T) map[string]string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "go", "list", "-f", "{{.Name}} {{.ImportPath}}", "github.com/edqm/edqm/...").Output()
	require.NoError(t, err, "go list: %s", errOutput(err))
	paths := map[string]string{"arrow": "github.com/apache/arrow-go/v18/arrow", "memory": "github.com/apache/arrow-go/v18/arrow/memory"}
	for _, p := range stdPackages {
		paths[filepath.Base(p)] = p
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		name, path, _ := strings.Cut(line, " ")
		if old, ok := paths[name]; name != "main" && (!ok || len(path) < len(old)) {
			paths[name] = path
		}
	}
	return paths
}

// usedPackages returns the import paths of the packages body's selectors
// name (X.Sel where X is a known package name); a body that does not
// parse names none, and typeCheck reports it.
func usedPackages(body string, paths map[string]string) []string {
	f, err := parser.ParseFile(token.NewFileSet(), "block.go", "package readme\n"+body, 0)
	if err != nil {
		return nil
	}
	var used []string
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && paths[id.Name] != "" && !slices.Contains(used, paths[id.Name]) {
				used = append(used, paths[id.Name])
			}
		}
		return true
	})
	return used
}

// exportImporter returns an importer reading the export data go list
// -export builds for pkgs and their dependencies (cgo ones included).
func exportImporter(t *testing.T, pkgs []string) types.Importer {
	t.Helper()
	args := append([]string{"list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}"}, pkgs...)
	out, err := exec.CommandContext(t.Context(), "go", args...).Output()
	require.NoError(t, err, "go list -export: %s", errOutput(err))
	export := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, file, _ := strings.Cut(line, "\t")
		export[path] = file
	}
	return importer.ForCompiler(token.NewFileSet(), "gc", func(path string) (io.ReadCloser, error) {
		file := export[path]
		if file == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	})
}

// blockError is an error in a block, at a line counted from the block's
// first line (0).
type blockError struct {
	line int
	msg  string
}

// typeCheck parses and type-checks body with its imports, the givens'
// types and readmeTypes, and returns its errors but unused variables and
// imports (the imports are the test's guess, not the README's).
func typeCheck(body string, paths map[string]string, imp types.Importer) []blockError {
	var src bytes.Buffer
	src.WriteString("package readme\n")
	var imported []string
	for _, p := range append(usedPackages(body, paths), "context", "testing", "time", paths["memory"], paths["arrow"]) {
		if !slices.Contains(imported, p) {
			imported = append(imported, p)
			fmt.Fprintf(&src, "import %q\n", p)
		}
	}
	header := strings.Count(src.String(), "\n")
	if strings.HasPrefix(body, "func _(") {
		header++ // the wrapping function's first line
	}
	src.WriteString(body)
	src.WriteString(readmeTypes)
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "block.go", src.String(), 0)
	if err != nil {
		return []blockError{{line: 0, msg: err.Error()}}
	}
	var errs []blockError
	conf := types.Config{Importer: imp, Error: func(err error) {
		te, ok := err.(types.Error)
		if ok && (strings.Contains(te.Msg, "declared and not used") || strings.Contains(te.Msg, "imported and not used")) {
			return
		}
		line := 0
		if ok {
			line = max(0, fset.Position(te.Pos).Line-1-header)
		}
		errs = append(errs, blockError{line: line, msg: err.Error()})
	}}
	_, _ = conf.Check("readme", fset, []*ast.File{f}, nil)
	return errs
}

// TestReadmeCheckerCatchesErrors: the checker reports what a reader's
// compiler would, at the block's line (the README's old warehouse.Open
// call with two arguments, an unknown field), and accepts a good block.
func TestReadmeCheckerCatchesErrors(t *testing.T) {
	paths := modulePackages(t)
	imp := exportImporter(t, []string{"context", "testing", "time", paths["warehouse"], paths["memory"], paths["arrow"]})
	good := "wh, err := warehouse.Open(ctx, \"duckdb://memory\", nil)\nif err != nil { return err }\ndefer wh.Close()\n"
	assert.Empty(t, typeCheck(wrapBlock(good), paths, imp))
	bad := "// the README before\nwh, err := warehouse.Open(ctx, \"duckdb://memory\")\n_ = wh.Nope\n"
	errs := typeCheck(wrapBlock(bad), paths, imp)
	require.Len(t, errs, 2, "%v", errs)
	assert.Equal(t, 1, errs[0].line)
	assert.Contains(t, errs[0].msg, "not enough arguments in call to warehouse.Open")
	assert.Equal(t, 2, errs[1].line)
	assert.Contains(t, errs[1].msg, "wh.Nope undefined")
	decl := "func TestX(t *testing.T) {\n\tvar n int = \"x\"\n}\n"
	errs = typeCheck(wrapBlock(decl), paths, imp)
	require.Len(t, errs, 1, "%v", errs)
	assert.Equal(t, 1, errs[0].line)
}
