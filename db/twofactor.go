package db

import "context"

// Two-factor authentication (SPEC §3.1): the TOTP columns of users, the recovery codes
// and the sessions waiting for their second factor. Every write that consumes something
// (a time step, a recovery code, a waiting session) is a conditional UPDATE or DELETE
// whose affected rows are checked, so two parallel requests never both succeed.

// SessionStageTwoFactor marks a session whose password was right and whose second
// factor is awaited: it is not a logged-in session.
const SessionStageTwoFactor = "2fa"

// CreateTwoFactorSession stores a session waiting for its second factor.
func (c *conn) CreateTwoFactorSession(ctx context.Context, sess *Session) error {
	sess.Stage = SessionStageTwoFactor
	return c.CreateSession(ctx, sess)
}

// TwoFactorSessionUser returns the user of a live session waiting for its second factor.
func (c *conn) TwoFactorSessionUser(ctx context.Context, idHash string) (*User, error) {
	var u User
	err := c.get(ctx, &u, `SELECT `+userColsU+`
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.id_hash = ? AND s.stage = ? AND s.expires_at > ? AND u.suspended_at IS NULL`, idHash, SessionStageTwoFactor, Now())
	return &u, classify(err)
}

// TakeTwoFactorSession deletes a live waiting session (the caller replaces it with a
// logged-in one); ErrNotFound when it is gone, expired or already taken.
func (c *conn) TakeTwoFactorSession(ctx context.Context, idHash string) error {
	return c.execOne(ctx, `DELETE FROM sessions WHERE id_hash = ? AND stage = ? AND expires_at > ?`,
		idHash, SessionStageTwoFactor, Now())
}

// DeleteTwoFactorSessions ends every session of a user still waiting for a second factor.
func (c *conn) DeleteTwoFactorSessions(ctx context.Context, userID int64) error {
	_, err := c.exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND stage = ?`, userID, SessionStageTwoFactor)
	return classify(err)
}

// SetTOTPPending stores a secret being set up, unless one is pending already or
// two-factor is on; the caller reads the user again to learn which secret won.
func (c *conn) SetTOTPPending(ctx context.Context, userID int64, secret string) error {
	_, err := c.exec(ctx, `UPDATE users SET totp_pending = ? WHERE id = ? AND totp_pending = '' AND totp_secret = ''`,
		secret, userID)
	return classify(err)
}

// EnableTOTP turns the pending secret into the user's secret, recording step as the
// last accepted one; ErrNotFound when the pending secret is no longer pending (changed,
// or two-factor already on).
func (c *conn) EnableTOTP(ctx context.Context, userID int64, pending string, step int64) error {
	return c.execOne(ctx, `UPDATE users SET totp_secret = totp_pending, totp_pending = '', totp_last_step = ?
		WHERE id = ? AND totp_pending = ? AND totp_pending <> '' AND totp_secret = ''`, step, userID, pending)
}

// UseTOTPStep records step as the last accepted time step of secret; ErrNotFound when
// step is not newer than the last accepted one (a replay) or the secret changed.
func (c *conn) UseTOTPStep(ctx context.Context, userID int64, secret string, step int64) error {
	return c.execOne(ctx, `UPDATE users SET totp_last_step = ?
		WHERE id = ? AND totp_secret = ? AND totp_secret <> '' AND totp_last_step < ?`, step, userID, secret, step)
}

// DisableTOTP turns two-factor off: secret and pending secret cleared, recovery codes
// deleted.
func (c *conn) DisableTOTP(ctx context.Context, userID int64) error {
	if err := c.execOne(ctx, `UPDATE users SET totp_secret = '', totp_pending = '' WHERE id = ?`, userID); err != nil {
		return err
	}
	return c.DeleteRecoveryCodes(ctx, userID)
}

// DeleteRecoveryCodes forgets every recovery code of a user.
func (c *conn) DeleteRecoveryCodes(ctx context.Context, userID int64) error {
	_, err := c.exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID)
	return classify(err)
}

// AddRecoveryCodes stores the hashes of new recovery codes.
func (c *conn) AddRecoveryCodes(ctx context.Context, userID int64, hashes []string) error {
	for _, h := range hashes {
		if _, err := c.exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)`, userID, h); err != nil {
			return err
		}
	}
	return nil
}

// UseRecoveryCode marks an unused recovery code used; ErrNotFound when the user has no
// such code or it was used already.
func (c *conn) UseRecoveryCode(ctx context.Context, userID int64, hash string) error {
	return c.execOne(ctx, `UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`,
		Now(), userID, hash)
}

// UnusedRecoveryCodes counts the recovery codes a user can still use.
func (c *conn) UnusedRecoveryCodes(ctx context.Context, userID int64) (int64, error) {
	var n int64
	err := c.get(ctx, &n, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL`, userID)
	return n, err
}
