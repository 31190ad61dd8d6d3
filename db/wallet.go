package db

import (
	"context"
	"errors"
)

// ErrInsufficientFunds: the change would make the balance negative.
var ErrInsufficientFunds = errors.New("insufficient funds")

// LedgerEntry is one balance change. The ledger is append-only.
type LedgerEntry struct {
	ID                int64  `db:"id"`
	UserID            int64  `db:"user_id"`
	AmountCents       int64  `db:"amount_cents"`
	BalanceAfterCents int64  `db:"balance_after_cents"`
	Kind              string `db:"kind"`
	Reference         string `db:"reference"`
	Note              string `db:"note"`
	// CustomerNote is what the customer reads for an admin adjustment (Note, its
	// reason, stays internal); empty = a neutral line naming the site.
	CustomerNote string `db:"customer_note"`
	ActorID      *int64 `db:"actor_id"`
	CreatedAt    int64  `db:"created_at"`
}

// Ledger kinds.
const (
	KindDedipass    = "dedipass"
	KindAdjustment  = "adjustment"
	KindPurchase    = "purchase"
	KindRenewal     = "renewal"
	KindTransferIn  = "transfer_in"
	KindTransferOut = "transfer_out"
)

// ApplyLedger changes a wallet: the balance moves by e.AmountCents (refused with
// ErrInsufficientFunds if it would go below zero, checked by the UPDATE itself so
// concurrent debits cannot both pass) and the entry is written with the balance after,
// in one transaction (the caller's, or its own on the Store). This is the only method
// that changes users.balance_cents.
func (c *conn) ApplyLedger(ctx context.Context, e *LedgerEntry) error {
	return c.atomic(ctx, func(tx *Tx) error {
		e.CreatedAt = Now()
		if tx.st.ledgerApply != nil { // PostgreSQL: balance and entry in one statement
			err := classify(tx.stmt(ctx, tx.st.ledgerApply).QueryRowxContext(ctx, e.AmountCents, e.UserID, e.AmountCents,
				e.UserID, e.AmountCents, e.Kind, e.Reference, e.Note, e.ActorID, e.CreatedAt, e.CustomerNote).Scan(&e.ID, &e.BalanceAfterCents))
			return tx.insufficientOr(ctx, e.UserID, err)
		}
		var after int64
		err := classify(tx.stmt(ctx, tx.st.ledgerMove).QueryRowxContext(ctx, e.AmountCents, e.UserID, e.AmountCents).Scan(&after))
		if err != nil {
			return tx.insufficientOr(ctx, e.UserID, err)
		}
		e.BalanceAfterCents = after
		return classify(tx.stmt(ctx, tx.st.ledgerInsert).QueryRowxContext(ctx,
			e.UserID, e.AmountCents, after, e.Kind, e.Reference, e.Note, e.ActorID, e.CreatedAt, e.CustomerNote).Scan(&e.ID))
	})
}

// insufficientOr tells a refused balance move (no row changed, the user exists) from
// an unknown user or another error.
func (tx *Tx) insufficientOr(ctx context.Context, userID int64, err error) error {
	if errors.Is(err, ErrNotFound) {
		if _, err2 := tx.UserByID(ctx, userID); err2 == nil {
			return ErrInsufficientFunds
		}
	}
	return err
}

const (
	// sqlLedgerApply is sqlLedgerMove and sqlLedgerInsert in one statement, where the
	// engine runs an UPDATE inside a WITH (PostgreSQL): one round trip instead of two.
	sqlLedgerApply = `WITH m AS (UPDATE users SET balance_cents = balance_cents + ?
			WHERE id = ? AND balance_cents + ? >= 0 RETURNING balance_cents)
		INSERT INTO ledger_entries (user_id, amount_cents, balance_after_cents, kind, reference, note, actor_id, created_at, customer_note)
		SELECT ?, ?, m.balance_cents, ?, ?, ?, ?, ?, ? FROM m RETURNING id, balance_after_cents`
	sqlLedgerMove = `UPDATE users SET balance_cents = balance_cents + ?
		WHERE id = ? AND balance_cents + ? >= 0 RETURNING balance_cents`
	sqlLedgerInsert = `INSERT INTO ledger_entries
		(user_id, amount_cents, balance_after_cents, kind, reference, note, actor_id, created_at, customer_note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
)

// LedgerPage lists a user's entries, newest first.
func (c *conn) LedgerPage(ctx context.Context, userID int64, limit, offset int) ([]LedgerEntry, int64, error) {
	var total int64
	if err := c.get(ctx, &total, `SELECT COUNT(*) FROM ledger_entries WHERE user_id = ?`, userID); err != nil {
		return nil, 0, err
	}
	var out []LedgerEntry
	err := c.sel(ctx, &out, `SELECT id, user_id, amount_cents, balance_after_cents, kind, reference, note, actor_id, created_at, customer_note
		FROM ledger_entries WHERE user_id = ? ORDER BY id DESC LIMIT ? OFFSET ?`, userID, limit, offset)
	return out, total, err
}

// LedgerSum returns the balance column and the sum of the ledger (they must agree).
func (c *conn) LedgerSum(ctx context.Context, userID int64) (balance, sum int64, err error) {
	err = classify(c.read.QueryRowxContext(ctx, c.q(`SELECT u.balance_cents, COALESCE((SELECT SUM(amount_cents) FROM ledger_entries WHERE user_id = u.id), 0)
		FROM users u WHERE u.id = ?`), userID).Scan(&balance, &sum))
	return balance, sum, err
}

// CountLedgerSince counts a user's ledger entries of one kind created at or after
// since (inside a transaction, a rate limit checked with it cannot be raced).
func (c *conn) CountLedgerSince(ctx context.Context, userID int64, kind string, since int64) (int, error) {
	var n int
	err := c.get(ctx, &n, `SELECT COUNT(*) FROM ledger_entries WHERE user_id = ? AND kind = ? AND created_at >= ?`,
		userID, kind, since)
	return n, err
}

// MoneyExists reports whether any wallet holds money or any ledger entry exists: the
// shop currency may change only when neither is true (it would relabel money).
func (c *conn) MoneyExists(ctx context.Context) (bool, error) {
	var n int64
	err := c.get(ctx, &n, `SELECT CASE WHEN EXISTS (SELECT 1 FROM ledger_entries)
		OR EXISTS (SELECT 1 FROM users WHERE balance_cents <> 0) THEN 1 ELSE 0 END`)
	return n == 1, err
}
