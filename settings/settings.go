// Package settings owns the portal's configuration stored in the settings table: the
// keys (keys.go), one typed Settings value parsed in one place with the defaults of a
// fresh install, and the encoding of each part for saving. A request (or a background
// run) loads it once and hands the parts to the domain packages; nobody else parses a
// setting string.
package settings

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // time zones work on a machine without zoneinfo

	"recharge/money"
)

// Settings is the whole configuration.
type Settings struct {
	Dedipass Dedipass
	Modules  Modules
	Fund     Fund
	Site     Site
}

// ParseNotify reads the notification settings (kept out of Settings: the pages and
// the domain read them only where events are told). A corrupted endpoint list is
// ErrCorrupted and reads as none.
func ParseNotify(kv map[string]string) (Notify, error) {
	n := Notify{Email: strings.TrimSpace(kv[KeyNotifyEmail])}
	n.LastID, _ = strconv.ParseInt(kv[KeyWebhooksLastID], 10, 64)
	if v := kv[KeyWebhooks]; v != "" {
		if err := json.Unmarshal([]byte(v), &n.Webhooks); err != nil {
			return Notify{}, fmt.Errorf("%s: %w", KeyWebhooks, ErrCorrupted)
		}
	}
	return n, nil
}

// Notify is who hears about events: the webhook endpoints and the admin mail address.
type Notify struct {
	Webhooks []Webhook
	// Email receives the admin mails (a new pending payment); empty = every admin.
	Email string
	// LastID is the largest endpoint id ever given: a new endpoint gets a larger one.
	LastID int64
}

// Webhook is one outgoing webhook endpoint. ID names it for good (deliveries are
// keyed by it); Secret signs the bodies and is never shown back.
type Webhook struct {
	ID      int64    `json:"id"`
	URL     string   `json:"url"`
	Events  []string `json:"events"`
	Secret  string   `json:"secret"`
	Created int64    `json:"created"`
}

// Wants reports whether the endpoint subscribed to the event.
func (w Webhook) Wants(event string) bool {
	for _, e := range w.Events {
		if e == event {
			return true
		}
	}
	return false
}

// Webhook returns the endpoint with that id.
func (n Notify) Webhook(id int64) (Webhook, bool) {
	for _, w := range n.Webhooks {
		if w.ID == id {
			return w, true
		}
	}
	return Webhook{}, false
}

// Values encodes the notification settings for saving.
func (n Notify) Values() map[string]string {
	hooks := n.Webhooks
	if hooks == nil {
		hooks = []Webhook{}
	}
	b, _ := json.Marshal(hooks)
	return map[string]string{KeyWebhooks: string(b), KeyNotifyEmail: n.Email, KeyWebhooksLastID: strconv.FormatInt(n.LastID, 10)}
}

// EndpointValues is Values without the admin mail address: what adding or removing an
// endpoint writes (the address has its own form, and is not locked with the list).
func (n Notify) EndpointValues() map[string]string {
	kv := n.Values()
	delete(kv, KeyNotifyEmail)
	return kv
}

// Dedipass is the merchant's Dedipass configuration.
type Dedipass struct {
	PublicKey       string
	PrivateKey      string
	UnitCents       money.Cents // credit per unit of virtual currency
	CreditTestCodes bool
	Sandbox         bool
	// MaxCreditCents: a code worth more is recorded pending for the admin (SPEC §5.4).
	MaxCreditCents money.Cents
	// Widget: the payment page embeds Dedipass's widget (never in sandbox mode).
	Widget bool
	// Announced: some webhook endpoint is configured, so a credit or a pending payment
	// is told (ParseNotify has the endpoints); without one the settlement has nothing
	// to queue and keeps its fastest path.
	Announced bool
}

// Modules says what is on (SPEC §4). Dedipass counts as on only if Fund is on too.
type Modules struct {
	Fund     bool
	Dedipass bool
	// DedipassDisabledAt is when Dedipass went off (0 when on or unknown).
	DedipassDisabledAt int64
	// LastPaymentWhenDisabled is the newest payment id when Dedipass went off.
	LastPaymentWhenDisabled int64
}

// Fund governs the wallet: transfers, their limits and the shop currency, plus the
// seller identity printed on invoices.
type Fund struct {
	// Off: the Fund module is off, so nothing may spend the wallet (SPEC §6). Mirrors
	// Modules.Fund for the domain, which gets this part alone; never saved from here.
	Off              bool
	TransfersEnabled bool
	TransferMin      money.Cents // at least 0.01
	TransferMax      money.Cents // 0 = no maximum
	Currency         string
	ShopName         string
	ShopAddress      string
	// VAT is copied onto each invoice at issue. It is saved by its own form
	// (VAT.Values), never by the Fund form's Values.
	VAT VAT
}

