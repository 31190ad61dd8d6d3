package shop

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"recharge/db"
	"recharge/money"
	"recharge/settings"
)

// Errors of the Fund settings form.
var (
	ErrMinInvalid      = errors.New("minimum transfer is not a valid amount")
	ErrMaxInvalid      = errors.New("maximum transfer is not a valid amount")
	ErrMinAboveMax     = errors.New("minimum transfer above the maximum")
	ErrCurrencyInvalid = errors.New("currency is not an ISO 4217 code")
	// ErrCurrencyLocked: money exists (a balance or a ledger entry); a new currency
	// would relabel it.
	ErrCurrencyLocked  = errors.New("currency cannot change once money exists")
	ErrShopNameInvalid = errors.New("shop name empty or too long")
	ErrShopAddrTooLong = errors.New("shop address too long")
)

// FundForm is the Fund settings form as typed.
type FundForm struct {
	TransfersEnabled bool
	TransferMin      string
	TransferMax      string // empty = no maximum
	Currency         string
	ShopName         string
	ShopAddress      string
}

// ParseFundForm validates the form into settings.
func ParseFundForm(in FundForm) (settings.Fund, error) {
	f := settings.Fund{TransfersEnabled: in.TransfersEnabled}
	min, err := money.Parse(in.TransferMin)
	if err != nil || min <= 0 {
		return f, ErrMinInvalid
	}
	f.TransferMin = min
	if strings.TrimSpace(in.TransferMax) != "" {
		max, err := money.Parse(in.TransferMax)
		if err != nil || max < 0 {
			return f, ErrMaxInvalid
		}
		f.TransferMax = max
	}
	if f.TransferMax != 0 && f.TransferMin > f.TransferMax {
		return f, ErrMinAboveMax
	}
	cur := strings.ToUpper(strings.TrimSpace(in.Currency))
	if cur == "" {
		cur = settings.DefaultCurrency
	}
	if !money.IsCurrency(cur) {
		return f, ErrCurrencyInvalid
	}
	f.Currency = cur
	f.ShopName = strings.TrimSpace(in.ShopName)
	if f.ShopName == "" {
		f.ShopName = settings.DefaultShopName
	}
	if !utf8.ValidString(f.ShopName) || utf8.RuneCountInString(f.ShopName) > 120 {
		return f, ErrShopNameInvalid
	}
	f.ShopAddress = strings.TrimSpace(strings.ReplaceAll(in.ShopAddress, "\r\n", "\n"))
	if !utf8.ValidString(f.ShopAddress) || utf8.RuneCountInString(f.ShopAddress) > 500 {
		return f, ErrShopAddrTooLong
	}
	return f, nil
}

// SaveFundSettings stores the settings and writes the audit entry, together. The entry
// holds every value saved, the seller's address included: it is printed on invoices. A
// new currency is refused with ErrCurrencyLocked while any wallet holds money or any
// ledger entry exists, checked in the transaction of the save (SPEC §6).
func (s *Shop) SaveFundSettings(ctx context.Context, actor db.Actor, f settings.Fund) error {
	kv := f.Values()
	details := fmt.Sprintf("transfers_enabled=%s transfer_min=%s transfer_max=%s currency=%s shop_name=%q shop_address=%q",
		kv[settings.KeyTransfersEnabled], f.TransferMin.Decimal(), f.TransferMax.Decimal(), f.Currency, f.ShopName, f.ShopAddress)
	return s.Store.Tx(ctx, func(tx *db.Tx) error {
		cur, err := tx.Setting(ctx, settings.KeyCurrency, settings.DefaultCurrency)
		if err != nil {
			return err
		}
		if cur == "" {
			cur = settings.DefaultCurrency
		}
		if cur != f.Currency {
			used, err := tx.MoneyExists(ctx)
			if err != nil {
				return err
			}
			if used {
				return ErrCurrencyLocked
			}
		}
		if err := tx.SetSettings(ctx, kv); err != nil {
			return err
		}
		return tx.Audit(ctx, actor, "settings.fund", "settings:fund", details)
	})
}
