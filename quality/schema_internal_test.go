package quality

import (
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestSchemaTestsHaveBuilders: every test name schema.yml may use has a
// builder, and every builder is listed in SchemaTests.
func TestSchemaTestsHaveBuilders(t *testing.T) {
	assert.ElementsMatch(t, SchemaTests, slices.Collect(maps.Keys(testBuilders)))
}
