package chaos

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/edqm/edqm/chaos/internal/cells"
)

func TestFieldOf(t *testing.T) {
	for role, want := range map[int]string{cells.RoleKey: "Key", cells.RoleAmount: "Amount", cells.RoleQuantity: "Quantity", cells.RolePrice: "UnitPrice",
		cells.RoleDate: "Date", cells.RoleStatus: "Status", cells.RoleFK0 + 2: "ForeignKeys[2].Column"} {
		assert.Equal(t, want, fieldOf(role), "fieldOf(%d)", role)
	}
}
