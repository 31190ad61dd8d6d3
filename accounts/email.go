package accounts

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NormalizeEmail trims, NFKC-normalises and lower-cases an email and checks its
// shape. NFKC folds compatibility forms (full-width "ａdmin" is "admin"), so two
// addresses that look the same are the same account; invisible and control
// characters are refused outright.
func NormalizeEmail(email string) (string, error) {
	if !utf8.ValidString(email) {
		return "", ErrEmailInvalid
	}
	email = strings.ToLower(norm.NFKC.String(strings.TrimSpace(email)))
	if len(email) > 254 || strings.IndexFunc(email, invisible) >= 0 {
		return "", ErrEmailInvalid
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || !strings.Contains(email[strings.LastIndex(email, "@")+1:], ".") && !strings.HasSuffix(email, "@localhost") {
		return "", ErrEmailInvalid
	}
	return email, nil
}

// invisible reports characters that draw nothing or nothing recognisable: controls,
// format characters (zero-width space and joiners, soft hyphen, bidi marks), spaces,
// variation selectors and the Hangul fillers.
func invisible(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) ||
		unicode.Is(unicode.Variation_Selector, r) || r == 0x115F || r == 0x1160 || r == 0x3164 || r == 0xFFA0
}

// scripts an address's letters are told apart by; Common and Inherited characters
// (digits, punctuation, combining marks) belong to none.
var scripts = []*unicode.RangeTable{
	unicode.Latin, unicode.Cyrillic, unicode.Greek, unicode.Armenian, unicode.Georgian,
	unicode.Hebrew, unicode.Arabic, unicode.Cherokee, unicode.Han, unicode.Hiragana,
	unicode.Katakana, unicode.Hangul, unicode.Thai, unicode.Devanagari,
}

// MixedScripts reports whether a part of an address (the local part or one domain
// label) mixes letters of several scripts, such as a Cyrillic "а" among Latin
// letters: the mark of a look-alike, flagged to the admin in account lists.
func MixedScripts(email string) bool {
	for _, part := range strings.FieldsFunc(email, func(r rune) bool { return r == '@' || r == '.' }) {
		seen := -1
		for _, r := range part {
			for i, tab := range scripts {
				if unicode.Is(tab, r) {
					if seen >= 0 && seen != i {
						return true
					}
					seen = i
				}
			}
		}
	}
	return false
}
