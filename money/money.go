// Package money owns how Recharge represents, reads and shows amounts of money:
// Cents, a whole number of the shop currency's hundredths used for every wallet
// balance, price and ledger entry, and Micros, a fixed-point decimal with six
// fraction digits used for the numbers Dedipass sends (merchant payout in EUR,
// virtual-currency units). Both are parsed exactly from text with integer
// arithmetic only; no value ever passes through float64, so "2.10" is always
// 210 cents and never 209.99999.
package money

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Cents is an amount of money in hundredths of the shop currency (EUR: 1250 =
// 12,50 €). All money arithmetic in Recharge is done on Cents.
type Cents int64

// Micros is a signed fixed-point decimal with six fraction digits
// (2_100_000 = 2.1). It carries provider numbers that may have more than two
// decimals, before they are turned into Cents.
type Micros int64

var (
	// ErrInvalidAmount is wrapped by every error of Parse and ParseMicros.
	ErrInvalidAmount = errors.New("invalid amount")
	// ErrOverflow is wrapped when a value or a result falls outside the
	// representable range (also wrapped together with ErrInvalidAmount by the
	// parsers).
	ErrOverflow = errors.New("amount out of range")
	// ErrNegative is returned by Micros.Times for a negative operand.
	ErrNegative = errors.New("negative amount")
)

// MaxUnits is the largest absolute amount Parse accepts, in whole currency
// units. Far above any real wallet, far below int64 overflow, so sums of a
// few thousand such amounts still fit in Cents.
const MaxUnits = 1_000_000_000_000

const (
	microsPerUnit = 1_000_000
	microsPerCent = 10_000
)

// Parse reads an amount typed by a person, such as a price in an admin form
// or a wallet adjustment:
//
//	"2.50", "2,50", "2.5", "3", "-1.25", "+4", "0", " 12.00 " (spaces trimmed)
//	"1 000,50", "1 234 567.89" (thousands grouped by spaces)
//
// The decimal separator is '.' or ','; at most one, followed by one or two
// digits ("1." is refused). A missing integer part is accepted: ".5" and ",5"
// mean 0.50, as people type them. One optional leading sign, directly before
// a digit. The integer part may be grouped by thousands with a space, a
// no-break space (U+00A0) or a narrow no-break space (U+202F), the French
// forms (what a French page, Format included, shows): one separator between
// groups of exactly three digits, the first group one to three digits. Any
// other grouping is refused rather than guessed: "1.000,50" and "1,234.50"
// (is the '.' a decimal point?), "12 34", "1  234", "1_000", "1'000". Also
// refused: empty text, any other character (exponents like "1e3", "NaN",
// "Inf", "--1", "1.2.3"), more than two fraction digits ("1,234" is
// therefore refused rather than read as 1234), and anything above MaxUnits in
// absolute value. Errors wrap ErrInvalidAmount.
func Parse(s string) (Cents, error) {
	s = strings.TrimSpace(s)
	plain, ok := ungroup(s)
	if !ok {
		return 0, fmt.Errorf("%w %s: badly grouped digits", ErrInvalidAmount, quote(s))
	}
	v, err := parseFixed(plain, 2, true, MaxUnits*100)
	return Cents(v), err
}

// isGroupSep reports whether r separates thousands in Parse's input.
func isGroupSep(r rune) bool { return r == ' ' || r == '\u00a0' || r == '\u202f' }

// ungroup removes the thousands separators of s when they are well placed
// (see Parse); ok is false when a separator is misplaced. Text without any
// separator comes back unchanged, for parseFixed to judge.
func ungroup(s string) (string, bool) {
	if !strings.ContainsFunc(s, isGroupSep) {
		return s, true
	}
	sign := ""
	if s != "" && (s[0] == '+' || s[0] == '-') {
		sign, s = s[:1], s[1:]
	}
	intPart, rest := s, ""
	if i := strings.IndexAny(s, ".,"); i >= 0 {
		intPart, rest = s[:i], s[i:]
	}
	if strings.ContainsFunc(rest, isGroupSep) {
		return "", false // separators belong to the integer part only
	}
	groups := strings.FieldsFunc(intPart, isGroupSep)
	digits := strings.Join(groups, "")
	if len(groups) < 2 || utf8.RuneCountInString(intPart) != utf8.RuneCountInString(digits)+len(groups)-1 {
		return "", false // leading, trailing or doubled separator
	}
	for i, g := range groups {
		if (i == 0 && (len(g) < 1 || len(g) > 3)) || (i > 0 && len(g) != 3) {
			return "", false
		}
		for j := 0; j < len(g); j++ {
			if g[j] < '0' || g[j] > '9' {
				return "", false
			}
		}
	}
	return sign + digits + rest, true
}

// ParseMicros reads a decimal number sent by a provider, as JSON-number text
// or inside a JSON string: "2.10", "2.1", "3", "0", "-1.5", "0.123456",
// "+4", ".5" (surrounding spaces trimmed). The only decimal separator is '.':
// a ',' is refused because "1,234" is ambiguous. Exponent forms ("1e2",
// "2.1E-3") are refused rather than expanded: Dedipass does not send them
// and guessing a value we were not given is worse than reporting it. More
// than six fraction digits, garbage, empty text and values outside the int64
// range of Micros are refused. Errors wrap ErrInvalidAmount.
func ParseMicros(s string) (Micros, error) {
	v, err := parseFixed(strings.TrimSpace(s), 6, false, math.MaxInt64)
	return Micros(v), err
}

// parseFixed parses an optionally signed decimal into an integer scaled by
// 10^scale, refusing absolute values above maxScaled.
func parseFixed(s string, scale int, commaOK bool, maxScaled uint64) (int64, error) {
	orig := s
	fail := func(reason string) (int64, error) {
		return 0, fmt.Errorf("%w %s: %s", ErrInvalidAmount, quote(orig), reason)
	}
	if s == "" {
		return fail("empty")
	}
	neg := false
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		s = s[1:]
	}
	sep := -1
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= '0' && ch <= '9':
		case (ch == '.' || (commaOK && ch == ',')) && sep < 0:
			sep = i
		default:
			return fail("not a number")
		}
	}
	intPart, fracPart := s, ""
	if sep >= 0 {
		intPart, fracPart = s[:sep], s[sep+1:]
		if fracPart == "" {
			return fail("no digit after the decimal separator")
		}
	}
	if intPart == "" && fracPart == "" {
		return fail("no digit")
	}
	if len(fracPart) > scale {
		return fail(fmt.Sprintf("at most %d decimals", scale))
	}
	pow := uint64(1)
	for range scale {
		pow *= 10
	}
	maxUnits := maxScaled / pow
	var units uint64
	for i := 0; i < len(intPart); i++ {
		units = units*10 + uint64(intPart[i]-'0')
		if units > maxUnits {
			return 0, fmt.Errorf("%w %s: %w", ErrInvalidAmount, quote(orig), ErrOverflow)
		}
	}
	var frac uint64
	for i := range scale {
		frac *= 10
		if i < len(fracPart) {
			frac += uint64(fracPart[i] - '0')
		}
	}
	total := units*pow + frac // units <= maxScaled/pow, so no wrap-around
	if total > maxScaled || total > math.MaxInt64 {
		return 0, fmt.Errorf("%w %s: %w", ErrInvalidAmount, quote(orig), ErrOverflow)
	}
	if neg {
		return -int64(total), nil
	}
	return int64(total), nil
}

