package accounts

import (
	"errors"
	"strings"
	"testing"
)

func TestCleanBilling(t *testing.T) {
	name, addr, err := CleanBilling("  Société   Éloïse  SARL ", " 3 rue de l'Été \r\n\r\n  75001   Paris \n")
	if err != nil || name != "Société Éloïse SARL" || addr != "3 rue de l'Été\n75001 Paris" {
		t.Fatalf("%q %q %v", name, addr, err)
	}
	if _, _, err := CleanBilling(strings.Repeat("é", MaxBillingNameLen), ""); err != nil {
		t.Fatalf("name at the limit: %v", err)
	}
	if _, _, err := CleanBilling(strings.Repeat("é", MaxBillingNameLen+1), ""); !errors.Is(err, ErrBillingNameTooLong) {
		t.Fatalf("long name: %v", err)
	}
	if _, _, err := CleanBilling("", strings.Repeat("a", MaxBillingAddressLen+1)); !errors.Is(err, ErrBillingAddressTooLong) {
		t.Fatalf("long address: %v", err)
	}
	if _, _, err := CleanBilling("", strings.Repeat("a\n", MaxBillingAddressLines+1)); !errors.Is(err, ErrBillingAddressTooLong) {
		t.Fatalf("too many lines: %v", err)
	}
	if _, _, err := CleanBilling("\xff", ""); !errors.Is(err, ErrBillingNameTooLong) {
		t.Fatalf("invalid UTF-8: %v", err)
	}
}
