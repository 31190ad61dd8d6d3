package backoffice

import (
	"context"
	"strconv"

	"recharge/db"
)

// SetRole makes a user a client or an admin. An admin cannot demote themself, which
// also guarantees that at least one admin always remains. changed is false when the
// user already had that role (nothing is written then).
func (b *Backoffice) SetRole(ctx context.Context, actor db.Actor, userID int64, role string) (changed bool, err error) {
	if role != "client" && role != "admin" {
		return false, ErrInvalidRole
	}
	if userID == actor.UserID && role != "admin" {
		return false, ErrSelfDemotion
	}
	err = b.Store.Tx(ctx, func(tx *db.Tx) error {
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
		changed = true
		return tx.Audit(ctx, actor, "user.role", "user:"+strconv.FormatInt(userID, 10), cur+" → "+role)
	})
	return changed, err
}
