// Package backoffice owns the rules of the admin actions that change something:
// switching modules on and off (SPEC §4), adjusting a customer's wallet (SPEC §6) and
// changing a role. Each action runs in one write transaction together with its
// audit-log entry, so no change can happen without its trace. It also reads what the
// admin pages need to show safely, such as a raw provider answer without its keys.
package backoffice

import "errors"

// Actor is the admin doing something, as written to the audit log.
type Actor struct {
	ID int64
	IP string
}

// Errors with a user-facing meaning; handlers map them to a status and a sentence.
var (
	ErrUnknownModule  = errors.New("unknown module")
	ErrFundRequired   = errors.New("dedipass needs the fund module")
	ErrAmountInvalid  = errors.New("invalid amount")
	ErrAmountZero     = errors.New("amount is zero")
	ErrReasonRequired = errors.New("reason required")
	ErrReasonTooLong  = errors.New("reason too long")
	ErrInvalidRole    = errors.New("invalid role")
	ErrSelfDemotion   = errors.New("an admin cannot remove their own admin role")
	// ErrInsufficientFunds: the adjustment would make the balance negative. Its own
	// value (not db.ErrInsufficientFunds, which a purchase reports), so the admin is
	// told this and the customer the other.
	ErrInsufficientFunds = errors.New("adjustment would make the balance negative")
)
