// Package sandbox is Recharge's built-in imitation of the Dedipass API
// (SPEC §5.6). Server is an http.Handler answering GET /v1/pay/rates and
// GET /v1/pay/ relative to its own root, exactly as the real API does for the
// portal's client: realistic offers for France, Belgium and Switzerland, key
// checks, and single-use codes issued on demand (IssueCode, IssueTestCode,
// IssueCodeForRate). Tests run it behind httptest.NewServer and switch on
// provider failures (SetFailure); the portal mounts it under a prefix with
// http.StripPrefix for the admin's sandbox mode. Issued codes live in a CodeStore:
// in memory by default, in the portal's database for its sandbox mode (shared by
// instances, kept across restarts). Every method is safe for concurrent use.
package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"recharge/money"
)

// Failure is a provider failure the server imitates. While one is on, no
// code is consumed, so the same code validates once the failure is off.
type Failure int

const (
	None          Failure = iota // answer normally
	HTTP500                      // status 500 with a JSON error body
	BadJSON                      // status 200 with an HTML page
	Timeout                      // no answer for Options.TimeoutSleep (ends early when the client goes away)
	MissingStatus                // status 200 with JSON lacking "status"
)

func (f Failure) String() string {
	switch f {
	case None:
		return "none"
	case HTTP500:
		return "http500"
	case BadJSON:
		return "badjson"
	case Timeout:
		return "timeout"
	case MissingStatus:
		return "missingstatus"
	}
	return fmt.Sprintf("Failure(%d)", int(f))
}

// NumberStyle says how numbers (payout, virtual_currency) are written in
// validation answers; Dedipass is known to send both forms.
type NumberStyle int

const (
	// Alternate switches at every success answer: payout as a number and
	// virtual_currency as a string, then the reverse.
	Alternate NumberStyle = iota
	AsNumbers             // both as JSON numbers
	AsStrings             // both as JSON strings
)

// DefaultRate is the rate of codes from IssueCode. Rates are opaque strings of varied
// shapes at Dedipass ("xx-FR-SMS-250", "AUDIOTEL-300", "neosurf500"): the offers below
// imitate that, so nothing in the portal can get away with parsing them.
const DefaultRate = "xx-FR-SMS-250"

// TestRate is the rate of codes from IssueTestCode, as at Dedipass.
const TestRate = "TEST-MODE"

// TestIdentifier is the identifier of codes from IssueTestCodeByIdentifier, as at Dedipass.
const TestIdentifier = "TEST-CODE"

// MaxCodes bounds the issued codes kept in memory; past it the oldest are forgotten.
const MaxCodes = 10000

// Options configures a Server; the zero value is usable.
type Options struct {
	// PublicKey and PrivateKey are the accepted pair (see SetKeys). When both
	// are empty, any non-empty pair is accepted.
	PublicKey, PrivateKey string
	// TimeoutSleep is how long the Timeout failure stalls (default 30 s,
	// well beyond the client's 5 s). The stall ends as soon as the client
	// disconnects, so tests finish quickly.
	TimeoutSleep time.Duration
	// Numbers chooses number or string JSON for payout and virtual_currency.
	Numbers NumberStyle
	// Codes keeps the issued codes (default: in memory, at most MaxCodes).
	Codes CodeStore
}

// Code is one issued code and what its validation answers.
type Code struct {
	Code            string // upper-case letters and digits
	Rate            string
	VirtualCurrency string
	Payout          string
	Identifier      string
}

// ErrUnknownCode: the store has no such code (or it expired).
var ErrUnknownCode = errors.New("unknown sandbox code")

// CodeStore keeps issued codes. Use consumes a code once: used is true for a code
// consumed before; ErrUnknownCode for a code it does not have.
type CodeStore interface {
	Save(ctx context.Context, c Code) error
	Lookup(ctx context.Context, code string) (Code, error)
	Use(ctx context.Context, code string) (c Code, used bool, err error)
}

// memCodes is the default CodeStore: a map, forgetting the oldest past MaxCodes.
type memCodes struct {
	mu    sync.Mutex
	codes map[string]*issued // by upper-case code
	order []string           // codes in issue order
}

type issued struct {
	Code
	used bool
}

func (m *memCodes) Save(_ context.Context, c Code) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, taken := m.codes[c.Code]; taken {
		return fmt.Errorf("sandbox code %s exists", c.Code)
	}
	for len(m.codes) >= MaxCodes && len(m.order) > 0 {
		delete(m.codes, m.order[0])
		m.order = m.order[1:]
	}
	m.order = append(m.order, c.Code)
	m.codes[c.Code] = &issued{Code: c}
	return nil
}

