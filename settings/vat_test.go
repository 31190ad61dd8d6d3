package settings

import "testing"

func TestVATParse(t *testing.T) {
	in := VAT{Rate: 2000, Mention: "TVA non applicable, art. 293 B du CGI"}
	s, err := Parse(in.Values())
	if err != nil || s.Fund.VAT != in {
		t.Fatalf("round trip: %+v %v", s.Fund.VAT, err)
	}
	for _, bad := range []string{"", "x", "-1", "10001", "20.5"} {
		s, _ := Parse(map[string]string{KeyVATRate: bad})
		if s.Fund.VAT.Rate != 0 {
			t.Errorf("stored rate %q parsed as %d, want 0", bad, s.Fund.VAT.Rate)
		}
	}
	if s, _ := Parse(map[string]string{KeyVATRate: "10000"}); s.Fund.VAT.Rate != 10000 {
		t.Errorf("100 %% parsed as %d", s.Fund.VAT.Rate)
	}
	// The Fund form's values never carry VAT: saving it cannot reset the rate.
	if _, ok := (Fund{VAT: in}).Values()[KeyVATRate]; ok {
		t.Error("Fund.Values writes the VAT rate")
	}
}
