package db

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/jmoiron/sqlx"
)

// Schema is the whole current schema (version 1), embedded from schema.sql at the
// repository root via the recharge package; see SetSchema.
var schema string

// SetSchema gives the store the text of schema.sql (embedded by package main, which
// owns the repository root).
func SetSchema(s string) { schema = s }

// migrations are the numbered steps after version 1. Append, never edit: step i
// brings the schema from version i+1 to i+2.
var migrations = []string{}

func (s *Store) migrate(ctx context.Context) error {
	if schema == "" {
		// Tests run from package folders without package main: find schema.sql upward.
		text, err := findSchemaFile()
		if err != nil {
			return fmt.Errorf("db: schema not set (call db.SetSchema): %w", err)
		}
		schema = text
	}
	return s.Tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
			return err
		}
		var version int
		err := tx.GetContext(ctx, &version, `SELECT COALESCE(MAX(version), 0) FROM schema_version`)
		if err != nil {
			return err
		}
		if version == 0 {
			if _, err := tx.ExecContext(ctx, schema); err != nil {
				return fmt.Errorf("apply schema: %w", err)
			}
			version = 1 + len(migrations) // schema.sql is always the latest full schema
			_, err = tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (?)`, version)
			return err
		}
		for i := version - 1; i < len(migrations); i++ {
			if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
				return fmt.Errorf("migration %d: %w", i+2, err)
			}
		}
		if version < 1+len(migrations) {
			_, err = tx.ExecContext(ctx, `UPDATE schema_version SET version = ?`, 1+len(migrations))
		}
		return err
	})
}

func findSchemaFile() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "schema.sql")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return string(b), nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
