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
	// SuspendedAt is set while an admin has suspended the account (login refused).
	SuspendedAt  *int64 `db:"suspended_at"`
	TOTPSecret   string `db:"totp_secret"`    // base32; non-empty while two-factor is on
	TOTPPending  string `db:"totp_pending"`   // secret being set up
	TOTPLastStep int64  `db:"totp_last_step"` // last accepted TOTP time step (replay guard)
	// BillingName and BillingAddress are printed on the customer's invoices when set.
	BillingName    string `db:"billing_name"`
	BillingAddress string `db:"billing_address"`
}

// Suspended reports whether an admin has suspended the account.
func (u *User) Suspended() bool { return u != nil && u.SuspendedAt != nil }

// TwoFactor reports whether two-factor authentication is on.
func (u *User) TwoFactor() bool { return u != nil && u.TOTPSecret != "" }

// IsAdmin reports whether the user has the admin role.
func (u *User) IsAdmin() bool { return u != nil && u.Role == "admin" }

const userCols = `id, email, name, password_hash, role, lang, custom, balance_cents, created_at, suspended_at, totp_secret, totp_pending, totp_last_step, billing_name, billing_address`

// userColsU is userCols qualified by the alias u (joins).
var userColsU = "u." + strings.ReplaceAll(userCols, ", ", ", u.")

const (
	sqlUserByID     = `SELECT ` + userCols + ` FROM users WHERE id = ?`
	sqlUserByCustom = `SELECT ` + userCols + ` FROM users WHERE custom = ?`
)

// CreateUser inserts a user; ErrConflict when the email is taken.
func (c *conn) CreateUser(ctx context.Context, u *User) error {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	u.CreatedAt = Now()
	id, err := c.insert(ctx, `INSERT INTO users (email, name, password_hash, role, lang, custom, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		u.Email, u.Name, u.PasswordHash, u.Role, u.Lang, u.Custom, u.CreatedAt)
	u.ID = id
	return err
}

// UserByID loads one user.
func (c *conn) UserByID(ctx context.Context, id int64) (*User, error) {
	var u User
	err := c.stmt(ctx, c.st.userByID).GetContext(ctx, &u, id)
	return &u, classify(err)
}

// UserByEmail loads one user by (case-insensitive) email.
func (c *conn) UserByEmail(ctx context.Context, email string) (*User, error) {
	var u User
	err := c.get(ctx, &u, `SELECT `+userCols+` FROM users WHERE email = ?`, strings.ToLower(strings.TrimSpace(email)))
	return &u, err
}

// UserByCustom finds the customer a Dedipass callback's `custom` value names.
func (c *conn) UserByCustom(ctx context.Context, custom string) (*User, error) {
	var u User
	err := c.stmt(ctx, c.st.userByCustom).GetContext(ctx, &u, custom)
	return &u, classify(err)
}

// AdminExists reports whether at least one administrator exists.
func (c *conn) AdminExists(ctx context.Context) (bool, error) {
	var n int
	err := c.get(ctx, &n, `SELECT COUNT(*) FROM (SELECT 1 FROM users WHERE role = 'admin' LIMIT 1) t`)
	return n > 0, err
}

// SetUserLang stores the user's language choice.
func (c *conn) SetUserLang(ctx context.Context, id int64, lang string) error {
	_, err := c.exec(ctx, `UPDATE users SET lang = ? WHERE id = ?`, lang, id)
	return err
}

// SetUserRole changes a user's role; ErrNotFound for an unknown user.
func (c *conn) SetUserRole(ctx context.Context, id int64, role string) error {
	return c.execOne(ctx, `UPDATE users SET role = ? WHERE id = ?`, role, id)
}

// CountUsers counts accounts with the given role ("" = all).
func (c *conn) CountUsers(ctx context.Context, role string) (int64, error) {
	var n int64
	err := c.get(ctx, &n, `SELECT COUNT(*) FROM users WHERE (? = '' OR role = ?)`, role, role)
	return n, err
}

// likeEscaper makes typed text literal inside a LIKE pattern (ESCAPE '\').
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// SearchUsers lists accounts whose email or name contains q (%, _ and \ in q are
// literal), newest first, with the number of matches. An empty q lists everyone. Case:
// emails are stored in lower case and q is lowered for them; names match ignoring the
// case of ASCII letters on both engines (LOWER of both sides), and other letters as
// typed ("Émilie" finds Émilie everywhere; "émilie" does too on PostgreSQL, whose
// LOWER knows accents, but not on SQLite, whose LOWER is ASCII only).
func (c *conn) SearchUsers(ctx context.Context, q string, limit, offset int) ([]User, int64, error) {
	q = strings.TrimSpace(q)
	if strings.ContainsRune(q, 0) {
		return nil, 0, nil // no stored email holds a NUL byte (and PostgreSQL refuses to compare one)
	}
	where, args := "", []any{}
	if q != "" {
		lower, typed := "%"+likeEscaper.Replace(strings.ToLower(q))+"%", "%"+likeEscaper.Replace(q)+"%"
		where = ` WHERE email LIKE ? ESCAPE '\' OR LOWER(name) LIKE LOWER(?) ESCAPE '\' OR name LIKE ? ESCAPE '\'`
		args = append(args, lower, typed, typed)
	}
	var total int64
	if err := c.get(ctx, &total, `SELECT COUNT(*) FROM users`+where, args...); err != nil {
		return nil, 0, err
	}
	var out []User
	err := c.sel(ctx, &out, `SELECT id, email, name, '' AS password_hash, role, lang, custom, balance_cents, created_at, suspended_at
		FROM users`+where+` ORDER BY id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	return out, total, err
}

// SetUserProfile changes what a user says about themself: name and language.
func (c *conn) SetUserProfile(ctx context.Context, id int64, name, lang string) error {
	return c.execOne(ctx, `UPDATE users SET name = ?, lang = ? WHERE id = ?`, name, lang, id)
}

// SetUserNameEmail changes a user's name and email (the admin's edit); ErrConflict
// when another account has the email.
func (c *conn) SetUserNameEmail(ctx context.Context, id int64, name, email string) error {
	return c.execOne(ctx, `UPDATE users SET name = ?, email = ? WHERE id = ?`, name, strings.ToLower(strings.TrimSpace(email)), id)
}

// SetUserBilling stores the name and address printed on the user's next invoices.
func (c *conn) SetUserBilling(ctx context.Context, id int64, name, address string) error {
	return c.execOne(ctx, `UPDATE users SET billing_name = ?, billing_address = ? WHERE id = ?`, name, address, id)
}

// SetUserPassword stores a new password hash.
func (c *conn) SetUserPassword(ctx context.Context, id int64, hash string) error {
	return c.execOne(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, id)
}

// SetUserSuspended suspends (at = the time) or reinstates (at = nil) an account.
func (c *conn) SetUserSuspended(ctx context.Context, id int64, at *int64) error {
	return c.execOne(ctx, `UPDATE users SET suspended_at = ? WHERE id = ?`, at, id)
}
