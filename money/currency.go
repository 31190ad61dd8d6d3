package money

import (
	_ "embed"
	"strings"
)

//go:embed iso4217.txt
var iso4217 string

// currencies is the set of iso4217.txt.
var currencies = func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(iso4217, "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, code := range strings.Fields(line) {
			m[code] = true
		}
	}
	return m
}()

// IsCurrency reports whether code is an active ISO 4217 currency code (upper case,
// as stored): "EUR" is, "XYZ", "eur" and "XAU" (gold) are not.
func IsCurrency(code string) bool { return currencies[code] }
