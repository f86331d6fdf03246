package chaos_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/generate"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// world is a generator with its catalogue, for building inputs and
// evaluating the downstream flags.
type world struct {
	gen   *generate.Seeded
	price map[string]int64
}

var (
	worldOnce sync.Once
	theWorld  *world
)

func getWorld(t testing.TB) *world {
	t.Helper()
	worldOnce.Do(func() {
		g, err := generate.New(generate.Config{Seed: 99})
		if err != nil {
			panic(err)
		}
		p, err := g.Products(t.Context())
		if err != nil {
			panic(err)
		}
		w := &world{gen: g, price: map[string]int64{}}
		for _, r := range p.Rows {
			c, err := edqm.ParseCents(r[p.MustCol("price")])
			if err != nil {
				panic(err)
			}
			w.price[r[p.MustCol("product_id")]] = c
		}
		theWorld = w
	})
	return theWorld
}

func (w *world) orders(t testing.TB, day time.Time) *edqm.Table {
	t.Helper()
	o, err := w.gen.Orders(t.Context(), day)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (w *world) spec() chaos.TableSpec { return chaos.OrdersSpec(w.gen.SignupDate) }

func mustNew(t testing.TB, cfg chaos.Config) *chaos.Injector {
	t.Helper()
	j, err := chaos.New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return j
}

func csvOf(t testing.TB, tab *edqm.Table) string {
	t.Helper()
	s, err := toCSV(tab)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// toCSV is csvOf for goroutines, which must not call t.Fatal.
func toCSV(tab *edqm.Table) (string, error) {
	var b bytes.Buffer
	err := edqm.WriteCSV(&b, tab)
	return b.String(), err
}

func only(k chaos.Kind, p float64) chaos.Rates {
	var r chaos.Rates
	switch k {
	case chaos.Calculation:
		r.Calculation = p
	case chaos.Temporal:
		r.Temporal = p
	case chaos.Integrity:
		r.Integrity = p
	case chaos.Domain:
		r.Domain = p
	case chaos.Duplication:
		r.Duplication = p
	}
	return r
}

// messy appends rows that stress the variants' guards: NULL and malformed
// cells, zero and tiny amounts, unknown references, statuses already bad.
func messy(t *edqm.Table) *edqm.Table {
	t = t.Clone()
	base := t.Rows[0]
	edits := []map[string]string{
		{"total_amount": ""},
		{"total_amount": "abc"},
		{"total_amount": "0.00", "quantity": "0"},
		{"total_amount": "0.05", "quantity": "1"},
		{"total_amount": "-3.00"},
		{"status": ""},
		{"status": "Shipped!"},
		{"quantity": "x"},
		{"quantity": "", "total_amount": ""},
		{"customer_id": ""},
		{"customer_id": "not-a-customer"},
		{"product_id": "", "customer_id": ""},
		{"order_date": ""},
		{"order_date": "2099-01-01"},
		{"quantity": "1001"},
	}
	for i, e := range edits {
		r := slices.Clone(base)
		r[t.MustCol("order_id")] = fmt.Sprintf("messy-%02d", i)
		for c, v := range e {
			r[t.MustCol(c)] = v
		}
		t.Rows = append(t.Rows, r)
	}
	return t
}

type cellKey struct {
	key    string
	occ    int
	column string
}

// checkLabels proves that out is in plus exactly the labelled changes:
// every differing cell has exactly one label whose Original and Injected
// are the values before and after, every added row has a "*" label and
// sits right after its source, and every label matches a real change.
// Keys of in must be unique.
func checkLabels(t *testing.T, in, out *edqm.Table, labels []chaos.Label, day time.Time, spec chaos.TableSpec) {
	t.Helper()
	keyCol := in.MustCol(spec.Key)
	byCell := map[cellKey]chaos.Label{}
	for _, l := range labels {
		ck := cellKey{l.Key, l.Occurrence, l.Column}
		if _, dup := byCell[ck]; dup {
			t.Fatalf("two labels for %+v", ck)
		}
		byCell[ck] = l
		if l.Table != in.Name || l.Day != day.Format(edqm.DateLayout) {
			t.Fatalf("label %+v: table or day wrong", l)
		}
		if !slices.Contains(chaos.Variants[l.Kind], l.Variant) {
			t.Fatalf("label %+v: unknown kind or variant", l)
		}
		if l.Occurrence != 1 && l.Occurrence != 2 {
			t.Fatalf("label %+v: occurrence", l)
		}
	}
	used := 0
	claim := func(ck cellKey, orig, got string) {
		l, ok := byCell[ck]
		if !ok {
			t.Fatalf("cell %+v changed from %q to %q without a label", ck, orig, got)
		}
		if l.Original != orig || l.Injected != got {
			t.Fatalf("label %+v does not match the change %q → %q", l, orig, got)
		}
		used++
	}
	if !slices.Equal(in.Columns, out.Columns) || in.Name != out.Name {
		t.Fatalf("columns or name changed: %v %q", out.Columns, out.Name)
	}
	j := 0
	for _, src := range in.Rows {
		key := src[keyCol]
		if j >= len(out.Rows) {
			t.Fatalf("output ends before input row %q", key)
		}
		got := out.Rows[j]
		j++
		if len(got) != len(src) {
			t.Fatalf("row %q has %d cells, want %d", key, len(got), len(src))
		}
		for c := range src {
			if got[c] != src[c] {
				claim(cellKey{key, 1, in.Columns[c]}, src[c], got[c])
			}
		}
		star, dup := byCell[cellKey{key, 2, "*"}]
		if !dup {
			continue
		}
		if star.Kind != chaos.Duplication || star.Original != "" || star.Injected != key {
			t.Fatalf("bad row label %+v", star)
		}
		used++
		if j >= len(out.Rows) {
			t.Fatalf("duplicate of %q missing", key)
		}
		cp := out.Rows[j]
		j++
		if cp[keyCol] != key || len(cp) != len(got) {
			t.Fatalf("row after %q is %v, want its duplicate", key, cp)
		}
		for c := range got {
			switch {
			case cp[c] != got[c]:
				claim(cellKey{key, 2, in.Columns[c]}, got[c], cp[c])
			case got[c] != src[c]: // the copy inherits the row's corruption
				want := byCell[cellKey{key, 1, in.Columns[c]}]
				want.Occurrence = 2
				if l := byCell[cellKey{key, 2, in.Columns[c]}]; l != want {
					t.Fatalf("duplicate of %q: label %+v, want the inherited %+v", key, l, want)
				}
				used++
			}
		}
	}
	if j != len(out.Rows) {
		t.Fatalf("%d output rows are neither input rows nor labelled duplicates", len(out.Rows)-j)
	}
	if used != len(labels) {
		t.Fatalf("%d of %d labels match no change", len(labels)-used, len(labels))
	}
}

// kindsByRow groups the labels' kinds by key and occurrence.
func kindsByRow(labels []chaos.Label) map[cellKey]map[chaos.Kind]bool {
	m := map[cellKey]map[chaos.Kind]bool{}
	for _, l := range labels {
		ck := cellKey{l.Key, l.Occurrence, ""}
		if m[ck] == nil {
			m[ck] = map[chaos.Kind]bool{}
		}
		m[ck][l.Kind] = true
	}
	return m
}

func TestConfigValidation(t *testing.T) {
	for _, tc := range []struct {
		cfg  chaos.Config
		want string
	}{
		{chaos.Config{Rates: chaos.Rates{Temporal: 1.5}}, "rate of temporal is 1.5"},
		{chaos.Config{Rates: chaos.Rates{Calculation: -0.1}}, "rate of calculation is -0.1"},
		{chaos.Config{Rates: chaos.Rates{Domain: math.NaN()}}, "rate of domain is NaN"},
		{chaos.Config{Rates: chaos.Rates{Integrity: math.Inf(1)}, Mode: chaos.Stacked}, "rate of integrity"},
		{chaos.Config{Rates: chaos.Uniform(0.3)}, "add up to 1.49999"},
		{chaos.Config{Mode: 7}, "Mode"},
		{chaos.Config{VariantRates: chaos.VariantRates{Ghost: 1.5}}, "VariantRates.Ghost"},
		{chaos.Config{VariantRates: chaos.VariantRates{BeforeSignup: -0.5}}, "VariantRates.BeforeSignup"},
		{chaos.Config{VariantRates: chaos.VariantRates{Exact: math.NaN()}, Mode: chaos.Stacked}, "VariantRates.Exact"},
		{chaos.Config{Rates: chaos.Rates{Domain: 0.1}, VariantRates: chaos.VariantRates{BadStatus: 0.1}}, "Rates.Domain is 0.1 and VariantRates.BadStatus is 0.1"},
		{chaos.Config{VariantRates: chaos.VariantRates{Scaled: 0.6, Future: 0.6}}, "add up to 1.2"},
		{chaos.Config{VariantRates: chaos.VariantRates{Scaled: 0.6, Drifted: 0.6}, Mode: chaos.Stacked}, "calculation's variants add up to 1.2"},
	} {
		j, err := chaos.New(tc.cfg)
		if j != nil || !errors.Is(err, chaos.ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, %v; want ErrInvalidConfig containing %q", tc.cfg, j, err, tc.want)
		}
	}
	for _, cfg := range []chaos.Config{{}, {Rates: chaos.Uniform(0.2)}, {Rates: chaos.Uniform(1), Mode: chaos.Stacked}, {Rates: only(chaos.Domain, 1)},
		{Rates: chaos.Rates{Domain: 0.3}, VariantRates: chaos.VariantRates{Scaled: 0.2, Drifted: 0.1, Exact: 0.4}},
		{VariantRates: chaos.VariantRates{Scaled: 1, Future: 1, Ghost: 0.5, Null: 0.5}, Mode: chaos.Stacked}} {
		if j, err := chaos.New(cfg); err != nil || j.Config() != cfg {
			t.Errorf("New(%+v) = %v, %v", cfg, j, err)
		}
	}
	// How the probabilities of the variants come out.
	cfg := chaos.Config{Rates: chaos.Rates{Domain: 0.3, Temporal: 0.1}, VariantRates: chaos.VariantRates{Ghost: 0.05, Exact: 0.2}}
	for v, want := range map[string]float64{
		"negative_amount": 0.075, "bad_status": 0.075, "bad_quantity": 0.075, "bad_format": 0.075, "future": 0.05, "before_signup": 0.05,
		"ghost": 0.05, "null": 0, "exact": 0.2, "conflicting": 0, "scaled": 0, "drifted": 0, "nonsense": 0,
	} {
		if got := cfg.VariantRate(v); math.Abs(got-want) > 1e-12 {
			t.Errorf("VariantRate(%s) = %v, want %v", v, got, want)
		}
	}
	if got := cfg.VariantRates.Of("exact"); got != 0.2 {
		t.Errorf("VariantRates.Of(exact) = %v", got)
	}
	for k, vs := range chaos.Variants {
		for _, v := range vs {
			if (chaos.Config{Rates: only(k, 0.5)}).VariantRate(v) != 0.5/float64(len(vs)) {
				t.Errorf("%s's rate is not shared evenly by %s", k, v)
			}
		}
	}
}

func TestSpecErrors(t *testing.T) {
	w := getWorld(t)
	day := date(2025, 1, 10)
	in := w.orders(t, day)
	j := mustNew(t, chaos.Config{Rates: chaos.Uniform(0.1)})
	ctx := t.Context()
	spec := func(f func(*chaos.TableSpec)) chaos.TableSpec { s := w.spec(); f(&s); return s }
	for _, tc := range []struct {
		spec chaos.TableSpec
		want []string
	}{
		{spec(func(s *chaos.TableSpec) { s.Amount, s.Status = "amount", "state" }), []string{`"amount"`, `"state"`}},
		{spec(func(s *chaos.TableSpec) { s.ForeignKeys = append(s.ForeignKeys, chaos.ForeignKey{Column: "store_id"}) }), []string{"store_id"}},
		{spec(func(s *chaos.TableSpec) { s.Key = "" }), []string{"Key"}},
		{spec(func(s *chaos.TableSpec) { s.Status = "order_id" }), []string{"order_id", "Key", "Status"}},
		{spec(func(s *chaos.TableSpec) { s.MaxQuantity = 0 }), []string{"MaxQuantity"}},
		{spec(func(s *chaos.TableSpec) { s.Typos = []string{"PENDING"} }), []string{"PENDING"}},
		{spec(func(s *chaos.TableSpec) { s.ForeignKeys = []chaos.ForeignKey{{}} }), []string{"ForeignKeys[0].Column"}},
	} {
		_, _, err := j.Inject(ctx, day, tc.spec, in)
		if !errors.Is(err, chaos.ErrInvalidSpec) {
			t.Errorf("spec %+v: %v, want ErrInvalidSpec", tc.spec, err)
			continue
		}
		for _, s := range tc.want {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error %q does not name %s", err, s)
			}
		}
	}
	ragged := in.Clone()
	ragged.Rows[3] = ragged.Rows[3][:2]
	if _, _, err := j.Inject(ctx, day, w.spec(), ragged); !errors.Is(err, chaos.ErrInvalidSpec) {
		t.Errorf("ragged table: %v", err)
	}
	if _, _, err := j.Inject(ctx, day, w.spec(), nil); !errors.Is(err, chaos.ErrInvalidSpec) {
		t.Errorf("nil table: %v", err)
	}
}

func TestZeroRatesIsIdentity(t *testing.T) {
	w := getWorld(t)
	day := date(2025, 2, 1)
	in := messy(w.orders(t, day))
	for _, mode := range []chaos.Mode{chaos.Exclusive, chaos.Stacked} {
		out, labels, err := mustNew(t, chaos.Config{Seed: 5, Mode: mode}).Inject(t.Context(), day, w.spec(), in)
		if err != nil {
			t.Fatal(err)
		}
		if len(labels) != 0 || !reflect.DeepEqual(out, in) {
			t.Errorf("mode %d: zero rates changed the table or labelled %d changes", mode, len(labels))
		}
		out.Rows[0][0] = "changed"
		if in.Rows[0][0] == "changed" {
			t.Error("the output shares cells with the input")
		}
	}
}

func TestDeterminism(t *testing.T) {
	w := getWorld(t)
	day := date(2025, 3, 3)
	in := w.orders(t, day)
	cfg := chaos.Config{Seed: 42, Rates: chaos.Uniform(0.15)}
	run := func(cfg chaos.Config, day time.Time, in *edqm.Table) string {
		out, labels, err := mustNew(t, cfg).Inject(t.Context(), day, w.spec(), in)
		if err != nil {
			t.Fatal(err)
		}
		return csvOf(t, out) + csvOf(t, chaos.LabelsTable(labels))
	}
	a := run(cfg, day, in)
	if b := run(cfg, day, in); a != b {
		t.Fatal("two injectors with the same seed disagree")
	}
	j := mustNew(t, cfg)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			out, labels, err := j.Inject(t.Context(), day.Add(13*time.Hour), w.spec(), in)
			if err != nil {
				t.Error(err)
				return
			}
			o, err1 := toCSV(out)
			l, err2 := toCSV(chaos.LabelsTable(labels))
			if err1 != nil || err2 != nil || o+l != a {
				t.Error("concurrent Inject (or the time of day) changed the result")
			}
		})
	}
	wg.Wait()
	other := cfg
	other.Seed = 43
	if run(other, day, in) == a {
		t.Error("the seed does not matter")
	}
	renamed := in.Clone()
	renamed.Name = "orders_v2"
	if strings.ReplaceAll(run(cfg, day, renamed), "orders_v2", "orders") == a {
		t.Error("the table name does not matter")
	}
	if run(cfg, day.AddDate(0, 0, 1), in) == strings.ReplaceAll(a, "2025-03-03", "2025-03-04") {
		t.Error("the day does not matter")
	}
}

