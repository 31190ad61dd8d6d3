package db

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// CountLedgerSince counts a user's ledger entries of one kind created at or after since,
// inside tx (so a rate limit checked with it cannot be raced by a concurrent writer).
func CountLedgerSince(ctx context.Context, tx *sqlx.Tx, userID int64, kind string, since int64) (int, error) {
	var n int
	err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM ledger_entries WHERE user_id = ? AND kind = ? AND created_at >= ?`,
		userID, kind, since)
	return n, classify(err)
}
