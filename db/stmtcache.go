package db

import (
	"context"
	"errors"
	"sync"

	"github.com/jmoiron/sqlx"
)

// stmtCache keeps prepared statements of the hot paths (callbacks, searches): parsing
// SQL costs more than running these small queries. database/sql re-prepares a cached
// statement on a new pool connection by itself, and a transaction reuses the writer's
// prepared statement through Tx.StmtxContext.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sqlx.Stmt
}

func (c *stmtCache) get(ctx context.Context, db *sqlx.DB, query string) (*sqlx.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st, nil
	}
	st, err := db.PreparexContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]*sqlx.Stmt{}
	}
	c.m[query] = st
	return st, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}

// readStmt returns a prepared statement on the read pool.
func (s *Store) readStmt(ctx context.Context, query string) (*sqlx.Stmt, error) {
	return s.rstmts.get(ctx, s.R, query)
}

// txStmt returns a prepared writer statement bound to tx. Writer statements are
// prepared once at Open (prepareWriter): preparing one later would wait for the single
// writer connection that tx itself holds. Unknown queries run unprepared.
func (s *Store) txStmt(ctx context.Context, tx *sqlx.Tx, query string) (*sqlx.Stmt, error) {
	s.wstmts.mu.Lock()
	st, ok := s.wstmts.m[query]
	s.wstmts.mu.Unlock()
	if !ok {
		return nil, errNotPrepared
	}
	return tx.StmtxContext(ctx, st), nil
}

var errNotPrepared = errors.New("statement not prepared")

// hotWriterQueries are the statements of a callback's transaction.
var hotWriterQueries = []string{sqlSavepoint, sqlRollbackTo, sqlRelease, sqlPaymentByKey, sqlPaymentUpdate, sqlPaymentInsert, sqlLedgerMove, sqlLedgerInsert}

// prepareWriter prepares the hot writer statements while no transaction runs.
func (s *Store) prepareWriter(ctx context.Context) error {
	for _, q := range hotWriterQueries {
		if _, err := s.wstmts.get(ctx, s.W, q); err != nil {
			return err
		}
	}
	return nil
}

// txRow runs a one-row query in tx with a cached prepared statement (or unprepared if
// preparing fails, which then reports its error through the row).
func (s *Store) txRow(ctx context.Context, tx *sqlx.Tx) func(query string, args ...any) *sqlx.Row {
	return func(query string, args ...any) *sqlx.Row {
		st, err := s.txStmt(ctx, tx, query)
		if err != nil {
			return tx.QueryRowxContext(ctx, query, args...)
		}
		return st.QueryRowxContext(ctx, args...)
	}
}

// txExec runs a statement in tx with a cached prepared statement.
func (s *Store) txExec(ctx context.Context, tx *sqlx.Tx, query string, args ...any) error {
	st, err := s.txStmt(ctx, tx, query)
	if err != nil {
		_, err = tx.ExecContext(ctx, query, args...)
		return err
	}
	_, err = st.ExecContext(ctx, args...)
	return err
}
