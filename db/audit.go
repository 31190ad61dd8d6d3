package db

import "context"

// AuditEntry is one admin action.
type AuditEntry struct {
	ID         int64   `db:"id"`
	ActorID    *int64  `db:"actor_id"`
	ActorEmail *string `db:"actor_email"`
	Action     string  `db:"action"`
	Target     string  `db:"target"`
	Details    string  `db:"details"`
	IP         string  `db:"ip"`
	CreatedAt  int64   `db:"created_at"`
}

// Actor is who does something, as the audit log records it: the acting user (0 for
// the command line or the system) and the client's IP. Actions that change something
// take it first, after the context.
type Actor struct {
	UserID int64
	IP     string
}

// Audit writes an audit entry (inside the transaction when called on a Tx, so the
// action and its trace commit together).
func (c *conn) Audit(ctx context.Context, a Actor, action, target, details string) error {
	var actor any
	if a.UserID > 0 {
		actor = a.UserID
	}
	ip := a.IP
	_, err := c.exec(ctx, `INSERT INTO audit_log (actor_id, action, target, details, ip, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		actor, action, target, details, ip, Now())
	return err
}

// AuditPage lists audit entries newest first.
func (c *conn) AuditPage(ctx context.Context, limit, offset int) ([]AuditEntry, int64, error) {
	var total int64
	if err := c.get(ctx, &total, `SELECT COUNT(*) FROM audit_log`); err != nil {
		return nil, 0, classify(err)
	}
	var out []AuditEntry
	err := c.sel(ctx, &out, `SELECT a.id, a.actor_id, u.email AS actor_email, a.action, a.target, a.details, a.ip, a.created_at
		FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id ORDER BY a.id DESC LIMIT ? OFFSET ?`, limit, offset)
	return out, total, classify(err)
}
