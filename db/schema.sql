-- Recharge schema, version 1 (the whole current schema, embedded by package db).
-- Later changes are numbered steps appended to db.migrations (db/migrate.go).
-- Portable SQL (SQLite and PostgreSQL): integer cents, unix-second timestamps, no
-- engine-specific types. Money never leaves integers.

CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,          -- stored lower-cased
    name          TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL DEFAULT 'client' CHECK (role IN ('client', 'admin')),
    lang          TEXT    NOT NULL DEFAULT '',
    custom        TEXT    NOT NULL UNIQUE,          -- value identifying the customer in Dedipass callbacks
    balance_cents INTEGER NOT NULL DEFAULT 0 CHECK (balance_cents >= 0),
    created_at    INTEGER NOT NULL,
    suspended_at  INTEGER,                            -- set while an admin has suspended the account
    totp_secret   TEXT    NOT NULL DEFAULT '',      -- base32 TOTP secret while two-factor is on
    totp_pending  TEXT    NOT NULL DEFAULT '',      -- secret being set up, not yet confirmed by a code
    totp_last_step INTEGER NOT NULL DEFAULT 0,         -- last TOTP time step accepted: a code is never accepted twice
    billing_name    TEXT    NOT NULL DEFAULT '',    -- printed on invoices instead of the name when set
    billing_address TEXT    NOT NULL DEFAULT ''     -- printed under it
);

CREATE TABLE IF NOT EXISTS sessions (
    id_hash    TEXT    PRIMARY KEY,                 -- sha256 of the cookie token; the token itself is never stored
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ip         TEXT    NOT NULL DEFAULT '',
    user_agent TEXT    NOT NULL DEFAULT '',
    last_seen_at INTEGER NOT NULL DEFAULT 0,             -- last request (updated at most once a minute)
    stage      TEXT    NOT NULL DEFAULT ''              -- '' logged in; '2fa' password checked, code awaited
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id);

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
CREATE UNIQUE INDEX IF NOT EXISTS outbox_message ON outbox(message_id);

-- Rate-limit events (db/limits.go): one row per counted attempt, reserved before the
-- work it limits. bucket names the limit, subject what it limits (an IP, an email and
-- IP, a user id).
CREATE TABLE IF NOT EXISTS rate_events (
    id         INTEGER PRIMARY KEY,
    bucket     TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS rate_events_subject ON rate_events(bucket, subject, created_at);

-- Codes issued by the built-in Dedipass imitation (sandbox mode): shared by instances,
-- kept across restarts, valid 24 h (SPEC §5.6).
CREATE TABLE IF NOT EXISTS sandbox_codes (
    code             TEXT PRIMARY KEY,
    rate             TEXT    NOT NULL,
    virtual_currency TEXT    NOT NULL,
    payout           TEXT    NOT NULL,
    identifier       TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    used_at          INTEGER
);
CREATE INDEX IF NOT EXISTS sandbox_codes_expires ON sandbox_codes(expires_at);

CREATE TABLE IF NOT EXISTS settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS audit_log (
    id         INTEGER PRIMARY KEY,
    actor_id   INTEGER REFERENCES users(id),
    action     TEXT    NOT NULL,
    target     TEXT    NOT NULL DEFAULT '',
    details    TEXT    NOT NULL DEFAULT '',
    ip         TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);

-- Every balance change. Invariant: users.balance_cents = SUM(amount_cents) per user.
CREATE TABLE IF NOT EXISTS ledger_entries (
    id                  INTEGER PRIMARY KEY,
    user_id             INTEGER NOT NULL REFERENCES users(id),
    amount_cents        INTEGER NOT NULL,
    balance_after_cents INTEGER NOT NULL CHECK (balance_after_cents >= 0),
    kind                TEXT    NOT NULL,   -- dedipass, adjustment, purchase, renewal, transfer_in, transfer_out
    reference           TEXT    NOT NULL DEFAULT '',
    note                TEXT    NOT NULL DEFAULT '',
    actor_id            INTEGER REFERENCES users(id),
    created_at          INTEGER NOT NULL,
    customer_note       TEXT    NOT NULL DEFAULT ''   -- adjustments: what the customer reads (note stays internal)
);
CREATE INDEX IF NOT EXISTS ledger_user ON ledger_entries(user_id, id);

-- One row per Dedipass code. code_key (upper-cased code) is UNIQUE: this is what makes
-- crediting exactly-once, whatever path or instance reports the code.
CREATE TABLE IF NOT EXISTS payments (
    id               INTEGER PRIMARY KEY,
    code             TEXT    NOT NULL,
    code_key         TEXT    NOT NULL UNIQUE,
    user_id          INTEGER REFERENCES users(id),   -- NULL when the callback named an unknown customer
    custom           TEXT    NOT NULL DEFAULT '',
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'credited', 'refused', 'error', 'test')),
    source           TEXT    NOT NULL DEFAULT 'form',   -- form | callback
    rate             TEXT    NOT NULL DEFAULT '',
    solution         TEXT    NOT NULL DEFAULT '',
    country          TEXT    NOT NULL DEFAULT '',
    identifier       TEXT    NOT NULL DEFAULT '',
    payout_cents     INTEGER NOT NULL DEFAULT 0,
    virtual_currency TEXT    NOT NULL DEFAULT '',
    credit_cents     INTEGER NOT NULL DEFAULT 0,
    test             INTEGER NOT NULL DEFAULT 0,
    sandbox          INTEGER NOT NULL DEFAULT 0,
    reason           TEXT    NOT NULL DEFAULT '',
    raw              TEXT    NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    credited_at      INTEGER
);
CREATE INDEX IF NOT EXISTS payments_user ON payments(user_id, id);
CREATE INDEX IF NOT EXISTS payments_status ON payments(status, id);
-- Sandbox payments are listed apart (admin filter mode=sandbox).
CREATE INDEX IF NOT EXISTS payments_sandbox ON payments(id) WHERE sandbox = 1;
-- Admin search by code prefix (db/payments_admin.go). A range on (code_key, status)
-- counts and pages any prefix, with or without a status, from the index alone. A
-- one-character prefix matches ~1/36 of the table: the first-character indexes hand
-- its newest rows over in order instead of sorting tens of thousands of ids.
CREATE INDEX IF NOT EXISTS payments_code_status ON payments(code_key, status);
CREATE INDEX IF NOT EXISTS payments_code_head ON payments((substr(code_key, 1, 1)), id);
CREATE INDEX IF NOT EXISTS payments_code_head_status ON payments((substr(code_key, 1, 1)), status, id);
-- Dashboard sums per day of credited payments (credited_at is set exactly when credited).
CREATE INDEX IF NOT EXISTS payments_credited ON payments(credited_at, payout_cents, credit_cents, sandbox) WHERE credited_at IS NOT NULL;