func (m *memCodes) Lookup(_ context.Context, code string) (Code, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.codes[strings.ToUpper(code)]; ok {
		return c.Code, nil
	}
	return Code{}, ErrUnknownCode
}

func (m *memCodes) Use(_ context.Context, code string) (Code, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.codes[strings.ToUpper(code)]
	if !ok {
		return Code{}, false, ErrUnknownCode
	}
	used := c.used
	c.used = true
	return c.Code, used, nil
}

// Server imitates the Dedipass API. Create it with New.
type Server struct {
	timeoutSleep time.Duration
	numbers      NumberStyle

	mu           sync.Mutex
	pub, priv    string
	codes        CodeStore
	failure      Failure
	ratesFailure Failure
	answers      int // success answers so far, for Alternate

	calls      atomic.Int64
	ratesCalls atomic.Int64
}

// New returns a sandbox server.
func New(opts Options) *Server {
	s := &Server{
		timeoutSleep: opts.TimeoutSleep,
		numbers:      opts.Numbers,
		pub:          opts.PublicKey,
		priv:         opts.PrivateKey,
		codes:        opts.Codes,
	}
	if s.codes == nil {
		s.codes = &memCodes{codes: map[string]*issued{}}
	}
	if s.timeoutSleep <= 0 {
		s.timeoutSleep = 30 * time.Second
	}
	return s
}

// SetKeys replaces the accepted key pair. Wrong keys get
// {"status":"error","message":"Invalid key"}; two empty keys accept any
// non-empty pair.
func (s *Server) SetKeys(publicKey, privateKey string) {
	s.mu.Lock()
	s.pub, s.priv = publicKey, privateKey
	s.mu.Unlock()
}

// SetFailure makes validation requests (GET /v1/pay/) fail in the given way
// until SetFailure(None).
func (s *Server) SetFailure(f Failure) {
	s.mu.Lock()
	s.failure = f
	s.mu.Unlock()
}

// SetRatesFailure does the same for rates requests, independently, so that
// a test can break the offers while codes still validate.
func (s *Server) SetRatesFailure(f Failure) {
	s.mu.Lock()
	s.ratesFailure = f
	s.mu.Unlock()
}

// Calls returns the number of validation requests received, failed ones
// included.
func (s *Server) Calls() int { return int(s.calls.Load()) }

// RatesCalls returns the number of rates requests received.
func (s *Server) RatesCalls() int { return int(s.ratesCalls.Load()) }

// IssueCode returns a fresh code, 8 random upper-case letters and digits,
// that validates once with rate DefaultRate and the given payout and
// virtual_currency. Both are sent as given (as a JSON number when they are
// one, else as a string; an empty value omits the field), so a test can
// make Dedipass answer nonsense such as "-1" or "lots".
func (s *Server) IssueCode(virtualCurrency, payout string) string {
	return s.issue(DefaultRate, virtualCurrency, payout)
}

// IssueTestCode is IssueCode for a test code: its validation answers
// rate "TEST-MODE".
func (s *Server) IssueTestCode(virtualCurrency, payout string) string {
	return s.issue(TestRate, virtualCurrency, payout)
}

// IssueTestCodeByIdentifier is IssueTestCode for the other kind of test code
// seen at Dedipass: an ordinary rate, and identifier "TEST-CODE".
func (s *Server) IssueTestCodeByIdentifier(virtualCurrency, payout string) string {
	return s.issueWith(DefaultRate, TestIdentifier, virtualCurrency, payout)
}

// IssueCodeForRate issues a code as if the customer had paid the offer
// with that rate (see the rates answer): its virtual_currency is the
// offer's user_earns and its payout a plausible merchant share. ok is false
// for an unknown rate.
func (s *Server) IssueCodeForRate(rate string) (code string, ok bool) {
	code, err := s.IssueForOffer(context.Background(), rate)
	return code, err == nil
}

// ErrUnknownOffer: no offer has that rate.
var ErrUnknownOffer = errors.New("no sandbox offer with this rate")

// IssueForOffer is IssueCodeForRate reporting the store's errors: ErrUnknownOffer for
// a rate no offer has.
func (s *Server) IssueForOffer(ctx context.Context, rate string) (string, error) {
	for _, o := range offers {
		if o.Rate == rate {
			return s.issueCtx(ctx, Code{Rate: o.Rate, VirtualCurrency: o.earns, Payout: o.payout})
		}
	}
	return "", ErrUnknownOffer
}

