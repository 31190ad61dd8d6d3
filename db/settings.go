package db

import "context"

const sqlSettings = `SELECT key, value FROM settings`

// Settings reads every setting as stored (keys and their meaning: package settings).
func (c *conn) Settings(ctx context.Context) (map[string]string, error) {
	rows := []struct {
		Key   string `db:"key"`
		Value string `db:"value"`
	}{}
	if err := c.stmt(ctx, c.st.settings).SelectContext(ctx, &rows); err != nil {
		return nil, classify(err)
	}
	m := make(map[string]string, len(rows))
	for _, r := range rows {
		m[r.Key] = r.Value
	}
	return m, nil
}

// Setting reads one setting; def when absent.
func (c *conn) Setting(ctx context.Context, key, def string) (string, error) {
	var vs []string
	if err := c.sel(ctx, &vs, `SELECT value FROM settings WHERE key = ?`, key); err != nil || len(vs) == 0 {
		return def, err
	}
	return vs[0], nil
}

// SetSettings writes several settings in one transaction.
func (c *conn) SetSettings(ctx context.Context, kv map[string]string) error {
	return c.atomic(ctx, func(tx *Tx) error {
		for k, v := range kv {
			if _, err := tx.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteSetting removes a key.
func (c *conn) DeleteSetting(ctx context.Context, key string) error {
	_, err := c.exec(ctx, `DELETE FROM settings WHERE key = ?`, key)
	return err
}

// LockSetting takes the write lock of one setting's row (created empty if missing)
// before a read-then-write of its value: on PostgreSQL a concurrent transaction doing
// the same waits, then reads this one's result; SQLite's write transaction already
// excludes it.
func (c *conn) LockSetting(ctx context.Context, key string) error {
	_, err := c.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, '')
		ON CONFLICT (key) DO UPDATE SET value = settings.value`, key)
	return err
}
