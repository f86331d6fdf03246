package generate

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
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

// FormatUUID formats 128 random bits as a version-4-style UUID:
// 8-4-4-4-12 lowercase hex digits, version nibble 4, variant bits 10.
func FormatUUID(hi, lo uint64) string {
	var s [36]byte
	putUUID(&s, hi, lo)
	return string(s[:])
}

// putUUID writes FormatUUID(hi, lo) into s, without allocating.
func putUUID(s *[36]byte, hi, lo uint64) {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], hi)
	binary.BigEndian.PutUint64(b[8:], lo)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], b[10:16])
}

// newUUID draws a UUID from src.
func newUUID(src rand.Source) string {
	hi := src.Uint64()
	return FormatUUID(hi, src.Uint64())
}
