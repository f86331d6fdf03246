package chaos

import (
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/edqm/edqm/generate"
)

func TestFormatDay(t *testing.T) {
	for dn := int64(-800_000); dn < 3_000_000; dn += 97 {
		want := time.Unix(dn*86400, 0).UTC().Format(dateLayout)
		if got := formatDay(dn); got != want {
			t.Fatalf("formatDay(%d) = %s, want %s", dn, got, want)
		}
	}
}

func TestFormatScaled(t *testing.T) {
	for _, v := range []int64{0, 1, 5, 9, 10, 99, 100, 12345, -1, -5, -12345, 1 << 40, -(1 << 62), 9223372036854775807, -9223372036854775808} {
		if got, want := formatScaled(v, 2), generate.FormatCents(v); got != want {
			t.Errorf("formatScaled(%d, 2) = %s, want %s", v, got, want)
		}
		for _, scale := range []int32{0, 1, 3, 7, 19, 25, 38} {
			want := decimal128.FromI64(v).ToString(scale)
			if got := formatScaled(v, scale); got != want {
				t.Errorf("formatScaled(%d, %d) = %s, want %s", v, scale, got, want)
			}
		}
	}
	if got := formatScaled(12, -2); got != "1200" {
		t.Errorf("negative scale: %s", got)
	}
	if got := string(appendScaled([]byte("x="), 7, 3)); got != "x=0.007" {
		t.Errorf("appendScaled onto a prefix: %s", got)
	}
}

// TestMoney checks the amount arithmetic in every representation: text
// and integer cents, decimals of other scales, floats.
func TestMoney(t *testing.T) {
	cents := &column{kind: kInt, scale: 2}
	dec0 := &column{kind: kDecimal, scale: 0}
	dec4 := &column{kind: kDecimal, scale: 4}
	flt := &column{kind: kFloat}
	// q × price, from every price column into every amount column.
	for _, tc := range []struct {
		amount, price *column
		p             value
		want          value
	}{
		{cents, cents, value{i: 1250}, value{i: 3750}},           // 12.50 × 3
		{dec4, cents, value{i: 1250}, value{i: 375000}},          // to a finer scale
		{cents, dec4, value{i: 125001}, value{i: 3750}},          // to a coarser one, truncated
		{dec0, cents, value{i: 1250}, value{i: 37}},              // whole units
		{flt, cents, value{i: 1250}, value{f: 37.5}},             // to a float
		{cents, flt, value{f: 12.505}, value{i: 3752}},           // from a float, rounded
		{flt, flt, value{f: 0.1}, value{f: 0.30000000000000004}}, // float × int as Go computes it
		{cents, flt, value{f: -2.5}, value{i: -750}},             // negative, rounded away from zero
	} {
		if got := tc.amount.times(tc.price, tc.p, 3); got != tc.want {
			t.Errorf("times(%+v, %+v) = %+v, want %+v", *tc.amount, tc.p, got, tc.want)
		}
	}
	// Drifts of n cents, and the cents test, at every scale.
	if got := dec0.cents(6); got != 1 {
		t.Errorf("6 cents at scale 0 = %d units, want 1 (away from zero)", got)
	}
	if got := dec4.addCents(value{i: 10000}, -6); got.i != 9400 {
		t.Errorf("1.0000 − 0.06 = %d", got.i)
	}
	if !dec0.atLeastCents(value{i: 1}, 12) || dec0.atLeastCents(value{i: 0}, 1) || !dec4.atLeastCents(value{i: 1200}, 12) || dec4.atLeastCents(value{i: 1199}, 12) {
		t.Error("atLeastCents")
	}
	if !flt.atLeastCents(value{f: 0.12}, 12) || flt.atLeastCents(value{f: 0.11}, 12) {
		t.Error("atLeastCents on floats")
	}
	if flt.sign(value{f: -0.5}) != -1 || cents.sign(value{i: 0}) != 0 || dec4.sign(value{i: 3}) != 1 {
		t.Error("sign")
	}
	if got := flt.mulDiv(value{f: 3}, 3, 2); got.f != 4.5 {
		t.Errorf("float mulDiv %v", got.f)
	}
	for role, want := range map[int]string{roleKey: "Key", roleAmount: "Amount", roleQuantity: "Quantity", rolePrice: "UnitPrice",
		roleDate: "Date", roleStatus: "Status", roleFK0 + 2: "ForeignKeys[2].Column"} {
		if got := fieldOf(role); got != want {
			t.Errorf("fieldOf(%d) = %s, want %s", role, got, want)
		}
	}
}
