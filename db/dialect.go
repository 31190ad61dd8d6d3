package db

import (
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect is what differs between SQL engines under the same query methods: the
// placeholder style (queries are written with `?`). PostgreSQL plugs in as a second
// value of this type; its driver errors get their case in classify beside SQLite's
// (each is recognised by its own error type).
type dialect struct {
	name     string
	bindType int // sqlx.QUESTION, sqlx.DOLLAR, …
}

var sqliteDialect = dialect{name: "sqlite", bindType: sqlx.QUESTION}

// rebind turns the `?` placeholders into the engine's own.
func (d dialect) rebind(query string) string {
	if d.bindType == sqlx.QUESTION {
		return query
	}
	return sqlx.Rebind(d.bindType, query)
}

// sqliteErrors maps SQLite result codes: unique violations to ErrConflict, a database
// that cannot take writes (read-only, disk full, locked, I/O) to ErrUnavailable.
func sqliteErrors(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
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
