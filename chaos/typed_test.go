package chaos_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/chaos/chaosarrow"
	"github.com/edqm/edqm/generate"
)

// cellText renders row i of an Arrow column as chaos writes values in
// labels; NULL is "".
func cellText(col arrow.Array, i int) string {
	if col.IsNull(i) {
		return ""
	}
	switch a := col.(type) {
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.Int32:
		return strconv.Itoa(int(a.Value(i)))
	case *array.Int64:
		return strconv.FormatInt(a.Value(i), 10)
	case *array.Float64:
		return strconv.FormatFloat(a.Value(i), 'f', -1, 64)
	case *array.Decimal128:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.Date32:
		return a.Value(i).ToTime().Format(edqm.DateLayout)
	case *array.Timestamp:
		return a.Value(i).ToTime(a.DataType().(*arrow.TimestampType).Unit).Format(time.RFC3339Nano)
	}
	return col.ValueStr(i)
}

// tableOf renders a record batch as a string table named name.
func tableOf(rec arrow.RecordBatch, name string) *edqm.Table {
	t := &edqm.Table{Name: name}
	for _, f := range rec.Schema().Fields() {
		t.Columns = append(t.Columns, f.Name)
	}
	for i := range int(rec.NumRows()) {
		row := make([]string, rec.NumCols())
		for j, col := range rec.Columns() {
			row[j] = cellText(col, i)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// ordersRecord returns day's orders of w's generator as one batch.
func (w *world) ordersRecord(t testing.TB, mem memory.Allocator, day time.Time) arrow.RecordBatch {
	t.Helper()
	r, err := w.gen.NewOrderReader(t.Context(), day, day, &generate.ReaderOptions{Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	if !r.Next() {
		t.Fatal(r.Err())
	}
	rec := r.RecordBatch()
	rec.Retain()
	return rec
}

// orderCells renders typed orders as the cells of an orders table, and
// labels written from them as labels of the table.
func orderCells(rows []generate.Order) *edqm.Table {
	t := &edqm.Table{Name: "orders", Columns: generate.OrderColumns}
	for _, o := range rows {
		st := o.Status
		t.Rows = append(t.Rows, []string{o.OrderID, o.CustomerID, o.ProductID, strconv.Itoa(o.Quantity),
			edqm.FormatCents(o.TotalCents), o.OrderDate.Format(edqm.DateLayout), st})
	}
	return t
}

func sliceLabelsAsTable(t *testing.T, labels []chaos.Label) []chaos.Label {
	t.Helper()
	out := slices.Clone(labels)
	for i, l := range out {
		for _, v := range []*string{&out[i].Original, &out[i].Injected} {
			switch {
			case *v == "" || l.Column == "*":
			case l.Column == "total_amount":
				c, err := strconv.ParseInt(*v, 10, 64)
				if err != nil {
					t.Fatalf("label %+v: amount %q", l, *v)
				}
				*v = edqm.FormatCents(c)
			case l.Column == "order_date":
				d, err := time.Parse(time.RFC3339Nano, *v)
				if err != nil {
					t.Fatalf("label %+v: date %q", l, *v)
				}
				*v = d.Format(edqm.DateLayout)
			}
		}
	}
	return out
}

// typedDomain shares p among the Domain variants that typed columns can
// take: "bad_format" writes text, which only string columns hold, so the
// backends are compared without it.
func typedDomain(p float64) chaos.VariantRates {
	return chaos.VariantRates{NegativeAmount: p / 3, BadStatus: p / 3, BadQuantity: p / 3}
}

// TestBackendsAgree injects the same orders as a string table, an Arrow
// batch and typed rows: the outputs and labels are the same, up to the
// text of typed values.
func TestBackendsAgree(t *testing.T) {
	w := getWorld(t)
	ctx := t.Context()
	for i, cfg := range []chaos.Config{
		{Seed: 1, Rates: chaos.Rates{Calculation: 0.1, Temporal: 0.1, Integrity: 0.1, Duplication: 0.1}, VariantRates: typedDomain(0.1)},
		{Seed: 2, Rates: chaos.Rates{Calculation: 0.6, Temporal: 0.6, Integrity: 0.6, Duplication: 0.6}, VariantRates: typedDomain(0.6), Mode: chaos.Stacked},
		{Seed: 3, VariantRates: chaos.VariantRates{Scaled: 0.05, BeforeSignup: 0.1, Null: 0.05, BadQuantity: 0.1, Conflicting: 0.1}},
		{Seed: 4, Rates: chaos.Rates{Duplication: 1}},
	} {
		day := date(2025, 1, 1).AddDate(0, 0, 37*i)
		j := mustNew(t, cfg)
		spec := w.spec()
		in := w.orders(t, day)
		want, wantLabels, err := j.Inject(ctx, day, spec, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(wantLabels) == 0 {
			t.Fatalf("config %d: no labels", i)
		}

		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		rec := w.ordersRecord(t, mem, day)
		out, labels, err := chaosarrow.InjectRecord(ctx, j, mem, day, spec, rec)
		if err != nil {
			t.Fatal(err)
		}
		if got := tableOf(out, "orders"); !reflect.DeepEqual(got.Rows, want.Rows) {
			t.Errorf("config %d: the Arrow output differs from the table output", i)
		}
		if !reflect.DeepEqual(labels, wantLabels) {
			t.Errorf("config %d: Arrow labels differ:\n%v\n%v", i, labels[:min(3, len(labels))], wantLabels[:3])
		}
		if !reflect.DeepEqual(tableOf(rec, "orders").Rows, in.Rows) {
			t.Errorf("config %d: InjectRecord changed its input", i)
		}
		out.Release()
		rec.Release()
		mem.AssertSize(t, 0)

		rows, err := w.gen.OrderRows(ctx, day)
		if err != nil {
			t.Fatal(err)
		}
		before := slices.Clone(rows)
		dirty, labels, err := chaos.InjectSlice(ctx, j, day, spec, rows)
		if err != nil {
			t.Fatal(err)
		}
		if got := orderCells(dirty); !reflect.DeepEqual(got.Rows, want.Rows) {
			t.Errorf("config %d: the slice output differs from the table output", i)
		}
		if got := sliceLabelsAsTable(t, labels); !reflect.DeepEqual(got, wantLabels) {
			t.Errorf("config %d: slice labels differ:\n%v\n%v", i, got[:min(3, len(got))], wantLabels[:3])
		}
		if !reflect.DeepEqual(rows, before) {
			t.Errorf("config %d: InjectSlice changed its input", i)
		}
	}
}

// A user's own table, typed: the Arrow and struct forms of payments.
var (
	accountKeys  = []string{"acc-01", "acc-02", "acc-03", "acc-04", "acc-05", "acc-06", "acc-07", "acc-08"}
	merchantKeys = []string{"3", "5", "8", "13", "21", "34"}
	accepted     = []string{"OK", "PENDING", "REFUNDED"}
	paymentDay   = date(2025, 9, 1)
)

// accountOpened is the Since of account_id: each account opened on a day
// of August 2025.
func accountOpened(id string) (time.Time, bool) {
	if i := slices.Index(accountKeys, id); i >= 0 {
		return date(2025, 8, 1+3*i), true
	}
	return time.Time{}, false
}

func paymentSpec() chaos.TableSpec {
	return chaos.TableSpec{
		Table: "payments", Key: "payment_id", Amount: "amount", Quantity: "qty", MaxQuantity: 4,
		UnitPrice: "unit_price", Date: "paid_at", Status: "state", Accepted: accepted,
		ForeignKeys: []chaos.ForeignKey{
			{Column: "account_id", Keys: accountKeys, Since: accountOpened},
			{Column: "merchant_id", Keys: merchantKeys},
		},
	}
}

// paymentsRecord builds n random payments; floatAmount chooses the type of
// amount: float64, or decimal(12, 3).
func paymentsRecord(mem memory.Allocator, r *rand.Rand, n int, floatAmount bool) arrow.RecordBatch {
	amountType := arrow.DataType(&arrow.Decimal128Type{Precision: 12, Scale: 3})
	if floatAmount {
		amountType = arrow.PrimitiveTypes.Float64
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "payment_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "account_id", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "merchant_id", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "amount", Type: amountType, Nullable: true},
		{Name: "unit_price", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}},
		{Name: "qty", Type: arrow.PrimitiveTypes.Int64},
		{Name: "paid_at", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "state", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "flagged", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "channel", Type: arrow.PrimitiveTypes.Int16},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := range n {
		null := func() bool { return r.IntN(25) == 0 }
		b.Field(0).(*array.Int64Builder).Append(int64(1000 + 7*i))
		if null() {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append(accountKeys[r.IntN(len(accountKeys))])
		}
		m, _ := strconv.Atoi(merchantKeys[r.IntN(len(merchantKeys))])
		if null() {
			b.Field(2).AppendNull()
		} else {
			b.Field(2).(*array.Int32Builder).Append(int32(m))
		}
		price := int64(50 + r.IntN(20000))
		q := int64(1 + r.IntN(4))
		switch {
		case null():
			b.Field(3).AppendNull()
		case floatAmount:
			b.Field(3).(*array.Float64Builder).Append(float64(price*q) / 100)
		default:
			b.Field(3).(*array.Decimal128Builder).Append(decimalOf(price * q * 10))
		}
		b.Field(4).(*array.Decimal128Builder).Append(decimalOf(price))
		b.Field(5).(*array.Int64Builder).Append(q)
		if null() {
			b.Field(6).AppendNull()
		} else {
			at := time.Date(2025, 8, 20+r.IntN(12), r.IntN(24), r.IntN(60), 0, 0, time.UTC)
			ts, _ := arrow.TimestampFromTime(at, arrow.Millisecond)
			b.Field(6).(*array.TimestampBuilder).Append(ts)
		}
		if null() {
			b.Field(7).AppendNull()
		} else {
			b.Field(7).(*array.LargeStringBuilder).Append(accepted[r.IntN(len(accepted))])
		}
		if null() {
			b.Field(8).AppendNull()
		} else {
			b.Field(8).(*array.BooleanBuilder).Append(r.IntN(2) == 0)
		}
		b.Field(9).(*array.Int16Builder).Append(int16(r.IntN(5)))
	}
	return b.NewRecordBatch()
}

// checkTypedVariants checks what the labels of a payments injection
// promise, on top of checkLabels: the right column per variant, ghosts
// outside the key sets, NULL only where the column holds it, amounts at
// the new quantity × unit price.
func checkTypedVariants(t *testing.T, in, out *edqm.Table, labels []chaos.Label) {
	t.Helper()
	rows, before := map[string][]string{}, map[string][]string{}
	for _, r := range out.Rows {
		if _, ok := rows[r[0]]; !ok {
			rows[r[0]] = r
		}
	}
	for _, r := range in.Rows {
		before[r[0]] = r
	}
	col := func(name string) int { return out.MustCol(name) }
	for _, l := range labels {
		row := rows[l.Key]
		want := map[string][]string{
			"scaled": {"amount"}, "drifted": {"amount"}, "future": {"paid_at"}, "before_signup": {"paid_at"},
			"ghost": {"account_id", "merchant_id"}, "null": {"account_id", "merchant_id"}, "negative_amount": {"amount"},
			"bad_status": {"state"}, "bad_quantity": {"qty", "amount"}, "exact": {"*"}, "conflicting": {"*", "state"},
		}[l.Variant]
		if !slices.Contains(want, l.Column) {
			t.Fatalf("label %+v: column %s for %s", l, l.Column, l.Variant)
		}
		switch l.Variant {
		case "ghost":
			if slices.Contains(accountKeys, l.Injected) || slices.Contains(merchantKeys, l.Injected) || l.Injected == "" {
				t.Errorf("ghost %+v is a valid key", l)
			}
			if l.Column == "merchant_id" {
				if v, err := strconv.Atoi(l.Injected); err != nil || v <= 34 || v > 34+1000 {
					t.Errorf("ghost merchant %q is not an integer above the largest key", l.Injected)
				}
			}
		case "before_signup":
			opened, _ := accountOpened(before[l.Key][col("account_id")]) // a later kind may change it
			at, err := time.Parse(time.RFC3339Nano, l.Injected)
			if err != nil || !at.Before(opened) || at.Before(opened.AddDate(0, 0, -31)) {
				t.Errorf("%+v: not 1 to 30 days before %s", l, opened)
			}
			if orig, err := time.Parse(time.RFC3339Nano, l.Original); err == nil && orig.Format("15:04:05") != at.Format("15:04:05") {
				t.Errorf("%+v: the time of day changed", l)
			}
		case "future":
			at, err := time.Parse(time.RFC3339Nano, l.Injected)
			if err != nil || !at.After(paymentDay.AddDate(0, 0, 1)) && at.Format(time.DateOnly) == paymentDay.Format(time.DateOnly) {
				t.Errorf("%+v: not after %s", l, paymentDay)
			}
		case "bad_quantity":
			if l.Column == "amount" {
				q, _ := strconv.Atoi(row[col("qty")])
				price, _ := strconv.ParseFloat(row[col("unit_price")], 64)
				amount, _ := strconv.ParseFloat(l.Injected, 64)
				if d := amount - float64(q)*price; d > 0.0001 || d < -0.0001 {
					t.Errorf("%+v: amount is not %d × %v", l, q, price)
				}
			}
		}
	}
}

// TestArrowLabelsExplainEveryChange is the property test for users' Arrow
// records: typed columns, NULLs, columns without a role of other types, a
// sliced batch; the diff of input and output is exactly the labels, and
// nothing leaks.
func TestArrowLabelsExplainEveryChange(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	ctx := t.Context()
	for i := range 50 {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		full := paymentsRecord(mem, r, 40+r.IntN(200), i%2 == 0)
		rec := full
		if i%3 == 0 { // a slice: offsets into the buffers
			rec = full.NewSlice(5, full.NumRows()-3)
		}
		mode := chaos.Mode(i % 2)
		rates := chaos.Uniform(0.04 + 0.03*float64(i%5))
		if mode == chaos.Stacked {
			rates = chaos.Uniform(0.3 + 0.1*float64(i%5))
		}
		spec := paymentSpec()
		in := tableOf(rec, "payments")
		out, labels, err := chaosarrow.InjectRecord(ctx, mustNew(t, chaos.Config{Seed: uint64(i), Rates: rates, Mode: mode}), mem, paymentDay, spec, rec)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(fmt.Sprintf("batch%d", i), func(t *testing.T) {
			if !out.Schema().Equal(rec.Schema()) {
				t.Fatalf("schema changed: %v", out.Schema())
			}
			got := tableOf(out, "payments")
			checkLabels(t, in, got, labels, paymentDay, spec)
			checkTypedVariants(t, in, got, labels)
			if again := tableOf(rec, "payments"); !reflect.DeepEqual(again, in) {
				t.Fatal("InjectRecord changed its input")
			}
		})
		out.Release()
		if rec != full {
			rec.Release()
		}
		full.Release()
		mem.AssertSize(t, 0)
	}
}

// payment is a user's own row type. Pointer fields are nullable; the
// plain ones are not (Merchant cannot be NULL), except strings, whose ""
// is NULL.
type payment struct {
	ID        int64      `edqm:"payment_id"`
	Account   *string    `edqm:"account_id"`
	Merchant  int        `edqm:"merchant_id"`
	Amount    float64    `edqm:"amount"`
	UnitPrice int64      `edqm:"unit_price"` // cents
	Qty       *int32     `edqm:"qty"`
	PaidAt    time.Time  `edqm:"paid_at"`
	State     string     `edqm:"state"`
	Refunded  *time.Time `edqm:"refunded_at"`
	note      string     // unexported: not a column
}

var paris = time.FixedZone("CEST", 2*3600)

func payments(r *rand.Rand, n int) []payment {
	out := make([]payment, n)
	for i := range out {
		acc := accountKeys[r.IntN(len(accountKeys))]
		m, _ := strconv.Atoi(merchantKeys[r.IntN(len(merchantKeys))])
		q := int32(1 + r.IntN(4))
		price := int64(50 + r.IntN(20000))
		out[i] = payment{
			ID: int64(i + 1), Account: &acc, Merchant: m, Amount: float64(price*int64(q)) / 100, UnitPrice: price, Qty: &q,
			PaidAt: time.Date(2025, 8, 20+r.IntN(12), r.IntN(24), 30, 0, 0, paris), State: accepted[r.IntN(len(accepted))], note: "x",
		}
		if r.IntN(20) == 0 {
			out[i].Account = nil
		}
		if r.IntN(20) == 0 {
			out[i].State = ""
		}
	}
	return out
}

// paymentTable renders payments with chaos's label conventions.
func paymentTable(ps []payment) *edqm.Table {
	t := &edqm.Table{Name: "payments", Columns: []string{"payment_id", "account_id", "merchant_id", "amount", "unit_price", "qty", "paid_at", "state", "refunded_at"}}
	for _, p := range ps {
		acc, qty, ref := "", "", ""
		if p.Account != nil {
			acc = *p.Account
		}
		if p.Qty != nil {
			qty = strconv.Itoa(int(*p.Qty))
		}
		if p.Refunded != nil {
			ref = p.Refunded.Format(time.RFC3339Nano)
		}
		t.Rows = append(t.Rows, []string{strconv.FormatInt(p.ID, 10), acc, strconv.Itoa(p.Merchant),
			strconv.FormatFloat(p.Amount, 'f', -1, 64), strconv.FormatInt(p.UnitPrice, 10), qty,
			p.PaidAt.Format(time.RFC3339Nano), p.State, ref})
	}
	return t
}

func TestSliceLabelsExplainEveryChange(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	ctx := t.Context()
	spec := paymentSpec()
	for i := range 60 {
		in := payments(r, 30+r.IntN(150))
		deep := paymentTable(in)
		mode := chaos.Mode(i % 2)
		rates := chaos.Uniform(0.05 + 0.03*float64(i%5))
		if mode == chaos.Stacked {
			rates = chaos.Uniform(0.5)
		}
		out, labels, err := chaos.InjectSlice(ctx, mustNew(t, chaos.Config{Seed: uint64(i), Rates: rates, Mode: mode}), paymentDay, spec, in)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(fmt.Sprintf("slice%d", i), func(t *testing.T) {
			got := paymentTable(out)
			checkLabels(t, deep, got, labels, paymentDay, spec)
			if again := paymentTable(in); !reflect.DeepEqual(again, deep) {
				t.Fatal("InjectSlice changed its input or what it points to")
			}
			for _, l := range labels {
				if l.Variant == "null" && l.Column == "merchant_id" {
					t.Fatalf("%+v: a NULL in a plain int field", l)
				}
				if l.Column == "paid_at" {
					at, err := time.Parse(time.RFC3339Nano, l.Injected)
					if err != nil || at.Format("15:04 -07:00") != "00:30 +02:00" && !strings.HasSuffix(l.Injected, "+02:00") {
						t.Fatalf("%+v: the time of day or the location changed", l)
					}
				}
			}
			for k, p := range out {
				if p.note != "" && p.note != "x" {
					t.Fatalf("row %d: unexported field %q", k, p.note)
				}
			}
		})
	}
}

func TestTypedSpecErrors(t *testing.T) {
	ctx := t.Context()
	j := mustNew(t, chaos.Config{Rates: chaos.Uniform(0.1)})
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec := paymentsRecord(mem, rand.New(rand.NewPCG(1, 1)), 10, true)
	defer rec.Release()
	rows := payments(rand.New(rand.NewPCG(1, 1)), 10)
	edit := func(f func(*chaos.TableSpec)) chaos.TableSpec { s := paymentSpec(); f(&s); return s }
	for _, tc := range []struct {
		name  string
		spec  chaos.TableSpec
		want  []string
		slice bool // the struct form has no such problem
	}{
		{"missing column", edit(func(s *chaos.TableSpec) { s.Amount = "total" }), []string{"Amount", `"total"`}, true},
		{"missing columns", edit(func(s *chaos.TableSpec) { s.Amount, s.Date = "total", "when" }), []string{"Amount", `"total"`, "Date", `"when"`}, true},
		{"missing key", edit(func(s *chaos.TableSpec) { s.Key = "id" }), []string{"Key", `"id"`}, true},
		{"missing foreign key", edit(func(s *chaos.TableSpec) { s.ForeignKeys[1].Column = "shop_id" }), []string{"ForeignKeys[1].Column", `"shop_id"`}, true},
		{"empty key set", edit(func(s *chaos.TableSpec) { s.ForeignKeys[1].Keys = nil }), []string{"ForeignKeys[1].Keys", "merchant_id"}, true},
		{"empty key set, none", edit(func(s *chaos.TableSpec) { s.ForeignKeys[0] = chaos.ForeignKey{Column: "account_id", Keys: []string{}} }), []string{"ForeignKeys[0].Keys"}, true},
		{"non-integer key", edit(func(s *chaos.TableSpec) { s.ForeignKeys[1].Keys = []string{"3", "x"} }), []string{"ForeignKeys[1].Keys[1]", `"x"`}, true},
		{"wrong type", edit(func(s *chaos.TableSpec) { s.Status = "qty" }), []string{"Status", `"qty"`}, true},
		{"two roles", edit(func(s *chaos.TableSpec) { s.Status = "amount" }), []string{"amount", "Amount", "Status"}, true},
		{"no accepted", edit(func(s *chaos.TableSpec) { s.Accepted = nil }), []string{"Accepted"}, true},
		{"typo accepted", edit(func(s *chaos.TableSpec) { s.Typos = []string{"Ok", "OK"} }), []string{"Typos[1]", `"OK"`}, true},
		{"no max quantity", edit(func(s *chaos.TableSpec) { s.MaxQuantity = 0 }), []string{"MaxQuantity"}, true},
	} {
		_, _, err := chaosarrow.InjectRecord(ctx, j, mem, paymentDay, tc.spec, rec)
		var errs []error
		errs = append(errs, err)
		if tc.slice {
			_, _, err := chaos.InjectSlice(ctx, j, paymentDay, tc.spec, rows)
			errs = append(errs, err)
		}
		for _, err := range errs {
			if err == nil || !strings.Contains(err.Error(), chaos.ErrInvalidSpec.Error()) {
				t.Errorf("%s: %v, want ErrInvalidSpec", tc.name, err)
				continue
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("%s: error %q does not name %s", tc.name, err, s)
				}
			}
		}
	}
	// A role on a column of a type it cannot use.
	if _, _, err := chaosarrow.InjectRecord(ctx, j, mem, paymentDay, edit(func(s *chaos.TableSpec) { s.Amount = "flagged" }), rec); err == nil || !strings.Contains(err.Error(), "bool") {
		t.Errorf("a boolean amount: %v", err)
	}
	if _, _, err := chaos.InjectSlice(ctx, j, paymentDay, edit(func(s *chaos.TableSpec) { s.Date = "state" }), rows); err == nil || !strings.Contains(err.Error(), "Date") {
		t.Errorf("a string date field: %v", err)
	}
	if _, _, err := chaos.InjectSlice(ctx, j, paymentDay, paymentSpec(), []int{1, 2}); err == nil || !strings.Contains(err.Error(), "struct") {
		t.Errorf("a slice of ints: %v", err)
	}
	// Validate alone, without data.
	if err := edit(func(s *chaos.TableSpec) { s.ForeignKeys[0].Keys, s.ForeignKeys[0].Since = nil, nil }).Validate(); err == nil || !strings.Contains(err.Error(), "ForeignKeys[0].Keys") {
		t.Errorf("Validate, empty key set: %v", err)
	}
	if err := chaos.OrdersSpec(nil).Validate(); err != nil {
		t.Errorf("OrdersSpec: %v", err)
	}
	if err := paymentSpec().Validate(); err != nil {
		t.Errorf("paymentSpec: %v", err)
	}
}

func TestInjectRecordSharesUntouchedColumns(t *testing.T) {
	w := getWorld(t)
	ctx := t.Context()
	day := date(2025, 2, 2)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec := w.ordersRecord(t, mem, day)
	defer rec.Release()
	// No chaos: the same batch, retained.
	out, labels, err := chaosarrow.InjectRecord(ctx, mustNew(t, chaos.Config{}), mem, day, w.spec(), rec)
	if err != nil || out != rec || len(labels) != 0 {
		t.Fatalf("zero rates: %v, %d labels, same batch %v", err, len(labels), out == rec)
	}
	out.Release()
	// Only Calculation: the amount column is new, the others shared.
	out, labels, err = chaosarrow.InjectRecord(ctx, mustNew(t, chaos.Config{Seed: 1, Rates: chaos.Rates{Calculation: 0.2}}), mem, day, w.spec(), rec)
	if err != nil || len(labels) == 0 {
		t.Fatal(err)
	}
	for i := range int(rec.NumCols()) {
		if same := out.Column(i) == rec.Column(i); same == (rec.ColumnName(i) == "total_amount") {
			t.Errorf("column %s shared: %v", rec.ColumnName(i), same)
		}
	}
	out.Release()
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := chaosarrow.InjectRecord(cctx, mustNew(t, chaos.Config{Rates: chaos.Uniform(0.1)}), mem, day, w.spec(), rec); err != context.Canceled {
		t.Errorf("cancelled: %v", err)
	}
}

// TestRecordReader wraps generate's reader: every batch corrupted, dated
// by the source, labelled; nothing leaks, even when stopped early.
func TestRecordReader(t *testing.T) {
	w := getWorld(t)
	ctx := t.Context()
	j := mustNew(t, chaos.Config{Seed: 9, Rates: chaos.Uniform(0.05)})
	from, to := date(2025, 4, 1), date(2025, 4, 5)
	for _, stopAfter := range []int{-1, 2} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		src, err := w.gen.NewOrderReader(ctx, from, to, &generate.ReaderOptions{BatchSize: 40, Allocator: mem})
		if err != nil {
			t.Fatal(err)
		}
		r, err := chaosarrow.NewRecordReader(ctx, j, w.spec(), src, &chaosarrow.ReaderOptions{Allocator: mem})
		if err != nil {
			t.Fatal(err)
		}
		src.Release() // the wrapper holds its own reference
		days := map[string]int{}
		batches := 0
		for r.Next() {
			batches++
			rec := r.RecordBatch()
			for _, l := range r.Labels() {
				if l.Table != "orders" || l.Day != src.Day().Format(edqm.DateLayout) {
					t.Fatalf("label %+v in a batch of %s", l, src.Day().Format(edqm.DateLayout))
				}
			}
			days[src.Day().Format(edqm.DateLayout)] += int(rec.NumRows())
			if batches == stopAfter {
				break
			}
		}
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
		if stopAfter < 0 && len(days) != 5 {
			t.Errorf("%d days read", len(days))
		}
		if !r.Schema().Equal(generate.OrderSchema) {
			t.Error("schema")
		}
		r.Release()
		mem.AssertSize(t, 0)
	}
	// A source without Day: the options date it.
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	rec := w.ordersRecord(t, mem, from)
	plain, err := array.NewRecordReader(rec.Schema(), []arrow.RecordBatch{rec})
	if err != nil {
		t.Fatal(err)
	}
	rec.Release()
	r, err := chaosarrow.NewRecordReader(ctx, j, w.spec(), plain, &chaosarrow.ReaderOptions{Day: to, Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	plain.Release()
	for r.Next() {
		for _, l := range r.Labels() {
			if l.Day != to.Format(edqm.DateLayout) {
				t.Fatalf("label %+v, want day %s", l, to.Format(edqm.DateLayout))
			}
		}
	}
	r.Release()
	mem.AssertSize(t, 0)
	// The spec is checked against the schema up front.
	src, _ := w.gen.NewOrderReader(ctx, from, to, nil)
	defer src.Release()
	bad := w.spec()
	bad.Amount = "amount"
	if _, err := chaosarrow.NewRecordReader(ctx, j, bad, src, nil); err == nil || !strings.Contains(err.Error(), "Amount") {
		t.Errorf("bad spec: %v", err)
	}
	// The source's error comes through.
	cctx, cancel := context.WithCancel(ctx)
	src2, _ := w.gen.NewOrderReader(cctx, from, to, &generate.ReaderOptions{BatchSize: 10})
	r, _ = chaosarrow.NewRecordReader(ctx, j, w.spec(), src2, nil)
	src2.Release()
	r.Next()
	cancel()
	for r.Next() {
	}
	if r.Err() != context.Canceled {
		t.Errorf("cancelled source: %v", r.Err())
	}
	r.Release()
}

func decimalOf(v int64) decimal128.Num { return decimal128.FromI64(v) }

// TestLabelsOutliveTheBatch releases the batches, lets a pool hand their
// memory out again and overwrites it: the labels, copied out of the
// batches, do not change.
func TestLabelsOutliveTheBatch(t *testing.T) {
	w := getWorld(t)
	ctx := t.Context()
	pool := generate.NewPoolAllocator()
	day := date(2025, 7, 7)
	rec := w.ordersRecord(t, pool, day)
	out, labels, err := chaosarrow.InjectRecord(ctx, mustNew(t, chaos.Config{Seed: 4, Rates: chaos.Uniform(0.15)}), pool, day, w.spec(), rec)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprint(labels)
	out.Release()
	rec.Release()
	for range 20 {
		for c := 6; c <= 16; c++ {
			b := pool.Allocate(1 << c)
			for i := range b {
				b[i] = 'x'
			}
		}
	}
	if got := fmt.Sprint(labels); got != want {
		t.Fatal("labels changed when the batches' memory was reused")
	}
}
