package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
)

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
}

// Credited reports whether this code already credited a wallet.
func (p *Payment) Credited() bool { return p.CreditedAt != nil }

// SameUser reports whether the payment belongs to userID.
func (p *Payment) SameUser(userID int64) bool { return p.UserID != nil && *p.UserID == userID }

const paymentCols = `p.id, p.code, p.code_key, p.user_id, p.custom, p.status, p.source, p.rate, p.solution, p.country,
	p.identifier, p.payout_cents, p.virtual_currency, p.credit_cents, p.test, p.sandbox, p.reason, p.raw,
	p.created_at, p.updated_at, p.credited_at`

const (
	sqlPaymentByKey  = `SELECT ` + paymentCols + ` FROM payments p WHERE p.code_key = ?`
	sqlPaymentUpdate = `UPDATE payments SET code = ?, user_id = ?, custom = ?, status = ?, source = ?, rate = ?,
				solution = ?, country = ?, identifier = ?, payout_cents = ?, virtual_currency = ?, credit_cents = ?, test = ?,
				sandbox = ?, reason = ?, raw = ?, updated_at = ?, credited_at = ? WHERE id = ? AND credited_at IS NULL`
	sqlPaymentInsert = `INSERT INTO payments (code, code_key, user_id, custom, status, source, rate, solution,
				country, identifier, payout_cents, virtual_currency, credit_cents, test, sandbox, reason, raw, created_at, updated_at, credited_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
)

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
// already credited never changes again: the check runs inside the write transaction and
// code_key is UNIQUE, so concurrent or repeated reports of one code (form, callback,
// retries, several instances) credit at most once. The stored row is returned in p.
//
// Settlements are group-committed: concurrent calls are written by one goroutine in a
// shared transaction, each inside its own SAVEPOINT (a failing one is rolled back alone),
// and every caller gets its answer only after the COMMIT is durable. Many callbacks then
// share one WAL write and one fsync.
func (s *Store) SettlePayment(ctx context.Context, p *Payment) (Settlement, error) {
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
	ctx := context.Background()
	saved := make([]Payment, len(batch))
	for i, r := range batch {
		saved[i] = r.p
	}
	var err error
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
	err = s.Tx(ctx, func(tx *sqlx.Tx) error {
		for i, r := range batch {
			if err := s.txExec(ctx, tx, sqlSavepoint); err != nil {
				return err
			}
			r.out, r.err = s.settleOne(ctx, tx, &r.p)
			if r.err != nil {
				if err := s.txExec(ctx, tx, sqlRollbackTo); err != nil {
					return err
				}
				r.p, r.out, r.err = saved[i], Recorded, classify(r.err)
			}
			if err := s.txExec(ctx, tx, sqlRelease); err != nil {
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

// settleOne is the rule for one code inside the settlement transaction.
func (s *Store) settleOne(ctx context.Context, tx *sqlx.Tx, p *Payment) (Settlement, error) {
	out := Recorded
	var cur Payment
	err := s.txRow(ctx, tx)(sqlPaymentByKey, p.CodeKey).StructScan(&cur)
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return out, err
	}
	if exists && cur.Credited() {
		if p.UserID != nil && cur.SameUser(*p.UserID) {
			out = AlreadyCredited
		} else {
			out = CreditedToOther
		}
		*p = cur
		return out, nil
	}
	now := Now()
	p.UpdatedAt = now
	if p.Status == StatusCredited {
		p.CreditedAt = &now
	} else {
		p.CreditedAt = nil
		p.CreditCents = 0
	}
	if exists {
		p.ID, p.CreatedAt = cur.ID, cur.CreatedAt
		if p.Status == StatusPending && cur.Status != StatusPending {
			// A new try of a code that failed before: keep what we learnt, mark it pending.
			_, err = tx.ExecContext(ctx, `UPDATE payments SET status = 'pending', user_id = ?, updated_at = ? WHERE id = ?`, p.UserID, now, cur.ID)
			p.Status = StatusPending
			return out, err
		}
		err = s.txExec(ctx, tx, sqlPaymentUpdate,
			p.Code, p.UserID, p.Custom, p.Status, p.Source, p.Rate, p.Solution, p.Country, p.Identifier, p.PayoutCents,
			p.VirtualCurrency, p.CreditCents, p.Test, p.Sandbox, p.Reason, p.Raw, now, p.CreditedAt, cur.ID)
	} else {
		p.CreatedAt = now
		err = s.txRow(ctx, tx)(sqlPaymentInsert,
			p.Code, p.CodeKey, p.UserID, p.Custom, p.Status, p.Source, p.Rate, p.Solution, p.Country, p.Identifier,
			p.PayoutCents, p.VirtualCurrency, p.CreditCents, p.Test, p.Sandbox, p.Reason, p.Raw, now, now, p.CreditedAt).Scan(&p.ID)
	}
	if err != nil {
		return out, err
	}
	if p.Status != StatusCredited {
		return out, nil
	}
	if p.UserID == nil {
		return out, errors.New("settle: credited payment without a customer")
	}
	out = Credited
	if p.CreditCents == 0 {
		return out, nil
	}
	return out, s.ApplyLedger(ctx, tx, &LedgerEntry{UserID: *p.UserID, AmountCents: p.CreditCents, Kind: KindDedipass,
		Reference: "dedipass:" + p.Code, Note: p.Rate})
}

// PaymentByCode finds a code's row (normalised key).
func (s *Store) PaymentByCode(ctx context.Context, codeKey string) (*Payment, error) {
	var p Payment
	st, err := s.readStmt(ctx, `SELECT `+paymentCols+` FROM payments p WHERE p.code_key = ?`)
	if err == nil {
		err = st.GetContext(ctx, &p, codeKey)
	}
	return &p, classify(err)
}

// PaymentByID loads one payment with its customer's email.
func (s *Store) PaymentByID(ctx context.Context, id int64) (*Payment, error) {
	var p Payment
	err := s.R.GetContext(ctx, &p, `SELECT `+paymentCols+`, u.email AS user_email FROM payments p
		LEFT JOIN users u ON u.id = p.user_id WHERE p.id = ?`, id)
	return &p, classify(err)
}

// PaymentsOfUser lists one customer's payments, newest first (authorization in the query).
func (s *Store) PaymentsOfUser(ctx context.Context, userID int64, limit, offset int) ([]Payment, int64, error) {
	var total int64
	if err := s.R.GetContext(ctx, &total, `SELECT COUNT(*) FROM payments WHERE user_id = ?`, userID); err != nil {
		return nil, 0, classify(err)
	}
	var out []Payment
	err := s.R.SelectContext(ctx, &out, `SELECT `+paymentCols+` FROM payments p WHERE p.user_id = ? ORDER BY p.id DESC LIMIT ? OFFSET ?`,
		userID, limit, offset)
	return out, total, classify(err)
}

// RecordCodeAttempt notes one code typed in the payment form.
func (s *Store) RecordCodeAttempt(ctx context.Context, userID int64, code, outcome string) error {
	if len(code) > 80 {
		code = code[:80]
	}
	_, err := s.W.ExecContext(ctx, `INSERT INTO code_attempts (user_id, code, outcome, created_at) VALUES (?, ?, ?, ?)`,
		userID, code, outcome, Now())
	return classify(err)
}

// RefusedAttempts counts a customer's refused codes since a time.
func (s *Store) RefusedAttempts(ctx context.Context, userID, since int64) (int, error) {
	var n int
	err := s.R.GetContext(ctx, &n, `SELECT COUNT(*) FROM code_attempts WHERE user_id = ? AND outcome = 'refused' AND created_at >= ?`, userID, since)
	return n, classify(err)
}
