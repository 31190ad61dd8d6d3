package backoffice

import (
	"context"
	"strconv"

	"github.com/jmoiron/sqlx"

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

func readModules(ctx context.Context, tx *sqlx.Tx) (ModuleState, error) {
	var st ModuleState
	fund, err := db.SettingTx(ctx, tx, KeyModuleFund, "1")
	if err != nil {
		return st, err
	}
	dp, err := db.SettingTx(ctx, tx, KeyModuleDedipass, "1")
	if err != nil {
		return st, err
	}
	at, err := db.SettingTx(ctx, tx, KeyDedipassDisabledAt, "")
	if err != nil {
		return st, err
	}
	after, err := db.SettingTx(ctx, tx, KeyDedipassDisabledAfter, "")
	if err != nil {
		return st, err
	}
	return StateOf(map[string]string{KeyModuleFund: fund, KeyModuleDedipass: dp,
		KeyDedipassDisabledAt: at, KeyDedipassDisabledAfter: after}), nil
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
	err := store.Tx(ctx, func(tx *sqlx.Tx) error {
		cur, err := readModules(ctx, tx)
		if err != nil {
			return err
		}
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
			if next.LastPaymentWhenDisabled, err = db.LastPaymentIDTx(ctx, tx); err != nil {
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
		kv := [][2]string{{KeyModuleFund, flag(next.Fund)}, {KeyModuleDedipass, flag(next.Dedipass)},
			{KeyDedipassDisabledAt, ""}, {KeyDedipassDisabledAfter, ""}}
		if next.DedipassDisabledAt > 0 {
			kv[2][1] = strconv.FormatInt(next.DedipassDisabledAt, 10)
			kv[3][1] = strconv.FormatInt(next.LastPaymentWhenDisabled, 10)
		}
		for _, p := range kv {
			if err := db.PutSettingTx(ctx, tx, p[0], p[1]); err != nil {
				return err
			}
		}
		action, details := "module.disable", ""
		if on {
			action = "module.enable"
		}
		if ch.DedipassTurnedOff {
			details = "dedipass disabled too (it needs fund)"
		}
		return store.Audit(ctx, tx, actor.ID, action, "module:"+name, details, actor.IP)
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
