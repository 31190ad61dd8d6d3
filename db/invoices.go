package db

import (
	"context"
)

// Invoice kinds.
const (
	InvoicePurchase = "purchase"
	InvoiceRenewal  = "renewal"
)

// Invoice is one purchase or renewal paid from the wallet. Seller, buyer and currency
// are copies taken at the time of the sale.
type Invoice struct {
	ID         int64  `db:"id"`
	UserID     int64  `db:"user_id"`
	TotalCents int64  `db:"total_cents"`
	Status     string `db:"status"`
	Kind       string `db:"kind"`
	Currency   string `db:"currency"`
	Seller     string `db:"seller"`
	Buyer      string `db:"buyer"`
	CreatedAt  int64  `db:"created_at"`
	Summary    string `db:"summary"` // filled by list queries: the first line's description
}

// InvoiceLine is one line of an invoice.
type InvoiceLine struct {
	ID          int64  `db:"id"`
	InvoiceID   int64  `db:"invoice_id"`
	Description string `db:"description"`
	Quantity    int64  `db:"quantity"`
	UnitCents   int64  `db:"unit_cents"`
	TotalCents  int64  `db:"total_cents"`
	ServiceID   *int64 `db:"service_id"`
	PeriodFrom  *int64 `db:"period_from"`
	PeriodTo    *int64 `db:"period_to"`
}

const invoiceCols = `i.id, i.user_id, i.total_cents, i.status, i.kind, i.currency, i.seller, i.buyer, i.created_at`

// InvoicesOfUser lists a customer's invoices, newest first.
func (c *conn) InvoicesOfUser(ctx context.Context, userID int64, limit, offset int) ([]Invoice, int64, error) {
	var total int64
	if err := c.get(ctx, &total, `SELECT COUNT(*) FROM invoices WHERE user_id = ?`, userID); err != nil {
		return nil, 0, classify(err)
	}
	var out []Invoice
	err := c.sel(ctx, &out, `SELECT `+invoiceCols+`,
		COALESCE((SELECT l.description FROM invoice_lines l WHERE l.invoice_id = i.id ORDER BY l.id LIMIT 1), '') AS summary
		FROM invoices i WHERE i.user_id = ? ORDER BY i.id DESC LIMIT ? OFFSET ?`, userID, limit, offset)
	return out, total, classify(err)
}

// InvoiceOfUser loads one invoice of one customer with its lines; another customer's
// invoice is ErrNotFound.
func (c *conn) InvoiceOfUser(ctx context.Context, id, userID int64) (*Invoice, []InvoiceLine, error) {
	var inv Invoice
	if err := c.get(ctx, &inv, `SELECT `+invoiceCols+` FROM invoices i WHERE i.id = ? AND i.user_id = ?`, id, userID); err != nil {
		return nil, nil, classify(err)
	}
	var lines []InvoiceLine
	err := c.sel(ctx, &lines, `SELECT id, invoice_id, description, quantity, unit_cents, total_cents,
		service_id, period_from, period_to FROM invoice_lines WHERE invoice_id = ? ORDER BY id`, id)
	return &inv, lines, classify(err)
}

// InsertInvoice writes an invoice and its lines in one transaction; the total is the
// sum of the lines (computed here, so it cannot disagree with them).
func (c *conn) InsertInvoice(ctx context.Context, inv *Invoice, lines []InvoiceLine) error {
	inv.TotalCents = 0
	for i := range lines {
		if lines[i].Quantity == 0 {
			lines[i].Quantity = 1
		}
		lines[i].TotalCents = lines[i].UnitCents * lines[i].Quantity
		inv.TotalCents += lines[i].TotalCents
	}
	if inv.Status == "" {
		inv.Status = "paid"
	}
	inv.CreatedAt = Now()
	return c.atomic(ctx, func(tx *Tx) error {
		var err error
		inv.ID, err = tx.insert(ctx, `INSERT INTO invoices (user_id, total_cents, status, kind, currency, seller, buyer, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			inv.UserID, inv.TotalCents, inv.Status, inv.Kind, inv.Currency, inv.Seller, inv.Buyer, inv.CreatedAt)
		if err != nil {
			return err
		}
		for i := range lines {
			l := &lines[i]
			l.InvoiceID = inv.ID
			if l.ID, err = tx.insert(ctx, `INSERT INTO invoice_lines
				(invoice_id, description, quantity, unit_cents, total_cents, service_id, period_from, period_to)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				l.InvoiceID, l.Description, l.Quantity, l.UnitCents, l.TotalCents, l.ServiceID, l.PeriodFrom, l.PeriodTo); err != nil {
				return err
			}
		}
		return nil
	})
}
