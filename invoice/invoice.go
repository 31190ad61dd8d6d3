// Package invoice owns what an invoice says beyond its rows: the one printed form of
// its number (F-000042, on pages, lists, PDFs and mails alike), the split of a
// tax-included total into HT / TVA in integer cents, how a VAT rate is written, and the
// PDF document. The rows themselves (numbering without gaps, the copies taken at
// issue) live in package db; the rules of issuing one in package shop.
package invoice

import (
	"math/bits"
	"strconv"
	"strings"
)

// NumberPrefix starts every printed invoice number.
const NumberPrefix = "F-"

// Number is the printed invoice number: "F-" and at least six digits (F-000042,
// F-1234567). The one place the format is decided.
func Number(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n >= 0 && len(s) < 6 {
		s = strings.Repeat("0", 6-len(s)) + s
	}
	return NumberPrefix + s
}

// FileName is the PDF's download name: facture-F-000042.pdf.
func FileName(n int64) string { return "facture-" + Number(n) + ".pdf" }

// MaxRate is the largest VAT rate, in basis points (100 %).
const MaxRate = 10_000

// Split divides a tax-included total (TTC, cents) at a VAT rate in basis points
// (2000 = 20 %) into the amount before tax (HT) and the tax (TVA), in whole cents:
//
//	TVA = round(TTC × rate / (10000 + rate)), halves rounded away from zero
//	HT  = TTC − TVA
//
// so HT + TVA = TTC exactly, whatever the rounding. A rate of 0 (or below) is no tax;
// a rate above MaxRate is treated as MaxRate. The product is computed on 128 bits,
// so no total overflows.
func Split(ttc, rate int64) (ht, tva int64) {
	if rate <= 0 || ttc == 0 {
		return ttc, 0
	}
	if rate > MaxRate {
		rate = MaxRate
	}
	neg := ttc < 0
	abs := uint64(ttc)
	if neg {
		abs = uint64(-(ttc + 1)) + 1 // also right for math.MinInt64
	}
	d := uint64(MaxRate + rate)
	hi, lo := bits.Mul64(abs, uint64(rate))
	q, r := bits.Div64(hi, lo, d) // hi < d always: abs×rate < 2^64×d
	if 2*r >= d {
		q++
	}
	tax := int64(q) // q ≤ abs/2: fits
	if neg {
		tax = -tax
	}
	return ttc - tax, tax
}

// Rate writes a rate in basis points as a percentage without trailing zeros, with
// the language's decimal separator: 2000 → "20 %", 550 → "5,5 %" (fr) or "5.5 %".
func Rate(lang string, bp int64) string {
	sign := ""
	if bp < 0 {
		sign, bp = "-", -bp
	}
	s := strconv.FormatInt(bp/100, 10)
	if frac := bp % 100; frac != 0 {
		f := strings.TrimRight(strconv.FormatInt(100+frac, 10)[1:], "0")
		sep := "."
		if lang == "fr" || strings.HasPrefix(lang, "fr-") {
			sep = ","
		}
		s += sep + f
	}
	return sign + s + "\u00a0%"
}
