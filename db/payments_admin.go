package db

import (
	"context"
	"strings"
)

// PaymentFilter selects payments for the admin list and its CSV export. The zero value
// matches every payment.
type PaymentFilter struct {
	// Code is a prefix of the code_key, already normalised by the caller
	// (dedipass.SearchPrefix): upper-case letters and digits, "" for any code.
	Code string
	// NoCode: what the admin typed cannot start any code; nothing matches and the
	// query is not even run.
	NoCode bool
	Status string // one of the Status* words, or "" for all
	UserID int64  // 0 for all customers
	Mode   string // "" for all, "live" or "sandbox": sandbox payments are listed apart
}

// Payment list modes.
const (
	ModeLive    = "live"
	ModeSandbox = "sandbox"
)

// codeRange turns the prefix into the [lo, hi) range of code_key it covers.
// ok is false when nothing can match. An empty prefix means no code condition.
func (f PaymentFilter) codeRange() (lo, hi string, ok bool) {
	if f.NoCode {
		return "", "", false
	}
	if f.Code == "" {
		return "", "", true
	}
	lo = f.Code
	// Every stored key is [0-9A-Z]*, all below '~': keys starting with lo sort in [lo, lo+"~").
	return lo, lo + "~", true
}

// ValidPaymentStatus reports whether s is one of the payment status words.
func ValidPaymentStatus(s string) bool {
	switch s {
	case StatusPending, StatusCredited, StatusRefused, StatusError, StatusTest:
		return true
	}
	return false
}

// where builds the FROM … WHERE part of a filter. The code condition never uses LIKE
// and never scans the table; it is answered from an index (schema.sql):
//   - one character: the expression indexes on the first character of code_key
//     (then id, or status then id) hand over the newest rows in order, where a range
//     would sort the ~1/36 of the table such a prefix matches;
//   - longer: a range code_key >= q AND code_key < q+"~" on the covering index
//     payments_code_status (code_key, status).
//
// Indexes are named (INDEXED BY) where a status is given: left alone, SQLite prefers
// the status index for "status = ?" and then reads every row of that status
// (hundreds of ms on a million rows). With a customer, the planner chooses.
func (f PaymentFilter) where(d dialect) (from, where string, args []any, ok bool) {
	lo, hi, ok := f.codeRange()
	if !ok {
		return "", "", nil, false
	}
	from = " FROM payments p"
	var conds []string
	switch {
	case lo == "":
	case len(lo) == 1 && f.UserID == 0:
		if f.Status != "" && d.indexHints {
			from = " FROM payments p INDEXED BY payments_code_head_status"
		}
		conds = append(conds, "substr(p.code_key, 1, 1) = ?")
		args = append(args, lo)
	default:
		if f.UserID == 0 && d.indexHints {
			from = " FROM payments p INDEXED BY payments_code_status"
		}
		conds = append(conds, "p.code_key >= ? AND p.code_key < ?")
		args = append(args, lo, hi)
	}
	if f.Status != "" {
		conds = append(conds, "p.status = ?")
		args = append(args, f.Status)
	}
	if f.UserID != 0 {
		conds = append(conds, "p.user_id = ?")
		args = append(args, f.UserID)
	}
	switch f.Mode { // literal values, so the partial index payments_sandbox applies
	case ModeSandbox:
		conds = append(conds, "p.sandbox = "+d.True)
	case ModeLive:
		conds = append(conds, "p.sandbox = "+d.False)
	}
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	return from, where, args, true
}

// findSQL is the two statements of FindPayments: the count, and the page (LIMIT and
// OFFSET are the last two arguments). ok is false when nothing can match.
func (f PaymentFilter) findSQL(d dialect) (count, page string, args []any, ok bool) {
	from, where, args, ok := f.where(d)
	if !ok {
		return "", "", nil, false
	}
	count = `SELECT COUNT(*)` + from + where
	// The page's ids come from the index alone (its entries carry the rowid), then only
	// those rows are read: a short prefix matching many rows never loads them all.
	page = `SELECT ` + paymentCols + `, u.email AS user_email
		FROM payments p LEFT JOIN users u ON u.id = p.user_id
		WHERE p.id IN (SELECT p.id` + from + where + ` ORDER BY p.id DESC LIMIT ? OFFSET ?)
		ORDER BY p.id DESC`
	return count, page, args, true
}

// FindPayments lists the payments matching f, newest first, with the number of
// matching rows. A prefix that cannot match returns nothing without a query.
func (c *conn) FindPayments(ctx context.Context, f PaymentFilter, limit, offset int) ([]Payment, int64, error) {
	countSQL, pageSQL, args, ok := f.findSQL(c.store.dialect)
	if !ok {
		return nil, 0, nil
	}
	var total int64
	if err := c.get(ctx, &total, countSQL, args...); err != nil {
		return nil, 0, classify(err)
	}
	if total == 0 || int64(offset) >= total {
		return nil, total, nil
	}
	var out []Payment
	err := c.sel(ctx, &out, pageSQL, append(args, limit, offset)...)
	return out, total, classify(err)
}

func (f PaymentFilter) exportSQL(d dialect) (string, []any, bool) {
	from, where, args, ok := f.where(d)
	return `SELECT ` + paymentCols + `, u.email AS user_email` + from + `
		LEFT JOIN users u ON u.id = p.user_id` + where + ` ORDER BY p.id DESC`, args, ok
}

// EachPayment calls fn for every payment matching f, newest first, reading from one
// cursor so a large export never sits in memory. fn's error stops the walk.
func (c *conn) EachPayment(ctx context.Context, f PaymentFilter, fn func(*Payment) error) error {
	q, args, ok := f.exportSQL(c.store.dialect)
	if !ok {
		return nil
	}
	rows, err := c.read.QueryxContext(ctx, c.q(q), args...)
	if err != nil {
		return classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var p Payment
		if err := rows.StructScan(&p); err != nil {
			return classify(err)
		}
		if err := fn(&p); err != nil {
			return err
		}
	}
	return classify(rows.Err())
}

// LastPaymentID is the id of the newest payment (0 when there is none).
func (c *conn) LastPaymentID(ctx context.Context) (int64, error) {
	var id int64
	err := c.get(ctx, &id, `SELECT COALESCE(MAX(id), 0) FROM payments`)
	return id, classify(err)
}

// PaymentsAfterID counts payments recorded after the one with the given id (ids only
// grow: payments are never deleted).
func (c *conn) PaymentsAfterID(ctx context.Context, id int64) (int64, error) {
	var n int64
	err := c.get(ctx, &n, `SELECT COUNT(*) FROM payments WHERE id > ?`, id)
	return n, classify(err)
}
