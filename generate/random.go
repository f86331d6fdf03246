package generate

import (
	"math/rand/v2"

	"github.com/edqm/edqm"
)

// Stream tags: each kind of entity draws from its own family of streams, so
// that, say, product 7 and customer 7 are unrelated.
const (
	streamPools uint64 = iota + 1
	streamProducts
	streamCustomers
	streamOrders    // a day's order count
	streamOrderRows // one stream per order of a day
)

// splitmix64 is a bijective 64-bit mixer (the SplitMix64 finaliser).
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// source returns the random source of entity n of the given stream tag. It
// depends on the seed, the tag and n only. Distinct (tag, n) pairs give
// distinct PCG states because splitmix64 is a bijection.
func source(seed, tag, n uint64) *rand.PCG {
	hi := splitmix64(seed + tag*0x9e3779b97f4a7c15)
	return rand.NewPCG(hi, splitmix64(hi^n))
}

// newUUID draws a UUID from src.
func newUUID(src rand.Source) string {
	hi := src.Uint64()
	return edqm.FormatUUID(hi, src.Uint64())
}
