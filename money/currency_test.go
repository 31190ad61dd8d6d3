package money

import "testing"

func TestIsCurrency(t *testing.T) {
	for _, c := range []string{"EUR", "USD", "GBP", "CHF", "CAD", "XOF", "XPF", "MAD", "JPY"} {
		if !IsCurrency(c) {
			t.Errorf("%s refused", c)
		}
	}
	for _, c := range []string{"XYZ", "eur", "EU", "EURO", "", "XAU", "XTS", "XXX", "FRF", "HRK", " EUR"} {
		if IsCurrency(c) {
			t.Errorf("%q accepted", c)
		}
	}
	if len(currencies) < 150 || len(currencies) > 170 {
		t.Errorf("%d codes: the list looks wrong", len(currencies))
	}
}
