package db

import "context"

// Rate limits (SPEC §3, §5.3, §5.6) are counted in the database so that they hold
// across instances. A request first reserves its slot: the event row is inserted and
// committed on its own, and only then are the events of the window counted. Of N
// parallel requests, the k-th to commit counts at least k rows, so at most `max` pass,
// on SQLite and on PostgreSQL alike (a count inside the inserting transaction would
// not see the other instances' uncommitted rows). A refused reservation is released
// again, so being refused does not extend the wait.

// Rate-limit buckets (the event kinds counted in rate_events).
const (
	BucketLogin       = "login"        // failed logins of one (email, IP)
	BucketLoginIP     = "login_ip"     // failed logins from one IP, any email
	BucketRegister    = "register"     // accounts created from one IP
	BucketSandboxCode = "sandbox_code" // sandbox codes issued to one user
	BucketReset       = "reset"        // password reset mails asked for one email
)

// Reserve records one event of bucket for subject and reports whether it is within
// max events since since (itself included). When it is not, the event is removed
// again and ok is false. id names the event for Release.
func (c *conn) Reserve(ctx context.Context, bucket, subject string, since int64, max int) (id int64, ok bool, err error) {
	id, err = c.insert(ctx, `INSERT INTO rate_events (bucket, subject, created_at) VALUES (?, ?, ?) RETURNING id`,
		bucket, subject, Now())
	if err != nil {
		return 0, false, err
	}
	var n int
	if err := c.get(ctx, &n, `SELECT COUNT(*) FROM rate_events WHERE bucket = ? AND subject = ? AND created_at >= ?`,
		bucket, subject, since); err != nil {
		_ = c.Release(ctx, id)
		return 0, false, err
	}
	if n > max {
		return 0, false, c.Release(ctx, id)
	}
	return id, true, nil
}

// Release forgets one reserved event (the attempt turned out not to count).
func (c *conn) Release(ctx context.Context, id int64) error {
	_, err := c.exec(ctx, `DELETE FROM rate_events WHERE id = ?`, id)
	return err
}

// ClearEvents forgets every event of bucket for subject (a correct password clears
// the failures of its email and IP).
func (c *conn) ClearEvents(ctx context.Context, bucket, subject string) error {
	_, err := c.exec(ctx, `DELETE FROM rate_events WHERE bucket = ? AND subject = ?`, bucket, subject)
	return err
}

// ReserveCodeAttempt records a code typed in the payment form as 'pending' before
// Dedipass is asked, and reports whether the customer's refused and pending codes
// since since (this one included) are within max. Over the limit, the row is
// removed and ok is false. SetCodeAttemptOutcome gives the row its final word.
func (c *conn) ReserveCodeAttempt(ctx context.Context, userID int64, code string, since int64, max int) (id int64, ok bool, err error) {
	if len(code) > 80 {
		code = code[:80]
	}
	id, err = c.insert(ctx, `INSERT INTO code_attempts (user_id, code, outcome, created_at) VALUES (?, ?, 'pending', ?) RETURNING id`,
		userID, code, Now())
	if err != nil {
		return 0, false, err
	}
	var n int
	err = c.get(ctx, &n, `SELECT COUNT(*) FROM code_attempts
		WHERE user_id = ? AND outcome IN ('refused', 'pending') AND created_at >= ?`, userID, since)
	if err == nil && n <= max {
		return id, true, nil
	}
	_, derr := c.exec(ctx, `DELETE FROM code_attempts WHERE id = ?`, id)
	if err == nil {
		err = derr
	}
	return 0, false, err
}

// SetCodeAttemptOutcome records what became of a reserved code attempt.
func (c *conn) SetCodeAttemptOutcome(ctx context.Context, id int64, code, outcome string) error {
	if len(code) > 80 {
		code = code[:80]
	}
	return c.execOne(ctx, `UPDATE code_attempts SET outcome = ?, code = ? WHERE id = ?`, outcome, code, id)
}
