package db

import "context"

// Purposes of a mailed one-time token (user_tokens.purpose).
const (
	TokenReset = "reset" // password reset
	TokenEmail = "email" // confirmation of a new email address
)

// UserToken is a one-time link: only the hash of its token is stored.
type UserToken struct {
	TokenHash string `db:"token_hash"`
	UserID    int64  `db:"user_id"`
	Purpose   string `db:"purpose"`
	Email     string `db:"email"`
	CreatedAt int64  `db:"created_at"`
	ExpiresAt int64  `db:"expires_at"`
	UsedAt    *int64 `db:"used_at"`
}

// CreateUserToken stores a token; a new token of the same purpose replaces the
// user's unused ones (only the latest link works).
func (c *conn) CreateUserToken(ctx context.Context, t *UserToken) error {
	t.CreatedAt = Now()
	return c.atomic(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `DELETE FROM user_tokens WHERE user_id = ? AND purpose = ? AND used_at IS NULL`, t.UserID, t.Purpose); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO user_tokens (token_hash, user_id, purpose, email, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, t.TokenHash, t.UserID, t.Purpose, t.Email, t.CreatedAt, t.ExpiresAt)
		return err
	})
}

// LiveUserToken loads an unused, unexpired token of the given purpose (ErrNotFound
// otherwise) without using it.
func (c *conn) LiveUserToken(ctx context.Context, hash, purpose string) (*UserToken, error) {
	var t UserToken
	err := c.get(ctx, &t, `SELECT token_hash, user_id, purpose, email, created_at, expires_at, used_at FROM user_tokens
		WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?`, hash, purpose, Now())
	return &t, err
}

// UseUserToken spends a token: the conditional UPDATE makes it single use even when
// two requests bring it at once. ErrNotFound when it is unknown, used or expired.
func (c *conn) UseUserToken(ctx context.Context, hash, purpose string) (*UserToken, error) {
	var t UserToken
	now := Now()
	err := c.write.QueryRowxContext(ctx, c.q(`UPDATE user_tokens SET used_at = ?
		WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?
		RETURNING token_hash, user_id, purpose, email, created_at, expires_at, used_at`), now, hash, purpose, now).StructScan(&t)
	return &t, classify(err)
}

// DeleteOldUserTokens forgets tokens expired before the given time.
func (c *conn) DeleteOldUserTokens(ctx context.Context, before int64) error {
	_, err := c.exec(ctx, `DELETE FROM user_tokens WHERE expires_at < ?`, before)
	return err
}