func TestInputIsNotModified(t *testing.T) {
	w := getWorld(t)
	day := date(2025, 4, 1)
	in := messy(w.orders(t, day))
	before := csvOf(t, in)
	for _, mode := range []chaos.Mode{chaos.Exclusive, chaos.Stacked} {
		rates := chaos.Uniform(0.2)
		if mode == chaos.Stacked {
			rates = chaos.Uniform(0.9)
		}
		if _, _, err := mustNew(t, chaos.Config{Seed: 1, Rates: rates, Mode: mode}).Inject(t.Context(), day, w.spec(), in); err != nil {
			t.Fatal(err)
		}
		if csvOf(t, in) != before {
			t.Fatal("Inject modified its input")
		}
	}
}

// TestLabelsExplainEveryChange is the property test: for many seeds, days,
// rates, modes and specs, the diff of input and output is exactly the
// labels.
func TestLabelsExplainEveryChange(t *testing.T) {
	w := getWorld(t)
	r := rand.New(rand.NewPCG(2024, 7))
	first := date(2024, 1, 1)
	for i := range 300 {
		seed := uint64(i)
		day := first.AddDate(0, 0, r.IntN(900))
		var rates chaos.Rates
		ps := []*float64{&rates.Calculation, &rates.Temporal, &rates.Integrity, &rates.Domain, &rates.Duplication}
		mode := chaos.Mode(r.IntN(2))
		sum := 0.0
		for _, p := range ps {
			if r.IntN(4) > 0 {
				*p = r.Float64()
			}
			sum += *p
		}
		if mode == chaos.Exclusive && sum > 0 {
			scale := r.Float64() / sum
			if i%10 == 0 {
				scale = 1 / sum // every row gets a kind
			}
			for _, p := range ps {
				*p *= scale
			}
		}
		spec, full := w.spec(), true
		if r.IntN(4) == 0 { // drop roles: their variants must not be offered
			spec.Status, spec.Accepted = "", nil
			spec.ForeignKeys = spec.ForeignKeys[1:]
			full = false
		}
		if r.IntN(4) == 0 {
			spec.Amount, spec.Date = "", ""
			full = false
		}
		in := w.orders(t, day)
		if i%3 == 0 {
			in = messy(in)
		}
		cfg := chaos.Config{Seed: seed, Rates: rates, Mode: mode}
		out, labels, err := mustNew(t, cfg).Inject(t.Context(), day, spec, in)
		if err != nil {
			t.Fatalf("%+v: %v", cfg, err)
		}
		t.Run(fmt.Sprintf("seed%d", i), func(t *testing.T) {
			checkLabels(t, in, out, labels, day, spec)
			if mode == chaos.Exclusive && full {
				w.checkVariants(t, out, labels, day)
			}
			if mode == chaos.Exclusive {
				for ck, kinds := range kindsByRow(labels) {
					if ck.occ == 1 && len(kinds) > 1 && !(len(kinds) == 2 && kinds[chaos.Duplication]) {
						t.Fatalf("exclusive mode gave row %q kinds %v", ck.key, kinds)
					}
				}
				perKey := map[string]map[chaos.Kind]bool{}
				for _, l := range labels {
					if perKey[l.Key] == nil {
						perKey[l.Key] = map[chaos.Kind]bool{}
					}
					perKey[l.Key][l.Kind] = true
				}
				for key, kinds := range perKey {
					if len(kinds) > 1 {
						t.Fatalf("exclusive mode gave row %q kinds %v", key, kinds)
					}
				}
			}
		})
	}
}

