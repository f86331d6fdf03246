package generate_test

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/generate"
)

// counts returns the order count of each of n days from first.
func counts(t *testing.T, g *generate.Seeded, first time.Time, n int) []int {
	t.Helper()
	out := make([]int, n)
	for i := range n {
		rows, err := g.OrderRows(t.Context(), first.AddDate(0, 0, i))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = len(rows)
	}
	return out
}

func mean(xs []int) float64 {
	s := 0
	for _, x := range xs {
		s += x
	}
	return float64(s) / float64(len(xs))
}

// TestVolumeShape checks the daily volume of two default years: within
// [MinOrders, MaxOrders], about 100 a day, growing, with a weekday cycle
// and holiday peaks that a monitor can see.
func TestVolumeShape(t *testing.T) {
	g := mustNew(t, generate.Config{Seed: 3})
	first := generate.DefaultEpoch
	n := counts(t, g, first, 731)
	byWeekday := map[time.Weekday][]int{}
	var dec []int
	for i, c := range n {
		day := first.AddDate(0, 0, i)
		if c < generate.DefaultMinOrders || c > generate.DefaultMaxOrders {
			t.Fatalf("%s: %d orders, outside [%d, %d]", day.Format(time.DateOnly), c, generate.DefaultMinOrders, generate.DefaultMaxOrders)
		}
		byWeekday[day.Weekday()] = append(byWeekday[day.Weekday()], c)
		if day.Month() == time.December && day.Day() <= 20 {
			dec = append(dec, c)
		}
	}
	if m := mean(n); m < 80 || m > 120 {
		t.Errorf("mean %.1f orders a day, want about 100", m)
	}
	if y1, y2 := mean(n[:365]), mean(n[365:]); y2 < y1+4 {
		t.Errorf("no growth: %.1f orders a day the first year, %.1f the second", y1, y2)
	}
	if mon, sat := mean(byWeekday[time.Monday]), mean(byWeekday[time.Saturday]); mon < sat+10 {
		t.Errorf("no weekday cycle: Monday %.1f, Saturday %.1f", mon, sat)
	}
	at := func(d time.Time) int { return n[int(d.Sub(first).Hours()/24)] }
	for _, bf := range []time.Time{date(2024, 11, 29), date(2025, 11, 28)} {
		if c, base := at(bf), mean(n[int(bf.Sub(first).Hours()/24)-28:int(bf.Sub(first).Hours()/24)-7]); float64(c) < base*1.3 {
			t.Errorf("Black Friday %s: %d orders, the weeks before %.1f", bf.Format(time.DateOnly), c, base)
		}
	}
	if xmas, d := at(date(2024, 12, 25)), mean(dec); float64(xmas) > d*0.8 {
		t.Errorf("Christmas Day: %d orders, December 1-20 %.1f", xmas, d)
	}
	// Without holidays, Black Friday and Christmas are ordinary days; the
	// other days do not change.
	flat := counts(t, mustNew(t, generate.Config{Seed: 3, NoHolidays: true}), first, 731)
	for i, c := range flat {
		day := first.AddDate(0, 0, i)
		if m := day.Month(); m != time.November && m != time.December && !(m == time.January && day.Day() == 1) && c != n[i] {
			t.Fatalf("NoHolidays changed %s: %d orders, %d with holidays", day.Format(time.DateOnly), c, n[i])
		}
	}
	if bf := int(date(2024, 11, 29).Sub(first).Hours() / 24); float64(flat[bf]) > 1.2*mean(flat[bf-28:bf-7]) {
		t.Errorf("NoHolidays: Black Friday has %d orders, the weeks before %.1f", flat[bf], mean(flat[bf-28:bf-7]))
	}
	// MinOrders = MaxOrders fixes the count, holidays included.
	fixed := mustNew(t, generate.Config{Seed: 3, MinOrders: 7, MaxOrders: 7})
	for _, c := range counts(t, fixed, date(2024, 11, 25), 10) {
		if c != 7 {
			t.Fatalf("MinOrders = MaxOrders = 7 gave %d orders", c)
		}
	}
}

