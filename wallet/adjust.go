package wallet

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"recharge/db"
	"recharge/money"
)

// MaxReasonLen is the longest adjustment reason, in characters.
const MaxReasonLen = 500

// MaxCustomerNoteLen is the longest note shown to the customer, in characters.
const MaxCustomerNoteLen = 200

// MaxBalance is the largest balance an adjustment may reach: the largest amount
// money.Parse accepts, far below what int64 cents hold.
const MaxBalance = money.MaxUnits * 100

// Adjust adds amountText (a decimal such as "5", "-2.50" or "-2,50") to a
// customer's wallet with a required reason (SPEC §6). The ledger entry (kind
// adjustment, with the admin as actor, the reason as note and the optional
// customerNote) and the audit entry are written in one transaction; a change that
// would make the balance negative is refused with ErrAdjustmentNegative and nothing is
// written. The reason is internal (admin pages, audit); the customer reads
// customerNote, or a neutral line when it is empty.
func (w *Wallet) Adjust(ctx context.Context, actor db.Actor, userID int64, amountText, reason, customerNote string) (*db.LedgerEntry, error) {
	amount, err := money.Parse(amountText)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrAdjustmentInvalid, err)
	}
	if amount == 0 {
		return nil, ErrAdjustmentZero
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, ErrReasonRequired
	}
	if !utf8.ValidString(reason) || utf8.RuneCountInString(reason) > MaxReasonLen {
		return nil, ErrReasonTooLong
	}
	customerNote = strings.TrimSpace(customerNote)
	if !utf8.ValidString(customerNote) || utf8.RuneCountInString(customerNote) > MaxCustomerNoteLen {
		return nil, ErrCustomerNoteTooLong
	}
	e := &db.LedgerEntry{UserID: userID, AmountCents: int64(amount), Kind: db.KindAdjustment,
		Reference: "admin:" + strconv.FormatInt(actor.UserID, 10), Note: reason, CustomerNote: customerNote}
	if actor.UserID > 0 {
		id := actor.UserID
		e.ActorID = &id
	}
	err = w.Store.Tx(ctx, func(tx *db.Tx) error {
		// Bounds before SQL: a balance past MaxBalance would end in an int64 overflow
		// inside the UPDATE (a 500), so it is refused with a sentence.
		if amount > 0 {
			u, err := tx.UserByID(ctx, userID)
			if err != nil {
				return err
			}
			if int64(amount) > MaxBalance-u.BalanceCents {
				return ErrBalanceTooLarge
			}
		}
		if err := tx.ApplyLedger(ctx, e); err != nil {
			return err
		}
		details := fmt.Sprintf("amount=%s balance_after=%s reason=%s customer_note=%s", amount.Decimal(),
			money.Cents(e.BalanceAfterCents).Decimal(), strconv.Quote(reason), strconv.Quote(customerNote))
		return tx.Audit(ctx, actor, "wallet.adjust", "user:"+strconv.FormatInt(userID, 10), details)
	})
	if err != nil {
		if errors.Is(err, db.ErrInsufficientFunds) {
			return nil, ErrAdjustmentNegative
		}
		return nil, err
	}
	return e, nil
}
