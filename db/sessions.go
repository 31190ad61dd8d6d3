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
	// LastSeenAt is the last request made with the session (updated at most once a
	// minute, TouchSession).
	LastSeenAt int64 `db:"last_seen_at"`
	// Stage is "" for a logged-in session; another value is a login still in progress
	// (such as "2fa": password checked, code awaited).
	Stage string `db:"stage"`
}

// CreateSession stores a session.
func (c *conn) CreateSession(ctx context.Context, sess *Session) error {
	sess.CreatedAt = Now()
	sess.LastSeenAt = sess.CreatedAt
	_, err := c.exec(ctx, `INSERT INTO sessions (id_hash, user_id, created_at, expires_at, ip, user_agent, last_seen_at, stage)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, sess.IDHash, sess.UserID, sess.CreatedAt, sess.ExpiresAt, sess.IP, sess.UserAgent, sess.LastSeenAt, sess.Stage)
	return classify(err)
}

// SessionUser returns the user of a live (not expired) logged-in session and when the
// session was last used; a session still waiting for its second factor is not one
// (TwoFactorSessionUser). A suspended account has no live session: its cookies stop working at
// once, whatever deleted its rows or not.
func (c *conn) SessionUser(ctx context.Context, idHash string) (*User, int64, error) {
	var row struct {
		User
		LastSeenAt int64 `db:"session_last_seen_at"`
	}
	err := c.get(ctx, &row, `SELECT `+userColsU+`, s.last_seen_at AS session_last_seen_at
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.id_hash = ? AND s.expires_at > ? AND s.stage = '' AND u.suspended_at IS NULL`, idHash, Now())
	return &row.User, row.LastSeenAt, classify(err)
}

// TouchSession notes that a session was used at now, unless it already was within the
// last minute: the condition makes concurrent requests (and instances) write once.
func (c *conn) TouchSession(ctx context.Context, idHash string, now int64) error {
	_, err := c.exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id_hash = ? AND last_seen_at < ?`, now, idHash, now-60)
	return err
}

// SessionsOfUser lists a user's logged-in (stage ”) live sessions, most recently used
// first. The user id is part of the query: nobody lists another's sessions.
func (c *conn) SessionsOfUser(ctx context.Context, userID int64) ([]Session, error) {
	var out []Session
	err := c.sel(ctx, &out, `SELECT id_hash, user_id, created_at, expires_at, ip, user_agent, last_seen_at, stage
		FROM sessions WHERE user_id = ? AND stage = '' AND expires_at > ?
		ORDER BY last_seen_at DESC, created_at DESC LIMIT 100`, userID, Now())
	return out, err
}

// DeleteOtherSessions ends every session of a user except keepHash (the caller's own)
// and reports how many ended.
func (c *conn) DeleteOtherSessions(ctx context.Context, userID int64, keepHash string) (int64, error) {
	return c.exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?`, userID, keepHash)
}

// DeleteUserSessions ends every session of a user.
func (c *conn) DeleteUserSessions(ctx context.Context, userID int64) (int64, error) {
	return c.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
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
