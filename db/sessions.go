package db

import (
	"context"
)

// Session is a logged-in browser. The cookie carries a random token; only its hash
// is stored, so a leaked database does not leak live sessions.
type Session struct {
	IDHash    string `db:"id_hash"`
	UserID    int64  `db:"user_id"`
	CreatedAt int64  `db:"created_at"`
	ExpiresAt int64  `db:"expires_at"`
	IP        string `db:"ip"`
	UserAgent string `db:"user_agent"`
}

// CreateSession stores a session.
func (c *conn) CreateSession(ctx context.Context, sess *Session) error {
	sess.CreatedAt = Now()
	_, err := c.exec(ctx, `INSERT INTO sessions (id_hash, user_id, created_at, expires_at, ip, user_agent)
		VALUES (?, ?, ?, ?, ?, ?)`, sess.IDHash, sess.UserID, sess.CreatedAt, sess.ExpiresAt, sess.IP, sess.UserAgent)
	return classify(err)
}

// SessionUser returns the user of a live (not expired) logged-in session: a session
// still waiting for its second factor is not one (TwoFactorSessionUser).
func (c *conn) SessionUser(ctx context.Context, idHash string) (*User, error) {
	var u User
	err := c.get(ctx, &u, `SELECT `+userColsU+`
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.id_hash = ? AND s.expires_at > ? AND s.stage = ''`, idHash, Now())
	return &u, classify(err)
}

// DeleteSession ends a session.
func (c *conn) DeleteSession(ctx context.Context, idHash string) error {
	_, err := c.exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash)
	return classify(err)
}

// DeleteExpiredSessions removes dead sessions and old rate-limit events.
func (c *conn) DeleteExpiredSessions(ctx context.Context) error {
	now := Now()
	if _, err := c.exec(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, now); err != nil {
		return classify(err)
	}
	_, err := c.exec(ctx, `DELETE FROM rate_events WHERE created_at < ?`, now-24*3600)
	return classify(err)
}
