package edqm

// The orders table, as package generate writes it and package chaos's
// OrdersSpec describes it for the injector.

// OrderStatuses are the accepted values of an order's status.
var OrderStatuses = []string{"COMPLETED", "PENDING", "SHIPPED", "CANCELLED"}

// MaxOrderQuantity is the largest quantity a clean order line has; clean
// orders have 1 to MaxOrderQuantity units.
const MaxOrderQuantity = 5
