package db

import (
	"context"
	"fmt"
	"sync"
	"time"

	"recharge/metrics"
)

// PostgreSQL settles new codes in batches: concurrent settlements of codes seen for
// the first time are gathered and written by one statement (sqlSettleBatchPostgres),
// so one commit — the cost that bounds a settlement (bench/README.md) — serves many
// callbacks. The statement is atomic like any statement: every payment row, balance
// move and ledger entry of the batch commits together or not at all, and each caller
// hears its answer only after the commit. A code that already has a row (another
// report of it, or another instance's insert) comes back without a row and goes the
// transaction's way (settleOne), as does the whole batch if its statement fails
// (nothing of it was committed).

// sqlSettleBatchPostgres: a payment to resolve names its customer by custom only and is
// written only when that is an active (not suspended) account; the payments of the
// batch are inserted (a code that exists
// is skipped by ON CONFLICT DO NOTHING, waiting first for an instance inserting it at
// the same moment); each wallet moves once by the sum of its new credits, its rows
// locked in id order (two batches never wait on each other in a cycle); each credit
// gets its ledger entry, whose balance_after is the wallet's final balance less the
// batch's later credits of that wallet.
const sqlSettleBatchPostgres = `WITH input AS (
		SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
			$9::text[], $10::text[], $11::bigint[], $12::text[], $13::bigint[], $14::boolean[], $15::boolean[], $16::text[],
			$17::text[], $18::bigint[], $19::bigint[], $20::int[], $21::boolean[])
		AS t(code, code_key, user_id, custom, status, source, rate, solution, country, identifier, payout_cents,
			virtual_currency, credit_cents, test, sandbox, reason, raw, created_at, credited_at, ord, resolve)),
	r AS (SELECT i.*, CASE WHEN i.resolve THEN u.id ELSE i.user_id END AS uid
		FROM input i LEFT JOIN users u ON i.resolve AND u.custom = i.custom AND u.suspended_at IS NULL),
	p AS (INSERT INTO payments (code, code_key, user_id, custom, status, source, rate, solution, country, identifier,
			payout_cents, virtual_currency, credit_cents, test, sandbox, reason, raw, created_at, updated_at, credited_at)
		SELECT code, code_key, uid, custom, status, source, rate, solution, country, identifier, payout_cents,
			virtual_currency, credit_cents, test, sandbox, reason, raw, created_at, created_at, credited_at
		FROM r WHERE NOT resolve OR uid IS NOT NULL ORDER BY ord
		ON CONFLICT (code_key) DO NOTHING
		RETURNING id, code_key, user_id, status, credit_cents, code, rate, created_at),
	c AS (SELECT user_id, SUM(credit_cents) AS total FROM p
		WHERE status = 'credited' AND credit_cents > 0 GROUP BY user_id),
	lk AS MATERIALIZED (SELECT u.id FROM users u WHERE u.id IN (SELECT user_id FROM c) ORDER BY u.id FOR NO KEY UPDATE),
	m AS (UPDATE users u SET balance_cents = u.balance_cents + c.total FROM c, lk
		WHERE u.id = c.user_id AND lk.id = u.id RETURNING u.id, u.balance_cents),
	l AS (INSERT INTO ledger_entries (user_id, amount_cents, balance_after_cents, kind, reference, note, actor_id, created_at)
		SELECT p.user_id, p.credit_cents,
			m.balance_cents - COALESCE(SUM(p.credit_cents) OVER (PARTITION BY p.user_id ORDER BY p.id
				ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING), 0),
			'dedipass', 'dedipass:' || p.code, p.rate, NULL, p.created_at
		FROM p JOIN m ON m.id = p.user_id WHERE p.status = 'credited' AND p.credit_cents > 0
		RETURNING user_id)
	SELECT p.code_key, p.id, p.user_id, (SELECT COUNT(*) FROM l) AS entries FROM p`

// batchStats counts what the batches wrote (tests check the path is taken).
var batchStats struct {
	sync.Mutex
	written, largest int
}

// batchReq is one settlement waiting for the batch statement.
type batchReq struct {
	p       Payment // stamped
	resolve bool    // find the customer by p.Custom (active accounts only)
	id      int64   // the payment's id when it was inserted
	userID  *int64  // its customer
	done    chan struct{}
	ok      bool  // written by the batch; false: go the transaction's way
	err     error // written, but the batch broke a rule it cannot break (see writeBatch)
}

const (
	maxPostgresBatch = 64
	postgresBatchers = 1 // statements in flight per instance: more made batches smaller and slower (bench: 2 → 4,776/s, 4 → 3,551/s, 1 → 5,255–5,351/s)
)

// settleBatched hands a new code to the batchers and waits for the verdict: done is
// false when the code must go the transaction's way.
func (s *Store) settleBatched(ctx context.Context, q *Payment, resolve bool) (done bool, err error) {
	s.pgBatchOnce.Do(func() {
		s.pgBatchCh = make(chan *batchReq, 256)
		for i := 0; i < postgresBatchers; i++ {
			go s.postgresBatcher()
		}
	})
	r := &batchReq{p: *q, resolve: resolve, done: make(chan struct{})}
	select {
	case s.pgBatchCh <- r:
	case <-s.closing:
		return false, fmt.Errorf("%w: store closed", ErrUnavailable)
	case <-ctx.Done():
		return false, ctx.Err()
	}
	<-r.done // once queued, wait for the verdict: it may already be committed
	if !r.ok {
		return false, nil
	}
	q.ID, q.UserID = r.id, r.userID
	return true, r.err
}

