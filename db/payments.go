package db

import "context"

// Payment statuses (SPEC §9 words).
const (
	StatusPending  = "pending"
	StatusCredited = "credited"
	StatusRefused  = "refused"
	StatusError    = "error"
	StatusTest     = "test"
)

// Payment is one Dedipass code as the portal knows it.
type Payment struct {
	ID              int64   `db:"id"`
	Code            string  `db:"code"`
	CodeKey         string  `db:"code_key"`
	UserID          *int64  `db:"user_id"`
	Custom          string  `db:"custom"`
	Status          string  `db:"status"`
	Source          string  `db:"source"`
	Rate            string  `db:"rate"`
	Solution        string  `db:"solution"`
	Country         string  `db:"country"`
	Identifier      string  `db:"identifier"`
	PayoutCents     int64   `db:"payout_cents"`
	VirtualCurrency string  `db:"virtual_currency"`
	CreditCents     int64   `db:"credit_cents"`
	Test            bool    `db:"test"`
	Sandbox         bool    `db:"sandbox"`
	Reason          string  `db:"reason"`
	Raw             string  `db:"raw"`
	CreatedAt       int64   `db:"created_at"`
	UpdatedAt       int64   `db:"updated_at"`
	CreditedAt      *int64  `db:"credited_at"`
	UserEmail       *string `db:"user_email"` // filled by list queries
	// OnCredit, when set, runs inside the transaction that credits this payment, after
	// its ledger entry: what must commit with the credit or not at all (the receipt
	// mail in the outbox). balanceAfter is the wallet after the credit.
	OnCredit func(ctx context.Context, tx *Tx, p *Payment, balanceAfter int64) error `db:"-"`
	// OnPending, when set, runs inside the transaction that records this payment as
	// pending (new, or reported pending again): the notifications of a payment waiting
	// for the admin. It may run more than once for one payment (a repeated callback);
	// what it queues is keyed by the payment, so it is queued once.
	OnPending func(ctx context.Context, tx *Tx, p *Payment) error `db:"-"`
}

// Credited reports whether this code already credited a wallet.
func (p *Payment) Credited() bool { return p.CreditedAt != nil }

// SameUser reports whether the payment belongs to userID.
func (p *Payment) SameUser(userID int64) bool { return p.UserID != nil && *p.UserID == userID }

const paymentCols = `p.id, p.code, p.code_key, p.user_id, p.custom, p.status, p.source, p.rate, p.solution, p.country,
	p.identifier, p.payout_cents, p.virtual_currency, p.credit_cents, p.test, p.sandbox, p.reason, p.raw,
	p.created_at, p.updated_at, p.credited_at`

// The settlement engine's statements (prepared, see statements.go).
const (
	sqlPaymentByKey  = `SELECT ` + paymentCols + ` FROM payments p WHERE p.code_key = ?`
	sqlPaymentUpdate = `UPDATE payments SET code = ?, user_id = ?, custom = ?, status = ?, source = ?, rate = ?,
				solution = ?, country = ?, identifier = ?, payout_cents = ?, virtual_currency = ?, credit_cents = ?, test = ?,
				sandbox = ?, reason = ?, raw = ?, updated_at = ?, credited_at = ? WHERE id = ? AND credited_at IS NULL`
	// A new try of a code that failed before: keep what we learnt, mark it pending.
	sqlPaymentReopen = `UPDATE payments SET status = 'pending', user_id = ?, updated_at = ? WHERE id = ? AND credited_at IS NULL`
	sqlPaymentInsert = `INSERT INTO payments (code, code_key, user_id, custom, status, source, rate, solution,
				country, identifier, payout_cents, virtual_currency, credit_cents, test, sandbox, reason, raw, created_at, updated_at, credited_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (code_key) DO NOTHING RETURNING id`
)

// PaymentByCode finds a code's row (normalised key).
func (c *conn) PaymentByCode(ctx context.Context, codeKey string) (*Payment, error) {
	var p Payment
	err := c.stmt(ctx, c.st.paymentByKey).GetContext(ctx, &p, codeKey)
	return &p, classify(err)
}

// PaymentByID loads one payment with its customer's email.
func (c *conn) PaymentByID(ctx context.Context, id int64) (*Payment, error) {
	var p Payment
	err := c.get(ctx, &p, `SELECT `+paymentCols+`, u.email AS user_email FROM payments p
		LEFT JOIN users u ON u.id = p.user_id WHERE p.id = ?`, id)
	return &p, err
}

// PaymentsOfUser lists one customer's payments, newest first (authorization in the query).
func (c *conn) PaymentsOfUser(ctx context.Context, userID int64, limit, offset int) ([]Payment, int64, error) {
	var total int64
	if err := c.get(ctx, &total, `SELECT COUNT(*) FROM payments WHERE user_id = ?`, userID); err != nil {
		return nil, 0, err
	}
	var out []Payment
	err := c.sel(ctx, &out, `SELECT `+paymentCols+` FROM payments p WHERE p.user_id = ? ORDER BY p.id DESC LIMIT ? OFFSET ?`,
		userID, limit, offset)
	return out, total, err
}
