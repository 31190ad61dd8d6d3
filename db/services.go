package db

import (
	"context"
)

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
	// RenewalStoppedAt: when the customer stopped the renewal (nil = renews). The
	// service runs to NextDueAt, then expires without a charge.
	RenewalStoppedAt *int64 `db:"renewal_stopped_at"`
	// ProductActive: its product is still on sale (a retired product's service is
	// not renewed at the old price).
	ProductActive bool `db:"product_active"`
}

// serviceSelect reads services with whether their product is still on sale.
const (
	serviceCols = `s.id, s.user_id, s.product_id, s.name, s.status, s.price_cents, s.period, s.next_due_at,
	s.created_at, s.updated_at, s.renewal_stopped_at, p.active AS product_active`
	serviceFrom   = ` FROM services s JOIN products p ON p.id = s.product_id`
	serviceSelect = `SELECT ` + serviceCols + serviceFrom
)

// ServicesOfUser lists a customer's services, newest first.
func (c *conn) ServicesOfUser(ctx context.Context, userID int64) ([]Service, error) {
	var out []Service
	err := c.sel(ctx, &out, serviceSelect+` WHERE s.user_id = ? ORDER BY s.id DESC`, userID)
	return out, classify(err)
}

// Service statuses.
const (
	ServiceActive    = "active"
	ServiceSuspended = "suspended"
	ServiceCancelled = "cancelled"
	ServiceExpired   = "expired"
)

// ServiceOfUser loads one service of one customer; another customer's id is ErrNotFound.
func (c *conn) ServiceOfUser(ctx context.Context, id, userID int64) (*Service, error) {
	var sv Service
	err := c.get(ctx, &sv, serviceSelect+` WHERE s.id = ? AND s.user_id = ?`, id, userID)
	return &sv, err
}

// ServiceByID loads one service whoever owns it (admin actions only).
func (c *conn) ServiceByID(ctx context.Context, id int64) (*Service, error) {
	var sv Service
	err := c.get(ctx, &sv, serviceSelect+` WHERE s.id = ?`, id)
	return &sv, err
}

// InsertService creates a service.
func (c *conn) InsertService(ctx context.Context, sv *Service) error {
	now := Now()
	sv.CreatedAt, sv.UpdatedAt = now, now
	var err error
	sv.ID, err = c.insert(ctx, `INSERT INTO services
		(user_id, product_id, name, status, price_cents, period, next_due_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		sv.UserID, sv.ProductID, sv.Name, sv.Status, sv.PriceCents, sv.Period, sv.NextDueAt, now, now)
	return err
}

// SetServiceDue sets status and next due date (a renewal).
func (c *conn) SetServiceDue(ctx context.Context, id int64, status string, nextDueAt int64) error {
	return c.execOne(ctx, `UPDATE services SET status = ?, next_due_at = ?, updated_at = ? WHERE id = ?`,
		status, nextDueAt, Now(), id)
}

// SetServiceStatus changes a service's status.
func (c *conn) SetServiceStatus(ctx context.Context, id int64, status string) error {
	return c.execOne(ctx, `UPDATE services SET status = ?, updated_at = ? WHERE id = ?`, status, Now(), id)
}

// StopServiceRenewal marks a service of userID as not to be renewed (once: a second
// call keeps the first time). Another customer's service is ErrNotFound.
func (c *conn) StopServiceRenewal(ctx context.Context, id, userID int64) error {
	return c.execOne(ctx, `UPDATE services SET renewal_stopped_at = COALESCE(renewal_stopped_at, ?), updated_at = ?
		WHERE id = ? AND user_id = ?`, Now(), Now(), id, userID)
}

// ExpireServiceIfDue marks an active service expired when its due date has passed,
// re-checking both inside the UPDATE (another instance may have renewed it meanwhile).
// It reports whether the service was expired by this call.
func (c *conn) ExpireServiceIfDue(ctx context.Context, id, now int64) (bool, error) {
	n, err := c.exec(ctx, `UPDATE services SET status = 'expired', updated_at = ?
		WHERE id = ? AND status = 'active' AND next_due_at IS NOT NULL AND next_due_at <= ?`, Now(), id, now)
	return n == 1, err
}

// DueService names a service whose due date has come.
type DueService struct {
	ID     int64 `db:"id"`
	UserID int64 `db:"user_id"`
}

// DueServices lists active monthly services whose due date is at or before now.
func (c *conn) DueServices(ctx context.Context, now int64, limit int) ([]DueService, error) {
	var out []DueService
	err := c.sel(ctx, &out, `SELECT id, user_id FROM services
		WHERE status = 'active' AND period = 'monthly' AND next_due_at IS NOT NULL AND next_due_at <= ?
		ORDER BY next_due_at, id LIMIT ?`, now, limit)
	return out, classify(err)
}

// ShortService is a monthly service due soon whose wallet does not cover its price.
type ShortService struct {
	ID         int64  `db:"id"`
	UserID     int64  `db:"user_id"`
	Name       string `db:"name"`
	PriceCents int64  `db:"price_cents"`
	NextDueAt  int64  `db:"next_due_at"`
}

// ServicesShortOfBalance lists the active monthly services due in (from, to] whose
// customer's balance is below their price and that will be renewed: not stopped by the
// customer, and of a product still on sale.
func (c *conn) ServicesShortOfBalance(ctx context.Context, from, to int64) ([]ShortService, error) {
	var out []ShortService
	err := c.sel(ctx, &out, `SELECT s.id, s.user_id, s.name, s.price_cents, s.next_due_at FROM services s
		JOIN users u ON u.id = s.user_id
		JOIN products p ON p.id = s.product_id
		WHERE s.status = 'active' AND s.period = 'monthly' AND s.next_due_at > ? AND s.next_due_at <= ?
			AND u.balance_cents < s.price_cents AND s.renewal_stopped_at IS NULL AND p.active = `+c.store.dialect.True+`
		ORDER BY s.next_due_at, s.id`, from, to)
	return out, err
}
