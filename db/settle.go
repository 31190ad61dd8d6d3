package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"recharge/metrics"
)

// This file is the settlement engine: the one place where a Dedipass code credits a
// wallet (SettlePayment), group-committed for throughput. Its tests: settle_test.go.

// Settlement says what SettlePayment did.
type Settlement int

const (
	// Recorded: the non-crediting state was written (refused, error, test, pending).
	Recorded Settlement = iota
	// Credited: this call credited the wallet (the only outcome that moves money).
	Credited
	// AlreadyCredited: the code had credited this same customer before; nothing changed.
	AlreadyCredited
	// CreditedToOther: the code had credited another customer; nothing changed.
	CreditedToOther
)

// SettlePayment writes the state of one code. When p.Status is credited, the wallet of
// p.UserID gets p.CreditCents and a ledger entry in the same transaction. A code that
// already credited never changes again: the check runs inside the write transaction,
// the UPDATE itself requires credited_at IS NULL and code_key is UNIQUE, so concurrent
// or repeated reports of one code (form, callback, retries, several instances) credit
// at most once. The stored row is returned in p.
//
// On SQLite, settlements are group-committed: concurrent calls are written by one goroutine in a
// shared transaction, each inside its own SAVEPOINT (a failing one is rolled back alone),
// and every caller gets its answer only after the COMMIT is durable. Many callbacks then
// share one WAL write and one fsync.
func (s *Store) SettlePayment(ctx context.Context, p *Payment) (Settlement, error) {
	if !s.dialect.groupCommit {
		return s.settleAlone(ctx, p)
	}
	s.settleOnce.Do(func() { go s.settler() })
	req := &settleReq{p: *p, done: make(chan struct{})}
	select {
	case s.settleCh <- req:
	case <-s.closing:
		return Recorded, fmt.Errorf("%w: store closed", ErrUnavailable)
	case <-ctx.Done():
		return Recorded, ctx.Err()
	}
	<-req.done // once queued, wait for the verdict: it may already be committed
	*p = req.p
	return req.out, req.err
}

type settleReq struct {
	p    Payment
	out  Settlement
	err  error
	done chan struct{}
}

const (
	sqlSavepoint  = `SAVEPOINT settle`
	sqlRollbackTo = `ROLLBACK TO settle`
	sqlRelease    = `RELEASE settle`
)

// maxSettleBatch bounds one group commit.
const maxSettleBatch = 64

