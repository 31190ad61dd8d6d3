package settings

import (
	"strconv"
	"strings"
)

// VAT is how invoices show tax (SPEC §7): prices include VAT at Rate; a rate of 0
// prints Mention instead of the HT / TVA / TTC lines.
type VAT struct {
	Rate    int64  // basis points, 0–MaxVATRate (2000 = 20 %)
	Mention string // e.g. "TVA non applicable, art. 293 B du CGI"
}

// MaxVATRate is 100 %, in basis points.
const MaxVATRate = 10_000

// parseVAT reads the VAT settings; a stored rate that is not a number in range is 0
// (no tax line rather than a wrong one).
func parseVAT(kv map[string]string) VAT {
	rate, err := strconv.ParseInt(strings.TrimSpace(kv[KeyVATRate]), 10, 64)
	if err != nil || rate < 0 || rate > MaxVATRate {
		rate = 0
	}
	return VAT{Rate: rate, Mention: kv[KeyVATMention]}
}

// Values encodes the VAT settings for saving.
func (v VAT) Values() map[string]string {
	return map[string]string{KeyVATRate: strconv.FormatInt(v.Rate, 10), KeyVATMention: v.Mention}
}
