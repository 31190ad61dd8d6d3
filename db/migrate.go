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
	// 3: sandbox codes in the database (issue 10).
	`CREATE TABLE IF NOT EXISTS sandbox_codes (
    code             TEXT PRIMARY KEY,
    rate             TEXT    NOT NULL,
    virtual_currency TEXT    NOT NULL,
    payout           TEXT    NOT NULL,
    identifier       TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    used_at          INTEGER
);
CREATE INDEX IF NOT EXISTS sandbox_codes_expires ON sandbox_codes(expires_at);`,
	// 4: accounts (issue 13): suspension, two-factor, session list, mailed tokens, outbox.
	`ALTER TABLE users ADD COLUMN suspended_at INTEGER;
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_pending TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT '';
-- Two-factor recovery codes: hashes only, each usable once.
CREATE TABLE IF NOT EXISTS recovery_codes (
    user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT    NOT NULL,
    used_at   INTEGER,
    PRIMARY KEY (user_id, code_hash)
);

-- One-time links mailed to a user (password reset, new email confirmation): the hash of
-- the token is stored, never the token; used_at makes them single use.
CREATE TABLE IF NOT EXISTS user_tokens (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose    TEXT    NOT NULL CHECK (purpose IN ('reset', 'email')),
    email      TEXT    NOT NULL DEFAULT '',          -- purpose 'email': the new address
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX IF NOT EXISTS user_tokens_user ON user_tokens(user_id, purpose);

-- Durable outbox (mail now, webhooks later): a message is written in the same
-- transaction as the event it tells about and delivered by a background worker with
-- retries; message_id stays the same on every attempt so a repeat can be folded.
CREATE TABLE IF NOT EXISTS outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (kind IN ('mail', 'webhook')),
    target          TEXT    NOT NULL,                -- email address or URL
    payload         TEXT    NOT NULL,                -- JSON: the rendered mail or the webhook body
    message_id      TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    locked_until    INTEGER NOT NULL DEFAULT 0,        -- a worker's lease on the row
    last_error      TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(status, next_attempt_at);
-- Event mails have a Message-ID made from their event (topup-<payment id>, …): enqueued once.
CREATE UNIQUE INDEX IF NOT EXISTS outbox_message ON outbox(message_id);`,
	// 5: branding and customer control (issue 11, site): the customer's note of an
	// adjustment, a service whose renewal the customer stopped, the logo.
	`ALTER TABLE ledger_entries ADD COLUMN customer_note TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN renewal_stopped_at INTEGER;
CREATE TABLE IF NOT EXISTS site_assets (
    name       TEXT    PRIMARY KEY,
    data       TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);`,
	// 6: invoices (issue 11): gapless numbers, VAT copied at issue, billing details.
	`ALTER TABLE users ADD COLUMN billing_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN billing_address TEXT NOT NULL DEFAULT '';
ALTER TABLE invoices ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invoices ADD COLUMN vat_rate INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invoices ADD COLUMN vat_mention TEXT NOT NULL DEFAULT '';
-- Invoices issued so far keep their id as their number; the counter goes on from there.
UPDATE invoices SET number = id;
CREATE UNIQUE INDEX IF NOT EXISTS invoices_number ON invoices(number);
CREATE TABLE IF NOT EXISTS invoice_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO invoice_counter (id, n) SELECT 1, MAX(number) FROM invoices HAVING COUNT(*) > 0;`,
}

// postgresMigrations holds PostgreSQL's own spelling of step i where the portable one
// does not fit it (identity keys, booleans, …); absent = the portable step.
var postgresMigrations = map[int]string{
	0: `CREATE TABLE IF NOT EXISTS rate_events (
		id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
		bucket     TEXT   NOT NULL,
		subject    TEXT   NOT NULL,
		created_at BIGINT NOT NULL
	);
	CREATE INDEX IF NOT EXISTS rate_events_subject ON rate_events(bucket, subject, created_at);
	DROP TABLE IF EXISTS login_failures;`,
	1: `CREATE TABLE IF NOT EXISTS sandbox_codes (
    code             TEXT PRIMARY KEY,
    rate             TEXT    NOT NULL,
    virtual_currency TEXT    NOT NULL,
    payout           TEXT    NOT NULL,
    identifier       TEXT    NOT NULL,
    created_at       BIGINT  NOT NULL,
    expires_at       BIGINT  NOT NULL,
    used_at          BIGINT
);
CREATE INDEX IF NOT EXISTS sandbox_codes_expires ON sandbox_codes(expires_at);`,
	2: `ALTER TABLE users ADD COLUMN suspended_at BIGINT;
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_pending TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT '';
-- Two-factor recovery codes: hashes only, each usable once.
CREATE TABLE IF NOT EXISTS recovery_codes (
    user_id   BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT    NOT NULL,
    used_at   BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- One-time links mailed to a user (password reset, new email confirmation): the hash of
-- the token is stored, never the token; used_at makes them single use.
CREATE TABLE IF NOT EXISTS user_tokens (
    token_hash TEXT    PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose    TEXT    NOT NULL CHECK (purpose IN ('reset', 'email')),
    email      TEXT    NOT NULL DEFAULT '',          -- purpose 'email': the new address
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX IF NOT EXISTS user_tokens_user ON user_tokens(user_id, purpose);

-- Durable outbox (mail now, webhooks later): a message is written in the same
-- transaction as the event it tells about and delivered by a background worker with
-- retries; message_id stays the same on every attempt so a repeat can be folded.
CREATE TABLE IF NOT EXISTS outbox (
    id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (kind IN ('mail', 'webhook')),
    target          TEXT    NOT NULL,                -- email address or URL
    payload         TEXT    NOT NULL,                -- JSON: the rendered mail or the webhook body
    message_id      TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until    BIGINT NOT NULL DEFAULT 0,        -- a worker's lease on the row
    last_error      TEXT    NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(status, next_attempt_at);
-- Event mails have a Message-ID made from their event (topup-<payment id>, …): enqueued once.
CREATE UNIQUE INDEX IF NOT EXISTS outbox_message ON outbox(message_id);`,
	3: `ALTER TABLE ledger_entries ADD COLUMN customer_note TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN renewal_stopped_at BIGINT;
CREATE TABLE IF NOT EXISTS site_assets (
    name       TEXT   PRIMARY KEY,
    data       TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);`,
	4: `ALTER TABLE users ADD COLUMN billing_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN billing_address TEXT NOT NULL DEFAULT '';
ALTER TABLE invoices ADD COLUMN number BIGINT NOT NULL DEFAULT 0;
ALTER TABLE invoices ADD COLUMN vat_rate BIGINT NOT NULL DEFAULT 0;
ALTER TABLE invoices ADD COLUMN vat_mention TEXT NOT NULL DEFAULT '';
-- Invoices issued so far keep their id as their number; the counter goes on from there.
UPDATE invoices SET number = id;
CREATE UNIQUE INDEX IF NOT EXISTS invoices_number ON invoices(number);
CREATE TABLE IF NOT EXISTS invoice_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  BIGINT NOT NULL
);
INSERT INTO invoice_counter (id, n) SELECT 1, MAX(number) FROM invoices HAVING COUNT(*) > 0;`,
}

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