func TestPricesPerCategory(t *testing.T) {
	g := mustNew(t, generate.Config{Seed: 4, Products: 5000})
	rows, err := g.ProductRows(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	prices := map[string][]int64{}
	for _, p := range rows {
		if p.PriceCents < 500 || p.PriceCents > 50000 {
			t.Errorf("%s price %d cents outside 5.00–500.00", p.Category, p.PriceCents)
		}
		if e := p.PriceCents % 100; e != 99 && e != 49 && e != 95 && e != 0 {
			t.Errorf("price %s does not end in .99, .49, .95 or .00", edqm.FormatCents(p.PriceCents))
		}
		prices[p.Category] = append(prices[p.Category], p.PriceCents)
	}
	if len(prices) != 10 {
		t.Fatalf("%d categories, want 10", len(prices))
	}
	median := func(c string) int64 {
		v := slices.Clone(prices[c])
		slices.Sort(v)
		return v[len(v)/2]
	}
	for _, pair := range [][2]string{{"Electronics", "Books"}, {"Electronics", "Clothing"}, {"Home & Kitchen", "Grocery"}, {"Clothing", "Books"}} {
		if hi, lo := median(pair[0]), median(pair[1]); hi < 2*lo {
			t.Errorf("median %s %d cents, %s %d: categories do not differ", pair[0], hi, pair[1], lo)
		}
	}
	// Skewed: most books are cheap, with a long tail.
	books := prices["Books"]
	if m, top := median("Books"), slices.Max(books); m > 2000 || top < 4000 {
		t.Errorf("books: median %d, max %d cents; want a median under 20.00 and a tail to 40.00 and more", m, top)
	}
	if n := len(prices["Clothing"]); n < len(prices["Garden"]) {
		t.Errorf("%d clothing products, %d garden: the shares are not weighted", n, len(prices["Garden"]))
	}
}

// share returns the share of rows for which f is true, over days from first.
func share(t *testing.T, g *generate.Seeded, first time.Time, days int, f func(generate.Order) bool) (float64, int) {
	t.Helper()
	hit, total := 0, 0
	for i := range days {
		rows, err := g.OrderRows(t.Context(), first.AddDate(0, 0, i))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range rows {
			total++
			if f(o) {
				hit++
			}
		}
	}
	return float64(hit) / float64(total), total
}

// within checks that an observed share p of n is within 5 binomial sigmas
// of want.
func within(t *testing.T, what string, p float64, n int, want float64) {
	t.Helper()
	if sigma := math.Sqrt(want * (1 - want) / float64(n)); math.Abs(p-want) > 5*sigma+1e-9 {
		t.Errorf("%s: %.4f of %d orders, want %.4f ± %.4f", what, p, n, want, 5*sigma)
	}
}

func TestQuantityMix(t *testing.T) {
	g := mustNew(t, generate.Config{Seed: 6})
	for q, want := range map[int]float64{1: .50, 2: .25, 3: .12, 4: .08, 5: .05} {
		p, n := share(t, g, date(2025, 2, 1), 60, func(o generate.Order) bool { return o.Quantity == q })
		within(t, "quantity "+strconv.Itoa(q), p, n, want)
	}
}

// TestStatusByAge checks the lifecycle: observed on their own day (the
// default), orders are mostly PENDING or SHIPPED; observed a month later,
// COMPLETED or CANCELLED; in between, PENDING falls and COMPLETED rises
// with age.
func TestStatusByAge(t *testing.T) {
	first := date(2025, 3, 1)
	const days = 60
	status := func(s string) func(generate.Order) bool { return func(o generate.Order) bool { return o.Status == s } }
	def := mustNew(t, generate.Config{Seed: 8})
	for s, want := range map[string]float64{"PENDING": .688, "SHIPPED": .2594, "COMPLETED": .0226, "CANCELLED": .03} {
		p, n := share(t, def, first, days, status(s))
		within(t, "age 0, "+s, p, n, want)
	}
	// Observed on their own day: the same rows as the default.
	same := mustNew(t, generate.Config{Seed: 8, AsOf: first})
	if a, b := csvOf(t, orders(t, def, first)), csvOf(t, orders(t, same, first)); a != b {
		t.Error("AsOf on the order day differs from the default")
	}
	// Orders placed after AsOf are observed on their own day too.
	early := mustNew(t, generate.Config{Seed: 8, AsOf: first.AddDate(0, 0, -10)})
	if a, b := csvOf(t, orders(t, def, first)), csvOf(t, orders(t, early, first)); a != b {
		t.Error("an AsOf before the order day changed the statuses")
	}
	late := mustNew(t, generate.Config{Seed: 8, AsOf: first.AddDate(0, 0, days+30)})
	for s, want := range map[string]float64{"COMPLETED": .94, "CANCELLED": .06, "PENDING": 0, "SHIPPED": 0} {
		p, n := share(t, late, first, days, status(s))
		within(t, "settled, "+s, p, n, want)
	}
	// Only the status depends on AsOf.
	a, b := orders(t, def, first), orders(t, late, first)
	for i := range a.Rows {
		if strings.Join(a.Rows[i][:6], ",") != strings.Join(b.Rows[i][:6], ",") {
			t.Fatalf("AsOf changed more than the status: %v vs %v", a.Rows[i], b.Rows[i])
		}
	}
	// PENDING falls and COMPLETED rises with the age at the snapshot,
	// pooled over twenty snapshot days.
	var pending, completed [8]float64
	for k := range 20 {
		asOf := date(2025, 6, 10).AddDate(0, 0, k)
		snap := mustNew(t, generate.Config{Seed: 8, AsOf: asOf})
		for age := range 8 {
			p, _ := share(t, snap, asOf.AddDate(0, 0, -age), 1, status("PENDING"))
			c, _ := share(t, snap, asOf.AddDate(0, 0, -age), 1, status("COMPLETED"))
			pending[age] += p / 20
			completed[age] += c / 20
		}
	}
	for age := 1; age < 8; age++ {
		if pending[age] > pending[age-1]+0.01 || completed[age] < completed[age-1]-0.01 {
			t.Errorf("age %d: PENDING %.3f (age %d: %.3f), COMPLETED %.3f (%.3f)", age, pending[age], age-1, pending[age-1], completed[age], completed[age-1])
		}
	}
	if pending[0] < 0.6 || pending[3] > 0.02 || completed[7] < 0.7 {
		t.Errorf("PENDING by age %.3f, COMPLETED by age %.3f", pending, completed)
	}
}
