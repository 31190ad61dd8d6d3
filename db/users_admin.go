package db

import (
	"context"
	"strings"

	"github.com/jmoiron/sqlx"
)

// likeEscaper makes typed text literal inside a LIKE pattern (ESCAPE '\').
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// SearchUsers lists accounts whose email contains q (any case; %, _ and \ in q are
// literal), newest first, with the number of matches. An empty q lists everyone.
func (s *Store) SearchUsers(ctx context.Context, q string, limit, offset int) ([]User, int64, error) {
	q = strings.ToLower(strings.TrimSpace(q))
	where, args := "", []any{}
	if q != "" {
		where = ` WHERE email LIKE ? ESCAPE '\'`
		args = append(args, "%"+likeEscaper.Replace(q)+"%")
	}
	var total int64
	if err := s.R.GetContext(ctx, &total, `SELECT COUNT(*) FROM users`+where, args...); err != nil {
		return nil, 0, classify(err)
	}
	var out []User
	err := s.R.SelectContext(ctx, &out, `SELECT id, email, name, '' AS password_hash, role, lang, custom, balance_cents, created_at
		FROM users`+where+` ORDER BY id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	return out, total, classify(err)
}

// SetUserRoleTx changes a user's role inside tx; ErrNotFound for an unknown user.
func SetUserRoleTx(ctx context.Context, tx *sqlx.Tx, id int64, role string) error {
	res, err := tx.ExecContext(ctx, `UPDATE users SET role = ? WHERE id = ?`, role, id)
	if err != nil {
		return classify(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// UserRoleTx reads a user's role inside tx; ErrNotFound for an unknown user.
func UserRoleTx(ctx context.Context, tx *sqlx.Tx, id int64) (string, error) {
	var role string
	err := tx.GetContext(ctx, &role, `SELECT role FROM users WHERE id = ?`, id)
	return role, classify(err)
}
