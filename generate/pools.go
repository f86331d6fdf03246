package generate

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/go-faker/faker/v4"
)

// Pool sizes: how many values of each vocabulary a generator keeps.
const (
	firstNamePool = 500
	lastNamePool  = 500
	wordPool      = 200
)

// regions are the customers' regions.
var regions = []string{
	"North America", "South America", "Western Europe", "Northern Europe",
	"Southern Europe", "Eastern Europe", "Middle East", "Africa",
	"South Asia", "East Asia", "Southeast Asia", "Oceania",
}

// emailDomains are reserved example domains (RFC 2606), so that no generated
// address can reach anybody.
var emailDomains = []string{"example.com", "example.org", "example.net"}

// vocabulary is faker's word lists, read once per process.
var vocabulary struct {
	once              sync.Once
	first, last, word []string
}

// fakerVocabulary returns faker's first names, last names and lorem words,
// each deduplicated and sorted.
//
// faker draws from a process-wide source seeded from the wall clock, and
// offers no per-call source; reseeding it (faker.SetRandomSource) would
// change, without synchronisation, a global other code may be using. So
// instead of sampling faker, which would make the pools depend on the
// clock, the whole of each list is harvested: values are drawn until none
// is new for a long run (64 draws per value known, at least 4096), then
// deduplicated and sorted. The chance that a value is still missing is
// about n·e⁻⁶⁴ ≈ 10⁻²⁴, so the result is the same in every process; the
// generator then samples its pools from it with its own seeded stream. It
// costs some tens of milliseconds, once per process.
func fakerVocabulary() (first, last, word []string) {
	vocabulary.once.Do(func() {
		p, l := faker.GetPerson(), faker.GetLorem()
		vocabulary.first = harvest(func() (any, error) { return p.FirstName(reflect.Value{}) })
		vocabulary.last = harvest(func() (any, error) { return p.LastName(reflect.Value{}) })
		vocabulary.word = harvest(func() (any, error) { return l.Word(reflect.Value{}) })
	})
	return vocabulary.first, vocabulary.last, vocabulary.word
}

// harvest draws from draw until no new non-empty value has appeared for
// max(4096, 64×known) draws, and returns the values seen, sorted.
func harvest(draw func() (any, error)) []string {
	seen := make(map[string]struct{})
	for quiet := 0; quiet < 4096 || quiet < 64*len(seen); {
		v, err := draw()
		s, ok := v.(string)
		s = strings.TrimSpace(s)
		if err != nil || !ok || s == "" {
			quiet++
			continue
		}
		if _, dup := seen[s]; dup {
			quiet++
			continue
		}
		seen[s] = struct{}{}
		quiet = 0
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// sample returns up to n values of vocab in an order drawn from r.
func sample(r *rand.Rand, vocab []string, n int) []string {
	perm := r.Perm(len(vocab))
	out := make([]string, 0, min(n, len(vocab)))
	for _, i := range perm[:cap(out)] {
		out = append(out, vocab[i])
	}
	return out
}

// titleCase upper-cases the first letter of w.
func titleCase(w string) string {
	r, n := utf8.DecodeRuneInString(w)
	if r == utf8.RuneError {
		return w
	}
	return string(unicode.ToUpper(r)) + w[n:]
}

// emailPart lower-cases s and keeps only ASCII letters and digits; it
// returns fallback when nothing is left.
func emailPart(s, fallback string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return fallback
	}
	return b.String()
}
