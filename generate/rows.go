package generate

import (
	"context"
	"slices"
	"time"

	"github.com/edqm/edqm"
)

// Order is one order as a typed Go row. The edqm tag of each field is its
// column name in [OrderColumns] and [OrderSchema], which is how the chaos
// package finds the field that plays a role (chaos.InjectSlice).
//
// An empty CustomerID, ProductID or Status stands for NULL, as an empty
// cell does in an edqm.Table; the generator never writes one, chaos may.
type Order struct {
	OrderID    string `edqm:"order_id"`
	CustomerID string `edqm:"customer_id"`
	ProductID  string `edqm:"product_id"`
	Quantity   int    `edqm:"quantity"`
	// TotalCents is total_amount in cents: Quantity × the product's price.
	TotalCents int64 `edqm:"total_amount"`
	// OrderDate is the day the order was placed, at midnight UTC.
	OrderDate time.Time `edqm:"order_date"`
	Status    string    `edqm:"status"`
}

// Customer is one customer as a typed Go row; the edqm tags are the
// columns of [CustomerColumns].
type Customer struct {
	CustomerID string `edqm:"customer_id"`
	Name       string `edqm:"name"`
	Email      string `edqm:"email"`
	// SignupDate is the day the customer signed up, at midnight UTC.
	SignupDate time.Time `edqm:"signup_date"`
	Region     string    `edqm:"region"`
}

// Product is one product of the catalogue as a typed Go row; the edqm tags
// are the columns of [ProductColumns].
type Product struct {
	ProductID   string `edqm:"product_id"`
	ProductName string `edqm:"product_name"`
	Category    string `edqm:"category"`
	// PriceCents is the unit price in cents.
	PriceCents int64 `edqm:"price"`
	StockLevel int   `edqm:"stock_level"`
}

// OrderRows returns the orders of day as typed rows: the same orders, in
// the same order, as [Seeded.Orders]. A day before the Epoch is an error
// wrapping [ErrBeforeEpoch].
func (s *Seeded) OrderRows(ctx context.Context, day time.Time) ([]Order, error) {
	p, err := s.plan(ctx, day)
	if err != nil {
		return nil, err
	}
	rows := make([]Order, p.n)
	o := s.newOrderStream(p)
	for i := range rows {
		if i%ctxEvery == ctxEvery-1 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		d := o.draw(i)
		rows[i] = Order{
			OrderID:    edqm.FormatUUID(d.hi, d.lo),
			CustomerID: p.customers[d.customer],
			ProductID:  s.productIDs[d.product],
			Quantity:   d.quantity,
			TotalCents: d.cents,
			OrderDate:  p.day,
			Status:     Statuses[d.status],
		}
	}
	return rows, nil
}

// CustomerRows returns, as typed rows, the customers of
// [Seeded.Customers] for the same range.
func (s *Seeded) CustomerRows(ctx context.Context, from, to time.Time) ([]Customer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	k0, k1, err := s.customerRange(ctx, from, to)
	if err != nil {
		return nil, err
	}
	rows := make([]Customer, 0, k1-k0)
	for k := k0; k < k1; k++ {
		if (k-k0)%ctxEvery == ctxEvery-1 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		rows = append(rows, s.customer(k))
	}
	return rows, nil
}

// ProductRows returns the product catalogue as typed rows (a copy).
func (s *Seeded) ProductRows(ctx context.Context) ([]Product, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return slices.Clone(s.products), nil
}
