package pipeline

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEachIndex: every index runs once when none fails; when some fail,
// the error is the lowest failing index's, as a loop in order would give,
// and indices after a failure stop being started.
func TestEachIndex(t *testing.T) {
	const n = 1000
	var ran [n]atomic.Int32
	require.NoError(t, eachIndex(n, func(i int) error { ran[i].Add(1); return nil }))
	for i := range ran {
		require.Equal(t, int32(1), ran[i].Load(), "index %d", i)
	}
	require.NoError(t, eachIndex(0, func(int) error { return errors.New("never") }))

	for range 20 {
		var started atomic.Int32
		err := eachIndex(n, func(i int) error {
			started.Add(1)
			if i == 7 || i == 9 || i == 500 {
				return fmt.Errorf("file %d", i)
			}
			return nil
		})
		assert.EqualError(t, err, "file 7")
		assert.Less(t, started.Load(), int32(n), "indices after a failure are not started")
	}
}