func (s *Store) postgresBatcher() {
	for {
		var first *batchReq
		select {
		case first = <-s.pgBatchCh:
		case <-s.closing:
			return
		}
		batch := []*batchReq{first}
	drain:
		for len(batch) < maxPostgresBatch {
			select {
			case r := <-s.pgBatchCh:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		s.writeBatch(batch)
	}
}

// writeBatch runs the batch statement and tells each request what became of it.
func (s *Store) writeBatch(batch []*batchReq) {
	metrics.SettleBatch(len(batch))
	defer func() {
		for _, r := range batch {
			close(r.done)
		}
	}()
	n := len(batch)
	var (
		code, key, custom, status, source, rate, solution, country, identifier, vc, reason, raw = make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		user, creditedAt   = make([]*int64, n), make([]*int64, n)
		payout, credit, at = make([]int64, n), make([]int64, n), make([]int64, n)
		test, sandbox      = make([]bool, n), make([]bool, n)
		ord                = make([]int32, n)
		resolve            = make([]bool, n)
		index              = make(map[string]int, n)
	)
	for i, r := range batch {
		p := &r.p
		code[i], key[i], user[i], custom[i], status[i], source[i] = p.Code, p.CodeKey, p.UserID, p.Custom, p.Status, p.Source
		rate[i], solution[i], country[i], identifier[i], payout[i], vc[i] = p.Rate, p.Solution, p.Country, p.Identifier, p.PayoutCents, p.VirtualCurrency
		credit[i], test[i], sandbox[i], reason[i], raw[i], at[i], creditedAt[i] = p.CreditCents, p.Test, p.Sandbox, p.Reason, p.Raw, p.CreatedAt, p.CreditedAt
		ord[i], resolve[i] = int32(i), r.resolve
		if _, dup := index[p.CodeKey]; !dup {
			index[p.CodeKey] = i // a second report of the same code in the batch goes the transaction's way
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := s.wst.settleBatch.QueryxContext(ctx, code, key, user, custom, status, source, rate, solution, country, identifier,
		payout, vc, credit, test, sandbox, reason, raw, at, creditedAt, ord, resolve)
	if err != nil {
		return // nothing committed: every request goes the transaction's way
	}
	defer rows.Close()
	type written struct {
		key  string
		id   int64
		user *int64
	}
	var got []written
	var entries int64
	for rows.Next() {
		var w written
		if err := rows.Scan(&w.key, &w.id, &w.user, &entries); err != nil {
			return
		}
		got = append(got, w)
	}
	if rows.Err() != nil {
		return // the statement failed (and rolled back) while its rows were read
	}
	batchStats.Lock()
	batchStats.written += len(got)
	batchStats.largest = max(batchStats.largest, len(got))
	batchStats.Unlock()
	var credits int64
	for _, w := range got {
		i, ok := index[w.key]
		if !ok {
			continue
		}
		batch[i].ok, batch[i].id, batch[i].userID = true, w.id, w.user
		if batch[i].p.Status == StatusCredited && batch[i].p.CreditCents > 0 {
			credits++
		}
	}
	if credits != entries { // cannot happen: every new credit's wallet exists (foreign key) and is moved
		err := fmt.Errorf("settle: batch of %d credits wrote %d ledger entries", credits, entries)
		for _, r := range batch {
			if r.ok {
				r.err = err
			}
		}
	}
}

// SettleByCustom settles a new code whose customer is named by p.Custom alone, finding
// the customer inside the settlement statement (PostgreSQL: one query less for the
// usual callback). done is false, and nothing was written, on SQLite, for a payment
// with hooks, when no active account has that custom, or when the code already has a
// row: the caller then takes its usual way (find the customer, SettlePayment).
func (s *Store) SettleByCustom(ctx context.Context, p *Payment) (out Settlement, done bool, err error) {
	if p.Custom == "" {
		return Recorded, false, nil
	}
	return s.settleInBatch(ctx, p, true)
}

// settleInBatch writes a new code through the batch statement (resolve: find its
// customer by custom). done is false, and p unchanged, when it cannot (SQLite, hooks
// to run in a transaction) or did not (a code seen before, no such active customer).
func (s *Store) settleInBatch(ctx context.Context, p *Payment, resolve bool) (out Settlement, done bool, err error) {
	if s.wst.settleBatch == nil || p.OnCredit != nil || p.OnPending != nil {
		return Recorded, false, nil
	}
	q := *p
	if resolve {
		q.UserID = nil // the statement finds it
	}
	q.CreatedAt = q.stamp()
	written, err := s.settleBatched(ctx, &q, resolve)
	if err != nil || !written {
		return Recorded, written, err
	}
	*p = q
	if q.Status != StatusCredited {
		return Recorded, true, nil
	}
	return Credited, true, nil
}