// flags evaluates the mart's quality flags on a batch and maps them to the
// kinds that must explain them, by order id and occurrence.
func (w *world) flags(t *testing.T, out *edqm.Table, day time.Time) map[cellKey]map[chaos.Kind]bool {
	t.Helper()
	col := func(n string) int { return out.MustCol(n) }
	id, cust, prod, qty, amt, dt, st := col("order_id"), col("customer_id"), col("product_id"), col("quantity"), col("total_amount"), col("order_date"), col("status")
	batch := day.Format(edqm.DateLayout)
	seen := map[string]int{}
	res := map[cellKey]map[chaos.Kind]bool{}
	for _, r := range out.Rows {
		seen[r[id]]++
		k := map[chaos.Kind]bool{}
		amount, amountErr := edqm.ParseCents(r[amt])
		q, qErr := strconv.Atoi(r[qty])
		qOK := qErr == nil && q >= 1 && q <= generate.MaxQuantity
		price, prodOK := w.price[r[prod]]
		if r[prod] == "" {
			prodOK = false
		}
		signup, custOK := w.gen.SignupDate(r[cust])
		if amountErr == nil && amount >= 0 && qOK && prodOK && abs(amount-int64(q)*price) > 5 {
			k[chaos.Calculation] = true // has_math_error
		}
		_, dateErr := time.Parse(edqm.DateLayout, r[dt])
		if dateErr == nil && (r[dt] > batch || custOK && r[dt] < signup.Format(edqm.DateLayout)) {
			k[chaos.Temporal] = true // is_future_order, is_before_signup
		}
		if !custOK || !prodOK {
			k[chaos.Integrity] = true // is_orphan_order
		}
		if amountErr != nil || amount < 0 || !slices.Contains(generate.Statuses, r[st]) || !qOK || dateErr != nil {
			k[chaos.Domain] = true // has_bad_amount, has_negative_amount, has_bad_status, has_bad_quantity, has_bad_date
		}
		if seen[r[id]] > 1 {
			k[chaos.Duplication] = true // is_duplicate
		}
		res[cellKey{r[id], seen[r[id]], ""}] = k
	}
	return res
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// TestEachKindTripsOnlyItsFlags checks the design goal of the variants: in
// Exclusive mode, on clean generated data, the flags a row trips are
// exactly the kind it was labelled with, so precision and recall per kind
// are 1.
func TestEachKindTripsOnlyItsFlags(t *testing.T) {
	w := getWorld(t)
	first := date(2024, 1, 1)
	for i := range 60 {
		day := first.AddDate(0, 0, i*13)
		in := w.orders(t, day)
		for ck, k := range w.flags(t, in, day) {
			if len(k) > 0 {
				t.Fatalf("clean row %q trips %v", ck.key, k)
			}
		}
		cfg := chaos.Config{Seed: uint64(i), Rates: chaos.Uniform(0.12 + float64(i%5)*0.02)}
		out, labels, err := mustNew(t, cfg).Inject(t.Context(), day, w.spec(), in)
		if err != nil {
			t.Fatal(err)
		}
		labelled := kindsByRow(labels)
		flagged := w.flags(t, out, day)
		for ck, k := range flagged {
			want := labelled[ck]
			if len(want) == 0 && len(k) == 0 {
				continue
			}
			if !reflect.DeepEqual(k, want) {
				t.Errorf("day %s row %q occurrence %d: flagged %v, labelled %v (labels %v)",
					day.Format(edqm.DateLayout), ck.key, ck.occ, k, want, labelsOf(labels, ck.key))
			}
		}
	}
}

func labelsOf(labels []chaos.Label, key string) []chaos.Label {
	var out []chaos.Label
	for _, l := range labels {
		if l.Key == key {
			out = append(out, l)
		}
	}
	return out
}

func TestEachKindAtRateOne(t *testing.T) {
	w := getWorld(t)
	day := date(2025, 5, 20)
	in := w.orders(t, day)
	for _, kind := range chaos.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			variants := map[string]int{}
			for seed := range uint64(4) {
				out, labels, err := mustNew(t, chaos.Config{Seed: seed, Rates: only(kind, 1)}).Inject(t.Context(), day, w.spec(), in)
				if err != nil {
					t.Fatal(err)
				}
				checkLabels(t, in, out, labels, day, w.spec())
				hit := map[string]bool{}
				for _, l := range labels {
					if l.Kind != kind {
						t.Fatalf("label %+v of another kind", l)
					}
					hit[l.Key] = true
					if l.Column != "total_amount" || l.Variant != "bad_quantity" { // bad_quantity has two labels
						variants[l.Variant]++
					}
				}
				for _, r := range in.Rows {
					if !hit[r[0]] {
						t.Fatalf("row %q has no %s label", r[0], kind)
					}
				}
				if kind == chaos.Duplication && len(out.Rows) != 2*len(in.Rows) {
					t.Fatalf("%d rows after duplicating %d", len(out.Rows), len(in.Rows))
				}
			}
			for _, v := range chaos.Variants[kind] {
				if variants[v] == 0 {
					t.Errorf("variant %s never drawn (%v)", v, variants)
				}
			}
		})
	}
	// Without a signup function, "before_signup" is never offered.
	_, labels, err := mustNew(t, chaos.Config{Rates: only(chaos.Temporal, 1)}).Inject(t.Context(), day, chaos.OrdersSpec(nil), in)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range labels {
		if l.Variant != "future" {
			t.Fatalf("label %+v without signup dates", l)
		}
	}
}