// quote keeps error messages short whatever was typed.
func quote(s string) string {
	const max = 40
	if len(s) > max {
		return strconv.Quote(s[:max]) + "…"
	}
	return strconv.Quote(s)
}

// abs returns |v| as uint64; correct for math.MinInt64 too.
func abs(v int64) (u uint64, neg bool) {
	if v < 0 {
		return -uint64(v), true
	}
	return uint64(v), false
}

// Decimal renders c with a '.' and exactly two decimals, a '-' when
// negative and no grouping: "12.50", "-0.05", "0.00". It is the form used in
// form values and CSV files, and Parse reads it back to the same value.
func (c Cents) Decimal() string {
	u, neg := abs(int64(c))
	s := strconv.FormatUint(u/100, 10) + "." + twoDigits(u%100)
	if neg {
		return "-" + s
	}
	return s
}

func twoDigits(v uint64) string {
	return string([]byte{byte('0' + v/10), byte('0' + v%10)})
}

// Separators are plain spaces, as SPEC §6 writes the French form ("12,50 €"): text
// copied from a page, or matched by a test, is what people type. (Typography would
// prefer no-break spaces; amounts in tables are kept on one line by CSS instead.)
const (
	curSep       = " " // between amount and currency
	thousandsSep = " " // French thousands separator
)

