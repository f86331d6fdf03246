package csvrec

import (
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReader checks each record's line, offsets, text and reason, across a
// quoting error that spans lines (the first line alone is rejected and
// reading starts again on the next one).
func TestReader(t *testing.T) {
	const file = "a,b\n" + // 1: header
		"1,x\n" + // 2
		"\"2,y\n" + // 3: the quote never closes on its line
		"3,z\n" + // 4
		"4\n" // 5: one field
	type got struct {
		line   int64
		text   string
		reason string
	}
	var recs []got
	p := NewReader(strings.NewReader(file))
	for {
		rec, err := p.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		require.Equal(t, string(rec.Text), file[rec.Start:rec.Start+int64(len(rec.Text))], "offsets of line %d", rec.Line)
		recs = append(recs, got{rec.Line, rec.Raw(), rec.Reason(2)})
	}
	require.Equal(t, []got{
		{1, "a,b", ""},
		{2, "1,x", ""},
		{3, `"2,y`, `line 3: extraneous or missing " in quoted-field (the quoted field is not closed on this line)`},
		{4, "3,z", ""},
		{5, "4", "line 5: 1 fields, want 2"},
	}, recs)
}