func TestVariantValues(t *testing.T) {
	w := getWorld(t)
	day := date(2025, 7, 4)
	in := messy(w.orders(t, day))
	for seed := range uint64(8) {
		for _, kind := range chaos.Kinds {
			out, labels, err := mustNew(t, chaos.Config{Seed: seed, Rates: only(kind, 1)}).Inject(t.Context(), day, w.spec(), in)
			if err != nil {
				t.Fatal(err)
			}
			w.checkVariants(t, out, labels, day)
		}
	}
}

// checkVariants checks that each label's values are what its variant
// promises. Rows whose key starts with "messy-" were dirty before the
// injection, so the checks that assume a clean row skip them.
func (w *world) checkVariants(t *testing.T, out *edqm.Table, labels []chaos.Label, day time.Time) {
	t.Helper()
	batch := day.Format(edqm.DateLayout)
	rows := map[cellKey][]string{}
	seen := map[string]int{}
	for _, r := range out.Rows {
		seen[r[0]]++
		rows[cellKey{r[0], seen[r[0]], ""}] = r
	}
	for _, l := range labels {
		row := rows[cellKey{l.Key, l.Occurrence, ""}]
		clean := !strings.HasPrefix(l.Key, "messy-")
		switch l.Variant {
		case "scaled", "drifted":
			o, err := edqm.ParseCents(l.Original)
			n, err2 := edqm.ParseCents(l.Injected)
			if err != nil || err2 != nil || o < 0 || n < 0 || abs(n-o) <= 5 || l.Variant == "drifted" && n < 1 {
				t.Errorf("%+v: amount must stay ≥ 0 and move by more than 0.05", l)
			}
		case "future":
			if l.Injected <= batch || l.Injected > day.AddDate(0, 0, 366).Format(edqm.DateLayout) {
				t.Errorf("%+v: not 1 to 365 days after %s", l, batch)
			}
		case "before_signup":
			s, _ := w.gen.SignupDate(row[1])
			if l.Injected >= s.Format(edqm.DateLayout) || l.Injected < s.AddDate(0, 0, -31).Format(edqm.DateLayout) {
				t.Errorf("%+v: not 1 to 30 days before the signup %s", l, s.Format(edqm.DateLayout))
			}
		case "ghost":
			if _, real := w.gen.SignupDate(l.Injected); real || w.price[l.Injected] != 0 || len(l.Injected) != 36 {
				t.Errorf("%+v: not a fresh uuid", l)
			}
		case "null":
			if l.Injected != "" || l.Column != "customer_id" && l.Column != "product_id" {
				t.Errorf("%+v", l)
			}
		case "negative_amount":
			o, err := edqm.ParseCents(l.Original)
			n, err2 := edqm.ParseCents(l.Injected)
			if err != nil || err2 != nil || o <= 0 || n != -o {
				t.Errorf("%+v", l)
			}
		case "bad_status":
			if l.Injected != "" && !slices.Contains(chaos.DefaultTypos, l.Injected) {
				t.Errorf("%+v", l)
			}
		case "bad_quantity":
			q, _ := strconv.Atoi(row[3])
			if q != 0 && q <= generate.MaxQuantity || q > 10*generate.MaxQuantity {
				t.Errorf("%+v: quantity %d", l, q)
			}
			if unit := w.price[row[2]]; clean && row[4] != edqm.FormatCents(int64(q)*unit) {
				t.Errorf("%+v: amount %s is not %d × %s", l, row[4], q, edqm.FormatCents(unit))
			}
		case "conflicting":
			if l.Column == "*" {
				if orig := rows[cellKey{l.Key, 1, ""}]; row[6] == orig[6] || !slices.Contains(generate.Statuses, row[6]) {
					t.Errorf("%+v: the copy's status %q does not conflict with %q", l, row[6], orig[6])
				}
			} else if l.Column != "status" || l.Occurrence != 2 {
				t.Errorf("%+v", l)
			}
		case "exact":
			if orig := rows[cellKey{l.Key, 1, ""}]; !slices.Equal(row, orig) || l.Column != "*" {
				t.Errorf("%+v: the copy %v differs from %v", l, row, orig)
			}
		}
	}
}