// Site is the portal-wide settings of the site settings page (SPEC §8).
type Site struct {
	// RequireAdmin2FA sends an admin without two-factor to its setup page until it is on.
	RequireAdmin2FA bool
	// Name replaces "Recharge" wherever the product name is shown (header, titles,
	// mails, the authenticator app's issuer).
	Name string
	// SupportContact is an email address or an http(s) URL ("" = none); SupportHref
	// is its link.
	SupportContact string
	// Timezone is the IANA name every date is shown in; Location is it loaded.
	Timezone string
	Location *time.Location
	// LogoVersion is when the logo was uploaded (0 = no logo).
	LogoVersion int64
}

// Defaults of a fresh install. Transfers start disabled: moving money between
// accounts is something a host opts into.
const (
	DefaultUnitCents   = money.Cents(100)
	DefaultMaxCredit   = money.Cents(10000) // 100.00
	DefaultCurrency    = "EUR"
	DefaultShopName    = "Recharge"
	DefaultTransferMin = money.Cents(100)   // 1.00
	DefaultTransferMax = money.Cents(10000) // 100.00
	DefaultSiteName    = "Recharge"
	DefaultTimezone    = "Europe/Paris"
)

// ErrCorrupted: a stored amount is not a number (written by hand in the database).
var ErrCorrupted = errors.New("stored setting is not a number")

// Reader is what Load reads from: the store or a transaction.
type Reader interface {
	Settings(ctx context.Context) (map[string]string, error)
}

// Load reads and parses every setting (one query).
func Load(ctx context.Context, r Reader) (Settings, error) {
	kv, err := r.Settings(ctx)
	if err != nil {
		return Settings{}, err
	}
	return Parse(kv)
}

// Parse turns the stored strings into Settings, with defaults for what was never
// saved. A corrupted amount of the Fund settings is an error (the rest is parsed).
func Parse(kv map[string]string) (Settings, error) {
	var s Settings
	unit, err := strconv.ParseInt(kv[KeyDedipassUnitCents], 10, 64)
	if err != nil || unit < 0 {
		unit = int64(DefaultUnitCents)
	}
	maxCredit, err := strconv.ParseInt(kv[KeyDedipassMaxCredit], 10, 64)
	if err != nil || maxCredit < 1 {
		maxCredit = int64(DefaultMaxCredit)
	}
	notify, _ := ParseNotify(kv) // a corrupted list announces nothing, as it delivers nothing
	s.Dedipass = Dedipass{
		Announced:       len(notify.Webhooks) > 0,
		PublicKey:       kv[KeyDedipassPublic],
		PrivateKey:      kv[KeyDedipassPrivate],
		UnitCents:       money.Cents(unit),
		CreditTestCodes: kv[KeyDedipassCreditTests] == "1",
		Sandbox:         kv[KeyDedipassSandbox] == "1",
		Widget:          kv[KeyDedipassWidget] == "1",
		MaxCreditCents:  money.Cents(maxCredit),
	}

	s.Modules.Fund = kv[KeyModuleFund] != "0"
	s.Modules.Dedipass = kv[KeyModuleDedipass] != "0" && s.Modules.Fund
	if !s.Modules.Dedipass {
		s.Modules.DedipassDisabledAt, _ = strconv.ParseInt(kv[KeyDedipassDisabledAt], 10, 64)
		s.Modules.LastPaymentWhenDisabled, _ = strconv.ParseInt(kv[KeyDedipassDisabledAfter], 10, 64)
	}

	f := Fund{
		Off:              !s.Modules.Fund,
		TransfersEnabled: kv[KeyTransfersEnabled] == "1",
		TransferMin:      DefaultTransferMin,
		TransferMax:      DefaultTransferMax,
		Currency:         DefaultCurrency,
		ShopName:         DefaultShopName,
		ShopAddress:      kv[KeyShopAddress],
	}
	if v := kv[KeyCurrency]; v != "" {
		f.Currency = v
	}
	if v := strings.TrimSpace(kv[KeyShopName]); v != "" {
		f.ShopName = v
	}
	var errs []error
	for key, dst := range map[string]*money.Cents{KeyTransferMin: &f.TransferMin, KeyTransferMax: &f.TransferMax} {
		if v, ok := kv[key]; ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil || n < 0 {
				errs = append(errs, fmt.Errorf("%s: %w", key, ErrCorrupted))
				continue
			}
			*dst = money.Cents(n)
		}
	}
	f.VAT = parseVAT(kv)
	s.Fund = f
	s.Site = Site{RequireAdmin2FA: kv[KeyRequireAdmin2FA] == "1", Name: DefaultSiteName,
		SupportContact: strings.TrimSpace(kv[KeySupportContact]), Timezone: DefaultTimezone}
	if v := strings.TrimSpace(kv[KeySiteName]); v != "" {
		s.Site.Name = v
	}
	if v := strings.TrimSpace(kv[KeyTimezone]); v != "" {
		if _, ok := Zone(v); ok {
			s.Site.Timezone = v
		}
	}
	s.Site.Location = Location(s.Site.Timezone)
	s.Site.LogoVersion, _ = strconv.ParseInt(kv[KeyLogoVersion], 10, 64)
	// The seller on invoices is the site's name until the host names a seller: unset
	// or still the default ("Recharge", which a save of the fund form stores), it
	// follows the brand, so no invoice says "Recharge" under another host's logo.
	if s.Fund.ShopName == DefaultShopName {
		s.Fund.ShopName = s.Site.Name
	}
	return s, errors.Join(errs...)
}

