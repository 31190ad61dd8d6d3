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

// Errors of the VAT settings form.
var (
	// ErrVATRateInvalid: the rate is not a percentage from 0 to 100 with at most two decimals.
	ErrVATRateInvalid = errors.New("VAT rate is not a percentage from 0 to 100")
	// ErrVATMentionTooLong: the mention is longer than MaxVATMentionLen characters.
	ErrVATMentionTooLong = errors.New("VAT mention too long")
)

// MaxVATMentionLen bounds the VAT mention, in characters.
const MaxVATMentionLen = 200

// VATForm is the VAT settings form as typed: the rate as a percentage ("20", "5,5").
type VATForm struct {
	Rate    string
	Mention string
}

// VATFormOf fills the form from the stored settings.
func VATFormOf(v settings.VAT) VATForm {
	rate := money.Cents(v.Rate).Decimal() // basis points are hundredths of a percent: "5.50"
	rate = strings.TrimRight(strings.TrimRight(rate, "0"), ".")
	return VATForm{Rate: rate, Mention: v.Mention}
}

// ParseVATForm validates the form: a percentage read exactly (two decimals at most,
// so "5,5" is 550 basis points), from 0 to 100; an empty rate is 0. The mention is
// trimmed, one line.
func ParseVATForm(in VATForm) (settings.VAT, error) {
	var v settings.VAT
	if r := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(in.Rate), "%")); r != "" {
		bp, err := money.Parse(r)
		if err != nil || bp < 0 || bp > settings.MaxVATRate {
			return v, ErrVATRateInvalid
		}
		v.Rate = int64(bp)
	}
	v.Mention = strings.Join(strings.Fields(in.Mention), " ")
	if !utf8.ValidString(v.Mention) || utf8.RuneCountInString(v.Mention) > MaxVATMentionLen {
		return v, ErrVATMentionTooLong
	}
	return v, nil
}

// SaveVATSettings stores the VAT settings and writes the audit entry, together.
// Invoices already issued keep the rate and mention they were issued with.
func (s *Shop) SaveVATSettings(ctx context.Context, actor db.Actor, v settings.VAT) error {
	details := fmt.Sprintf("vat_rate=%d vat_mention=%q", v.Rate, v.Mention)
	return s.Store.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.SetSettings(ctx, v.Values()); err != nil {
			return err
		}
		return tx.Audit(ctx, actor, "settings.vat", "settings:vat", details)
	})
}
