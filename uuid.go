package edqm

import (
	"encoding/binary"
	"encoding/hex"
)

// FormatUUID formats 128 random bits as a version-4-style UUID:
// 8-4-4-4-12 lowercase hex digits, version nibble 4, variant bits 10. The
// generator's keys and chaos's ghost keys are written with it.
func FormatUUID(hi, lo uint64) string {
	var s [36]byte
	return string(AppendUUID(s[:0], hi, lo))
}

// AppendUUID appends FormatUUID(hi, lo) to dst and returns the extended
// slice; it does not allocate when dst has room for 36 more bytes.
func AppendUUID(dst []byte, hi, lo uint64) []byte {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], hi)
	binary.BigEndian.PutUint64(b[8:], lo)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], b[10:16])
	return append(dst, s[:]...)
}
