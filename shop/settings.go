package shop

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"recharge/db"
	"recharge/money"
)

// Settings keys (table settings).
const (
	KeyTransfersEnabled = "transfers_enabled"  // "1" / "0"
	KeyTransferMin      = "transfer_min_cents" // integer cents
	KeyTransferMax      = "transfer_max_cents" // integer cents, 0 = no maximum
	KeyCurrency         = "currency"           // ISO 4217 code
	KeyShopName         = "shop_name"          // seller name printed on invoices
	KeyShopAddress      = "shop_address"       // seller address printed on invoices
)

// Defaults of a fresh install. Transfers start disabled: moving money between accounts
// is something a host opts into.
const (
	DefaultCurrency    = "EUR"
	DefaultShopName    = "Recharge"
	DefaultTransferMin = money.Cents(100)   // 1.00
	DefaultTransferMax = money.Cents(10000) // 100.00
)

// Errors of the Fund settings form.
var (
	ErrMinInvalid       = errors.New("minimum transfer is not a valid amount")
	ErrMaxInvalid       = errors.New("maximum transfer is not a valid amount")
	ErrMinAboveMax      = errors.New("minimum transfer above the maximum")
	ErrCurrencyInvalid  = errors.New("currency is not a three-letter code")
	ErrShopNameInvalid  = errors.New("shop name empty or too long")
	ErrShopAddrTooLong  = errors.New("shop address too long")
	errSettingCorrupted = errors.New("stored setting is not a number")
)

// FundSettings govern the wallet: transfers, their limits and the shop currency, plus
// the seller identity printed on invoices.
type FundSettings struct {
	TransfersEnabled bool
	TransferMin      money.Cents // at least 0.01
	TransferMax      money.Cents // 0 = no maximum
	Currency         string
	ShopName         string
	ShopAddress      string
}

// FundSettings reads the settings, with defaults for what was never saved.
func (s *Shop) FundSettings(ctx context.Context) (FundSettings, error) {
	all, err := s.Store.Settings(ctx)
	if err != nil {
		return FundSettings{}, err
	}
	f := FundSettings{
		TransfersEnabled: all[KeyTransfersEnabled] == "1",
		TransferMin:      DefaultTransferMin,
		TransferMax:      DefaultTransferMax,
		Currency:         DefaultCurrency,
		ShopName:         DefaultShopName,
		ShopAddress:      all[KeyShopAddress],
	}
	if v, ok := all[KeyTransferMin]; ok {
		if f.TransferMin, err = centsSetting(v); err != nil {
			return f, fmt.Errorf("%s: %w", KeyTransferMin, err)
		}
	}
	if v, ok := all[KeyTransferMax]; ok {
		if f.TransferMax, err = centsSetting(v); err != nil {
			return f, fmt.Errorf("%s: %w", KeyTransferMax, err)
		}
	}
	if v := all[KeyCurrency]; v != "" {
		f.Currency = v
	}
	if v := strings.TrimSpace(all[KeyShopName]); v != "" {
		f.ShopName = v
	}
	return f, nil
}

func centsSetting(v string) (money.Cents, error) {
	var n int64
	if _, err := fmt.Sscan(v, &n); err != nil || n < 0 {
		return 0, errSettingCorrupted
	}
	return money.Cents(n), nil
}

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
func ParseFundForm(in FundForm) (FundSettings, error) {
	f := FundSettings{TransfersEnabled: in.TransfersEnabled}
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
		cur = DefaultCurrency
	}
	if len(cur) != 3 || strings.Trim(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return f, ErrCurrencyInvalid
	}
	f.Currency = cur
	f.ShopName = strings.TrimSpace(in.ShopName)
	if f.ShopName == "" {
		f.ShopName = DefaultShopName
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

// SaveFundSettings stores the settings and writes the audit entry.
func (s *Shop) SaveFundSettings(ctx context.Context, actorID int64, f FundSettings, ip string) error {
	enabled := "0"
	if f.TransfersEnabled {
		enabled = "1"
	}
	kv := map[string]string{
		KeyTransfersEnabled: enabled,
		KeyTransferMin:      fmt.Sprint(int64(f.TransferMin)),
		KeyTransferMax:      fmt.Sprint(int64(f.TransferMax)),
		KeyCurrency:         f.Currency,
		KeyShopName:         f.ShopName,
		KeyShopAddress:      f.ShopAddress,
	}
	details := fmt.Sprintf("transfers_enabled=%s transfer_min=%s transfer_max=%s currency=%s shop_name=%q",
		enabled, f.TransferMin.Decimal(), f.TransferMax.Decimal(), f.Currency, f.ShopName)
	return s.Store.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.SetSettings(ctx, kv); err != nil {
			return err
		}
		return tx.Audit(ctx, actorID, "settings.fund", "settings:fund", details, ip)
	})
}

// seller is the seller block printed on invoices.
func (f FundSettings) seller() string {
	if f.ShopAddress == "" {
		return f.ShopName
	}
	return f.ShopName + "\n" + f.ShopAddress
}
