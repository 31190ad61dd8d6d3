package db

import (
	"context"
	_ "embed"
	"fmt"
)

// schema is the whole current schema (schema.sql beside this file; the repository
// root's schema.sql is a link to it).
//
//go:embed schema.sql
var schema string

// migrations are the numbered steps after version 1. Append, never edit: step i
// brings the schema from version i+1 to i+2. A fresh database gets schema.sql, which
// is always the latest full schema, and skips them.
var migrations = []string{
	// 2: rate limits reserved before the work they limit (issue 14).
	`CREATE TABLE IF NOT EXISTS rate_events (
		id         INTEGER PRIMARY KEY,
		bucket     TEXT    NOT NULL,
		subject    TEXT    NOT NULL,
		created_at INTEGER NOT NULL
	);
	CREATE INDEX IF NOT EXISTS rate_events_subject ON rate_events(bucket, subject, created_at);
	DROP TABLE IF EXISTS login_failures;`,
}

func (s *Store) migrate(ctx context.Context) error {
	return s.Tx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
			return err
		}
		var version int
		if err := tx.get(ctx, &version, `SELECT COALESCE(MAX(version), 0) FROM schema_version`); err != nil {
			return err
		}
		if version == 0 {
			if _, err := tx.exec(ctx, schema); err != nil {
				return fmt.Errorf("apply schema: %w", err)
			}
			_, err := tx.exec(ctx, `INSERT INTO schema_version (version) VALUES (?)`, 1+len(migrations))
			return err
		}
		for i := version - 1; i < len(migrations); i++ {
			if _, err := tx.exec(ctx, migrations[i]); err != nil {
				return fmt.Errorf("migration %d: %w", i+2, err)
			}
		}
		if version < 1+len(migrations) {
			_, err := tx.exec(ctx, `UPDATE schema_version SET version = ?`, 1+len(migrations))
			return err
		}
		return nil
	})
}
