package loadcheck

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/edqm/edqm/warehouse"
)

var want = []string{"id", "name"}

func TestReadHeader(t *testing.T) {
	for content, wantErr := range map[string]string{
		"id,name\n1,a\n":      "",
		"id,name":             "",
		"\"id\",name\r\n":     "",
		"":                    "line 1: empty file, want a header with 2 columns (id,name)",
		"\nid,name\n":         "line 1: blank, want the header",
		"id\n":                `column 2: want "name", the header has only 1 columns`,
		"id,name,extra\n":     `column 3: found extra column "extra"`,
		"id,Name\n":           `column 2: found "Name", want "name"`,
		"id,\"na\"me\n1,a\n":  "k.csv header, line 1, column",
		"id,\"never closed\n": "k.csv header",
	} {
		err := ReadHeader("k.csv", strings.NewReader(content), want)
		if wantErr == "" {
			if err != nil {
				t.Errorf("%q: %v", content, err)
			}
			continue
		}
		if !errors.Is(err, warehouse.ErrBadFile) || !strings.Contains(err.Error(), wantErr) || !strings.Contains(err.Error(), "k.csv") {
			t.Errorf("%q: error = %v, want ErrBadFile with %q", content, err, wantErr)
		}
	}
	broken := io.MultiReader(strings.NewReader("id,na"), errReader{errors.New("disk on fire")})
	if err := ReadHeader("k.csv", broken, want); errors.Is(err, warehouse.ErrBadFile) || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("read error = %v", err)
	}
	if err := ReadHeader("k.csv", errReader{context.Canceled}, want); err != context.Canceled {
		t.Errorf("cancelled read = %v, want context.Canceled itself", err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestCompareColumns(t *testing.T) {
	want := []Column{{"id", "VARCHAR"}, {"_line", "BIGINT"}}
	if err := CompareColumns("p", "t", []Column{{"ID", "varchar"}, {"_LINE", "bigint"}}, want); err != nil {
		t.Error(err)
	}
	for _, have := range [][]Column{
		{{"id", "VARCHAR"}},
		{{"id", "VARCHAR"}, {"_line", "BIGINT"}, {"x", "VARCHAR"}},
		{{"other", "VARCHAR"}, {"_line", "BIGINT"}},
		{{"id", "VARCHAR"}, {"_line", "VARCHAR"}},
	} {
		if err := CompareColumns("p", "t", have, want); err == nil || !strings.HasPrefix(err.Error(), "p: table t exists with other columns") {
			t.Errorf("%v: error = %v", have, err)
		}
	}
}