// WidgetPage reports whether the payment page embeds Dedipass's widget: widget mode,
// not in sandbox (the imitation has no widget) and with a public key to show it.
func (d Dedipass) WidgetPage() bool { return d.Widget && !d.Sandbox && d.PublicKey != "" }

// Configured reports whether the keys needed to validate codes are set.
func (d Dedipass) Configured() bool { return d.PublicKey != "" && d.PrivateKey != "" }

// CreditFor is the wallet credit of a code worth vc units of virtual currency:
// vc × unit_cents. The one place the credit is computed, for the offers shown and the
// codes credited alike. The error is an overflow of that product.
func (d Dedipass) CreditFor(vc money.Micros) (money.Cents, error) {
	return vc.Times(d.UnitCents)
}

// Values encodes the Dedipass settings for saving. An empty private key is left out:
// the stored one is kept (it is write-only).
func (d Dedipass) Values() map[string]string {
	kv := map[string]string{
		KeyDedipassPublic:      d.PublicKey,
		KeyDedipassUnitCents:   strconv.FormatInt(int64(d.UnitCents), 10),
		KeyDedipassCreditTests: flag(d.CreditTestCodes),
		KeyDedipassSandbox:     flag(d.Sandbox),
		KeyDedipassWidget:      flag(d.Widget),
	}
	if d.MaxCreditCents > 0 {
		kv[KeyDedipassMaxCredit] = strconv.FormatInt(int64(d.MaxCreditCents), 10)
	}
	if d.PrivateKey != "" {
		kv[KeyDedipassPrivate] = d.PrivateKey
	}
	return kv
}

// Values encodes the module switches for saving.
func (m Modules) Values() map[string]string {
	kv := map[string]string{KeyModuleFund: flag(m.Fund), KeyModuleDedipass: flag(m.Dedipass),
		KeyDedipassDisabledAt: "", KeyDedipassDisabledAfter: ""}
	if m.DedipassDisabledAt > 0 {
		kv[KeyDedipassDisabledAt] = strconv.FormatInt(m.DedipassDisabledAt, 10)
		kv[KeyDedipassDisabledAfter] = strconv.FormatInt(m.LastPaymentWhenDisabled, 10)
	}
	return kv
}

// Values encodes the Fund settings for saving.
func (f Fund) Values() map[string]string {
	return map[string]string{
		KeyTransfersEnabled: flag(f.TransfersEnabled),
		KeyTransferMin:      strconv.FormatInt(int64(f.TransferMin), 10),
		KeyTransferMax:      strconv.FormatInt(int64(f.TransferMax), 10),
		KeyCurrency:         f.Currency,
		KeyShopName:         f.ShopName,
		KeyShopAddress:      f.ShopAddress,
	}
}

// Values encodes the site settings for saving (the logo is saved apart, with its
// version).
func (s Site) Values() map[string]string {
	return map[string]string{KeyRequireAdmin2FA: flag(s.RequireAdmin2FA), KeySiteName: s.Name,
		KeySupportContact: s.SupportContact, KeyTimezone: s.Timezone}
}

// Zone loads an IANA time zone; ok is false when the name is unknown. Names are looked
// up once and remembered, known or not (time.LoadLocation reads the zone database each
// time, and settings are parsed on every request).
func Zone(name string) (loc *time.Location, ok bool) {
	if z, found := zones.Load(name); found {
		return z.(zone).loc, z.(zone).ok
	}
	loc, err := time.LoadLocation(name)
	z := zone{loc, err == nil && name != ""}
	if len(name) <= 64 { // only names that look like zones are kept
		zones.Store(name, z)
	}
	return z.loc, z.ok
}

type zone struct {
	loc *time.Location
	ok  bool
}

var zones sync.Map

// Location is Zone with the fallbacks: DefaultTimezone, then UTC, when name is unknown.
func Location(name string) *time.Location {
	if loc, ok := Zone(name); ok {
		return loc
	}
	if loc, ok := Zone(DefaultTimezone); ok {
		return loc
	}
	return time.UTC
}

// Loc is the zone dates are shown in (the default one for a zero Site).
func (s Site) Loc() *time.Location {
	if s.Location == nil {
		return Location(s.Timezone)
	}
	return s.Location
}

// SupportHref is the link of the support contact: mailto: for an email address, the
// URL itself otherwise ("" when none is set).
func (s Site) SupportHref() string {
	c := s.SupportContact
	switch {
	case c == "":
		return ""
	case strings.HasPrefix(c, "http://") || strings.HasPrefix(c, "https://"):
		return c
	}
	return "mailto:" + c
}

// Seller is the seller block printed on invoices.
func (f Fund) Seller() string {
	if f.ShopAddress == "" {
		return f.ShopName
	}
	return f.ShopName + "\n" + f.ShopAddress
}

func flag(on bool) string {
	if on {
		return "1"
	}
	return "0"
}
