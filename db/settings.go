package db

import "context"

const sqlSettings = `SELECT key, value FROM settings`

// Settings reads every setting as stored (keys and their meaning: package settings).
// Outside a transaction a PostgreSQL store answers from its copy when it has one.
func (c *conn) Settings(ctx context.Context) (map[string]string, error) {
	cache := c.store.cache
	if c.tx != nil {
		cache = nil // a transaction reads its own writes
	}
	var gen uint64
	if cache != nil {
		var kv map[string]string
		var ok bool
		if kv, gen, ok = cache.get(); ok {
			return kv, nil
		}
	}
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
	if cache != nil {
		cache.put(m, gen)
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
		return tx.settingsWritten(ctx)
	})
}

// DeleteSetting removes a key.
func (c *conn) DeleteSetting(ctx context.Context, key string) error {
	if _, err := c.exec(ctx, `DELETE FROM settings WHERE key = ?`, key); err != nil {
		return err
	}
	return c.settingsWritten(ctx)
}

// LockSetting takes the write lock of one setting's row (created empty if missing)
// before a read-then-write of its value: on PostgreSQL a concurrent transaction doing
// the same waits, then reads this one's result; SQLite's write transaction already
// excludes it.
func (c *conn) LockSetting(ctx context.Context, key string) error {
	if _, err := c.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, '')
		ON CONFLICT (key) DO UPDATE SET value = settings.value`, key); err != nil {
		return err
	}
	return c.settingsWritten(ctx) // the row may be new
}
