package db

import "context"

// Row locks for read-then-write rules inside a transaction. On PostgreSQL several
// instances write at once: a rule that reads a row, decides, then writes (renew a
// service that is due, count recent transfers before one more) first locks the row, so
// a concurrent transaction of another instance waits and then reads the result of this
// one. SQLite needs no lock: its write transaction (BEGIN IMMEDIATE) already excludes
// every other writer, in this process and in any other.
//
// The lock is FOR NO KEY UPDATE, the one an UPDATE of a non-key column takes: it
// excludes the same rule in another transaction, but not the KEY SHARE lock that a
// foreign key takes when a row referencing this one is inserted (a form token, a
// ledger entry), so a transaction that inserted such a row first cannot deadlock with
// another doing the same.

// LockService locks one service's row until the transaction ends.
func (tx *Tx) LockService(ctx context.Context, id int64) error {
	return tx.lockRow(ctx, `SELECT id FROM services WHERE id = ? FOR NO KEY UPDATE`, id)
}

// LockUser locks one account's row (and so its wallet) until the transaction ends.
func (tx *Tx) LockUser(ctx context.Context, id int64) error {
	return tx.lockRow(ctx, `SELECT id FROM users WHERE id = ? FOR NO KEY UPDATE`, id)
}

func (tx *Tx) lockRow(ctx context.Context, query string, id int64) error {
	if !tx.store.dialect.rowLocks {
		return nil
	}
	var got []int64
	return tx.sel(ctx, &got, query, id) // a missing row is for the caller's next read to report
}
