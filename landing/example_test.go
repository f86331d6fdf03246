package landing_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/edqm/edqm/landing"
	_ "github.com/edqm/edqm/landing/filelanding" // registers file://
)

// The Example functions have no *testing.T: they use the background context,
// as a program would.

// A runner lands a day's file, then advances the watermark.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "edqm-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	l, err := landing.Open(ctx, "file://"+dir, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()

	day := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	key := landing.DataKey("orders", day, "csv")
	if err := l.Put(ctx, key, strings.NewReader("order_id,amount\n1,9.99\n")); err != nil {
		fmt.Println(err)
		return
	}
	objs, err := l.List(ctx, "orders/")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range objs {
		fmt.Println(o.Key, o.Size)
	}

	w := landing.NewWatermark(l)
	prev, ok, err := w.Load(ctx)
	fmt.Println("mark before:", ok, err)
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	if _, err := w.Advance(ctx, prev, day, now); err != nil {
		fmt.Println(err)
		return
	}
	m, ok, err := w.Load(ctx)
	fmt.Println("mark after:", ok, m.LastDay.Format("2006-01-02"), m.UpdatedAt.Format(time.RFC3339), err)

	// A second runner that loaded the old mark loses.
	_, err = w.Advance(ctx, prev, day.AddDate(0, 0, 1), now)
	fmt.Println("stale advance:", errors.Is(err, landing.ErrConflict))
	// Output:
	// orders/date=2025-01-01/orders-2025-01-01.csv 23
	// mark before: false <nil>
	// mark after: true 2025-01-01 2025-01-02T03:04:05Z <nil>
	// stale advance: true
}
