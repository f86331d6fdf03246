package generate

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/go-faker/faker/v4"
)

// TestVocabularyIsComplete harvests faker's lists again: a harvest that
// missed a value would give a different list, and the pools (hence the
// names) would differ between processes.
func TestVocabularyIsComplete(t *testing.T) {
	first, last, words := fakerVocabulary()
	if len(first) < 1000 || len(last) < 200 || len(words) < 100 {
		t.Fatalf("vocabulary sizes %d, %d, %d: faker's lists shrank?", len(first), len(last), len(words))
	}
	p := faker.GetPerson()
	again := harvest(func() (any, error) { return p.FirstName(reflect.Value{}) })
	if !slices.Equal(first, again) {
		t.Errorf("two harvests of first names differ: %d and %d values", len(first), len(again))
	}
	for _, v := range [][]string{first, last, words} {
		if !slices.IsSorted(v) || len(slices.Compact(slices.Clone(v))) != len(v) {
			t.Error("vocabulary not sorted and deduplicated")
		}
	}
}

func TestStreamsAreIndependent(t *testing.T) {
	seen := map[uint64]string{}
	for _, tag := range []uint64{streamPools, streamProducts, streamCustomers, streamOrders, streamOrderRows} {
		for n := range uint64(200) {
			for _, seed := range []uint64{0, 1, 2} {
				v := source(seed, tag, n).Uint64()
				if prev, dup := seen[v]; dup {
					t.Fatalf("streams %s and (%d, %d, %d) start alike", prev, seed, tag, n)
				}
				seen[v] = string(rune('0'+seed)) + "/" + string(rune('0'+tag))
			}
		}
	}
}

func TestBlackFriday(t *testing.T) {
	for y, want := range map[int]int{2023: 24, 2024: 29, 2025: 28, 2026: 27, 2030: 29} {
		if got := blackFriday(y); got.Day() != want || got.Month() != time.November || got.Weekday() != time.Friday {
			t.Errorf("Black Friday %d = %s, want November %d", y, got.Format(time.DateOnly), want)
		}
	}
	// Cyber Monday 2024 falls on December 2; its weekend spans the months.
	if f := holidayFactor(2024, time.December, 1); f != 1500 {
		t.Errorf("2024-12-01, Black Friday Sunday: factor %d", f)
	}
	if f := holidayFactor(2024, time.December, 2); f != 1900 {
		t.Errorf("2024-12-02, Cyber Monday: factor %d", f)
	}
	if f := holidayFactor(2025, time.July, 14); f != 1000 {
		t.Errorf("an ordinary day: factor %d", f)
	}
}

func TestLifecycle(t *testing.T) {
	// Every lifecycle (delays stepped by 3, which reaches every bucket of
	// the tables, each at least 3 wide) moves forward: PENDING, then SHIPPED, then
	// COMPLETED, or PENDING then CANCELLED, and has settled at age 10.
	rank := map[int8]int{statusPending: 0, statusShipped: 1, statusCompleted: 2, statusCancelled: 2}
	for fate := range 100 {
		for delay := 0; delay < 100; delay += 3 {
			for transit := 0; transit < 100; transit += 3 {
				l := drawLifecycle(fate, delay, transit)
				prev := l.status(0)
				for age := int64(1); age <= 12; age++ {
					s := l.status(age)
					if rank[s] < rank[prev] || prev == statusCancelled && s != statusCancelled {
						t.Fatalf("%+v: %s at age %d after %s", l, Statuses[s], age, Statuses[prev])
					}
					prev = s
				}
				if prev != statusCompleted && prev != statusCancelled {
					t.Fatalf("%+v: %s at age 12", l, Statuses[prev])
				}
				if (prev == statusCancelled) != (fate < cancelRate) {
					t.Fatalf("fate %d ended %s", fate, Statuses[prev])
				}
			}
		}
	}
}

func TestDrawHelpers(t *testing.T) {
	if below(0, 100) != 0 || below(^uint32(0), 100) != 99 || below(1<<31, 100) != 50 {
		t.Error("below does not map 32 bits onto [0, n)")
	}
	if unit(0) != 0 || unit(^uint64(0)) >= 1 {
		t.Error("unit leaves [0, 1)")
	}
	got := map[int]int{}
	for p := range 100 {
		got[pickQuantity(p)]++
	}
	if want := map[int]int{1: 50, 2: 25, 3: 12, 4: 8, 5: 5}; !reflect.DeepEqual(got, want) {
		t.Errorf("quantity shares %v, want %v", got, want)
	}
	if orderCount(50, 150, 0) != 50 || orderCount(50, 150, 1000) != 150 || orderCount(50, 150, 505) != 101 {
		t.Error("orderCount does not map demand onto the band")
	}
}
