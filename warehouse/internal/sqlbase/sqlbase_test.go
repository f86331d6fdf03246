package sqlbase

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestFirstLine(t *testing.T) {
	assert.Equal(t, "SELECT 1", FirstLine("\n  SELECT 1  \nFROM t"))
	long := strings.Repeat("é", 80) // 160 bytes
	got := FirstLine(long)
	assert.True(t, utf8.ValidString(got), "cut inside a character: %q", got)
	assert.Equal(t, strings.Repeat("é", 50)+"…", got)
}

func TestError(t *testing.T) {
	b := Base{Pkg: "pkgname"}
	errDriver := errors.New("boom")
	err := b.Error("exec", "INSERT INTO t VALUES (?)\nmore", errDriver)
	assert.EqualError(t, err, `pkgname: exec "INSERT INTO t VALUES (?)": boom`)
	assert.ErrorIs(t, err, errDriver)

	assert.Equal(t, context.Canceled, b.Error("query", "SELECT 1", context.Canceled))
	wrapped := fmt.Errorf("driver: %w", context.DeadlineExceeded)
	assert.Equal(t, wrapped, b.Error("query", "SELECT 1", wrapped), "a context error is not wrapped again")
}

func TestAs(t *testing.T) {
	b := Base{}
	var s string
	assert.False(t, b.As(&s))
	assert.False(t, b.As(nil))
}
