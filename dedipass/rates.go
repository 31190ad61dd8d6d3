package dedipass

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"recharge/money"
)

// Offer is one way to pay listed by the rates API: a solution (SMS,
// Audiotel, Neosurf, …) in a country at a price, and what to send, call or
// open.
type Offer struct {
	CountryID   int
	CountryISO  string // as Dedipass sends it: lower-case ("fr"), or AllCountries
	CountryName string // "France"
	Solution    string // "SMS", "Audiotel", "Neosurf", "Paysafecard", …
	Rate        string // Dedipass's rate id, opaque (e.g. "xx-FR-SMS-250"): never parsed
	// UserPrice is the price as Dedipass sent it, e.g. "2.50" or "2.5".
	UserPrice string
	// UserPriceCents is UserPrice in cents of UserCurrency, rounded half away
	// from zero when Dedipass gives more than two decimals; 0 when UserPrice
	// is missing or not a decimal (show UserPrice instead).
	UserPriceCents money.Cents
	UserCurrency   string // "EUR", "CHF", …
	// UserEarns is the virtual-currency units the customer receives; 0 when
	// missing or not a decimal.
	UserEarns money.Micros
	Keyword   string // SMS: word to send
	Shortcode string // SMS: number to send it to
	Phone     string // Audiotel and other call solutions
	Link      string // web solutions (Neosurf, Paysafecard, …)
	Mention   string // legal text, HTML as sent by Dedipass
}

// Rates returns the offers of the service identified by publicKey, from
// GET <BaseURL>/v1/pay/rates?key=PUBLIC. A successful answer is reused for
// RatesTTL per public key; failures are not cached, so the next call tries
// again. Errors wrap ErrUnavailable (including an answer such as
// {"status":"error","message":"Invalid key"}, whose message is quoted), or
// are ErrNotConfigured for an empty key. Offers keep Dedipass's order.
func (c *Client) Rates(ctx context.Context, publicKey string) ([]Offer, error) {
	if publicKey == "" {
		return nil, ErrNotConfigured
	}
	ttl := c.RatesTTL
	if ttl == 0 {
		ttl = DefaultRatesTTL
	}
	if ttl > 0 {
		c.mu.Lock()
		e, ok := c.rates[publicKey]
		c.mu.Unlock()
		if ok && c.clock().Sub(e.fetched) < ttl {
			return slices.Clone(e.offers), nil
		}
	}

	body, err := c.get(ctx, "/v1/pay/rates", url.Values{"key": {publicKey}})
	if err != nil {
		return nil, fmt.Errorf("rates: %w", err)
	}
	offers, err := decodeOffers(body)
	if err != nil {
		return nil, fmt.Errorf("rates: %w", err)
	}

	if ttl > 0 {
		now := c.clock()
		c.mu.Lock()
		if c.rates == nil {
			c.rates = map[string]ratesEntry{}
		}
		for k, e := range c.rates { // keep the map small when keys change
			if now.Sub(e.fetched) >= ttl {
				delete(c.rates, k)
			}
		}
		c.rates[publicKey] = ratesEntry{offers: offers, fetched: now}
		c.mu.Unlock()
	}
	return slices.Clone(offers), nil
}

// CachedOffer finds, among the offers cached for publicKey, the one whose rate is
// exactly rate, without any network call. Rates are opaque: this is the only way to
// know a payment's country and solution.
func (c *Client) CachedOffer(publicKey, rate string) (Offer, bool) {
	if rate == "" {
		return Offer{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, o := range c.rates[publicKey].offers {
		if o.Rate == rate {
			return o, true
		}
	}
	return Offer{}, false
}

// ForgetRates drops cached offers, e.g. after the admin changed keys.
func (c *Client) ForgetRates() {
	c.mu.Lock()
	c.rates = map[string]ratesEntry{}
	c.mu.Unlock()
}

func decodeOffers(body []byte) ([]Offer, error) {
	trimmed := bytes.TrimSpace(body)
	if fields, ok := object(trimmed); ok {
		if msg := str(fields, "message"); msg != "" {
			return nil, fmt.Errorf("%w: dedipass said %s", ErrUnavailable, strconv.Quote(shorten(msg)))
		}
		return nil, fmt.Errorf("%w: object instead of a list of offers", ErrUnavailable)
	}
	var items []json.RawMessage
	if len(trimmed) == 0 || trimmed[0] != '[' || json.Unmarshal(trimmed, &items) != nil {
		return nil, fmt.Errorf("%w: answer is not a JSON list", ErrUnavailable)
	}
	offers := make([]Offer, 0, len(items))
	for _, item := range items {
		fields, ok := object(item)
		if !ok {
			continue // not an offer; ignore rather than lose the others
		}
		offers = append(offers, decodeOffer(fields))
	}
	return offers, nil
}

func decodeOffer(f map[string]json.RawMessage) Offer {
	o := Offer{
		Solution:     str(f, "solution"),
		Rate:         str(f, "rate"),
		UserPrice:    str(f, "user_price"),
		UserCurrency: str(f, "user_currency"),
		Keyword:      str(f, "keyword"),
		Shortcode:    str(f, "shortcode"),
		Phone:        str(f, "phone"),
		Link:         str(f, "link"),
		Mention:      str(f, "mention"),
	}
	if country, ok := object(f["country"]); ok {
		o.CountryID, _ = strconv.Atoi(str(country, "id"))
		o.CountryISO = str(country, "iso")
		o.CountryName = str(country, "name")
	}
	if c, err := money.Parse(o.UserPrice); err == nil {
		o.UserPriceCents = c
	} else if m, err := money.ParseMicros(o.UserPrice); err == nil {
		o.UserPriceCents = m.Cents()
	}
	if m, _, err := micros(f, "user_earns"); err == nil {
		o.UserEarns = m
	}
	return o
}

// AllCountries is Dedipass's pseudo-country of offers valid everywhere.
const AllCountries = "all"

// Country is one country that has offers.
type Country struct {
	ISO  string // lower-case
	Name string
}

// Countries lists the countries of offers (not AllCountries), by name.
func Countries(offers []Offer) []Country {
	seen := map[string]bool{}
	var out []Country
	for _, o := range offers {
		iso := strings.ToLower(o.CountryISO)
		if iso == "" || iso == AllCountries || seen[iso] {
			continue
		}
		seen[iso] = true
		out = append(out, Country{ISO: iso, Name: o.CountryName})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// OffersFor keeps the offers a customer in country can use: that country's and the
// AllCountries ones. ISO codes compare without regard to case.
func OffersFor(offers []Offer, country string) []Offer {
	var out []Offer
	for _, o := range offers {
		if strings.EqualFold(o.CountryISO, country) || strings.EqualFold(o.CountryISO, AllCountries) {
			out = append(out, o)
		}
	}
	return out
}
