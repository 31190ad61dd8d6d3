package db

import "context"

// Invoice is one purchase or renewal paid from the wallet.
type Invoice struct {
	ID         int64  `db:"id"`
	UserID     int64  `db:"user_id"`
	TotalCents int64  `db:"total_cents"`
	Status     string `db:"status"`
	CreatedAt  int64  `db:"created_at"`
}

// InvoicesOfUser lists a customer's invoices, newest first.
func (s *Store) InvoicesOfUser(ctx context.Context, userID int64, limit, offset int) ([]Invoice, int64, error) {
	var total int64
	if err := s.R.GetContext(ctx, &total, `SELECT COUNT(*) FROM invoices WHERE user_id = ?`, userID); err != nil {
		return nil, 0, classify(err)
	}
	var out []Invoice
	err := s.R.SelectContext(ctx, &out, `SELECT id, user_id, total_cents, status, created_at FROM invoices
		WHERE user_id = ? ORDER BY id DESC LIMIT ? OFFSET ?`, userID, limit, offset)
	return out, total, classify(err)
}
