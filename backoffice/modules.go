package backoffice

import (
	"context"
	"strconv"

	"recharge/db"
)

// Module names (the {name} of POST /admin/modules/{name}).
const (
	ModuleFund     = "fund"
	ModuleDedipass = "dedipass"
)

// Settings keys of the module switches ("1"/"0"; absent = on, as on a fresh install).
const (
	KeyModuleFund         = "module_fund"
	KeyModuleDedipass     = "module_dedipass"
	KeyDedipassDisabledAt = "module_dedipass_disabled_at" // unix seconds, set when Dedipass goes off
	// KeyDedipassDisabledAfter is the id of the newest payment when Dedipass went off:
	// every payment with a larger id arrived while it was off (exact, unlike a time
	// in seconds that cannot order two events of the same second).
	KeyDedipassDisabledAfter = "module_dedipass_disabled_after_id"
)

// ModuleState is what is on. Dedipass counts as on only if Fund is on too.
type ModuleState struct {
	Fund               bool
	Dedipass           bool
	DedipassDisabledAt int64 // 0 when Dedipass is on or the time is unknown
	// LastPaymentWhenDisabled is the newest payment id when Dedipass went off.
	LastPaymentWhenDisabled int64
}

// ModuleChange says what SetModule did.
type ModuleChange struct {
	State   ModuleState
	Changed bool // false when the module already was in the asked state
	// DedipassTurnedOff: turning Fund off also turned Dedipass off.
	DedipassTurnedOff bool
}

// StateOf reads the module switches from the settings: the one place of the rule
// "Dedipass counts as on only if Fund is on too".
func StateOf(set map[string]string) ModuleState {
	st := ModuleState{Fund: set[KeyModuleFund] != "0"}
	st.Dedipass = set[KeyModuleDedipass] != "0" && st.Fund
	if !st.Dedipass {
		st.DedipassDisabledAt, _ = strconv.ParseInt(set[KeyDedipassDisabledAt], 10, 64)
		st.LastPaymentWhenDisabled, _ = strconv.ParseInt(set[KeyDedipassDisabledAfter], 10, 64)
	}
	return st
}

// Modules reads the module switches.
func Modules(ctx context.Context, store *db.Store) (ModuleState, error) {
	set, err := store.Settings(ctx)
	if err != nil {
		return ModuleState{}, err
	}
	return StateOf(set), nil
}

// SetModule switches a module on or off (SPEC §4). Dedipass credits wallets, so it
// cannot be on while Fund is off: enabling it then is refused with ErrFundRequired,
// and turning Fund off turns Dedipass off as well. The time Dedipass went off is kept,
// so the admin can be warned about payments that keep arriving (the callback goes on
// crediting them: a paid code is never lost).
func SetModule(ctx context.Context, store *db.Store, actor Actor, name string, on bool) (ModuleChange, error) {
	if name != ModuleFund && name != ModuleDedipass {
		return ModuleChange{}, ErrUnknownModule
	}
	var ch ModuleChange
	err := store.Tx(ctx, func(tx *db.Tx) error {
		set, err := tx.Settings(ctx)
		if err != nil {
			return err
		}
		cur := StateOf(set)
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
		kv := map[string]string{KeyModuleFund: flag(next.Fund), KeyModuleDedipass: flag(next.Dedipass),
			KeyDedipassDisabledAt: "", KeyDedipassDisabledAfter: ""}
		if next.DedipassDisabledAt > 0 {
			kv[KeyDedipassDisabledAt] = strconv.FormatInt(next.DedipassDisabledAt, 10)
			kv[KeyDedipassDisabledAfter] = strconv.FormatInt(next.LastPaymentWhenDisabled, 10)
		}
		if err := tx.SetSettings(ctx, kv); err != nil {
			return err
		}
		action, details := "module.disable", ""
		if on {
			action = "module.enable"
		}
		if ch.DedipassTurnedOff {
			details = "dedipass disabled too (it needs fund)"
		}
		return tx.Audit(ctx, actor.ID, action, "module:"+name, details, actor.IP)
	})
	return ch, err
}

// PaymentsWhileDisabled counts the payments recorded since Dedipass was switched off
// (0 when it is on), and says since when. The callback recorded and credited them
// anyway (no paid code is lost); the admin should know.
func PaymentsWhileDisabled(ctx context.Context, store *db.Store, st ModuleState) (n, since int64, err error) {
	if st.Dedipass || st.DedipassDisabledAt == 0 {
		return 0, 0, nil
	}
	n, err = store.PaymentsAfterID(ctx, st.LastPaymentWhenDisabled)
	return n, st.DedipassDisabledAt, err
}

func flag(on bool) string {
	if on {
		return "1"
	}
	return "0"
}
