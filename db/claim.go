package db

import "context"

// ClaimSetting deletes a setting only if it still holds value: of parallel claims
// of a one-time token, exactly one changes a row. ErrNotFound for the others.
func (c *conn) ClaimSetting(ctx context.Context, key, value string) error {
	if err := c.execOne(ctx, `DELETE FROM settings WHERE key = ? AND value = ?`, key, value); err != nil {
		return err
	}
	return c.settingsWritten(ctx)
}
