package i18n

import "testing"

func TestPluralRules(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int64
		one  bool
	}{
		{"fr", 0, true}, {"fr", 1, true}, {"fr", 2, false}, {"fr", 10, false}, {"fr", -1, false},
		{"en", 0, false}, {"en", 1, true}, {"en", 2, false}, {"en", 11, false}, {"en", 21, false},
		{"de", 1, true}, {"de", 0, false},
	} {
		if got := pluralOne(c.lang, c.n); got != c.one {
			t.Errorf("pluralOne(%s, %d) = %v, want %v", c.lang, c.n, got, c.one)
		}
	}
}

func TestPluralTranslates(t *testing.T) {
	cases := []struct {
		lang string
		n    int64
		want string
	}{
		{"fr", 0, "12,00 € crédités · 0 paiement"},
		{"fr", 1, "12,00 € crédités · 1 paiement"},
		{"fr", 2, "12,00 € crédités · 2 paiements"},
		{"en", 0, "12,00 € credited · 0 payments"},
		{"en", 1, "12,00 € credited · 1 payment"},
		{"en", 3, "12,00 € credited · 3 payments"},
	}
	for _, c := range cases {
		got := Plural(c.lang, c.n, "admin.stat_credits_one", "admin.stat_credits_other", "12,00 €", c.n)
		if got != c.want {
			t.Errorf("Plural(%s, %d) = %q, want %q", c.lang, c.n, got, c.want)
		}
	}
}
