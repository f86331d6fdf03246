package edqm_test

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm"
)

func ExampleFormatCents() {
	fmt.Println(edqm.FormatCents(12999), edqm.FormatCents(5), edqm.FormatCents(-250))
	c, err := edqm.ParseCents("436.25")
	fmt.Println(c, err)
	// Output:
	// 129.99 0.05 -2.50
	// 43625 <nil>
}

func ExampleFormatUUID() {
	fmt.Println(edqm.FormatUUID(0x0123456789abcdef, 0xfedcba9876543210))
	// Output:
	// 01234567-89ab-4def-bedc-ba9876543210
}

func TestFormatParseCents(t *testing.T) {
	for c, s := range map[int64]string{0: "0.00", 5: "0.05", 10: "0.10", 12999: "129.99", -5: "-0.05", -250: "-2.50", 100000000: "1000000.00"} {
		assert.Equal(t, s, edqm.FormatCents(c), "FormatCents(%d)", c)
		got, err := edqm.ParseCents(s)
		require.NoError(t, err, "ParseCents(%q)", s)
		assert.Equal(t, c, got, "ParseCents(%q)", s)
	}
	for s, c := range map[string]int64{"12": 1200, "12.5": 1250, "+3.01": 301, "-0": 0} {
		got, err := edqm.ParseCents(s)
		require.NoError(t, err, "ParseCents(%q)", s)
		assert.Equal(t, c, got, "ParseCents(%q)", s)
	}
	for _, s := range []string{"", "-", ".5", "1.", "1.234", "1e3", " 1.00", "1,00", "abc", "12345678901234567.00"} {
		got, err := edqm.ParseCents(s)
		assert.Error(t, err, "ParseCents(%q) = %d, want an error", s, got)
	}
}

func TestFormatUUID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	assert.Equal(t, "01234567-89ab-4def-bedc-ba9876543210", edqm.FormatUUID(0x0123456789abcdef, 0xfedcba9876543210))
	r := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		hi, lo := r.Uint64(), r.Uint64()
		s := edqm.FormatUUID(hi, lo)
		require.Regexp(t, re, s)
		assert.Equal(t, "x="+s, string(edqm.AppendUUID([]byte("x="), hi, lo)))
	}
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		var buf [36]byte
		_ = edqm.AppendUUID(buf[:0], 1, 2)
	}), "AppendUUID into a slice with room allocates")
}
