package quality_test

import (
	"errors"
	"os"
	"testing"

	"github.com/edqm/edqm/quality"
)

// FuzzParseSchema feeds arbitrary YAML to the schema.yml loader: it must
// never panic, and every refusal must be a *SchemaError wrapping
// ErrBadSchema. Fuzz longer with:
// go test ./quality -run '^$' -fuzz FuzzParseSchema -fuzztime 60s
func FuzzParseSchema(f *testing.F) {
	orig, err := os.ReadFile("testdata/schema.yml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(orig)
	for _, s := range []string{"", "version: 2", "models: [", "models:\n  - name: m\n    columns:\n      - name: c\n        tests: [nope]",
		"models:\n  - name: m\n    columns:\n      - name: c\n        tests:\n          - relationships:\n              to: ref(\n",
		"sources: 7", "models:\n  - columns: {}", "\t\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := quality.ParseSchema("schema.yml", data, nil)
		if err == nil {
			return
		}
		var se *quality.SchemaError
		if !errors.Is(err, quality.ErrBadSchema) || !errors.As(err, &se) {
			t.Fatalf("ParseSchema error %v (%T) is not a *SchemaError wrapping ErrBadSchema", err, err)
		}
	})
}
