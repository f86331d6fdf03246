package chaos_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/chaos"
)

func labelsCSV(t *testing.T, labels []chaos.Label) string {
	t.Helper()
	tab := chaos.LabelsTable(labels)
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	require.NoError(t, w.Write(tab.Columns))
	require.NoError(t, w.WriteAll(tab.Rows))
	return b.String()
}

func TestReadLabelsRoundTrip(t *testing.T) {
	w := getWorld(t)
	day := date(2024, 5, 1)
	_, labels, err := mustNew(t, chaos.Config{Seed: 4, Rates: chaos.Uniform(0.3), Mode: chaos.Stacked}).Inject(t.Context(), day, w.spec(), w.orders(t, day))
	require.NoError(t, err)
	require.NotEmpty(t, labels)
	got, err := chaos.ReadLabels(strings.NewReader(labelsCSV(t, labels)), "labels.csv")
	require.NoError(t, err)
	want := make([]chaos.Label, len(labels))
	for i, l := range labels {
		l.MaskedBy = "" // the file does not record it
		want[i] = l
	}
	assert.Equal(t, want, got)

	withMask := "table_name,day,key,occurrence,kind,variant,column_name,original,injected,masked_by\n" +
		"orders,2024-05-01,o1,1,calculation,scaled,total_amount,1.00,2.00,integrity\n"
	got, err = chaos.ReadLabels(strings.NewReader(withMask), "new.csv")
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, chaos.Integrity, got[0].MaskedBy)
}

func TestReadLabelsRejectsBadLines(t *testing.T) {
	const header = "table_name,day,key,occurrence,kind,variant,column_name,original,injected\n"
	const good = "orders,2024-05-01,o1,1,calculation,scaled,total_amount,1.00,2.00\n"
	for _, tc := range []struct{ name, file, want string }{
		{"unknown kind", header + good + "orders,2024-05-01,o2,1,gremlins,scaled,total_amount,1.00,2.00\n", `labels.csv line 3: unknown kind "gremlins"`},
		{"unknown variant", header + "orders,2024-05-01,o2,1,temporal,scaled,order_date,a,b\n", `labels.csv line 2: kind temporal has no variant "scaled"`},
		{"too few fields", header + good + "orders,2024-05-01,o2,1,calculation\n", "labels.csv line 3: 5 fields, want 9"},
		{"too many fields", header + "orders,2024-05-01,o2,1,calculation,scaled,total_amount,1.00,2.00,x,y\n", "labels.csv line 2: 11 fields, want 9"},
		{"bad occurrence", header + "orders,2024-05-01,o2,two,calculation,scaled,total_amount,1.00,2.00\n", `labels.csv line 2: occurrence "two"`},
		{"zero occurrence", header + "orders,2024-05-01,o2,0,calculation,scaled,total_amount,1.00,2.00\n", `labels.csv line 2: occurrence "0"`},
		{"truncated", header + good + "orders,2024-05-01,o2,1,calcul", "labels.csv line 3: the file ends inside the line"},
		{"bad header", "table_name,day\n" + good, "labels.csv line 1: header"},
		{"empty", "", "labels.csv line 1: empty file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := chaos.ReadLabels(strings.NewReader(tc.file), "labels.csv")
			require.ErrorIs(t, err, chaos.ErrBadLabels)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
