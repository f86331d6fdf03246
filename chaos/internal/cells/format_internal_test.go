package cells

import (
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/edqm/edqm"
)

func TestFormatDay(t *testing.T) {
	for dn := int64(-800_000); dn < 3_000_000; dn += 97 {
		want := time.Unix(dn*86400, 0).UTC().Format(dateLayout)
		if got := FormatDay(dn); got != want {
			t.Fatalf("formatDay(%d) = %s, want %s", dn, got, want)
		}
	}
}

func TestFormatScaled(t *testing.T) {
	for _, v := range []int64{0, 1, 5, 9, 10, 99, 100, 12345, -1, -5, -12345, 1 << 40, -(1 << 62), 9223372036854775807, -9223372036854775808} {
		if got, want := formatScaled(v, 2), edqm.FormatCents(v); got != want {
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
	cents := &Column{Kind: KInt, Scale: 2}
	dec0 := &Column{Kind: KDecimal, Scale: 0}
	dec4 := &Column{Kind: KDecimal, Scale: 4}
	flt := &Column{Kind: KFloat}
	// q × price, from every price column into every amount column.
	for _, tc := range []struct {
		amount, price *Column
		p             Value
		want          Value
	}{
		{cents, cents, Value{I: 1250}, Value{I: 3750}},           // 12.50 × 3
		{dec4, cents, Value{I: 1250}, Value{I: 375000}},          // to a finer scale
		{cents, dec4, Value{I: 125001}, Value{I: 3750}},          // to a coarser one, truncated
		{dec0, cents, Value{I: 1250}, Value{I: 37}},              // whole units
		{flt, cents, Value{I: 1250}, Value{F: 37.5}},             // to a float
		{cents, flt, Value{F: 12.505}, Value{I: 3752}},           // from a float, rounded
		{flt, flt, Value{F: 0.1}, Value{F: 0.30000000000000004}}, // float × int as Go computes it
		{cents, flt, Value{F: -2.5}, Value{I: -750}},             // negative, rounded away from zero
	} {
		if got := tc.amount.Times(tc.price, tc.p, 3); got != tc.want {
			t.Errorf("times(%+v, %+v) = %+v, want %+v", *tc.amount, tc.p, got, tc.want)
		}
	}
	// Drifts of n cents, and the cents test, at every scale.
	if got := dec0.Cents(6); got != 1 {
		t.Errorf("6 cents at scale 0 = %d units, want 1 (away from zero)", got)
	}
	if got := dec4.AddCents(Value{I: 10000}, -6); got.I != 9400 {
		t.Errorf("1.0000 − 0.06 = %d", got.I)
	}
	if !dec0.AtLeastCents(Value{I: 1}, 12) || dec0.AtLeastCents(Value{I: 0}, 1) || !dec4.AtLeastCents(Value{I: 1200}, 12) || dec4.AtLeastCents(Value{I: 1199}, 12) {
		t.Error("atLeastCents")
	}
	if !flt.AtLeastCents(Value{F: 0.12}, 12) || flt.AtLeastCents(Value{F: 0.11}, 12) {
		t.Error("atLeastCents on floats")
	}
	if flt.Sign(Value{F: -0.5}) != -1 || cents.Sign(Value{I: 0}) != 0 || dec4.Sign(Value{I: 3}) != 1 {
		t.Error("sign")
	}
	if got := flt.MulDiv(Value{F: 3}, 3, 2); got.F != 4.5 {
		t.Errorf("float mulDiv %v", got.F)
	}
}
