package chaostest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos"
	"github.com/edqm/edqm/chaos/chaostest"
	"github.com/edqm/edqm/generate"
)

// exampleT stands in, in these Examples, for the *testing.T of a test: it
// prints what the test would report.
type exampleT struct{}

func (exampleT) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }
func (exampleT) FailNow()                          { fmt.Println("FAIL") }

// orderValidator is a team's check of orders: it rejects an order that
// repeats an order id, whose customer or product is unknown, or whose
// quantity, amount, date or status is impossible.
func orderValidator(ds *chaostest.Dataset) func(generate.Order) error {
	price := map[string]int64{}
	for _, p := range ds.Products {
		price[p.ProductID] = p.PriceCents
	}
	seen := map[string]bool{}
	return func(o generate.Order) error {
		repeated := seen[o.OrderID]
		seen[o.OrderID] = true
		signup, known := ds.Generator.SignupDate(o.CustomerID)
		unit, priced := price[o.ProductID]
		switch {
		case repeated:
			return errors.New("order id seen before")
		case !known || !priced:
			return errors.New("unknown customer or product")
		case o.Quantity < 1 || o.Quantity > generate.MaxQuantity:
			return errors.New("quantity out of range")
		case o.TotalCents != int64(o.Quantity)*unit:
			return errors.New("total is not quantity × price")
		case o.OrderDate.After(ds.Day) || o.OrderDate.Before(signup):
			return errors.New("date in the future or before signup")
		case o.Status != "COMPLETED" && o.Status != "PENDING" && o.Status != "SHIPPED" && o.Status != "CANCELLED":
			return errors.New("unknown status")
		}
		return nil
	}
}

// A validator must reject exactly the corrupted rows. Each dirty row has
// its key and occurrence in ds.Rows, so the clean first copy of a
// duplicated order is not taken for a corrupted one. In a test, t is the
// test's *testing.T and the dataset comes from chaostest.Orders(t, nil).
func ExampleRequireRejected() {
	t := exampleT{}
	ds, err := chaostest.New(context.Background(), &chaostest.Options{Seed: 7})
	require.NoError(t, err)

	validate := orderValidator(ds)
	var rejected []chaos.RowKey
	for i, o := range ds.Dirty {
		if validate(o) != nil {
			rejected = append(rejected, ds.Rows[i])
		}
	}
	chaostest.RequireRejected(t, ds.Labels, rejected)
	require.Len(t, rejected, len(ds.Corrupted()))
	fmt.Println(len(ds.Dirty), "rows,", len(rejected), "rejected: exactly the corrupted ones")
	// Output:
	// 1018 rows, 115 rejected: exactly the corrupted ones
}

// payment is a team's own row type: amounts and dates as text, as they
// arrive from a source.
type payment struct {
	ID      int64  `edqm:"id"`
	Account int64  `edqm:"account"`
	Amount  string `edqm:"amount"`
	Day     string `edqm:"day"`
	Status  string `edqm:"status"`
}

// payments returns n clean payments of the day, from accounts 1 to 50.
func payments(n int, day time.Time) []payment {
	rows := make([]payment, n)
	for i := range rows {
		rows[i] = payment{ID: int64(1000 + i), Account: int64(1 + i%50), Amount: edqm.FormatCents(int64(500 + 37*i)),
			Day: day.Format(edqm.DateLayout), Status: []string{"PAID", "REFUNDED"}[i%7/6]}
	}
	return rows
}

// paymentSpec tells chaos which field plays which role.
var paymentSpec = chaos.TableSpec{
	Table: "payments", Key: "id", Amount: "amount", Date: "day",
	Status: "status", Accepted: []string{"PAID", "REFUNDED"},
	ForeignKeys: []chaos.ForeignKey{{Column: "account", IntKeys: accounts(50)}},
}

// accounts returns the account ids 1 to n.
func accounts(n int) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	return ids
}

// validatePayments is the team's validator: it returns the rows it
// rejects. It forgets, on purpose, to check the status.
func validatePayments(day time.Time) func([]payment) []int {
	return func(rows []payment) []int {
		var bad []int
		seen := map[int64]bool{}
		for i, p := range rows {
			cents, amountErr := edqm.ParseCents(p.Amount)
			date, dateErr := time.Parse(edqm.DateLayout, p.Day)
			if seen[p.ID] || p.Account < 1 || p.Account > 50 || amountErr != nil || cents <= 0 || dateErr != nil || date.After(day) {
				bad = append(bad, i)
			}
			seen[p.ID] = true
		}
		return bad
	}
}

// Score measures a validator against each variant of the kinds chosen,
// here every kind but Calculation (a payment has no quantity nor unit
// price to check its amount against). The validator forgets the status:
// the scorecard shows domain/bad_status missed, and the threshold names
// it. In a test the call is chaostest.Score(t, spec, rows, validate, opts)
// and .Require(thresholds...) fails the test with the same message.
func ExampleScore() {
	day := chaostest.DefaultDay
	opts := chaostest.ScoreOptions{Rates: chaos.Rates{Temporal: 0.02, Integrity: 0.02, Domain: 0.02, Duplication: 0.02}}
	card, err := chaostest.ScoreSeed(context.Background(), 7, paymentSpec, payments(400, day), validatePayments(day), opts)
	if err != nil {
		panic(err)
	}
	fmt.Println(card)
	fmt.Println()
	fmt.Println(card.Check(chaostest.Recall(chaos.Domain, 0.99), chaostest.Precision("", 0.99)))
	// Output:
	// 400 rows; seeds 7, 8, 9; each variant alone at 5.0% of rows, then every kind at once
	// kind         variant          injected  rejected  caught  precision  recall
	// temporal     future           61        61        61      100.0%     100.0%
	// temporal     before_signup    -         -         -       -          -  skipped: no foreign key has Since, which tells the signup date
	// integrity    ghost            63        63        63      100.0%     100.0%
	// integrity    null             -         -         -       -          -  skipped: no foreign key column can hold NULL
	// domain       negative_amount  65        65        65      100.0%     100.0%
	// domain       bad_status       61        0         0       -          0.0%
	// domain       bad_quantity     -         -         -       -          -  skipped: the spec has no Quantity
	// domain       bad_format       63        63        63      100.0%     100.0%
	// duplication  exact            65        65        65      100.0%     100.0%
	// duplication  conflicting      61        61        61      100.0%     100.0%
	// all          mixed            93        85        85      100.0%     91.4%
	// temporal     mixed            21        -         21      -          100.0%
	// integrity    mixed            29        -         29      -          100.0%
	// domain       mixed            21        -         13      -          61.9%
	// duplication  mixed            22        -         22      -          100.0%
	// missed domain/bad_status: row 1002 (seed 7): {ID:1002 Account:3 Amount:5.74 Day:2025-06-02 Status:Cancelled (User)}: domain/bad_status status "PAID" → "Cancelled (User)"
	// missed mixed: row 1017 (seed 7): {ID:1017 Account:18 Amount:11.29 Day:2025-06-02 Status:completed}: domain/bad_status status "PAID" → "completed"
	//
	// chaostest: score below threshold:
	// 	domain/bad_status: recall 0.000 (0 of 61 corrupted rows caught), want ≥ 0.99; missed row 1002 (seed 7): {ID:1002 Account:3 Amount:5.74 Day:2025-06-02 Status:Cancelled (User)}: domain/bad_status status "PAID" → "Cancelled (User)"
	// 	seeds 7, 8, 9; replay with ScoreSeed and seed 7, or EDQM_CHAOS_SEED=7 in a test
}
