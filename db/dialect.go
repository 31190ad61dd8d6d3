package db

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jmoiron/sqlx"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect is what differs between SQL engines under the same query methods. Queries
// are written once with `?` placeholders (rebound for the engine) and portable SQL;
// the few spellings that differ are here.
type dialect struct {
	name     string
	bindType int // sqlx.QUESTION, sqlx.DOLLAR
	// schema is the whole current schema; migrations[i] overrides the portable step
	// migrations[i] where this engine needs its own spelling.
	schema     string
	migrations map[int]string
	// indexHints: SQLite's planner is told which index answers a code search
	// (INDEXED BY); PostgreSQL chooses well by itself.
	indexHints bool
	// rowLocks: read-then-write rules lock their row (SELECT … FOR UPDATE), see locks.go.
	rowLocks bool
	// groupCommit: settlements are written by one goroutine, many per transaction
	// (settle.go). SQLite has one writer and an fsync per commit, so sharing commits
	// is what makes callbacks fast; PostgreSQL runs concurrent transactions and groups
	// their WAL flushes itself, so each settlement is its own transaction there.
	groupCommit bool
	// True and False are the boolean literals matching the schema's boolean columns
	// (literals, not parameters, so a partial index on `sandbox` applies).
	True, False string
}

var sqliteDialect = dialect{name: "sqlite", bindType: sqlx.QUESTION, schema: schemaSQLite,
	indexHints: true, groupCommit: true, True: "1", False: "0"}

var postgresDialect = dialect{name: "postgres", bindType: sqlx.DOLLAR, schema: schemaPostgres,
	migrations: postgresMigrations, rowLocks: true, True: "TRUE", False: "FALSE"}

// rebind turns the `?` placeholders into the engine's own.
func (d dialect) rebind(query string) string {
	if d.bindType == sqlx.QUESTION {
		return query
	}
	return sqlx.Rebind(d.bindType, query)
}

// driverErrors maps the engines' errors to the package's sentinel errors: unique
// violations to ErrConflict, a database that cannot take writes now (read-only, disk
// full, locked, I/O, connection lost, shutting down, too many connections) to
// ErrUnavailable. Each engine's error is recognised by its own type.
func driverErrors(err error) error {
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
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505": // unique_violation
			return fmt.Errorf("%w: %w", ErrConflict, err)
		case pe.Code == "22021", pe.Code == "22P05", pe.Code == "22003", pe.Code == "22001":
			// invalid byte (NUL in text), untranslatable character, number or string out of range
			return fmt.Errorf("%w: %w", ErrInvalidInput, err)
		case pe.Code == "40001", pe.Code == "40P01": // serialization failure, deadlock
			return fmt.Errorf("%w: %w: %w", ErrUnavailable, errRetry, err)
		case len(pe.Code) == 5 && (pe.Code[:2] == "08" || pe.Code[:2] == "53" || pe.Code[:2] == "57" || pe.Code == "25006"):
			// connection, insufficient resources, operator intervention, read-only transaction
			return fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		return err
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || pgconn.SafeToRetry(err) || pgconn.Timeout(err) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

// errRetry marks a transaction PostgreSQL aborted to keep concurrent ones serialisable:
// running it again is safe.
var errRetry = errors.New("transaction conflict, retry")
