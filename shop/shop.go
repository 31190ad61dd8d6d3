// Package shop owns the rules of spending the wallet: the product catalogue, buying a
// product (one transaction: stock, wallet debit, invoice, service), monthly renewals and
// expiry, admin status changes of services, transfers between customers, and the Fund
// settings that govern them. Every rule that needs more than one query lives here and
// runs in one db.Store.Tx; handlers parse input, call one function and render the
// result. SQL stays in package db; balances only move through ApplyLedger (a db.Tx
// method) inside that transaction.
package shop

import (
	"errors"
	"strconv"
	"strings"

	"recharge/db"
	"recharge/mail"
	"recharge/notify"
)

// Errors with a user-facing meaning; handlers map them to a status and a sentence.
var (
	// ErrInsufficientFunds: the wallet does not cover the price. Nothing changed.
	ErrInsufficientFunds = db.ErrInsufficientFunds
	// ErrOutOfStock: a stock-limited product has none left.
	ErrOutOfStock = db.ErrOutOfStock
	// ErrNotForSale: the product exists but is deactivated.
	ErrNotForSale = errors.New("product not for sale")
	// ErrTokenUsed: the one-shot form token belongs to someone else.
	ErrTokenUsed = db.ErrFormTokenUsed

	ErrNameRequired       = errors.New("name required")
	ErrNameTooLong        = errors.New("name too long")
	ErrDescriptionTooLong = errors.New("description too long")
	ErrPriceInvalid       = errors.New("price is not a valid amount")
	ErrPriceNegative      = errors.New("price is negative")
	ErrPeriodInvalid      = errors.New("unknown billing period")
	ErrStockInvalid       = errors.New("stock is not a whole number ≥ 0")

	// ErrFundOff: the Fund module is off; nothing spends the wallet (SPEC §6).
	ErrFundOff = errors.New("the wallet is turned off")
	// ErrRenewalStopped: the customer stopped the renewal; the service ends at its date.
	ErrRenewalStopped = errors.New("renewal stopped by the customer")
	// ErrProductRetired: the service's product is no longer sold, so it is not renewed.
	ErrProductRetired = errors.New("product no longer sold")
	// ErrNotCancellable: only an active monthly service has a renewal to stop.
	ErrNotCancellable = errors.New("service has no renewal to stop")

	ErrNotRenewable    = errors.New("service cannot be renewed")
	ErrRenewTooEarly   = errors.New("service already paid far enough ahead")
	ErrStatusInvalid   = errors.New("unknown service status")
	ErrStatusForbidden = errors.New("status change not allowed")
)

// Shop holds what the rules need. Time comes from db.Now (tests may replace it), so
// the rules and the timestamps written by package db agree.
type Shop struct {
	Store *db.Store
	// Mail queues the customer's mails (purchase, renewals); nothing without SMTP.
	Mail *mail.Mailer
	// Notify queues the purchase.created and service.expired webhooks (nil: none).
	Notify *notify.Hooks
}

// New returns a Shop on store.
func New(store *db.Store) *Shop { return &Shop{Store: store} }

func (s *Shop) now() int64 { return db.Now() }

// Result of a one-shot action, as stored in form_tokens.result.
func invoiceRef(id int64) string { return "invoice:" + strconv.FormatInt(id, 10) }

// refID reads the number out of "invoice:12" (0 when absent).
func refID(ref string) int64 {
	_, v, ok := strings.Cut(ref, ":")
	if !ok {
		return 0
	}
	n, _ := strconv.ParseInt(v, 10, 64)
	return n
}
