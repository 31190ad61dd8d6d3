package backoffice

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

// AdjustWallet adds amountText (a decimal such as "5", "-2.50" or "-2,50") to a
// customer's wallet with a required reason (SPEC §6). The ledger entry (kind
// adjustment, with the admin as actor and the reason as note) and the audit entry are
// written in one transaction; a change that would make the balance negative is
// refused with ErrInsufficientFunds and nothing is written.
func AdjustWallet(ctx context.Context, store *db.Store, actor Actor, userID int64, amountText, reason string) (*db.LedgerEntry, error) {
	amount, err := money.Parse(amountText)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrAmountInvalid, err)
	}
	if amount == 0 {
		return nil, ErrAmountZero
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, ErrReasonRequired
	}
	if !utf8.ValidString(reason) || utf8.RuneCountInString(reason) > MaxReasonLen {
		return nil, ErrReasonTooLong
	}
	e := &db.LedgerEntry{UserID: userID, AmountCents: int64(amount), Kind: db.KindAdjustment,
		Reference: "admin:" + strconv.FormatInt(actor.ID, 10), Note: reason}
	if actor.ID > 0 {
		id := actor.ID
		e.ActorID = &id
	}
	err = store.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.ApplyLedger(ctx, e); err != nil {
			return err
		}
		details := fmt.Sprintf("amount=%s balance_after=%s reason=%s", amount.Decimal(),
			money.Cents(e.BalanceAfterCents).Decimal(), strconv.Quote(reason))
		return tx.Audit(ctx, actor.ID, "wallet.adjust", userTarget(userID), details, actor.IP)
	})
	if err != nil {
		if errors.Is(err, db.ErrInsufficientFunds) {
			return nil, ErrInsufficientFunds
		}
		return nil, err
	}
	return e, nil
}

func userTarget(id int64) string { return "user:" + strconv.FormatInt(id, 10) }