func TestStackedModeStacks(t *testing.T) {
	w := getWorld(t)
	day := date(2025, 8, 1)
	in := w.orders(t, day)
	out, labels, err := mustNew(t, chaos.Config{Seed: 3, Rates: chaos.Uniform(0.9), Mode: chaos.Stacked}).Inject(t.Context(), day, w.spec(), in)
	if err != nil {
		t.Fatal(err)
	}
	checkLabels(t, in, out, labels, day, w.spec())
	most := 0
	for _, kinds := range kindsByRow(labels) {
		most = max(most, len(kinds))
	}
	if most < 3 {
		t.Errorf("stacked mode at 0.9: at most %d kinds on a row", most)
	}
}

// countdown is a context whose Err starts reporting context.Canceled after
// a number of calls, to cancel in the middle of a loop.
type countdown struct {
	context.Context
	mu   sync.Mutex
	left int
}

func (c *countdown) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.left <= 0 {
		return context.Canceled
	}
	c.left--
	return nil
}

func TestContextCancellation(t *testing.T) {
	w := getWorld(t)
	day := date(2025, 1, 1)
	in := w.orders(t, day)
	for len(in.Rows) < 5000 {
		in.Rows = append(in.Rows, in.Rows...)
	}
	j := mustNew(t, chaos.Config{Rates: chaos.Uniform(0.1)})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, _, err := j.Inject(ctx, day, w.spec(), in); err != context.Canceled {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
	if _, _, err := j.Inject(&countdown{Context: t.Context(), left: 2}, day, w.spec(), in); err != context.Canceled {
		t.Errorf("cancelled mid-way: %v, want context.Canceled", err)
	}
}