// MarkUsed consumes a code as a validation would (for tests imitating a
// code already spent through Dedipass's own page). It reports whether the
// code existed and was unused.
func (s *Server) MarkUsed(code string) bool {
	_, used, err := s.codes.Use(context.Background(), strings.ToUpper(code))
	return err == nil && !used
}

func (s *Server) issue(rate, virtualCurrency, payout string) string {
	return s.issueWith(rate, "", virtualCurrency, payout)
}

// issueWith issues a code; an empty identifier gets a random one. A store failure
// panics: these helpers are for tests, whose store is in memory (see IssueForOffer).
func (s *Server) issueWith(rate, identifier, virtualCurrency, payout string) string {
	code, err := s.issueCtx(context.Background(), Code{Rate: rate, Identifier: identifier, VirtualCurrency: virtualCurrency, Payout: payout})
	if err != nil {
		panic("sandbox: " + err.Error())
	}
	return code
}

// issueCtx saves c under a fresh random code (8 upper-case letters and digits).
func (s *Server) issueCtx(ctx context.Context, c Code) (string, error) {
	if c.Identifier == "" {
		c.Identifier = "SBX-" + randomText(12)
	}
	var err error
	for try := 0; try < 3; try++ { // 36^8 codes: a collision is rare, three in a row never
		c.Code = randomText(8)
		if err = s.codes.Save(ctx, c); err == nil {
			return c.Code, nil
		}
	}
	return "", err
}

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randomText returns n characters of alphabet from crypto/rand, without
// modulo bias.
func randomText(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic("sandbox: crypto/rand: " + err.Error())
		}
		for _, b := range buf {
			if b < 252 && len(out) < n { // 252 = 7×36
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// BuildCallback returns the form fields Dedipass would POST to the
// merchant's callback URL for code: status, code, rate, payout,
// virtual_currency, custom, identifier and privateKey (the configured
// private key, empty when none is). It does not consume the code (use
// MarkUsed for that). For a code the server never issued, status is
// "error" and rate, payout, virtual_currency and identifier are empty.
func (s *Server) BuildCallback(code, custom string) url.Values {
	s.mu.Lock()
	priv := s.priv
	s.mu.Unlock()
	v := url.Values{
		"status":           {"error"},
		"code":             {code},
		"rate":             {""},
		"payout":           {""},
		"virtual_currency": {""},
		"custom":           {custom},
		"identifier":       {""},
		"privateKey":       {priv},
	}
	if c, err := s.codes.Lookup(context.Background(), strings.ToUpper(code)); err == nil {
		v.Set("status", "success")
		v.Set("code", c.Code)
		v.Set("rate", c.Rate)
		v.Set("payout", c.Payout)
		v.Set("virtual_currency", c.VirtualCurrency)
		v.Set("identifier", c.Identifier)
	}
	return v
}

// ServeHTTP answers GET /v1/pay/rates and GET /v1/pay/ (with or without the
// trailing slash), relative to the handler's root.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(r.URL.Path, "/")
	if path != "/v1/pay/rates" && path != "/v1/pay" {
		writeJSON(w, http.StatusNotFound, errorAnswer("Not found"))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeJSON(w, http.StatusMethodNotAllowed, errorAnswer("Method not allowed"))
		return
	}
	if path == "/v1/pay/rates" {
		s.serveRates(w, r)
		return
	}
	s.serveValidate(w, r)
}

// fail writes the answer of failure f; it reports false for None.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, f Failure) bool {
	switch f {
	case HTTP500:
		writeJSON(w, http.StatusInternalServerError, errorAnswer("Internal server error"))
	case BadJSON:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, "<!DOCTYPE html><html><body><h1>Service temporarily unavailable</h1></body></html>")
	case Timeout:
		t := time.NewTimer(s.timeoutSleep)
		defer t.Stop()
		select {
		case <-r.Context().Done():
			return true // client gone: nothing to write
		case <-t.C:
		}
		writeJSON(w, http.StatusGatewayTimeout, errorAnswer("Timeout"))
	case MissingStatus:
		writeJSON(w, http.StatusOK, map[string]string{"message": "Maintenance in progress"})
	default:
		return false
	}
	return true
}

