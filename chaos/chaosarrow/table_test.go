package chaosarrow_test

import (
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/chaos/chaosarrow"
)

// TestTableRequired: with an empty spec.Table, InjectRecord and
// NewRecordReader return an error wrapping chaos.ErrInvalidSpec that says
// so, and leak nothing (a checked allocator).
func TestTableRequired(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "state", Type: arrow.BinaryTypes.String},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := range 10 {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.StringBuilder).Append("OPEN")
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	j, err := chaos.New(chaos.Config{Seed: 1, Rates: chaos.Uniform(0.1)})
	require.NoError(t, err)
	spec := chaos.TableSpec{Key: "id", Status: "state", Accepted: []string{"OPEN", "CLOSED"}}
	day := time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)

	out, labels, err := chaosarrow.InjectRecord(t.Context(), j, mem, day, spec, rec)
	require.ErrorIs(t, err, chaos.ErrInvalidSpec)
	assert.Contains(t, err.Error(), "Table is empty")
	assert.Nil(t, out)
	assert.Nil(t, labels)

	src, err := array.NewRecordReader(schema, []arrow.RecordBatch{rec})
	require.NoError(t, err)
	defer src.Release()
	r, err := chaosarrow.NewRecordReader(t.Context(), j, spec, src, &chaosarrow.ReaderOptions{Allocator: mem, Day: day})
	require.ErrorIs(t, err, chaos.ErrInvalidSpec)
	assert.Contains(t, err.Error(), "Table is empty")
	assert.Nil(t, r)

	spec.Table = "accounts"
	out, _, err = chaosarrow.InjectRecord(t.Context(), j, mem, day, spec, rec)
	require.NoError(t, err, "the same spec with its table named")
	out.Release()
}
