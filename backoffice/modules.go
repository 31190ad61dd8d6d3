package backoffice

import (
	"context"
	"errors"

	"recharge/db"
	"recharge/settings"
)

// Module names (the {name} of POST /admin/modules/{name}).
const (
	ModuleFund     = "fund"
	ModuleDedipass = "dedipass"
)

// ModuleChange says what SetModule did.
type ModuleChange struct {
	State   settings.Modules
	Changed bool // false when the module already was in the asked state
	// DedipassTurnedOff: turning Fund off also turned Dedipass off.
	DedipassTurnedOff bool
}

// SetModule switches a module on or off (SPEC §4). Dedipass credits wallets, so it
// cannot be on while Fund is off: enabling it then is refused with ErrFundRequired,
// and turning Fund off turns Dedipass off as well. The time Dedipass went off is kept,
// so the admin can be warned about payments that keep arriving (the callback goes on
// crediting them: a paid code is never lost).
func (b *Backoffice) SetModule(ctx context.Context, actor db.Actor, name string, on bool) (ModuleChange, error) {
	if name != ModuleFund && name != ModuleDedipass {
		return ModuleChange{}, ErrUnknownModule
	}
	var ch ModuleChange
	err := b.Store.Tx(ctx, func(tx *db.Tx) error {
		set, err := settings.Load(ctx, tx)
		if err != nil && !errors.Is(err, settings.ErrCorrupted) { // a bad Fund amount does not block the switches
			return err
		}
		cur := set.Modules
		next := cur
		switch name {
		case ModuleFund:
			next.Fund = on
			if !on {
				next.Dedipass = false
			}
		case ModuleDedipass:
			if on && !cur.Fund {
				return ErrFundRequired
			}
			next.Dedipass = on
		}
		switch {
		case cur.Dedipass && !next.Dedipass:
			next.DedipassDisabledAt = db.Now()
			if next.LastPaymentWhenDisabled, err = tx.LastPaymentID(ctx); err != nil {
				return err
			}
		case next.Dedipass:
			next.DedipassDisabledAt, next.LastPaymentWhenDisabled = 0, 0
		}
		ch.State = next
		ch.DedipassTurnedOff = name == ModuleFund && cur.Dedipass && !next.Dedipass
		ch.Changed = next.Fund != cur.Fund || next.Dedipass != cur.Dedipass
		if !ch.Changed {
			return nil
		}
		if err := tx.SetSettings(ctx, next.Values()); err != nil {
			return err
		}
		action, details := "module.disable", ""
		if on {
			action = "module.enable"
		}
		if ch.DedipassTurnedOff {
			details = "dedipass disabled too (it needs fund)"
		}
		return tx.Audit(ctx, actor, action, "module:"+name, details)
	})
	return ch, err
}

// PaymentsWhileDisabled counts the payments recorded since Dedipass was switched off
// (0 when it is on), and says since when. The callback recorded and credited them
// anyway (no paid code is lost); the admin should know.
func (b *Backoffice) PaymentsWhileDisabled(ctx context.Context, st settings.Modules) (n, since int64, err error) {
	if st.Dedipass || st.DedipassDisabledAt == 0 {
		return 0, 0, nil
	}
	n, err = b.Store.PaymentsAfterID(ctx, st.LastPaymentWhenDisabled)
	return n, st.DedipassDisabledAt, err
}
