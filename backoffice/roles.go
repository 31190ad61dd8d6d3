package backoffice

import (
	"context"
	"strconv"

	"recharge/db"
)

// SetRole makes a user a client or an admin. An admin cannot demote themself. Inside
// the write, the actor must still be an admin (their session was read before) and at
// least one admin who can log in (not suspended) must remain (SPEC §3), so two admins demoting each other at once
// cannot leave none. changed is false when the user already had that role (nothing is
// written then).
func (b *Backoffice) SetRole(ctx context.Context, actor db.Actor, userID int64, role string) (changed bool, err error) {
	if role != "client" && role != "admin" {
		return false, ErrInvalidRole
	}
	if userID == actor.UserID && role != "admin" {
		return false, ErrSelfDemotion
	}
	err = b.Store.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.LockAdmins(ctx); err != nil {
			return err
		}
		if a, err := tx.UserByID(ctx, actor.UserID); err != nil || !a.IsAdmin() || a.Suspended() {
			return ErrNotAdmin
		}
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		cur := u.Role
		if cur == role {
			return nil
		}
		if err := tx.SetUserRole(ctx, userID, role); err != nil {
			return err
		}
		if n, err := tx.CountActiveAdmins(ctx); err != nil {
			return err
		} else if n == 0 {
			return ErrLastAdmin
		}
		changed = true
		return tx.Audit(ctx, actor, "user.role", "user:"+strconv.FormatInt(userID, 10), cur+" → "+role)
	})
	return changed, err
}
