package parquetfile_test

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/edqm/edqm/generate"
	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/landing/parquetfile"
)

// Example lands a day of orders as Parquet, from the generator's Arrow
// batches, and reads it back.
func Example() {
	ctx := context.Background()
	gen, err := generate.New(generate.Config{Seed: 42})
	if err != nil {
		panic(err)
	}
	day := time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
	r, err := gen.NewOrderReader(ctx, day, day, nil)
	if err != nil {
		panic(err)
	}
	defer r.Release()
	var buf bytes.Buffer
	if _, err := parquetfile.WriteAll(ctx, &buf, r, &parquetfile.Options{Codec: parquetfile.Zstd}); err != nil {
		panic(err)
	}

	l := memlanding.New()
	key := landing.DataKey("orders", day, parquetfile.Extension)
	if err := l.Put(ctx, key, &buf); err != nil {
		panic(err)
	}
	rc, err := l.Get(ctx, key)
	if err != nil {
		panic(err)
	}
	defer rc.Close()
	t, err := parquetfile.ReadTable(ctx, key, rc)
	if err != nil {
		panic(err)
	}
	fmt.Println(key)
	fmt.Println(t.Columns)
	fmt.Println(t.Rows[0][3:6])
	// Output:
	// orders/date=2026-03-09/orders-2026-03-09.parquet
	// [order_id customer_id product_id quantity total_amount order_date status]
	// [2 150.00 2026-03-09]
}
