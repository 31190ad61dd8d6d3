// Package backoffice owns the rules of the admin actions that change something:
// switching modules on and off (SPEC §4) and changing a role (wallet adjustments are
// package wallet's). Each action runs in one write transaction together with its
// audit-log entry, so no change can happen without its trace. It also reads what the
// admin pages need to show safely, such as a raw provider answer without its keys.
package backoffice

import (
	"errors"

	"recharge/db"
)

// Backoffice holds what the admin rules need.
type Backoffice struct {
	Store *db.Store
}

// New returns the admin rules on store.
func New(store *db.Store) *Backoffice { return &Backoffice{Store: store} }

// Errors with a user-facing meaning; handlers map them to a status and a sentence.
var (
	ErrUnknownModule = errors.New("unknown module")
	ErrFundRequired  = errors.New("dedipass needs the fund module")
	ErrInvalidRole   = errors.New("invalid role")
	ErrSelfDemotion  = errors.New("an admin cannot remove their own admin role")
	ErrLastAdmin     = errors.New("the last admin cannot be demoted")
	// ErrNotAdmin: the acting user lost the admin role since their request began.
	ErrNotAdmin = errors.New("the acting user is no longer an admin")
)
