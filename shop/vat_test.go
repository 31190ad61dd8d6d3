package shop

import (
	"errors"
	"testing"

	"recharge/settings"
)

func TestParseVATForm(t *testing.T) {
	ok := map[string]int64{"": 0, "0": 0, "20": 2000, "20 %": 2000, "5,5": 550, "5.5": 550, "2,10": 210, "100": 10000, " 19.6 ": 1960}
	for in, want := range ok {
		v, err := ParseVATForm(VATForm{Rate: in, Mention: "  TVA non applicable,\n art. 293 B du CGI "})
		if err != nil || v.Rate != want {
			t.Errorf("rate %q: %d %v, want %d", in, v.Rate, err, want)
		}
		if v.Mention != "TVA non applicable, art. 293 B du CGI" {
			t.Errorf("mention %q", v.Mention)
		}
		if back := VATFormOf(v).Rate; in != "" && back != map[int64]string{0: "0", 2000: "20", 550: "5.5", 210: "2.1", 10000: "100", 1960: "19.6"}[want] {
			t.Errorf("form of %d: %q", want, back)
		}
	}
	for _, in := range []string{"-1", "100.01", "5.555", "abc", "1e3", "20%%"} {
		if _, err := ParseVATForm(VATForm{Rate: in}); !errors.Is(err, ErrVATRateInvalid) {
			t.Errorf("rate %q: %v", in, err)
		}
	}
	long := make([]rune, MaxVATMentionLen+1)
	for i := range long {
		long[i] = 'é'
	}
	if _, err := ParseVATForm(VATForm{Mention: string(long)}); !errors.Is(err, ErrVATMentionTooLong) {
		t.Errorf("long mention: %v", err)
	}
	if v, _ := ParseVATForm(VATForm{Rate: "20"}); v != (settings.VAT{Rate: 2000}) {
		t.Errorf("%+v", v)
	}
}
