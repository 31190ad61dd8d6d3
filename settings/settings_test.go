package settings

import (
	"errors"
	"maps"
	"testing"
)

func TestParseDefaults(t *testing.T) {
	s, err := Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Settings{
		Dedipass: Dedipass{UnitCents: DefaultUnitCents, MaxCreditCents: DefaultMaxCredit},
		Modules:  Modules{Fund: true, Dedipass: true},
		Fund:     Fund{TransferMin: DefaultTransferMin, TransferMax: DefaultTransferMax, Currency: DefaultCurrency, ShopName: DefaultShopName},
		Site:     Site{Name: DefaultSiteName, Timezone: DefaultTimezone, Location: s.Site.Location},
	}
	if s.Site.Location == nil || s.Site.Location.String() != "Europe/Paris" {
		t.Fatalf("default zone %v", s.Site.Location)
	}
	if s != want {
		t.Fatalf("fresh install:\n got %+v\nwant %+v", s, want)
	}
}

func TestDedipassNeedsFund(t *testing.T) {
	s, _ := Parse(map[string]string{KeyModuleFund: "0", KeyModuleDedipass: "1", KeyDedipassDisabledAt: "1700000000", KeyDedipassDisabledAfter: "42"})
	if s.Modules.Fund || s.Modules.Dedipass || s.Modules.DedipassDisabledAt != 1700000000 || s.Modules.LastPaymentWhenDisabled != 42 {
		t.Fatalf("fund off: %+v", s.Modules)
	}
	s, _ = Parse(map[string]string{KeyDedipassDisabledAt: "1700000000"})
	if !s.Modules.Dedipass || s.Modules.DedipassDisabledAt != 0 {
		t.Fatalf("a stale disabled-at is ignored while on: %+v", s.Modules)
	}
}

func TestCorruptedAmountKeepsDefault(t *testing.T) {
	s, err := Parse(map[string]string{KeyTransferMin: "12abc", KeyTransferMax: "-1", KeyDedipassUnitCents: "x", KeyCurrency: "USD"})
	if !errors.Is(err, ErrCorrupted) {
		t.Fatalf("error %v", err)
	}
	if s.Fund.TransferMin != DefaultTransferMin || s.Fund.TransferMax != DefaultTransferMax || s.Dedipass.UnitCents != DefaultUnitCents || s.Fund.Currency != "USD" {
		t.Fatalf("parsed %+v", s)
	}
}

// What each part encodes is what Parse reads back.
func TestValuesRoundTrip(t *testing.T) {
	in := Settings{
		Dedipass: Dedipass{PublicKey: "pub", PrivateKey: "priv", UnitCents: 150, CreditTestCodes: true, Sandbox: true, MaxCreditCents: 2500},
		Modules:  Modules{Fund: true, Dedipass: false, DedipassDisabledAt: 1700000000, LastPaymentWhenDisabled: 7},
		Fund:     Fund{TransfersEnabled: true, TransferMin: 1, TransferMax: 0, Currency: "CHF", ShopName: "Hébergeur", ShopAddress: "1 rue\nParis"},
		Site:     Site{RequireAdmin2FA: true, Name: "Hébergeur SAS", SupportContact: "https://help.example.com", Timezone: "America/Montreal"},
	}
	kv := map[string]string{}
	maps.Copy(kv, in.Dedipass.Values())
	maps.Copy(kv, in.Modules.Values())
	maps.Copy(kv, in.Fund.Values())
	maps.Copy(kv, in.Site.Values())
	out, err := Parse(kv)
	if out.Site.Location == nil || out.Site.Location.String() != "America/Montreal" {
		t.Fatalf("zone %v", out.Site.Location)
	}
	in.Site.Location = out.Site.Location
	if err != nil || out != in {
		t.Fatalf("round trip:\n got %+v %v\nwant %+v", out, err, in)
	}
	// An empty private key is not written: the stored one stays.
	if _, ok := (Dedipass{PublicKey: "p"}).Values()[KeyDedipassPrivate]; ok {
		t.Fatal("empty private key would overwrite the stored one")
	}
}

func TestSiteDefaultsAndLinks(t *testing.T) {
	s, _ := Parse(map[string]string{KeySiteName: "  ", KeyTimezone: "Mars/Olympus", KeyModuleFund: "0"})
	if s.Site.Name != DefaultSiteName || s.Site.Timezone != DefaultTimezone || s.Site.Loc().String() != DefaultTimezone {
		t.Fatalf("defaults: %+v", s.Site)
	}
	if !s.Fund.Off {
		t.Fatal("Fund module off must reach the Fund part")
	}
	for contact, href := range map[string]string{"": "", "help@host.fr": "mailto:help@host.fr", "https://host.fr/help": "https://host.fr/help"} {
		if got := (Site{SupportContact: contact}).SupportHref(); got != href {
			t.Errorf("%q → %q, want %q", contact, got, href)
		}
	}
	if (Site{}).Loc() == nil {
		t.Fatal("zero Site has no zone")
	}
}

// The invoices' seller follows the site's name until the host names a seller.
func TestSellerFollowsSiteName(t *testing.T) {
	for _, c := range []struct {
		kv   map[string]string
		want string
	}{
		{map[string]string{}, "Recharge"},
		{map[string]string{KeySiteName: "Hébergeur Éclair"}, "Hébergeur Éclair"},
		{map[string]string{KeySiteName: "Hébergeur Éclair", KeyShopName: "Recharge"}, "Hébergeur Éclair"},
		{map[string]string{KeySiteName: "Hébergeur Éclair", KeyShopName: "Éclair SAS"}, "Éclair SAS"},
	} {
		s, err := Parse(c.kv)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Fund.Seller(); got != c.want {
			t.Errorf("%v: seller %q, want %q", c.kv, got, c.want)
		}
	}
}
