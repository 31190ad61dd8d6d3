// Package db owns every SQL statement of Recharge and is the only package that imports
// sqlx. A Store wraps one writer connection (SQLite allows one writer at a time;
// BEGIN IMMEDIATE makes writers queue instead of failing mid-transaction) and a pool of
// readers.
//
// One surface: each query is a method written once on conn, the query context shared
// by *Store (reads on the read pool, writes on the writer) and *Tx (everything inside
// one write transaction). So `store.UserByID(ctx, id)` and, inside
// `store.Tx(ctx, func(tx *db.Tx) error {…})`, `tx.UserByID(ctx, id)` run the same code.
// A method whose statements must commit together (ApplyLedger, InsertInvoice,
// SetSettings) opens its own transaction when called on the Store.
//
// Engine differences live in dialect (dialect.go): placeholders are written `?` and
// rebound for the engine, so a second SQL engine plugs in under the same methods.
// Handlers and domain packages never write SQL; one file per entity.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/jmoiron/sqlx"
)

// Common errors callers map to user-facing outcomes.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("already exists")
	// ErrUnavailable means the database cannot take writes right now (read-only file,
	// disk full, locked for too long). Handlers answer 503.
	ErrUnavailable = errors.New("database unavailable")
	// ErrInvalidInput: a value the engine refuses to store or compare (PostgreSQL text
	// cannot hold a NUL byte, numbers overflow their column). Handlers answer 400.
	ErrInvalidInput = errors.New("value not accepted by the database")
)

// Store is the data access surface: the query methods of conn on the pools, plus
// transactions, the settlement engine (settle.go) and maintenance.
type Store struct {
	conn
	w, r    *sqlx.DB
	wst     *statements // prepared on the writer (transactions use these)
	rst     *statements // prepared on the read pool
	path    string
	dialect dialect

	// cache keeps the settings between writes (PostgreSQL; nil on SQLite): settings_cache.go.
	cache *settingsCache

	settleOnce sync.Once
	// PostgreSQL's batches of new codes (settle_postgres.go).
	pgBatchOnce sync.Once
	pgBatchCh   chan *batchReq
	settleCh    chan *settleReq
	closing     chan struct{}
	closeOnce   sync.Once
}

// Tx is one write transaction, with every query method of the store.
type Tx struct {
	conn
	tx *sqlx.Tx
	// settingsChanged: the settings table changed; the store drops its copy once the
	// transaction commits.
	settingsChanged bool
}

// conn is where the queries run: the pools for a Store, the transaction for a Tx.
type conn struct {
	read  sqlx.ExtContext // reads: the read pool, or the transaction
	write sqlx.ExtContext // writes: the writer, or the transaction
	st    *statements     // prepared statements: the read set on the Store, the writer set in a Tx
	tx    *Tx             // the transaction this conn belongs to; nil on the Store
	store *Store
}

// Now is the clock used for timestamps (unix seconds); tests may replace it.
var Now = func() int64 { return time.Now().Unix() }

// Open opens the database named by dsn: a PostgreSQL URL (postgres:// or
// postgresql://), or else the path of a SQLite file (its folder and the file are
// created if needed). The schema and pending migrations are applied.
func Open(dsn string) (*Store, error) {
	if IsPostgres(dsn) {
		return openPostgres(dsn)
	}
	return openSQLite(dsn)
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

func openSQLite(path string) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}
	pragmas := "_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_pragma=journal_mode(WAL)"
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + pragmas
	w, err := sqlx.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.Ping(); err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	r, err := sqlx.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	return newStore(path, sqliteDialect, w, r)
}

// openPostgres opens one pool for reads and writes: PostgreSQL runs concurrent writers
// itself (MVCC); exactly-once rests on the UNIQUE code and conditional writes.
func openPostgres(dsn string) (*Store, error) {
	pool, err := sqlx.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	pool.SetMaxOpenConns(20)
	pool.SetMaxIdleConns(20)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	if err := pool.Ping(); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open database: %w", classify(err))
	}
	s, err := newStore(redactDSN(dsn), postgresDialect, pool, pool)
	if err == nil {
		s.listenSettings(dsn)
	}
	return s, err
}

// newStore applies the schema and prepares the statements. Writer statements are
// prepared while no transaction runs: with SQLite, preparing one later would wait for
// the single writer connection that the transaction itself holds.
func newStore(path string, d dialect, w, r *sqlx.DB) (*Store, error) {
	s := &Store{w: w, r: r, path: path, dialect: d, settleCh: make(chan *settleReq), closing: make(chan struct{})}
	s.conn = conn{read: w, write: w, store: s}
	fail := func(err error) (*Store, error) {
		s.wst.close()
		s.rst.close()
		r.Close()
		if w != r {
			w.Close()
		}
		return nil, err
	}
	ctx := context.Background()
	if err := s.migrate(ctx); err != nil {
		return fail(err)
	}
	var err error
	if s.wst, err = prepare(ctx, w, d, true); err != nil {
		return fail(err)
	}
	if s.rst, err = prepare(ctx, r, d, false); err != nil {
		return fail(err)
	}
	s.conn = conn{read: r, write: w, st: s.rst, store: s}
	return s, nil
}

// redactDSN keeps a PostgreSQL URL without its password, for logs and messages.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres"
	}
	return u.Redacted()
}

