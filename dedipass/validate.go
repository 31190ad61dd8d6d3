package dedipass

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"recharge/money"
)

// A test code is marked by its rate or by its identifier: both are seen in the wild.
const (
	TestRate       = "TEST-MODE" // the rate of a test code
	TestIdentifier = "TEST-CODE" // the identifier of a test code
)

// IsTestCode reports whether rate or identifier mark a test code (any case).
func IsTestCode(rate, identifier string) bool {
	return strings.EqualFold(strings.TrimSpace(rate), TestRate) || strings.EqualFold(strings.TrimSpace(identifier), TestIdentifier)
}

// Result is Dedipass's judgement of one code.
type Result struct {
	Success    bool   // Status == "success"
	Status     string // as sent: "success", "error", …
	Message    string // Dedipass's explanation, e.g. "Invalid code"
	Code       string // the code judged (the code sent when the answer omits it)
	Rate       string // opaque: e.g. "xx-FR-SMS-250", or TestRate
	Identifier string // Dedipass's identifier for the payment, when given
	// Payout is the merchant's earnings in EUR. Informational: 0 when missing
	// or unreadable, which never blocks a credit.
	Payout money.Micros
	// VirtualCurrency is the units to credit; always ≥ 0 when Success and
	// the error is nil.
	VirtualCurrency money.Micros
	Test            bool // IsTestCode: a test code, not paid
	// Raw is the provider's JSON answer with every key field removed
	// (see StripKeys): safe to store and show an admin.
	Raw []byte
}

// Validate asks Dedipass to judge code, with
// GET <BaseURL>/v1/pay/?public_key=…&private_key=…&code=….
//
//   - A code failing ValidCode returns ErrInvalidCode, an empty key
//     ErrNotConfigured, both without any network call.
//   - Failures that leave the code unjudged wrap ErrUnavailable, with the
//     reason in the error text: ErrTimeout (also wrapped), "HTTP 500",
//     "answer is not JSON", "answer without status", network errors. The
//     Result is then empty and the code may be tried again later.
//   - A JSON answer with a status other than "success" (e.g. "error",
//     "Code already used") is not an error: Result{Success: false, Message: …}, nil.
//   - A "success" answer that cannot be credited returns the Result and
//     ErrBadAnswer (see there).
//
// No error text ever contains the private key.
func (c *Client) Validate(ctx context.Context, publicKey, privateKey, code string) (Result, error) {
	if !ValidCode(code) {
		return Result{}, ErrInvalidCode
	}
	if publicKey == "" || privateKey == "" {
		return Result{}, ErrNotConfigured
	}
	q := url.Values{
		"public_key":  {publicKey},
		"private_key": {privateKey},
		"code":        {code},
	}
	body, err := c.get(ctx, "/v1/pay/", q, privateKey)
	if err != nil {
		return Result{}, fmt.Errorf("validate: %w", err)
	}
	return decodeResult(body, code, privateKey)
}

func decodeResult(body []byte, code, privateKey string) (Result, error) {
	fields, isObject := object(body)
	if !isObject {
		if json.Valid(body) {
			return Result{}, fmt.Errorf("validate: %w: answer without status", ErrUnavailable)
		}
		return Result{}, fmt.Errorf("validate: %w: answer is not JSON", ErrUnavailable)
	}
	status := strings.TrimSpace(str(fields, "status"))
	if status == "" {
		return Result{}, fmt.Errorf("validate: %w: answer without status", ErrUnavailable)
	}
	raw, _ := StripKeys(body, privateKey)
	// A key echoed in any field is removed from everything returned (errors included).
	clean := func(s string) string { return Redact(s, privateKey) }
	r := Result{
		Status:     clean(status),
		Success:    strings.EqualFold(status, "success"),
		Message:    clean(str(fields, "message")),
		Code:       clean(str(fields, "code")),
		Rate:       clean(str(fields, "rate")),
		Identifier: clean(str(fields, "identifier")),
		Raw:        raw,
	}
	r.Test = IsTestCode(r.Rate, r.Identifier)
	if m, _, err := micros(fields, "payout"); err == nil {
		r.Payout = m
	}
	vc, vcPresent, vcErr := micros(fields, "virtual_currency")
	if vcErr == nil {
		r.VirtualCurrency = vc
	}
	if r.Code == "" {
		r.Code = code
	}
	if !r.Success {
		return r, nil
	}

	switch {
	case !strings.EqualFold(r.Code, code):
		return r, fmt.Errorf("validate: %w: answer is for code %q", ErrBadAnswer, shorten(r.Code))
	case !vcPresent && r.Test:
		// A test code without virtual_currency is worth nothing, not an error.
	case !vcPresent:
		return r, fmt.Errorf("validate: %w: virtual_currency missing", ErrBadAnswer)
	case vcErr != nil:
		return r, fmt.Errorf("validate: %w: virtual_currency %q is not a decimal number", ErrBadAnswer, shorten(clean(str(fields, "virtual_currency"))))
	case vc < 0:
		return r, fmt.Errorf("validate: %w: virtual_currency %s is negative", ErrBadAnswer, vc)
	}
	return r, nil
}

// RawForm encodes form fields (for instance a Dedipass callback) as a JSON
// object, one string per field (a list when repeated), without any key field
// and with any value containing one of secrets replaced: safe to store and
// show an admin.
func RawForm(form url.Values, secrets ...string) []byte {
	obj := make(map[string]any, len(form))
	for k, vs := range form {
		if SecretField(k) {
			continue
		}
		if len(vs) == 1 {
			obj[k] = vs[0]
			continue
		}
		list := make([]any, len(vs))
		for i, v := range vs {
			list[i] = v
		}
		obj[k] = list
	}
	clean, _ := encodeStripped(obj, secrets) // one encoding, no decode-again round trip
	return clean
}
