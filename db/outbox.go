package db

import (
	"context"
	"errors"
)

// The outbox: messages (mail now, webhooks later) written in the transaction of the
// event they tell about and delivered by a background worker (package jobs). A row is
// claimed with a lease (locked_until) so one instance at a time tries it; a worker that
// dies mid-delivery leaves the lease to expire and the row is tried again, with the
// same message_id.

// Outbox kinds and statuses.
const (
	OutboxMail    = "mail"
	OutboxWebhook = "webhook"

	OutboxPending = "pending"
	OutboxSent    = "sent"
	OutboxFailed  = "failed"
)

// OutboxItem is one message to deliver.
type OutboxItem struct {
	ID            int64  `db:"id"`
	Kind          string `db:"kind"`
	Target        string `db:"target"`  // email address or URL
	Payload       string `db:"payload"` // JSON, see package mail
	MessageID     string `db:"message_id"`
	Status        string `db:"status"`
	Attempts      int64  `db:"attempts"`
	NextAttemptAt int64  `db:"next_attempt_at"`
	LockedUntil   int64  `db:"locked_until"`
	LastError     string `db:"last_error"`
	CreatedAt     int64  `db:"created_at"`
	SentAt        *int64 `db:"sent_at"`
}

const outboxCols = `id, kind, target, payload, message_id, status, attempts, next_attempt_at, locked_until, last_error, created_at, sent_at`

// Enqueue writes a message to deliver as soon as possible. Call it inside the
// transaction of the event. A message whose message_id is already queued is not
// queued again (event mails derive their id from the event): queued reports whether
// this call wrote it.
func (c *conn) Enqueue(ctx context.Context, it *OutboxItem) (queued bool, err error) {
	now := Now()
	it.Status, it.CreatedAt = OutboxPending, now
	if it.NextAttemptAt == 0 {
		it.NextAttemptAt = now
	}
	err = c.write.QueryRowxContext(ctx, c.q(`INSERT INTO outbox (kind, target, payload, message_id, status, next_attempt_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING RETURNING id`),
		it.Kind, it.Target, it.Payload, it.MessageID, it.Status, it.NextAttemptAt, it.CreatedAt).Scan(&it.ID)
	if errors.Is(classify(err), ErrNotFound) {
		return false, nil
	}
	return err == nil, classify(err)
}

// ClaimOutbox takes up to limit messages due at now and leases them until now+lease
// seconds, counting the attempt. Instances never claim the same row twice within a
// lease: SQLite's single writer serialises the UPDATE, PostgreSQL skips rows another
// instance has locked.
func (c *conn) ClaimOutbox(ctx context.Context, now, lease int64, limit int) ([]OutboxItem, error) {
	lock := ""
	if c.store.dialect.rowLocks {
		lock = ` FOR UPDATE SKIP LOCKED`
	}
	var out []OutboxItem
	rows, err := c.write.QueryxContext(ctx, c.q(`UPDATE outbox SET locked_until = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? AND locked_until <= ?
			ORDER BY next_attempt_at, id LIMIT ?`+lock+`)
		RETURNING `+outboxCols), now+lease, now, now, limit)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var it OutboxItem
		if err := rows.StructScan(&it); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, classify(rows.Err())
}

// MarkOutboxSent records a delivery. It is written right after the server accepted
// the message, so only a crash between the two can deliver it again. scrubbed, when
// not empty, replaces the payload: a message carrying a one-time link keeps it only
// until it is sent.
func (c *conn) MarkOutboxSent(ctx context.Context, id int64, scrubbed string) error {
	_, err := c.exec(ctx, `UPDATE outbox SET status = 'sent', sent_at = ?, locked_until = 0, last_error = '',
		payload = CASE WHEN ? = '' THEN payload ELSE ? END
		WHERE id = ? AND status = 'pending'`, Now(), scrubbed, scrubbed, id)
	return err
}

// MarkOutboxRetry records a failed attempt: the message is tried again at next, or
// given up (status failed) when final.
func (c *conn) MarkOutboxRetry(ctx context.Context, id int64, lastError string, next int64, final bool) error {
	status := OutboxPending
	if final {
		status = OutboxFailed
	}
	_, err := c.exec(ctx, `UPDATE outbox SET status = ?, next_attempt_at = ?, locked_until = 0, last_error = ?
		WHERE id = ? AND status = 'pending'`, status, next, lastError, id)
	return err
}

// RetryOutbox puts a failed (or waiting) message back at the head of the queue, with
// a fresh count of attempts. ErrNotFound when no such unsent message exists.
func (c *conn) RetryOutbox(ctx context.Context, id int64) error {
	return c.execOne(ctx, `UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, locked_until = 0
		WHERE id = ? AND status <> 'sent'`, Now(), id)
}

// OutboxByID loads one message.
func (c *conn) OutboxByID(ctx context.Context, id int64) (*OutboxItem, error) {
	var it OutboxItem
	err := c.get(ctx, &it, `SELECT `+outboxCols+` FROM outbox WHERE id = ?`, id)
	return &it, err
}

// OutboxPage lists messages newest first, optionally of one status.
func (c *conn) OutboxPage(ctx context.Context, status string, limit, offset int) ([]OutboxItem, int64, error) {
	var total int64
	if err := c.get(ctx, &total, `SELECT COUNT(*) FROM outbox WHERE (? = '' OR status = ?)`, status, status); err != nil {
		return nil, 0, err
	}
	var out []OutboxItem
	err := c.sel(ctx, &out, `SELECT `+outboxCols+` FROM outbox WHERE (? = '' OR status = ?) ORDER BY id DESC LIMIT ? OFFSET ?`,
		status, status, limit, offset)
	return out, total, err
}

// OutboxCounts counts messages by status (the admin's summary and the backlog).
func (c *conn) OutboxCounts(ctx context.Context) (map[string]int64, error) {
	var rows []struct {
		Status string `db:"status"`
		N      int64  `db:"n"`
	}
	if err := c.sel(ctx, &rows, `SELECT status, COUNT(*) AS n FROM outbox GROUP BY status`); err != nil {
		return nil, err
	}
	out := map[string]int64{OutboxPending: 0, OutboxSent: 0, OutboxFailed: 0}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// DeleteSentOutbox forgets messages delivered before the given time.
func (c *conn) DeleteSentOutbox(ctx context.Context, before int64) error {
	_, err := c.exec(ctx, `DELETE FROM outbox WHERE status = 'sent' AND sent_at < ?`, before)
	return err
}

// OutboxOfKind lists the newest messages of one kind (the webhooks page's delivery log).
func (c *conn) OutboxOfKind(ctx context.Context, kind string, limit int) ([]OutboxItem, error) {
	var out []OutboxItem
	err := c.sel(ctx, &out, `SELECT `+outboxCols+` FROM outbox WHERE kind = ? ORDER BY id DESC LIMIT ?`, kind, limit)
	return out, err
}
