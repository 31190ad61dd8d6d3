package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jmoiron/sqlx"
)

// copyTables are every table of the schema, parents before children (foreign keys),
// with the column that orders the copy. schema_version is not copied: the target has
// its own, at the same version (same binary).
var copyTables = []struct{ name, order string }{
	{"users", "id"},
	{"sessions", "id_hash"},
	{"rate_events", "id"},
	{"sandbox_codes", "code"},
	{"settings", "key"},
	{"audit_log", "id"},
	{"ledger_entries", "id"},
	{"payments", "id"},
	{"code_attempts", "id"},
	{"products", "id"},
	{"services", "id"},
	{"invoices", "id"},
	{"invoice_lines", "id"},
	{"form_tokens", "token"},
	{"recovery_codes", "user_id, code_hash"},
	{"user_tokens", "token_hash"},
	{"outbox", "id"},
	{"site_assets", "name"},
	{"invoice_counter", "n"}, // no id sequence: its one row is the last invoice number
}

// boolColumns are the columns SQLite stores as 0/1 and PostgreSQL as booleans.
var boolColumns = map[string]bool{"payments.test": true, "payments.sandbox": true, "products.active": true}

// ErrTargetNotEmpty: `recharge copy` only fills an empty database.
var ErrTargetNotEmpty = errors.New("the target database is not empty")

// CopyReport says what Copy moved.
type CopyReport struct {
	Rows    map[string]int64 // per table, checked equal on both sides
	Total   int64
	Elapsed time.Duration
}

// Copy moves every row of src into dst (both already at the current schema), keeping
// ids, then moves dst's id sequences past them and checks the result: the same row
// count per table on both sides, and every wallet's balance equal to the sum of its
// ledger. dst must be empty. src is read in one snapshot (stop the portal first so
// nothing is written meanwhile). Progress lines go to progress.
func Copy(ctx context.Context, src, dst *Store, progress io.Writer) (CopyReport, error) {
	start := time.Now()
	rep := CopyReport{Rows: map[string]int64{}}
	for _, t := range copyTables {
		n, err := dst.QueryInt(ctx, `SELECT COUNT(*) FROM `+t.name)
		if err != nil {
			return rep, err
		}
		if n > 0 {
			return rep, fmt.Errorf("%w: table %s has %d rows", ErrTargetNotEmpty, t.name, n)
		}
	}
	opts := &sql.TxOptions{ReadOnly: true}
	if src.dialect.name == "postgres" {
		opts.Isolation = sql.LevelRepeatableRead
	}
	snap, err := src.r.BeginTxx(ctx, opts)
	if err != nil {
		return rep, classify(err)
	}
	defer snap.Rollback()
	for _, t := range copyTables {
		n, err := copyTable(ctx, snap, dst, t.name, t.order, progress)
		if err != nil {
			return rep, fmt.Errorf("copy %s: %w", t.name, err)
		}
		rep.Rows[t.name] = n
		rep.Total += n
	}
	if err := dst.resetSequences(ctx); err != nil {
		return rep, err
	}
	for _, t := range copyTables {
		var n int64
		if err := snap.GetContext(ctx, &n, `SELECT COUNT(*) FROM `+t.name); err != nil {
			return rep, classify(err)
		}
		got, err := dst.QueryInt(ctx, `SELECT COUNT(*) FROM `+t.name)
		if err != nil {
			return rep, err
		}
		if got != n || got != rep.Rows[t.name] {
			return rep, fmt.Errorf("check %s: %d rows in the source, %d copied, %d in the target", t.name, n, rep.Rows[t.name], got)
		}
	}
	bad, err := dst.QueryInt(ctx, `SELECT COUNT(*) FROM users u
		WHERE u.balance_cents <> COALESCE((SELECT SUM(l.amount_cents) FROM ledger_entries l WHERE l.user_id = u.id), 0)`)
	if err != nil {
		return rep, err
	}
	if bad != 0 {
		return rep, fmt.Errorf("check: %d wallets whose balance is not the sum of their ledger", bad)
	}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// copyBatch is how many rows one INSERT carries on SQLite (its limit on parameters);
// one COPY to PostgreSQL carries copyBatchPostgres.
const (
	copyBatch         = 500
	copyBatchPostgres = 10_000
)

func copyTable(ctx context.Context, snap *sqlx.Tx, dst *Store, table, order string, progress io.Writer) (int64, error) {
	rows, err := snap.QueryContext(ctx, `SELECT * FROM `+table+` ORDER BY `+order)
	if err != nil {
		return 0, classify(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	toBool := make([]bool, len(cols))
	for i, c := range cols {
		toBool[i] = boolColumns[table+"."+c] && dst.dialect.name == "postgres"
	}
	size := copyBatch
	if dst.dialect.name == "postgres" {
		size = copyBatchPostgres
	}
	var total int64
	batch := make([][]any, 0, size)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := dst.insertRows(ctx, table, cols, batch); err != nil {
			return err
		}
		total += int64(len(batch))
		if total%100_000 < int64(len(batch)) && progress != nil {
			fmt.Fprintf(progress, "  %s: %d rows\n", table, total)
		}
		batch = batch[:0]
		return nil
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return total, err
		}
		for i, v := range vals {
			switch x := v.(type) {
			case []byte: // SQLite may hand TEXT back as bytes
				vals[i] = string(x)
			case int64:
				if toBool[i] {
					vals[i] = x != 0
				}
			}
		}
		batch = append(batch, vals)
		if len(batch) == size {
			if err := flush(); err != nil {
				return total, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return total, classify(err)
	}
	if err := flush(); err != nil {
		return total, err
	}
	if progress != nil {
		fmt.Fprintf(progress, "%s: %d rows copied\n", table, total)
	}
	return total, nil
}

// insertRows writes rows into table: PostgreSQL's COPY protocol, or multi-row INSERTs
// in one transaction on SQLite.
func (s *Store) insertRows(ctx context.Context, table string, cols []string, rows [][]any) error {
	if s.dialect.name == "postgres" {
		conn, err := s.w.Conn(ctx)
		if err != nil {
			return classify(err)
		}
		defer conn.Close()
		return classify(conn.Raw(func(dc any) error {
			pc := dc.(*stdlib.Conn).Conn()
			_, err := pc.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
			return err
		}))
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	query := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES ` +
		strings.TrimSuffix(strings.Repeat(one+", ", len(rows)), ", ")
	args := make([]any, 0, len(rows)*len(cols))
	for _, r := range rows {
		args = append(args, r...)
	}
	_, err := s.ExecSQL(ctx, query, args...)
	return err
}

// resetSequences moves every identity sequence past the copied ids (PostgreSQL; SQLite
// takes the next id from the largest one by itself).
func (s *Store) resetSequences(ctx context.Context) error {
	if s.dialect.name != "postgres" {
		return nil
	}
	for _, t := range copyTables {
		if t.order != "id" {
			continue
		}
		if _, err := s.ExecSQL(ctx, `SELECT setval(pg_get_serial_sequence('`+t.name+`', 'id'),
			COALESCE((SELECT MAX(id) FROM `+t.name+`), 0) + 1, false)`); err != nil {
			return fmt.Errorf("sequence of %s: %w", t.name, err)
		}
	}
	return nil
}
