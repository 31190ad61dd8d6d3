package backoffice

import (
	"context"

	"github.com/jmoiron/sqlx"

	"recharge/db"
)

// SetRole makes a user a client or an admin. An admin cannot demote themself, which
// also guarantees that at least one admin always remains. changed is false when the
// user already had that role (nothing is written then).
func SetRole(ctx context.Context, store *db.Store, actor Actor, userID int64, role string) (changed bool, err error) {
	if role != "client" && role != "admin" {
		return false, ErrInvalidRole
	}
	if userID == actor.ID && role != "admin" {
		return false, ErrSelfDemotion
	}
	err = store.Tx(ctx, func(tx *sqlx.Tx) error {
		cur, err := db.UserRoleTx(ctx, tx, userID)
		if err != nil {
			return err
		}
		if cur == role {
			return nil
		}
		if err := db.SetUserRoleTx(ctx, tx, userID, role); err != nil {
			return err
		}
		changed = true
		return store.Audit(ctx, tx, actor.ID, "user.role", userTarget(userID), cur+" → "+role, actor.IP)
	})
	return changed, err
}
