// Package wallet owns the rules that move money between wallets outside a sale:
// transfers between customers (SPEC §6, Fund settings) and an admin's adjustment of a
// customer's balance. Every balance change goes through db's ApplyLedger (the ledger is
// append-only and the balance never goes below zero); purchases and renewals debit the
// wallet from package shop, Dedipass credits from db's settlement engine.
package wallet

import (
	"errors"
	"fmt"

	"recharge/db"
)

// Wallet holds what the rules need.
type Wallet struct {
	Store *db.Store
}

// New returns the wallet rules on store.
func New(store *db.Store) *Wallet { return &Wallet{Store: store} }

// Errors with a user-facing meaning; handlers map them to a status and a sentence.
var (
	// ErrInsufficientFunds: a debit would make the balance negative.
	ErrInsufficientFunds = db.ErrInsufficientFunds
	// ErrTransferNotCovered: the sender's balance does not cover the transfer. It wraps
	// ErrInsufficientFunds, and has its own value so the customer reads about a transfer,
	// not about a purchase.
	ErrTransferNotCovered = fmt.Errorf("%w: the balance does not cover the transfer", db.ErrInsufficientFunds)

	ErrTransfersDisabled = errors.New("transfers are disabled")
	ErrAmountInvalid     = errors.New("amount is not a valid positive amount")
	ErrAmountTooSmall    = errors.New("amount below the minimum transfer")
	ErrAmountTooLarge    = errors.New("amount above the maximum transfer")
	ErrRecipientInvalid  = errors.New("recipient email is not valid")
	ErrUnknownRecipient  = errors.New("no account with this email")
	ErrTransferToSelf    = errors.New("cannot transfer to oneself")
	ErrTooManyTransfers  = errors.New("too many transfers in the last hour")

	ErrAdjustmentInvalid = errors.New("adjustment is not a valid amount")
	ErrAdjustmentZero    = errors.New("adjustment is zero")
	ErrReasonRequired    = errors.New("reason required")
	ErrReasonTooLong     = errors.New("reason too long")
	// ErrCustomerNoteTooLong: the adjustment's note to the customer is too long.
	ErrCustomerNoteTooLong = errors.New("customer note too long")
	// ErrAdjustmentNegative: the adjustment would make the balance negative. Its own
	// value (not ErrInsufficientFunds, which a customer's debit reports), so the admin
	// is told this and the customer the other.
	ErrAdjustmentNegative = errors.New("adjustment would make the balance negative")
	// ErrBalanceTooLarge: the adjustment would take the balance past MaxBalance.
	ErrBalanceTooLarge = errors.New("adjustment would make the balance too large")
)
