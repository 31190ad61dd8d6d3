package i18n

// Plural translates the key that fits the count n in lang, by the CLDR plural rules of
// the languages we ship: in French 0 and 1 take the singular ("0 paiement", "1 paiement",
// "2 paiements"), in English only 1 does ("0 payments", "1 payment"). A language without
// a rule here uses the English one. Both keys are written in full by the caller
// ("admin.stat_credits_one", "admin.stat_credits_other"), so the key test finds them;
// args are formatted into the message as with T (n is not added: pass it if the message
// shows it).
func Plural(lang string, n int64, one, other string, args ...any) string {
	if pluralOne(lang, n) {
		return T(lang, one, args...)
	}
	return T(lang, other, args...)
}

// pluralOne reports whether n takes the "one" form in lang (integers only: we count
// things, never show fractional counts).
func pluralOne(lang string, n int64) bool {
	switch lang {
	case "fr": // CLDR: i = 0,1
		return n == 0 || n == 1
	default: // en: i = 1 and no visible fraction digits
		return n == 1
	}
}
