package edqm

import "fmt"

// FormatCents writes an amount given in cents with two decimals and no
// thousands separator: 12345 gives "123.45", 5 gives "0.05", -250 gives
// "-2.50". It never goes through floating point.
func FormatCents(cents int64) string {
	var buf [24]byte
	u := uint64(cents)
	if cents < 0 {
		u = -u // two's complement: correct even for math.MinInt64
	}
	i := len(buf)
	i--
	buf[i] = byte('0' + u%10)
	u /= 10
	i--
	buf[i] = byte('0' + u%10)
	u /= 10
	i--
	buf[i] = '.'
	for {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	if cents < 0 {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}

// ParseCents reads an amount written as FormatCents writes it: an optional
// sign, at least one digit, and optionally a point followed by one or two
// digits ("12", "12.5", "-0.05"). Anything else, the empty string (NULL)
// included, is an error.
func ParseCents(s string) (int64, error) {
	t := s
	neg := false
	if t != "" && (t[0] == '-' || t[0] == '+') {
		neg = t[0] == '-'
		t = t[1:]
	}
	whole, frac := t, ""
	for i := 0; i < len(t); i++ {
		if t[i] == '.' {
			whole, frac = t[:i], t[i+1:]
			if frac == "" {
				return 0, fmt.Errorf("edqm: amount %q has a point but no decimals", s)
			}
			break
		}
	}
	if whole == "" || len(whole) > 16 || len(frac) > 2 {
		return 0, fmt.Errorf("edqm: %q is not an amount with at most two decimals", s)
	}
	var v int64
	for _, part := range []string{whole, frac} {
		for i := 0; i < len(part); i++ {
			c := part[i]
			if c < '0' || c > '9' {
				return 0, fmt.Errorf("edqm: %q is not an amount: unexpected %q", s, rune(c))
			}
			v = v*10 + int64(c-'0')
		}
	}
	for range 2 - len(frac) {
		v *= 10
	}
	if neg {
		v = -v
	}
	return v, nil
}
