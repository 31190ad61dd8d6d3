package db

import (
	"context"
	"errors"

	"github.com/jmoiron/sqlx"
)

// SettingTx reads one setting inside tx; def when absent.
func SettingTx(ctx context.Context, tx *sqlx.Tx, key, def string) (string, error) {
	var v string
	err := tx.GetContext(ctx, &v, `SELECT value FROM settings WHERE key = ?`, key)
	if err != nil {
		if err = classify(err); errors.Is(err, ErrNotFound) {
			return def, nil
		}
		return def, err
	}
	return v, nil
}

// PutSettingTx writes one setting inside tx.
func PutSettingTx(ctx context.Context, tx *sqlx.Tx, key, value string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return classify(err)
}
