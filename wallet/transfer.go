package wallet

import (
	"context"
	"errors"
	"strconv"

	"recharge/accounts"
	"recharge/db"
	"recharge/money"
	"recharge/settings"
)

// TransfersPerHour is how many transfers one customer may send in any hour. Counted
// in the database (ledger entries), so it holds across restarts and instances.
const TransfersPerHour = 10

// TransferResult is what Transfer did.
type TransferResult struct {
	Amount       money.Cents
	To           string // recipient email
	BalanceAfter int64  // sender's balance after the transfer
	Replayed     bool   // same form token as before: nothing moved this time
}

// Transfer moves money from one customer's wallet to another's, in one transaction:
// the sender's ledger gets a transfer_out entry and the recipient's a transfer_in entry
// (references user:<other id>), or neither. Checked: transfers enabled, amount valid and
// within the Fund settings' limits, recipient exists and is not the sender, at most
// TransfersPerHour per sender, never below zero (ErrInsufficientFunds).
func (w *Wallet) Transfer(ctx context.Context, set settings.Fund, fromID int64, toEmail, amount, token string) (*TransferResult, error) {
	if !set.TransfersEnabled {
		return nil, ErrTransfersDisabled
	}
	cents, err := money.Parse(amount)
	if err != nil || cents <= 0 {
		return nil, ErrAmountInvalid
	}
	if cents < set.TransferMin {
		return nil, ErrAmountTooSmall
	}
	if set.TransferMax > 0 && cents > set.TransferMax {
		return nil, ErrAmountTooLarge
	}
	email, err := accounts.NormalizeEmail(toEmail)
	if err != nil {
		return nil, ErrRecipientInvalid
	}
	from, err := w.Store.UserByID(ctx, fromID)
	if err != nil {
		return nil, err
	}
	to, err := w.Store.UserByEmail(ctx, email)
	if errors.Is(err, db.ErrNotFound) {
		return nil, ErrUnknownRecipient
	}
	if err != nil {
		return nil, err
	}
	if to.ID == from.ID {
		return nil, ErrTransferToSelf
	}
	out := TransferResult{Amount: cents, To: to.Email}
	err = w.Store.Tx(ctx, func(tx *db.Tx) error {
		replay, _, err := tx.ClaimFormToken(ctx, token, fromID)
		if err != nil {
			return err
		}
		if replay {
			out.Replayed = true
			return nil
		}
		if err := tx.LockUser(ctx, fromID); err != nil { // one transfer of this sender at a time, on every instance
			return err
		}
		n, err := tx.CountLedgerSince(ctx, fromID, db.KindTransferOut, db.Now()-3600)
		if err != nil {
			return err
		}
		if n >= TransfersPerHour {
			return ErrTooManyTransfers
		}
		debit := db.LedgerEntry{UserID: from.ID, AmountCents: -int64(cents), Kind: db.KindTransferOut,
			Reference: "user:" + strconv.FormatInt(to.ID, 10), Note: to.Email, ActorID: &from.ID}
		if err := tx.ApplyLedger(ctx, &debit); errors.Is(err, db.ErrInsufficientFunds) {
			return ErrTransferNotCovered
		} else if err != nil {
			return err
		}
		credit := db.LedgerEntry{UserID: to.ID, AmountCents: int64(cents), Kind: db.KindTransferIn,
			Reference: "user:" + strconv.FormatInt(from.ID, 10), Note: from.Email, ActorID: &from.ID}
		if err := tx.ApplyLedger(ctx, &credit); err != nil {
			return err
		}
		out.BalanceAfter = debit.BalanceAfterCents
		if token != "" {
			return tx.SetFormTokenResult(ctx, token, "ledger:"+strconv.FormatInt(debit.ID, 10))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