func (s *Store) settler() {
	for {
		var first *settleReq
		select {
		case first = <-s.settleCh:
		case <-s.closing:
			return
		}
		batch := []*settleReq{first}
	drain:
		for len(batch) < maxSettleBatch {
			select {
			case r := <-s.settleCh:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		s.settleBatch(batch)
	}
}

func (s *Store) settleBatch(batch []*settleReq) {
	metrics.SettleBatch(len(batch))
	ctx := context.Background()
	saved := make([]Payment, len(batch))
	for i, r := range batch {
		saved[i] = r.p
	}
	defer func() {
		// A panic must not kill the process nor leave callers waiting: Tx rolled the
		// transaction back, so nothing of the batch was committed.
		if v := recover(); v != nil {
			for i, r := range batch {
				select {
				case <-r.done:
				default:
					r.p, r.out, r.err = saved[i], Recorded, fmt.Errorf("settle: internal error: %v", v)
					close(r.done)
				}
			}
		}
	}()
	err := s.Tx(ctx, func(tx *Tx) error {
		for i, r := range batch {
			if err := tx.run(ctx, tx.st.savepoint); err != nil {
				return err
			}
			r.out, r.err = tx.settleOne(ctx, &r.p)
			if errors.Is(classify(r.err), ErrConflict) {
				// Another instance inserted this code meanwhile (the INSERT waited for its
				// commit): once more from the savepoint, now reading its row.
				if err := tx.run(ctx, tx.st.rollbackTo); err != nil {
					return err
				}
				r.p = saved[i]
				r.out, r.err = tx.settleOne(ctx, &r.p)
			}
			if r.err != nil {
				if err := tx.run(ctx, tx.st.rollbackTo); err != nil {
					return err
				}
				r.p, r.out, r.err = saved[i], Recorded, classify(r.err)
			}
			if err := tx.run(ctx, tx.st.release); err != nil {
				return err
			}
		}
		return nil
	})
	for i, r := range batch {
		if err != nil { // nothing of the batch was committed
			r.p, r.out, r.err = saved[i], Recorded, err
		}
		close(r.done)
	}
}

// settleAlone settles one code in its own transaction (PostgreSQL: concurrent
// transactions, see dialect.groupCommit). A code another instance inserted at the same
// moment makes the INSERT fail once it committed: the transaction runs again and reads
// that row.
func (s *Store) settleAlone(ctx context.Context, p *Payment) (Settlement, error) {
	metrics.SettleBatch(1)
	if out, done, err := s.settleNew(ctx, p); err != nil || done {
		return out, err
	}
	saved := *p
	var out Settlement
	var err error
	for try := 0; try < 2; try++ {
		*p = saved
		err = s.Tx(ctx, func(tx *Tx) error {
			var err error
			out, err = tx.settleOne(ctx, p)
			return err
		})
		if !errors.Is(err, ErrConflict) {
			break
		}
	}
	if err != nil {
		*p = saved
		return Recorded, err
	}
	return out, nil
}

// settleNew settles a code seen for the first time with the batch statement of
// settle_postgres.go (PostgreSQL; done is false on SQLite, for a payment with hooks to
// run in its transaction, and for a code that already has a row).
func (s *Store) settleNew(ctx context.Context, p *Payment) (out Settlement, done bool, err error) {
	if p.Status == StatusCredited && p.UserID == nil {
		return Recorded, false, nil
	}
	return s.settleInBatch(ctx, p, false)
}

// run executes a prepared statement without arguments in the transaction.
func (tx *Tx) run(ctx context.Context, st *sqlx.Stmt) error {
	_, err := tx.stmt(ctx, st).ExecContext(ctx)
	return err
}

// stamp dates a payment about to be written and keeps its money fields consistent
// with its status: only a credited payment has credited_at and a credit. It returns
// the time used.
func (p *Payment) stamp() int64 {
	now := Now()
	p.UpdatedAt, p.CreditedAt = now, nil
	if p.Status == StatusCredited {
		p.CreditedAt = &now
	} else {
		p.CreditCents = 0
	}
	return now
}

// settleOne is the rule for one code inside the settlement transaction. A new code
// (the usual case of a callback) is inserted first, in one statement; only a code
// already known is read and updated.
func (tx *Tx) settleOne(ctx context.Context, p *Payment) (Settlement, error) {
	now := p.stamp()
	p.CreatedAt = now
	err := tx.stmt(ctx, tx.st.paymentInsert).QueryRowxContext(ctx,
		p.Code, p.CodeKey, p.UserID, p.Custom, p.Status, p.Source, p.Rate, p.Solution, p.Country, p.Identifier,
		p.PayoutCents, p.VirtualCurrency, p.CreditCents, p.Test, p.Sandbox, p.Reason, p.Raw, now, now, p.CreditedAt).Scan(&p.ID)
	exists := errors.Is(err, sql.ErrNoRows) // ON CONFLICT DO NOTHING: the code has a row
	if err != nil && !exists {
		return Recorded, err
	}
	if exists {
		var cur Payment
		if err := tx.stmt(ctx, tx.st.paymentByKey).GetContext(ctx, &cur, p.CodeKey); err != nil {
			return Recorded, err
		}
		if cur.Credited() {
			return alreadyCredited(p, &cur), nil
		}
		p.ID, p.CreatedAt = cur.ID, cur.CreatedAt
		var n int64
		if p.Status == StatusPending && cur.Status != StatusPending {
			n, err = rowsAffected(tx.stmt(ctx, tx.st.paymentReopen).ExecContext(ctx, p.UserID, now, cur.ID))
			p.Status = StatusPending
		} else {
			n, err = rowsAffected(tx.stmt(ctx, tx.st.paymentUpdate).ExecContext(ctx,
				p.Code, p.UserID, p.Custom, p.Status, p.Source, p.Rate, p.Solution, p.Country, p.Identifier, p.PayoutCents,
				p.VirtualCurrency, p.CreditCents, p.Test, p.Sandbox, p.Reason, p.Raw, now, p.CreditedAt, cur.ID))
		}
		if err != nil {
			return Recorded, err
		}
		if n == 0 {
			// Credited meanwhile by another writer (an engine with concurrent writers):
			// the row the UPDATE refused to touch is the truth.
			if err := tx.stmt(ctx, tx.st.paymentByKey).GetContext(ctx, &cur, p.CodeKey); err != nil {
				return Recorded, err
			}
			return alreadyCredited(p, &cur), nil
		}
	}
	if p.Status == StatusPending {
		if p.OnPending != nil {
			return Recorded, p.OnPending(ctx, tx, p)
		}
		return Recorded, nil
	}
	if p.Status != StatusCredited {
		return Recorded, nil
	}
	if p.UserID == nil {
		return Recorded, errors.New("settle: credited payment without a customer")
	}
	if p.CreditCents == 0 {
		return Credited, nil
	}
	return Credited, tx.credit(ctx, p)
}

// credit moves a credited payment's cents to its wallet with their ledger entry, then
// runs its OnCredit in the same transaction.
func (tx *Tx) credit(ctx context.Context, p *Payment) error {
	e := &LedgerEntry{UserID: *p.UserID, AmountCents: p.CreditCents, Kind: KindDedipass, Reference: "dedipass:" + p.Code, Note: p.Rate}
	if err := tx.ApplyLedger(ctx, e); err != nil {
		return err
	}
	if p.OnCredit != nil {
		return p.OnCredit(ctx, tx, p, e.BalanceAfterCents)
	}
	return nil
}

// alreadyCredited answers a report of a code that credited before: nothing changes
// and p becomes the stored row.
func alreadyCredited(p, cur *Payment) Settlement {
	out := CreditedToOther
	if p.UserID != nil && cur.SameUser(*p.UserID) {
		out = AlreadyCredited
	}
	*p = *cur
	return out
}

func rowsAffected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// sqlResolvePending is the admin's decision on a pending payment: like the settlement's
// UPDATE it requires credited_at IS NULL, and the payment must still be pending, so of
// two decisions (or twenty concurrent assigns) one writes and the others change nothing.
const sqlResolvePending = `UPDATE payments SET status = ?, user_id = ?, credit_cents = ?, reason = ?, updated_at = ?,
	credited_at = ? WHERE id = ? AND status = 'pending' AND credited_at IS NULL`

// ResolvePending writes the admin's decision on the pending payment p.ID (SPEC §8):
// p.Status credited credits p.CreditCents to p.UserID with its ledger entry; any other
// status closes it without credit. ok is false, and nothing changed, when the payment
// was no longer pending (decided or credited meanwhile): a code credits at most once,
// as in SettlePayment. Call it on a Tx, so the credit and its ledger entry commit together.
func (c *conn) ResolvePending(ctx context.Context, p *Payment) (ok bool, err error) {
	if c.tx == nil {
		return false, errors.New("resolve pending: outside a transaction")
	}
	if p.Status == StatusCredited && p.UserID == nil {
		return false, errors.New("resolve pending: credited payment without a customer")
	}
	now := p.stamp()
	n, err := c.exec(ctx, sqlResolvePending, p.Status, p.UserID, p.CreditCents, p.Reason, now, p.CreditedAt, p.ID)
	if err != nil || n == 0 {
		return false, err
	}
	if p.Status != StatusCredited || p.CreditCents == 0 {
		return true, nil
	}
	return true, c.tx.credit(ctx, p)
}