// Engine names the SQL engine: "sqlite" or "postgres".
func (s *Store) Engine() string { return s.dialect.name }

// Close stops the settlement engine and closes both pools.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.stopListening()
	})
	s.rst.close()
	s.wst.close()
	if s.r == s.w {
		return s.w.Close()
	}
	return errors.Join(s.r.Close(), s.w.Close())
}

// Path is the database file path (a PostgreSQL URL without its password).
func (s *Store) Path() string { return s.path }

// Tx runs fn in one write transaction (SQLite: BEGIN IMMEDIATE). fn's error rolls
// back. A transaction PostgreSQL aborted for a serialisation conflict or a deadlock is
// run again (fn must only touch the database, as every caller's does).
func (s *Store) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	var err error
	for try := 0; try < 3; try++ {
		if err = s.tx(ctx, fn); !errors.Is(err, errRetry) {
			return err
		}
	}
	return err
}

func (s *Store) tx(ctx context.Context, fn func(tx *Tx) error) error {
	sqltx, err := s.w.BeginTxx(ctx, nil)
	if err != nil {
		return classify(err)
	}
	defer func() {
		// A panic in fn must not keep the single writer connection inside a transaction.
		if v := recover(); v != nil {
			_ = sqltx.Rollback()
			panic(v)
		}
	}()
	tx := &Tx{tx: sqltx}
	tx.conn = conn{read: sqltx, write: sqltx, st: s.wst, tx: tx, store: s}
	if err := fn(tx); err != nil {
		_ = sqltx.Rollback()
		return classify(err)
	}
	if err := sqltx.Commit(); err != nil {
		return classify(err)
	}
	if tx.settingsChanged {
		s.cache.invalidate()
	}
	return nil
}

// atomic runs fn in the current transaction, or in a new one on the Store.
func (c *conn) atomic(ctx context.Context, fn func(tx *Tx) error) error {
	if c.tx != nil {
		return fn(c.tx)
	}
	return c.store.Tx(ctx, fn)
}

// stmt binds a prepared statement to the transaction when there is one. Write
// statements exist only in the writer set, so they are used inside a Tx alone
// (methods that write on the Store go through atomic).
func (c *conn) stmt(ctx context.Context, st *sqlx.Stmt) *sqlx.Stmt {
	if c.tx != nil {
		return c.tx.tx.StmtxContext(ctx, st)
	}
	return st
}

func (c *conn) q(query string) string { return c.store.dialect.rebind(query) }

// get scans one row into dest.
func (c *conn) get(ctx context.Context, dest any, query string, args ...any) error {
	return classify(sqlx.GetContext(ctx, c.read, dest, c.q(query), args...))
}

// sel scans every row into dest (a slice).
func (c *conn) sel(ctx context.Context, dest any, query string, args ...any) error {
	return classify(sqlx.SelectContext(ctx, c.read, dest, c.q(query), args...))
}

// exec runs a write and reports the rows it changed.
func (c *conn) exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := c.write.ExecContext(ctx, c.q(query), args...)
	if err != nil {
		return 0, classify(err)
	}
	n, err := res.RowsAffected()
	return n, classify(err)
}

// execOne runs a write that must change exactly one row (else ErrNotFound).
func (c *conn) execOne(ctx context.Context, query string, args ...any) error {
	n, err := c.exec(ctx, query, args...)
	if err == nil && n == 0 {
		return ErrNotFound
	}
	return err
}

// insert runs an INSERT … RETURNING id on the writer.
func (c *conn) insert(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	err := c.write.QueryRowxContext(ctx, c.q(query), args...).Scan(&id)
	return id, classify(err)
}

// ExecSQL runs raw SQL on the writer and returns the rows changed. It exists for test
// fixtures, fault injection and the benchmark's bulk seeding, which need statements
// no feature has; application code uses the named methods.
func (c *conn) ExecSQL(ctx context.Context, query string, args ...any) (int64, error) {
	return c.exec(ctx, query, args...)
}

// QueryInt runs a raw one-value query (tests and tools count rows with it).
func (c *conn) QueryInt(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := c.get(ctx, &n, query, args...)
	return n, err
}

// ErrBackupPostgres: `recharge backup` copies SQLite files; PostgreSQL has its own tools.
var ErrBackupPostgres = errors.New("recharge backup copies a SQLite database; on PostgreSQL use pg_dump (for example: pg_dump --format=custom --file=recharge.dump DATABASE_URL)")

// Backup writes a consistent copy of the live database to dest (VACUUM INTO).
func (s *Store) Backup(ctx context.Context, dest string) error {
	if s.dialect.name == "postgres" {
		return ErrBackupPostgres
	}
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("%s already exists; choose a new file name", dest)
	}
	if dir := filepath.Dir(dest); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return err
		}
	}
	_, err := s.w.ExecContext(ctx, "VACUUM INTO ?", dest)
	return err
}

// Healthy checks that the database answers.
func (s *Store) Healthy(ctx context.Context) error {
	var one int
	return s.get(ctx, &one, "SELECT 1")
}

// classify maps driver errors to the package's sentinel errors, keeping the cause.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) || errors.Is(err, ErrUnavailable) || errors.Is(err, ErrInvalidInput) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return driverErrors(err)
}
