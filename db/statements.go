package db

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// statements are the prepared statements of the hot paths (callbacks, the payment
// form, every page's settings read): parsing SQL costs more than running these small
// queries. One set is prepared on the writer at Open (a transaction uses them through
// Tx.StmtxContext) and one on the read pool (reads only; database/sql re-prepares a
// statement on a new pool connection by itself). A field is its query: there is no
// lookup by SQL text, so nothing falls back to unprepared SQL silently.
type statements struct {
	// reads (both sets)
	paymentByKey *sqlx.Stmt
	userByCustom *sqlx.Stmt
	userByID     *sqlx.Stmt
	settings     *sqlx.Stmt

	// writes (writer set only)
	savepoint     *sqlx.Stmt
	rollbackTo    *sqlx.Stmt
	release       *sqlx.Stmt
	paymentUpdate *sqlx.Stmt
	paymentReopen *sqlx.Stmt
	paymentInsert *sqlx.Stmt
	ledgerMove    *sqlx.Stmt
	ledgerInsert  *sqlx.Stmt
	ledgerApply   *sqlx.Stmt // PostgreSQL only (nil on SQLite): move and entry at once
	settleBatch   *sqlx.Stmt // PostgreSQL only: new codes' settlements, many in one statement
}

// list pairs each field with its SQL; write statements are left out of a read set.
func (st *statements) list(write, postgres bool) []struct {
	dst   **sqlx.Stmt
	query string
} {
	type item = struct {
		dst   **sqlx.Stmt
		query string
	}
	out := []item{
		{&st.paymentByKey, sqlPaymentByKey},
		{&st.userByCustom, sqlUserByCustom},
		{&st.userByID, sqlUserByID},
		{&st.settings, sqlSettings},
	}
	if write {
		out = append(out,
			item{&st.savepoint, sqlSavepoint},
			item{&st.rollbackTo, sqlRollbackTo},
			item{&st.release, sqlRelease},
			item{&st.paymentUpdate, sqlPaymentUpdate},
			item{&st.paymentReopen, sqlPaymentReopen},
			item{&st.paymentInsert, sqlPaymentInsert},
			item{&st.ledgerMove, sqlLedgerMove},
			item{&st.ledgerInsert, sqlLedgerInsert},
		)
		if postgres {
			out = append(out, item{&st.ledgerApply, sqlLedgerApply}, item{&st.settleBatch, sqlSettleBatchPostgres})
		}
	}
	return out
}

func prepare(ctx context.Context, pool *sqlx.DB, d dialect, write bool) (*statements, error) {
	st := &statements{}
	for _, it := range st.list(write, d.name == "postgres") {
		p, err := pool.PreparexContext(ctx, d.rebind(it.query))
		if err != nil {
			st.close()
			return nil, fmt.Errorf("prepare %q: %w", it.query, err)
		}
		*it.dst = p
	}
	return st, nil
}

// close closes every statement but keeps them: a request still running after Close
// (a connection the server finishes late) gets "statement is closed", not a nil
// pointer panic that kills the process. Closing twice is harmless.
func (st *statements) close() {
	if st == nil {
		return
	}
	for _, it := range st.list(true, true) {
		if *it.dst != nil {
			(*it.dst).Close()
		}
	}
}
