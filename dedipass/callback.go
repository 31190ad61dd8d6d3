package dedipass

import (
	"errors"
	"net/url"
	"strings"

	"recharge/money"
)

// Callback is one callback posted by Dedipass (SPEC §5.4), read from its form fields.
type Callback struct {
	// PrivateKey is the key as posted, in privateKey or private_key; "" when missing.
	// Comparing it with the configured key is the caller's job.
	PrivateKey string
	Status     string // as sent, trimmed: "success", "error", …
	Success    bool   // Status is "success" (any case)
	Code       string // passes ValidCode
	Custom     string // the customer's identifier; "" when missing
	Rate       string
	Identifier string
	// Payout is the merchant's earnings in EUR. Informational: 0 when missing or
	// unreadable, which never blocks a paid code.
	Payout money.Micros
	// VirtualCurrency is the units to credit: ≥ 0, and 0 unless Success.
	VirtualCurrency money.Micros
	Test            bool // IsTestCode(Rate, Identifier)
}

// Length limits of the callback's free fields.
const (
	maxCallbackStatus = 32
	maxCallbackField  = 200
)

// ErrInvalidCallback is wrapped by every *CallbackError.
var ErrInvalidCallback = errors.New("invalid dedipass callback")

// CallbackError is a callback field breaking its rule. Its text is the sentence
// answered to Dedipass and never contains a key.
type CallbackError struct {
	Field   string // code, status, custom, rate, identifier, payout, virtual_currency
	Message string
}

func (e *CallbackError) Error() string { return e.Message }
func (e *CallbackError) Unwrap() error { return ErrInvalidCallback }

// Redacted returns the callback with every spelling of the secrets removed from its
// free fields (a provider may echo the private key anywhere): safe to store and log.
func (cb Callback) Redacted(secrets ...string) Callback {
	for _, f := range []*string{&cb.Status, &cb.Code, &cb.Custom, &cb.Rate, &cb.Identifier} {
		*f = Redact(*f, secrets...)
	}
	return cb
}

// ParseCallback reads and checks a callback's fields, in this order: code syntax,
// status, the length of custom, rate, identifier and payout, and, for a success,
// virtual_currency (an exact decimal ≥ 0). A failed rule returns a *CallbackError;
// PrivateKey is filled even then, so the caller can check the key first and answer a
// wrong key before any detail of the form.
func ParseCallback(form url.Values) (Callback, error) {
	cb := Callback{PrivateKey: form.Get("privateKey")}
	if cb.PrivateKey == "" {
		cb.PrivateKey = form.Get("private_key")
	}
	bad := func(field, msg string) (Callback, error) {
		return Callback{PrivateKey: cb.PrivateKey}, &CallbackError{Field: field, Message: msg}
	}
	cb.Status = strings.TrimSpace(form.Get("status"))
	cb.Code = strings.TrimSpace(form.Get("code"))
	if !ValidCode(cb.Code) {
		return bad("code", "invalid code: expected 1 to 64 letters and digits")
	}
	if cb.Status == "" || len(cb.Status) > maxCallbackStatus {
		return bad("status", "missing status")
	}
	cb.Custom = strings.TrimSpace(form.Get("custom"))
	if len(cb.Custom) > maxCallbackField {
		return bad("custom", "custom too long")
	}
	for _, f := range []string{"rate", "identifier", "payout"} {
		if len(form.Get(f)) > maxCallbackField {
			return bad(f, f+" too long")
		}
	}
	cb.Success = strings.EqualFold(cb.Status, "success")
	cb.Rate = strings.TrimSpace(form.Get("rate"))
	cb.Identifier = strings.TrimSpace(form.Get("identifier"))
	cb.Test = IsTestCode(cb.Rate, cb.Identifier)
	vcText := strings.TrimSpace(form.Get("virtual_currency"))
	if cb.Success && !(cb.Test && vcText == "") { // a test code without virtual_currency is worth nothing
		vc, err := money.ParseMicros(vcText)
		if err != nil || vc < 0 {
			return bad("virtual_currency", "virtual_currency must be a number >= 0")
		}
		cb.VirtualCurrency = vc
	}
	if payout, err := money.ParseMicros(strings.TrimSpace(form.Get("payout"))); err == nil {
		cb.Payout = payout
	}
	return cb, nil
}
