package chaosarrow_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/chaos/chaosarrow"
)

// The Example functions have no *testing.T: they use the background context,
// as a program would.

// Corrupt an Arrow record batch of the team's own schema. Columns that no
// corruption touched are shared with the input, not copied.
func ExampleInjectRecord() {
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "account", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := range 1000 {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.Int64Builder).Append(int64(1 + i%50))
		b.Field(2).(*array.Float64Builder).Append(12.5)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()

	accounts := make([]string, 50)
	for i := range accounts {
		accounts[i] = fmt.Sprint(i + 1)
	}
	spec := chaos.TableSpec{Table: "payments", Key: "id", Amount: "amount",
		ForeignKeys: []chaos.ForeignKey{{Column: "account", Keys: accounts}}}
	inj, err := chaos.New(chaos.Config{Seed: 1, VariantRates: chaos.VariantRates{Ghost: 0.01, Null: 0.01, Scaled: 0.02}})
	if err != nil {
		panic(err)
	}
	out, labels, err := chaosarrow.InjectRecord(context.Background(), inj, mem, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), spec, rec)
	if err != nil {
		panic(err)
	}
	defer out.Release()
	n := map[string]int{}
	for _, l := range labels {
		n[l.Variant]++
	}
	fmt.Println(out.NumRows(), "rows;", n["ghost"], "ghost,", n["null"], "null,", n["scaled"], "scaled")
	fmt.Println("id column shared:", out.Column(0) == rec.Column(0))
	fmt.Println(strings.Join([]string{labels[0].Column, labels[0].Variant, labels[0].Original, "→", labels[0].Injected}, " "))
	// Output:
	// 1000 rows; 10 ghost, 9 null, 24 scaled
	// id column shared: true
	// account null 24 →
}
