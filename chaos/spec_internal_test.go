package chaos

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/edqm/edqm/chaos/internal/cells"
)

func TestRoleNoun(t *testing.T) {
	for role, want := range map[int]string{cells.RoleKey: "a key", cells.RoleAmount: "an amount", cells.RoleQuantity: "a quantity",
		cells.RolePrice: "a unit price", cells.RoleDate: "a date", cells.RoleStatus: "a status", cells.RoleFK0 + 2: "a foreign key"} {
		assert.Equal(t, want, roleNoun(role), "roleNoun(%d)", role)
	}
}