// Format renders c for people reading lang:
//
//	fr: "1 234,50 €"  "-12,50 €"  "3,00 CHF"   (plain spaces)
//	en: "€1,234.50"   "-€12.50"   "CHF 3.00"
//
// lang is a language tag; only its primary subtag counts ("fr-BE" is
// French) and any language other than French gets the English form.
// currency is an ISO 4217 code: EUR, USD and GBP show as €, $ and £, other
// codes as themselves; an empty code means EUR, the shop's default.
func (c Cents) Format(lang, currency string) string {
	u, neg := abs(int64(c))
	sign := ""
	if neg {
		sign = "-"
	}
	cur := strings.ToUpper(strings.TrimSpace(currency))
	if cur == "" {
		cur = "EUR"
	}
	sym, isSymbol := cur, false
	switch cur {
	case "EUR":
		sym, isSymbol = "€", true
	case "USD":
		sym, isSymbol = "$", true
	case "GBP":
		sym, isSymbol = "£", true
	}
	units, hundredths := u/100, twoDigits(u%100)
	if primaryLang(lang) == "fr" {
		return sign + group(units, thousandsSep) + "," + hundredths + curSep + sym
	}
	if !isSymbol {
		sym += curSep
	}
	return sign + sym + group(units, ",") + "." + hundredths
}

func primaryLang(tag string) string {
	tag = strings.TrimSpace(tag)
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return strings.ToLower(tag)
}

// group writes v in base 10 with sep between groups of three digits.
func group(v uint64, sep string) string {
	digits := strconv.FormatUint(v, 10)
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	first := len(digits) % 3
	if first == 0 {
		first = 3
	}
	b.WriteString(digits[:first])
	for i := first; i < len(digits); i += 3 {
		b.WriteString(sep)
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// Cents rounds m to the nearest cent, halves away from zero (0.005 → 0.01,
// -0.005 → -0.01), with integer arithmetic only.
func (m Micros) Cents() Cents {
	q, r := int64(m)/microsPerCent, int64(m)%microsPerCent // r has the sign of m
	switch {
	case r >= microsPerCent/2:
		q++
	case r <= -microsPerCent/2:
		q--
	}
	return Cents(q)
}

// Times returns floor(m × unit), the wallet credit for m units of virtual
// currency worth unit cents each (2.5 units × 100 cents = 250 cents; a
// fraction of a cent is never credited). Both operands must be ≥ 0
// (ErrNegative otherwise); a result beyond the range of Cents returns
// ErrOverflow. The product is computed on 128 bits, so it is exact.
func (m Micros) Times(unit Cents) (Cents, error) {
	if m < 0 || unit < 0 {
		return 0, fmt.Errorf("%w: %s × %d", ErrNegative, m, int64(unit))
	}
	hi, lo := bits.Mul64(uint64(m), uint64(unit))
	if hi >= microsPerUnit { // quotient would not fit in 64 bits
		return 0, fmt.Errorf("%w: %s × %d", ErrOverflow, m, int64(unit))
	}
	q, _ := bits.Div64(hi, lo, microsPerUnit)
	if q > math.MaxInt64 {
		return 0, fmt.Errorf("%w: %s × %d", ErrOverflow, m, int64(unit))
	}
	return Cents(q), nil
}

// String renders m as the shortest exact decimal: "2.1", "3", "0.123456",
// "-1.5", "0". ParseMicros reads it back to the same value.
func (m Micros) String() string {
	u, neg := abs(int64(m))
	s := strconv.FormatUint(u/microsPerUnit, 10)
	if f := u % microsPerUnit; f != 0 {
		frac := strconv.FormatUint(f+microsPerUnit, 10)[1:] // six digits, zero-padded
		s += "." + strings.TrimRight(frac, "0")
	}
	if neg {
		return "-" + s
	}
	return s
}
