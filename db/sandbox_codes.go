package db

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
)

// SandboxCode is one code issued by the built-in Dedipass imitation (SPEC §5.6).
type SandboxCode struct {
	Code            string `db:"code"` // upper-case
	Rate            string `db:"rate"`
	VirtualCurrency string `db:"virtual_currency"`
	Payout          string `db:"payout"`
	Identifier      string `db:"identifier"`
	CreatedAt       int64  `db:"created_at"`
	ExpiresAt       int64  `db:"expires_at"`
	UsedAt          *int64 `db:"used_at"`
}

// SaveSandboxCode stores a freshly issued code, and forgets the codes expired more
// than a day ago (the table stays small). ErrConflict when the code exists already.
func (c *conn) SaveSandboxCode(ctx context.Context, sc SandboxCode) error {
	return c.atomic(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `DELETE FROM sandbox_codes WHERE expires_at < ?`, Now()-86400); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO sandbox_codes (code, rate, virtual_currency, payout, identifier, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, sc.Code, sc.Rate, sc.VirtualCurrency, sc.Payout, sc.Identifier, sc.CreatedAt, sc.ExpiresAt)
		return err
	})
}

// SandboxCodeByCode finds an unexpired code (used or not); ErrNotFound otherwise.
func (c *conn) SandboxCodeByCode(ctx context.Context, code string) (*SandboxCode, error) {
	var sc SandboxCode
	err := c.get(ctx, &sc, `SELECT code, rate, virtual_currency, payout, identifier, created_at, expires_at, used_at
		FROM sandbox_codes WHERE code = ? AND expires_at > ?`, code, Now())
	return &sc, err
}

// UseSandboxCode consumes an unexpired code once: the conditional write makes two
// validations of one code (on any instance) see it unused once. used is true when the
// code exists but was used before; ErrNotFound for an unknown or expired code.
func (c *conn) UseSandboxCode(ctx context.Context, code string) (sc *SandboxCode, used bool, err error) {
	var out SandboxCode
	err = sqlx.GetContext(ctx, c.write, &out, c.q(`UPDATE sandbox_codes SET used_at = ? WHERE code = ? AND used_at IS NULL AND expires_at > ?
		RETURNING code, rate, virtual_currency, payout, identifier, created_at, expires_at, used_at`), Now(), code, Now())
	if err == nil {
		return &out, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, false, classify(err)
	}
	cur, err := c.SandboxCodeByCode(ctx, code)
	if err != nil {
		return nil, false, err
	}
	return cur, true, nil
}
