package db

import "context"

// Service is something a customer bought (a product instance).
type Service struct {
	ID         int64  `db:"id"`
	UserID     int64  `db:"user_id"`
	ProductID  int64  `db:"product_id"`
	Name       string `db:"name"`
	Status     string `db:"status"`
	PriceCents int64  `db:"price_cents"`
	Period     string `db:"period"`
	NextDueAt  *int64 `db:"next_due_at"`
	CreatedAt  int64  `db:"created_at"`
	UpdatedAt  int64  `db:"updated_at"`
}

const serviceCols = `id, user_id, product_id, name, status, price_cents, period, next_due_at, created_at, updated_at`

// ServicesOfUser lists a customer's services, newest first.
func (s *Store) ServicesOfUser(ctx context.Context, userID int64) ([]Service, error) {
	var out []Service
	err := s.R.SelectContext(ctx, &out, `SELECT `+serviceCols+` FROM services WHERE user_id = ? ORDER BY id DESC`, userID)
	return out, classify(err)
}
