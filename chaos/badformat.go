package chaos

import (
	"strconv"
	"strings"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/chaos/internal/cells"
)

// badFormatRoles returns the roles "bad_format" can rewrite in the row:
// Amount, Quantity (only while Amount is untouched, so that a calculation
// error stays detectable) and Date, each when its column holds strings and
// its cell is readable.
func (e *engine) badFormatRoles() []int {
	roles := e.formatRoles[:0]
	for _, role := range [...]int{cells.RoleAmount, cells.RoleQuantity, cells.RoleDate} {
		if !e.readable(role) || e.l.cols[role].Kind != cells.KText {
			continue
		}
		if role == cells.RoleQuantity && e.has(cells.RoleAmount) && e.touched[cells.RoleAmount] {
			continue
		}
		roles = append(roles, role)
	}
	e.formatRoles = roles
	return roles
}

// badFormat rewrites one of badFormatRoles in a form the library's parsers
// refuse, keeping the value (see Inject).
func (e *engine) badFormat(variant int) {
	roles := e.badFormatRoles()
	role := roles[e.r.IntN(len(roles))]
	v := e.val(role)
	form := e.r.IntN(3)
	var s string
	switch role {
	case cells.RoleAmount:
		text := edqm.FormatCents(v.I) // two decimals, whatever the input wrote
		switch form {
		case 0: // scientific notation, as a spreadsheet exports it
			s = strconv.FormatFloat(float64(v.I)/100, 'e', -1, 64)
		case 1: // padded
			s = " " + text
		default: // a third decimal
			s = text + "0"
		}
	case cells.RoleQuantity:
		if form == 0 {
			s = strconv.FormatInt(v.I, 10) + "e0"
		} else {
			s = strconv.FormatInt(v.I, 10) + ".0"
		}
	case cells.RoleDate:
		day := cells.FormatDay(v.I) // YYYY-MM-DD
		y, m, d := day[:4], day[5:7], day[8:]
		if form == 0 && (m[0] == '0' || d[0] == '0') { // no zero padding
			s = y + "-" + strings.TrimPrefix(m, "0") + "-" + strings.TrimPrefix(d, "0")
		} else { // MM/DD/YYYY
			s = m + "/" + d + "/" + y
		}
	}
	e.set(1, role, variant, cells.Value{S: s, Bad: true})
}
