package db

import (
	"context"
	"errors"

	"github.com/jmoiron/sqlx"
)

// Setting reads one key/value setting; def when absent.
func (s *Store) Setting(ctx context.Context, key, def string) (string, error) {
	var v string
	st, err := s.readStmt(ctx, `SELECT value FROM settings WHERE key = ?`)
	if err == nil {
		err = st.GetContext(ctx, &v, key)
	}
	if err != nil {
		err = classify(err)
		if errors.Is(err, ErrNotFound) {
			return def, nil
		}
		return def, err
	}
	return v, nil
}

// Settings reads all settings.
func (s *Store) Settings(ctx context.Context) (map[string]string, error) {
	rows := []struct {
		Key   string `db:"key"`
		Value string `db:"value"`
	}{}
	st, err := s.readStmt(ctx, `SELECT key, value FROM settings`)
	if err == nil {
		err = st.SelectContext(ctx, &rows)
	}
	if err != nil {
		return nil, classify(err)
	}
	m := make(map[string]string, len(rows))
	for _, r := range rows {
		m[r.Key] = r.Value
	}
	return m, nil
}

// SetSettings writes several settings in one transaction.
func (s *Store) SetSettings(ctx context.Context, kv map[string]string) error {
	return s.Tx(ctx, func(tx *sqlx.Tx) error {
		for k, v := range kv {
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteSetting removes a key.
func (s *Store) DeleteSetting(ctx context.Context, key string) error {
	_, err := s.W.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, key)
	return classify(err)
}
