package i18n

import "testing"

func TestCatalogsHaveTheSameKeys(t *testing.T) {
	fr, en := map[string]bool{}, map[string]bool{}
	for _, k := range Keys("fr") {
		fr[k] = true
	}
	for _, k := range Keys("en") {
		en[k] = true
	}
	for k := range fr {
		if !en[k] {
			t.Errorf("key %q missing in en", k)
		}
	}
	for k := range en {
		if !fr[k] {
			t.Errorf("key %q missing in fr", k)
		}
	}
	if len(fr) == 0 {
		t.Fatal("empty catalogs")
	}
}

func TestFromAcceptLanguage(t *testing.T) {
	cases := map[string]string{
		"":                          "",
		"en-US,en;q=0.9":            "en",
		"de-DE,fr;q=0.5,en;q=0.8":   "en",
		"fr-CH, fr;q=0.9, en;q=0.8": "fr",
		"de":                        "",
		";;;,q=,":                   "",
	}
	for in, want := range cases {
		if got := FromAcceptLanguage(in); got != want {
			t.Errorf("FromAcceptLanguage(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTFallsBack(t *testing.T) {
	if got := T("xx", "no.such.key"); got != "no.such.key" {
		t.Fatalf("got %q", got)
	}
}
