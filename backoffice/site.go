package backoffice

import (
	"context"

	"recharge/db"
	"recharge/settings"
)

// SaveSiteSettings stores the site settings (SPEC §8) and writes the audit entry, in
// one transaction. The details list every stored value (none of them is a secret).
func (b *Backoffice) SaveSiteSettings(ctx context.Context, actor db.Actor, site settings.Site) error {
	kv := site.Values()
	details := "require_admin_2fa=" + kv[settings.KeyRequireAdmin2FA]
	return b.Store.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.SetSettings(ctx, kv); err != nil {
			return err
		}
		return tx.Audit(ctx, actor, "settings.site", "settings:site", details)
	})
}
