package db

import (
	"context"
	"strings"
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
	// Number is the printed number (invoice.Number formats it): 1, 2, 3… in the order
	// of issue, without gaps (NextInvoiceNumber).
	Number int64 `db:"number"`
	// VATRate (basis points) and VATMention are the settings in force at issue.
	VATRate    int64  `db:"vat_rate"`
	VATMention string `db:"vat_mention"`
	Summary    string `db:"summary"`    // filled by list queries: the first line's description
	UserEmail  string `db:"user_email"` // filled by the admin's queries
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

const invoiceCols = `i.id, i.user_id, i.total_cents, i.status, i.kind, i.currency, i.seller, i.buyer, i.created_at,
	i.number, i.vat_rate, i.vat_mention`

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
	lines, err := c.invoiceLines(ctx, id)
	return &inv, lines, err
}

func (c *conn) invoiceLines(ctx context.Context, invoiceID int64) ([]InvoiceLine, error) {
	var lines []InvoiceLine
	err := c.sel(ctx, &lines, `SELECT id, invoice_id, description, quantity, unit_cents, total_cents,
		service_id, period_from, period_to FROM invoice_lines WHERE invoice_id = ? ORDER BY id`, invoiceID)
	return lines, classify(err)
}

// NextInvoiceNumber takes the next invoice number inside the transaction: the counter
// row is created by the first invoice and bumped by each one after. The row stays
// locked until the transaction ends, so concurrent issuers take their numbers one
// after another, and a transaction that rolls back gives its number back: the numbers
// of committed invoices are 1, 2, 3… with no gap and no duplicate, on both engines.
func (tx *Tx) NextInvoiceNumber(ctx context.Context) (int64, error) {
	var n int64
	err := tx.get(ctx, &n, `INSERT INTO invoice_counter (id, n) VALUES (1, 1)
		ON CONFLICT (id) DO UPDATE SET n = invoice_counter.n + 1 RETURNING n`)
	return n, classify(err)
}

// InsertInvoice writes an invoice and its lines in one transaction, with the next
// invoice number; the total is the sum of the lines (computed here, so it cannot
// disagree with them). Call it late in the issuing transaction: the number counter
// stays locked from here to the commit.
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
		if inv.Number, err = tx.NextInvoiceNumber(ctx); err != nil {
			return err
		}
		inv.ID, err = tx.insert(ctx, `INSERT INTO invoices (user_id, total_cents, status, kind, currency, seller, buyer, created_at,
			number, vat_rate, vat_mention)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			inv.UserID, inv.TotalCents, inv.Status, inv.Kind, inv.Currency, inv.Seller, inv.Buyer, inv.CreatedAt,
			inv.Number, inv.VATRate, inv.VATMention)
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

// InvoiceFilter selects invoices for the admin list and its CSV export. The zero
// value matches every invoice.
type InvoiceFilter struct {
	Kind  string // InvoicePurchase, InvoiceRenewal or "" for both
	Email string // part of the customer's email, literal text (any case); "" for all
}

// ValidInvoiceKind reports whether k is one of the invoice kinds.
func ValidInvoiceKind(k string) bool { return k == InvoicePurchase || k == InvoiceRenewal }

func (f InvoiceFilter) where() (string, []any) {
	var conds []string
	var args []any
	if f.Kind != "" {
		conds = append(conds, "i.kind = ?")
		args = append(args, f.Kind)
	}
	if f.Email != "" {
		conds = append(conds, `u.email LIKE ? ESCAPE '\'`)
		args = append(args, "%"+likeEscaper.Replace(strings.ToLower(f.Email))+"%")
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

const invoiceListSelect = `SELECT ` + invoiceCols + `, u.email AS user_email,
	COALESCE((SELECT l.description FROM invoice_lines l WHERE l.invoice_id = i.id ORDER BY l.id LIMIT 1), '') AS summary
	FROM invoices i JOIN users u ON u.id = i.user_id`

// FindInvoices lists every customer's invoices matching f, newest first, with the
// number of matches.
func (c *conn) FindInvoices(ctx context.Context, f InvoiceFilter, limit, offset int) ([]Invoice, int64, error) {
	if strings.ContainsRune(f.Email, 0) {
		return nil, 0, nil // no stored email holds a NUL byte (PostgreSQL refuses to compare one)
	}
	where, args := f.where()
	var total int64
	if err := c.get(ctx, &total, `SELECT COUNT(*) FROM invoices i JOIN users u ON u.id = i.user_id`+where, args...); err != nil {
		return nil, 0, err
	}
	if total == 0 || int64(offset) >= total {
		return nil, total, nil
	}
	var out []Invoice
	err := c.sel(ctx, &out, invoiceListSelect+where+` ORDER BY i.number DESC, i.id DESC LIMIT ? OFFSET ?`,
		append(args, limit, offset)...)
	return out, total, err
}

// EachInvoice calls fn for every invoice matching f, newest first, from one cursor
// (the CSV export). fn's error stops the walk.
func (c *conn) EachInvoice(ctx context.Context, f InvoiceFilter, fn func(*Invoice) error) error {
	if strings.ContainsRune(f.Email, 0) {
		return nil
	}
	where, args := f.where()
	rows, err := c.read.QueryxContext(ctx, c.q(invoiceListSelect+where+` ORDER BY i.number DESC, i.id DESC`), args...)
	if err != nil {
		return classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var inv Invoice
		if err := rows.StructScan(&inv); err != nil {
			return classify(err)
		}
		if err := fn(&inv); err != nil {
			return err
		}
	}
	return classify(rows.Err())
}

// InvoiceByID loads any customer's invoice with its lines (admin pages only).
func (c *conn) InvoiceByID(ctx context.Context, id int64) (*Invoice, []InvoiceLine, error) {
	var inv Invoice
	if err := c.get(ctx, &inv, `SELECT `+invoiceCols+`, u.email AS user_email
		FROM invoices i JOIN users u ON u.id = i.user_id WHERE i.id = ?`, id); err != nil {
		return nil, nil, classify(err)
	}
	lines, err := c.invoiceLines(ctx, id)
	return &inv, lines, err
}
