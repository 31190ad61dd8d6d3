package db

import "context"

// LockAdmins takes the write lock of every admin row (a no-op UPDATE) before a role
// change checks how many admins remain. SQLite's single writer already serialises the
// transaction; on PostgreSQL two demotions that each see the other admin still active
// would otherwise both commit and leave none. The second waits here, and its next
// statements see the first one's commit.
func (c *conn) LockAdmins(ctx context.Context) error {
	_, err := c.exec(ctx, `UPDATE users SET role = role WHERE role = 'admin'`)
	return err
}

// CountActiveAdmins counts the admins who can still log in (not suspended): the
// number the "last admin" rule (SPEC §3) keeps above zero, after LockAdmins.
func (c *conn) CountActiveAdmins(ctx context.Context) (int64, error) {
	var n int64
	err := c.get(ctx, &n, `SELECT COUNT(*) FROM users WHERE role = 'admin' AND suspended_at IS NULL`)
	return n, err
}

// ActiveAdmins lists the admins who can log in (the recipients of admin mails).
func (c *conn) ActiveAdmins(ctx context.Context) ([]User, error) {
	var out []User
	err := c.sel(ctx, &out, `SELECT `+userCols+` FROM users WHERE role = 'admin' AND suspended_at IS NULL ORDER BY id`)
	return out, err
}
