package accounts

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"
)

// Billing details (SPEC §7): the name and address a customer wants on their invoices,
// copied onto each invoice at issue (shop), so a change never rewrites a past one.

var (
	// ErrBillingNameTooLong: the billing name is longer than MaxBillingNameLen.
	ErrBillingNameTooLong = errors.New("billing name too long")
	// ErrBillingAddressTooLong: the address is longer than MaxBillingAddressLen or
	// MaxBillingAddressLines lines.
	ErrBillingAddressTooLong = errors.New("billing address too long")
)

// Limits of the billing details, in characters.
const (
	MaxBillingNameLen      = 120
	MaxBillingAddressLen   = 500
	MaxBillingAddressLines = 8
)

// CleanBilling trims the billing details as stored: one line for the name, the
// address's lines trimmed with blank lines dropped.
func CleanBilling(name, address string) (string, string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxBillingNameLen {
		return "", "", ErrBillingNameTooLong
	}
	var lines []string
	for _, l := range strings.Split(strings.ReplaceAll(address, "\r\n", "\n"), "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			lines = append(lines, l)
		}
	}
	address = strings.Join(lines, "\n")
	if !utf8.ValidString(address) || utf8.RuneCountInString(address) > MaxBillingAddressLen || len(lines) > MaxBillingAddressLines {
		return "", "", ErrBillingAddressTooLong
	}
	return name, address, nil
}

// UpdateBilling saves the customer's own billing name and address.
func (s *Service) UpdateBilling(ctx context.Context, userID int64, name, address string) error {
	name, address, err := CleanBilling(name, address)
	if err != nil {
		return err
	}
	return s.Store.SetUserBilling(ctx, userID, name, address)
}
