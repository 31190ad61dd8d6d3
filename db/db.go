// Package db owns every SQL statement of Recharge. A Store wraps one writer connection
// (SQLite allows one writer at a time; BEGIN IMMEDIATE makes writers queue instead of
// failing mid-transaction) and a pool of readers. Handlers and domain packages never
// write SQL: they call the named methods in this package, one file per entity.
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
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Common errors callers map to user-facing outcomes.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("already exists")
	// ErrUnavailable means the database cannot take writes right now (read-only file,
	// disk full, locked for too long). Handlers answer 503.
	ErrUnavailable = errors.New("database unavailable")
)

// Store is the data access surface. W is the single writer, R the read pool.
type Store struct {
	W      *sqlx.DB
	R      *sqlx.DB
	path   string
	rstmts stmtCache
	wstmts stmtCache

	settleOnce sync.Once
	settleCh   chan *settleReq
	closing    chan struct{}
	closeOnce  sync.Once
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
	s := &Store{W: w, path: path, settleCh: make(chan *settleReq), closing: make(chan struct{})}
	if err := s.migrate(context.Background()); err != nil {
		w.Close()
		return nil, err
	}
	if err := s.prepareWriter(context.Background()); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sqlx.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	s.R = r
	return s, nil
}

// Close closes both pools.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { close(s.closing) })
	s.rstmts.close()
	s.wstmts.close()
	err1 := s.R.Close()
	err2 := s.W.Close()
	return errors.Join(err1, err2)
}

// Path is the database file path.
func (s *Store) Path() string { return s.path }

// Tx runs fn in one write transaction (BEGIN IMMEDIATE). fn's error rolls back.
func (s *Store) Tx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.W.BeginTxx(ctx, nil)
	if err != nil {
		return classify(err)
	}
	defer func() {
		// A panic in fn must not keep the single writer connection inside a transaction.
		if v := recover(); v != nil {
			_ = tx.Rollback()
			panic(v)
		}
	}()
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return classify(err)
	}
	if err := tx.Commit(); err != nil {
		return classify(err)
	}
	return nil
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
	_, err := s.W.ExecContext(ctx, "VACUUM INTO ?", dest)
	return err
}

// Healthy checks that the database answers.
func (s *Store) Healthy(ctx context.Context) error {
	var one int
	return s.R.GetContext(ctx, &one, "SELECT 1")
}

// classify maps driver errors to the package's sentinel errors, keeping the cause.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CONSTRAINT:
			if se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
				return fmt.Errorf("%w: %w", ErrConflict, err)
			}
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_FULL, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED,
			sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN:
			return fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
	}
	return err
}

// Execer is satisfied by *sqlx.DB and *sqlx.Tx, so a write can join a transaction.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}
