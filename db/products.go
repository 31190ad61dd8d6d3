package db

import (
	"context"
	"errors"
)

// ErrOutOfStock: a product with a stock limit has none left.
var ErrOutOfStock = errors.New("out of stock")

// Product periods.
const (
	PeriodOnce    = "once"
	PeriodMonthly = "monthly"
)

// Product is something the shop sells. Products are never deleted once sold (services
// and invoices point at them); an admin deactivates them instead.
type Product struct {
	ID          int64  `db:"id"`
	Name        string `db:"name"`
	Description string `db:"description"`
	PriceCents  int64  `db:"price_cents"`
	Period      string `db:"period"`
	Stock       *int64 `db:"stock"` // nil = unlimited
	Active      bool   `db:"active"`
	CreatedAt   int64  `db:"created_at"`
	UpdatedAt   int64  `db:"updated_at"`
	Sold        int64  `db:"sold"` // filled by list queries: services created from it
}

const productCols = `p.id, p.name, p.description, p.price_cents, p.period, p.stock, p.active, p.created_at, p.updated_at`

// ProductsPage lists every product (active first, then by name) with its sales count.
func (c *conn) ProductsPage(ctx context.Context, limit, offset int) ([]Product, int64, error) {
	var total int64
	if err := c.get(ctx, &total, `SELECT COUNT(*) FROM products`); err != nil {
		return nil, 0, classify(err)
	}
	var out []Product
	err := c.sel(ctx, &out, `SELECT `+productCols+`,
		(SELECT COUNT(*) FROM services sv WHERE sv.product_id = p.id) AS sold
		FROM products p ORDER BY p.active DESC, lower(p.name), p.id LIMIT ? OFFSET ?`, limit, offset)
	return out, total, classify(err)
}

// ActiveProducts lists what customers can buy, by name.
func (c *conn) ActiveProducts(ctx context.Context) ([]Product, error) {
	var out []Product
	err := c.sel(ctx, &out, `SELECT `+productCols+` FROM products p
		WHERE p.active = `+c.store.dialect.True+` ORDER BY lower(p.name), p.id`)
	return out, classify(err)
}

// ProductByID loads one product (any state) with its sales count.
func (c *conn) ProductByID(ctx context.Context, id int64) (*Product, error) {
	var p Product
	err := c.get(ctx, &p, `SELECT `+productCols+`,
		(SELECT COUNT(*) FROM services sv WHERE sv.product_id = p.id) AS sold
		FROM products p WHERE p.id = ?`, id)
	return &p, err
}

// InsertProduct creates a product.
func (c *conn) InsertProduct(ctx context.Context, p *Product) error {
	now := Now()
	p.CreatedAt, p.UpdatedAt = now, now
	var err error
	p.ID, err = c.insert(ctx, `INSERT INTO products
		(name, description, price_cents, period, stock, active, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		p.Name, p.Description, p.PriceCents, p.Period, p.Stock, p.Active, now, now)
	return err
}

// UpdateProduct rewrites the editable fields of a product. Services already sold keep
// their own name, price and period (copied at purchase).
func (c *conn) UpdateProduct(ctx context.Context, p *Product) error {
	p.UpdatedAt = Now()
	return c.execOne(ctx, `UPDATE products SET name = ?, description = ?, price_cents = ?, period = ?,
		stock = ?, active = ?, updated_at = ? WHERE id = ?`,
		p.Name, p.Description, p.PriceCents, p.Period, p.Stock, p.Active, p.UpdatedAt, p.ID)
}

// SetProductActive switches a product on or off sale.
func (c *conn) SetProductActive(ctx context.Context, id int64, active bool) error {
	return c.execOne(ctx, `UPDATE products SET active = ?, updated_at = ? WHERE id = ?`, active, Now(), id)
}

// TakeStock removes one unit from a limited product (no-op when unlimited). The check
// is part of the UPDATE, so concurrent buyers cannot take the last unit twice.
func (c *conn) TakeStock(ctx context.Context, id int64) error {
	n, err := c.exec(ctx, `UPDATE products SET stock = stock - 1
		WHERE id = ? AND stock IS NOT NULL AND stock > 0`, id)
	if err != nil || n == 1 {
		return err
	}
	var stock *int64
	if err := c.get(ctx, &stock, `SELECT stock FROM products WHERE id = ?`, id); err != nil {
		return err
	}
	if stock == nil {
		return nil
	}
	return ErrOutOfStock
}