func errorAnswer(message string) map[string]string {
	return map[string]string{"status": "error", "message": message}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// keysOK reports whether pub/priv match the configured pair (or, with none
// configured, are both non-empty). Caller holds s.mu.
func (s *Server) keysOK(pub, priv string) bool {
	if s.pub == "" && s.priv == "" {
		return pub != "" && priv != ""
	}
	return pub == s.pub && priv == s.priv
}

// serveRates answers the offers list. Dedipass answers a missing or wrong
// key with an error object and HTTP 200 rather than an empty list; the
// sandbox does the same: {"status":"error","message":"Missing key"} or
// "Invalid key". When no key pair is configured any non-empty key works.
func (s *Server) serveRates(w http.ResponseWriter, r *http.Request) {
	s.ratesCalls.Add(1)
	s.mu.Lock()
	f, pub := s.ratesFailure, s.pub
	s.mu.Unlock()
	if s.fail(w, r, f) {
		return
	}
	key := r.URL.Query().Get("key")
	switch {
	case key == "":
		writeJSON(w, http.StatusOK, errorAnswer("Missing key"))
	case pub != "" && key != pub:
		writeJSON(w, http.StatusOK, errorAnswer("Invalid key"))
	default:
		writeJSON(w, http.StatusOK, ratesAnswer())
	}
}

// validation is the JSON answer to a code; nil fields are omitted.
type validation struct {
	Status          string `json:"status"`
	Code            string `json:"code,omitempty"`
	Rate            string `json:"rate,omitempty"`
	Payout          any    `json:"payout,omitempty"`
	VirtualCurrency any    `json:"virtual_currency,omitempty"`
	Identifier      string `json:"identifier,omitempty"`
	Message         string `json:"message"`
}

func (s *Server) serveValidate(w http.ResponseWriter, r *http.Request) {
	s.calls.Add(1)
	s.mu.Lock()
	f := s.failure
	s.mu.Unlock()
	if s.fail(w, r, f) {
		return
	}
	q := r.URL.Query()
	answer, err := s.judge(r.Context(), q.Get("public_key"), q.Get("private_key"), q.Get("code"))
	if err != nil { // the code store failed: as Dedipass would, an error page
		writeJSON(w, http.StatusInternalServerError, errorAnswer("Internal server error"))
		return
	}
	writeJSON(w, http.StatusOK, answer)
}

// judge decides the answer to a validation and consumes the code on
// success.
func (s *Server) judge(ctx context.Context, pub, priv, code string) (any, error) {
	s.mu.Lock()
	keysOK := s.keysOK(pub, priv)
	s.mu.Unlock()
	if !keysOK {
		return errorAnswer("Invalid key"), nil
	}
	c, used, err := s.codes.Use(ctx, strings.ToUpper(code))
	switch {
	case errors.Is(err, ErrUnknownCode):
		return errorAnswer("Invalid code"), nil
	case err != nil:
		return nil, err
	case used:
		return validation{Status: "error", Code: c.Code, Message: "Code already used"}, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	payoutAsNumber, vcAsNumber := true, true
	switch s.numbers {
	case Alternate:
		payoutAsNumber = s.answers%2 == 0
		vcAsNumber = !payoutAsNumber
	case AsStrings:
		payoutAsNumber, vcAsNumber = false, false
	}
	s.answers++
	return validation{
		Status:          "success",
		Code:            c.Code,
		Rate:            c.Rate,
		Payout:          jsonValue(c.Payout, payoutAsNumber),
		VirtualCurrency: jsonValue(c.VirtualCurrency, vcAsNumber),
		Identifier:      c.Identifier,
		Message:         "Valid code",
	}, nil
}

// jsonValue renders text as a JSON number when asked and possible, else as
// a string; nil (field omitted) for empty text.
func jsonValue(text string, asNumber bool) any {
	if text == "" {
		return nil
	}
	if asNumber && isJSONNumber(text) {
		return json.Number(text)
	}
	return text
}

func isJSONNumber(s string) bool {
	if s == "" || !(s[0] == '-' || s[0] >= '0' && s[0] <= '9') {
		return false
	}
	return json.Valid([]byte(s))
}

// offer is one entry of the sandbox's rates, plus what a code bought with it
// is worth (earns, payout).
type offer struct {
	CountryID   any    // number, or a string for one country (Dedipass is not consistent)
	ISO, Name   string // ISO lower-case as Dedipass sends it; "all" = valid everywhere
	Solution    string
	Rate        string
	Price       string
	PriceNumber bool // send user_price as a JSON number
	Currency    string
	earns       string
	EarnsNumber bool
	payout      string
	Keyword     string
	Shortcode   string
	Phone       string
	Link        string
	Mention     string
}

var offers = []offer{
	{CountryID: 1, ISO: "fr", Name: "France", Solution: "SMS", Rate: "xx-FR-SMS-150",
		Price: "1.50", Currency: "EUR", earns: "1", EarnsNumber: true, payout: "0.8120",
		Keyword: "CODE", Shortcode: "81091",
		Mention: "<b>1,50 €</b> par SMS + prix d'un SMS"},
	{CountryID: 1, ISO: "fr", Name: "France", Solution: "SMS", Rate: "xx-FR-SMS-250",
		Price: "2.5", PriceNumber: true, Currency: "EUR", earns: "2", payout: "1.3750",
		Keyword: "RECHARGE", Shortcode: "81019",
		Mention: "<b>2,50 €</b> par SMS + prix d'un SMS"},
	{CountryID: 1, ISO: "fr", Name: "France", Solution: "Audiotel", Rate: "AUDIOTEL-300",
		Price: "3.00", Currency: "EUR", earns: "2.5", EarnsNumber: true, payout: "1.62",
		Phone:   "08 99 19 00 00",
		Mention: "<b>3,00 €</b> par appel + prix d'un appel"},
	{CountryID: 1, ISO: "fr", Name: "France", Solution: "Neosurf", Rate: "neosurf500",
		Price: "5", PriceNumber: true, Currency: "EUR", earns: "5", payout: "3.90",
		Link:    "https://neosurf.example/sandbox?rate=neosurf500",
		Mention: "Paiement de <b>5,00 €</b> par ticket Neosurf"},
	{CountryID: 2, ISO: "be", Name: "Belgique", Solution: "SMS", Rate: "xx-BE-SMS-200",
		Price: "2.00", Currency: "EUR", earns: "1.5", EarnsNumber: true, payout: "0.95",
		Keyword: "CODE", Shortcode: "7575",
		Mention: "<b>2,00 €</b> par SMS envoyé + prix d'un SMS"},
	{CountryID: 2, ISO: "be", Name: "Belgique", Solution: "Audiotel", Rate: "BE-AUDIOTEL-200",
		Price: "2", PriceNumber: true, Currency: "EUR", earns: "1.5", payout: "0.90",
		Phone:   "0905 12 345",
		Mention: "<b>2,00 €</b> par appel"},
	{CountryID: "3", ISO: "ch", Name: "Suisse", Solution: "SMS", Rate: "SMS300CH",
		Price: "3.00", Currency: "CHF", earns: "2", EarnsNumber: true, payout: "1.40",
		Keyword: "CODE", Shortcode: "543",
		Mention: "<b>3.00 CHF</b> par SMS reçu"},
	// "all": Dedipass's pseudo-country of offers valid everywhere.
	{CountryID: 0, ISO: "all", Name: "Tous les pays", Solution: "Paysafecard", Rate: "PSC-1000",
		Price: "10.00", Currency: "EUR", earns: "8", EarnsNumber: true, payout: "7.20",
		Link:    "https://paysafecard.example/sandbox?rate=PSC-1000",
		Mention: "Paiement de <b>10,00 €</b> par carte Paysafecard"},
}

func init() {
	// The table is data a test depends on: fail at start, not mid-test.
	for _, o := range offers {
		if _, err := money.Parse(o.Price); err != nil {
			panic("sandbox: bad price in offer " + o.Rate)
		}
		if _, err := money.ParseMicros(o.earns); err != nil {
			panic("sandbox: bad earns in offer " + o.Rate)
		}
	}
}

type countryJSON struct {
	ID   any    `json:"id"`
	ISO  string `json:"iso"`
	Name string `json:"name"`
}

type offerJSON struct {
	Country      countryJSON `json:"country"`
	Solution     string      `json:"solution"`
	Rate         string      `json:"rate"`
	UserPrice    any         `json:"user_price"`
	UserCurrency string      `json:"user_currency"`
	UserEarns    any         `json:"user_earns"`
	Keyword      string      `json:"keyword,omitempty"`
	Shortcode    string      `json:"shortcode,omitempty"`
	Phone        string      `json:"phone,omitempty"`
	Link         string      `json:"link,omitempty"`
	Mention      string      `json:"mention"`
}

func ratesAnswer() []offerJSON {
	out := make([]offerJSON, len(offers))
	for i, o := range offers {
		out[i] = offerJSON{
			Country:      countryJSON{ID: o.CountryID, ISO: o.ISO, Name: o.Name},
			Solution:     o.Solution,
			Rate:         o.Rate,
			UserPrice:    jsonValue(o.Price, o.PriceNumber),
			UserCurrency: o.Currency,
			UserEarns:    jsonValue(o.earns, o.EarnsNumber),
			Keyword:      o.Keyword,
			Shortcode:    o.Shortcode,
			Phone:        o.Phone,
			Link:         o.Link,
			Mention:      o.Mention,
		}
	}
	return out
}
