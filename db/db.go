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

	"github.com/jmoiron/sqlx"
)

// Common errors callers map to user-facing outcomes.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("already exists")
	// ErrUnavailable means the database cannot take writes right now (read-only file,
	// disk full, locked for too long). Handlers answer 503.
	ErrUnavailable = errors.New("database unavailable")
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

	settleOnce sync.Once
	settleCh   chan *settleReq
	closing    chan struct{}
	closeOnce  sync.Once
}

// Tx is one write transaction, with every query method of the store.
type Tx struct {
	conn
	tx *sqlx.Tx
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

// Open opens (creating folder and file if needed) the SQLite database at path and
// applies the schema and pending migrations.
func Open(path string) (*Store, error) {
	if strings.HasPrefix(path, "postgres://") || strings.HasPrefix(path, "postgresql://") {
		return nil, errors.New("PostgreSQL is not supported yet by this build; use a SQLite file path")
	}
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
	s := &Store{w: w, path: path, dialect: sqliteDialect, settleCh: make(chan *settleReq), closing: make(chan struct{})}
	s.conn = conn{read: w, write: w, store: s}
	ctx := context.Background()
	if err := s.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	// Writer statements are prepared while no transaction runs: preparing one later
	// would wait for the single writer connection that the transaction itself holds.
	if s.wst, err = prepare(ctx, w, s.dialect, true); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sqlx.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		s.wst.close()
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	if s.rst, err = prepare(ctx, r, s.dialect, false); err != nil {
		s.wst.close()
		r.Close()
		w.Close()
		return nil, err
	}
	s.r = r
	s.conn = conn{read: r, write: w, st: s.rst, store: s}
	return s, nil
}

// Close stops the settlement engine and closes both pools.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { close(s.closing) })
	s.rst.close()
	s.wst.close()
	return errors.Join(s.r.Close(), s.w.Close())
}

// Path is the database file path.
func (s *Store) Path() string { return s.path }

// Tx runs fn in one write transaction (BEGIN IMMEDIATE). fn's error rolls back.
func (s *Store) Tx(ctx context.Context, fn func(tx *Tx) error) error {
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
	return classify(sqltx.Commit())
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

// Backup writes a consistent copy of the live database to dest (VACUUM INTO).
func (s *Store) Backup(ctx context.Context, dest string) error {
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
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) || errors.Is(err, ErrUnavailable) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return sqliteErrors(err)
}
