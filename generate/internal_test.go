package generate

import (
	"math/rand/v2"
	"reflect"
	"regexp"
	"slices"
	"testing"

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

func TestUUIDString(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if got, want := FormatUUID(0x0123456789abcdef, 0xfedcba9876543210), "01234567-89ab-4def-bedc-ba9876543210"; got != want {
		t.Errorf("FormatUUID = %s, want %s", got, want)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		if s := FormatUUID(r.Uint64(), r.Uint64()); !re.MatchString(s) {
			t.Fatalf("%q is not a v4-style uuid", s)
		}
	}
}

func TestStreamsAreIndependent(t *testing.T) {
	seen := map[uint64]string{}
	for _, tag := range []uint64{streamPools, streamProducts, streamCustomers, streamOrders} {
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

func TestPickStatus(t *testing.T) {
	got := map[string]int{}
	for p := range 100 {
		got[pickStatus(p)]++
	}
	want := map[string]int{"COMPLETED": 60, "PENDING": 15, "SHIPPED": 20, "CANCELLED": 5}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("status weights %v, want %v", got, want)
	}
}
