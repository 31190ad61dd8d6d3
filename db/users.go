package db

import (
	"context"
	"strings"
)

// User is one account row.
type User struct {
	ID           int64  `db:"id"`
	Email        string `db:"email"`
	Name         string `db:"name"`
	PasswordHash string `db:"password_hash"`
	Role         string `db:"role"`
	Lang         string `db:"lang"`
	Custom       string `db:"custom"`
	BalanceCents int64  `db:"balance_cents"`
	CreatedAt    int64  `db:"created_at"`
}

// IsAdmin reports whether the user has the admin role.
func (u *User) IsAdmin() bool { return u != nil && u.Role == "admin" }

const userCols = `id, email, name, password_hash, role, lang, custom, balance_cents, created_at`

// CreateUser inserts a user; ErrConflict when the email is taken.
func (s *Store) CreateUser(ctx context.Context, u *User) error {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	u.CreatedAt = Now()
	row := s.W.QueryRowxContext(ctx, `INSERT INTO users (email, name, password_hash, role, lang, custom, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		u.Email, u.Name, u.PasswordHash, u.Role, u.Lang, u.Custom, u.CreatedAt)
	return classify(row.Scan(&u.ID))
}

// UserByID loads one user.
func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	var u User
	err := s.R.GetContext(ctx, &u, `SELECT `+userCols+` FROM users WHERE id = ?`, id)
	return &u, classify(err)
}

// UserByEmail loads one user by (case-insensitive) email.
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	var u User
	err := s.R.GetContext(ctx, &u, `SELECT `+userCols+` FROM users WHERE email = ?`, strings.ToLower(strings.TrimSpace(email)))
	return &u, classify(err)
}

// UserByCustom finds the customer a Dedipass callback's `custom` value names.
func (s *Store) UserByCustom(ctx context.Context, custom string) (*User, error) {
	var u User
	st, err := s.readStmt(ctx, `SELECT `+userCols+` FROM users WHERE custom = ?`)
	if err == nil {
		err = st.GetContext(ctx, &u, custom)
	}
	return &u, classify(err)
}

// AdminExists reports whether at least one administrator exists.
func (s *Store) AdminExists(ctx context.Context) (bool, error) {
	var n int
	err := s.R.GetContext(ctx, &n, `SELECT COUNT(*) FROM (SELECT 1 FROM users WHERE role = 'admin' LIMIT 1) t`)
	return n > 0, classify(err)
}

// SetUserLang stores the user's language choice.
func (s *Store) SetUserLang(ctx context.Context, id int64, lang string) error {
	_, err := s.W.ExecContext(ctx, `UPDATE users SET lang = ? WHERE id = ?`, lang, id)
	return classify(err)
}

// SetUserRole changes a user's role.
func (s *Store) SetUserRole(ctx context.Context, id int64, role string) error {
	_, err := s.W.ExecContext(ctx, `UPDATE users SET role = ? WHERE id = ?`, role, id)
	return classify(err)
}

// CountUsers counts accounts with the given role ("" = all).
func (s *Store) CountUsers(ctx context.Context, role string) (int64, error) {
	var n int64
	err := s.R.GetContext(ctx, &n, `SELECT COUNT(*) FROM users WHERE (? = '' OR role = ?)`, role, role)
	return n, classify(err)
}
