package db

import (
	"context"
	_ "embed"
	"fmt"
)

// The whole current schema, per engine: schema.sql (SQLite; the repository root's
// schema.sql is a link to it) and schema_postgres.sql (the same tables in
// PostgreSQL's spelling).
var (
	//go:embed schema.sql
	schemaSQLite string
	//go:embed schema_postgres.sql
	schemaPostgres string
)

// migrations are the numbered steps after version 1, in portable SQL. Append, never
// edit: step i brings the schema from version i+1 to i+2. A fresh database gets its
// engine's full schema, which is always the latest, and skips them.
var migrations = []string{}

// postgresMigrations holds PostgreSQL's own spelling of step i where the portable one
// does not fit it (identity keys, booleans, …); absent = the portable step.
var postgresMigrations = map[int]string{}

// migrationLock is the advisory lock key that makes instances starting together apply
// the schema one at a time on PostgreSQL.
const migrationLock = 7_263_421_901

func (s *Store) migrate(ctx context.Context) error {
	d := s.dialect
	return s.Tx(ctx, func(tx *Tx) error {
		if d.name == "postgres" {
			if _, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock(?)`, migrationLock); err != nil {
				return err
			}
		}
		if _, err := tx.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
			return err
		}
		var version int
		if err := tx.get(ctx, &version, `SELECT COALESCE(MAX(version), 0) FROM schema_version`); err != nil {
			return err
		}
		if version == 0 {
			if _, err := tx.exec(ctx, d.schema); err != nil {
				return fmt.Errorf("apply schema: %w", err)
			}
			_, err := tx.exec(ctx, `INSERT INTO schema_version (version) VALUES (?)`, 1+len(migrations))
			return err
		}
		for i := version - 1; i < len(migrations); i++ {
			step, own := d.migrations[i]
			if !own {
				step = migrations[i]
			}
			if _, err := tx.exec(ctx, step); err != nil {
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
