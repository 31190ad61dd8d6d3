package db

import (
	"context"
	"errors"

	"github.com/jmoiron/sqlx"
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
	ActorID           *int64 `db:"actor_id"`
	CreatedAt         int64  `db:"created_at"`
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

// ApplyLedger changes a wallet inside tx: the balance moves by e.AmountCents (refused
// with ErrInsufficientFunds if it would go below zero, checked by the UPDATE itself so
// concurrent debits cannot both pass) and the entry is written with the balance after.
// This is the only function that changes users.balance_cents.
func ApplyLedger(ctx context.Context, tx *sqlx.Tx, e *LedgerEntry) error {
	return applyLedger(ctx, tx, e, func(query string, args ...any) *sqlx.Row { return tx.QueryRowxContext(ctx, query, args...) })
}

// ApplyLedger is the package function above with the store's prepared statements.
func (s *Store) ApplyLedger(ctx context.Context, tx *sqlx.Tx, e *LedgerEntry) error {
	return applyLedger(ctx, tx, e, s.txRow(ctx, tx))
}

const (
	sqlLedgerMove = `UPDATE users SET balance_cents = balance_cents + ?
		WHERE id = ? AND balance_cents + ? >= 0 RETURNING balance_cents`
	sqlLedgerInsert = `INSERT INTO ledger_entries
		(user_id, amount_cents, balance_after_cents, kind, reference, note, actor_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
)

func applyLedger(ctx context.Context, tx *sqlx.Tx, e *LedgerEntry, row func(query string, args ...any) *sqlx.Row) error {
	var after int64
	err := row(sqlLedgerMove, e.AmountCents, e.UserID, e.AmountCents).Scan(&after)
	if err != nil {
		err = classify(err)
		if errors.Is(err, ErrNotFound) {
			var exists int
			if err2 := tx.GetContext(ctx, &exists, `SELECT COUNT(*) FROM users WHERE id = ?`, e.UserID); err2 == nil && exists == 1 {
				return ErrInsufficientFunds
			}
		}
		return err
	}
	e.BalanceAfterCents = after
	e.CreatedAt = Now()
	return classify(row(sqlLedgerInsert, e.UserID, e.AmountCents, after, e.Kind, e.Reference, e.Note, e.ActorID, e.CreatedAt).Scan(&e.ID))
}

// LedgerPage lists a user's entries, newest first.
func (s *Store) LedgerPage(ctx context.Context, userID int64, limit, offset int) ([]LedgerEntry, int64, error) {
	var total int64
	if err := s.R.GetContext(ctx, &total, `SELECT COUNT(*) FROM ledger_entries WHERE user_id = ?`, userID); err != nil {
		return nil, 0, classify(err)
	}
	var out []LedgerEntry
	err := s.R.SelectContext(ctx, &out, `SELECT id, user_id, amount_cents, balance_after_cents, kind, reference, note, actor_id, created_at
		FROM ledger_entries WHERE user_id = ? ORDER BY id DESC LIMIT ? OFFSET ?`, userID, limit, offset)
	return out, total, classify(err)
}

// LedgerSum returns the balance column and the sum of the ledger (they must agree).
func (s *Store) LedgerSum(ctx context.Context, userID int64) (balance, sum int64, err error) {
	err = s.R.QueryRowxContext(ctx, `SELECT u.balance_cents, COALESCE((SELECT SUM(amount_cents) FROM ledger_entries WHERE user_id = u.id), 0)
		FROM users u WHERE u.id = ?`, userID).Scan(&balance, &sum)
	return balance, sum, classify(err)
}