-- Every code typed in the form (refused ones included): rate limits and support.
CREATE TABLE IF NOT EXISTS code_attempts (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    code       TEXT    NOT NULL,
    outcome    TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS code_attempts_user ON code_attempts(user_id, created_at);

CREATE TABLE IF NOT EXISTS products (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
    period      TEXT    NOT NULL DEFAULT 'once' CHECK (period IN ('once', 'monthly')),
    stock       INTEGER,                               -- NULL = unlimited
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- An invoice is a legal document: seller, buyer and currency are copied at the time of
-- the sale so a later change of settings or profile never rewrites a past invoice.
CREATE TABLE IF NOT EXISTS invoices (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    total_cents INTEGER NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'paid',
    kind        TEXT    NOT NULL DEFAULT 'purchase' CHECK (kind IN ('purchase', 'renewal')),
    currency    TEXT    NOT NULL DEFAULT 'EUR',
    seller      TEXT    NOT NULL DEFAULT '',      -- shop name and address, as printed
    buyer       TEXT    NOT NULL DEFAULT '',      -- customer name and email, as printed
    created_at  INTEGER NOT NULL,
    number      INTEGER NOT NULL,                  -- printed number (F-000042): 1, 2, 3… without gaps (invoice_counter)
    vat_rate    INTEGER NOT NULL DEFAULT 0,        -- basis points, copied from the settings at issue (prices include VAT)
    vat_mention TEXT    NOT NULL DEFAULT ''       -- printed when vat_rate is 0, copied at issue
);
CREATE INDEX IF NOT EXISTS invoices_user ON invoices(user_id, id);
CREATE UNIQUE INDEX IF NOT EXISTS invoices_number ON invoices(number);

-- The last invoice number issued (one row, id 1, created by the first invoice). Issuing
-- bumps it in the invoice's own transaction, so a rolled-back sale gives its number
-- back and concurrent sales queue on the row: numbers have no gap and no duplicate,
-- which an identity column cannot promise on PostgreSQL.
CREATE TABLE IF NOT EXISTS invoice_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS invoice_lines (
    id          INTEGER PRIMARY KEY,
    invoice_id  INTEGER NOT NULL REFERENCES invoices(id),
    description TEXT    NOT NULL,
    quantity    INTEGER NOT NULL DEFAULT 1,
    unit_cents  INTEGER NOT NULL,
    total_cents INTEGER NOT NULL,
    service_id  INTEGER REFERENCES services(id),
    period_from INTEGER,                               -- monthly lines: the period paid
    period_to   INTEGER
);
CREATE INDEX IF NOT EXISTS invoice_lines_invoice ON invoice_lines(invoice_id);

CREATE TABLE IF NOT EXISTS services (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    product_id  INTEGER NOT NULL REFERENCES products(id),
    name        TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'cancelled', 'expired')),
    price_cents INTEGER NOT NULL,
    period      TEXT    NOT NULL DEFAULT 'once',
    next_due_at INTEGER,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    renewal_stopped_at INTEGER                         -- the customer stopped renewal: runs to next_due_at, then expires
);
CREATE INDEX IF NOT EXISTS services_user ON services(user_id, id);
CREATE INDEX IF NOT EXISTS services_due ON services(status, next_due_at);
CREATE INDEX IF NOT EXISTS services_product ON services(product_id);

-- Idempotency keys for one-shot forms (a double click on "buy" must not debit twice).
CREATE TABLE IF NOT EXISTS form_tokens (
    token      TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    result     TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS form_tokens_created ON form_tokens(created_at);
-- Transfer rate limit counts a user's recent outgoing transfers.
CREATE INDEX IF NOT EXISTS ledger_kind ON ledger_entries(user_id, kind, created_at);

-- Files of the site settings (the logo), base64 so both engines store the same text;
-- kept out of the settings table, which every request reads whole.
CREATE TABLE IF NOT EXISTS site_assets (
    name       TEXT    PRIMARY KEY,
    data       TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);
