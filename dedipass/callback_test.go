package dedipass

import (
	"errors"
	"maps"
	"net/url"
	"strings"
	"testing"
)

func TestParseCallback(t *testing.T) {
	good := url.Values{"status": {"success"}, "code": {" ab12 "}, "rate": {"FR-SMS-250"}, "payout": {"1.20"},
		"virtual_currency": {"2.5"}, "custom": {"u42"}, "identifier": {"ID-1"}, "privateKey": {"k1"}}
	with := func(mod func(url.Values)) url.Values {
		v := maps.Clone(good) // mod only sets and deletes fields: a shallow copy is enough
		mod(v)
		return v
	}
	long := strings.Repeat("x", 201)
	cases := []struct {
		name  string
		form  url.Values
		key   string // PrivateKey, filled even when the form is invalid
		field string // the broken rule's field, "" when valid
	}{
		{"valid", good, "k1", ""},
		{"private_key spelling", with(func(v url.Values) { v.Del("privateKey"); v.Set("private_key", "k2") }), "k2", ""},
		{"privateKey wins", with(func(v url.Values) { v.Set("private_key", "k2") }), "k1", ""},
		{"no key", with(func(v url.Values) { v.Del("privateKey") }), "", ""},
		{"bad code", with(func(v url.Values) { v.Set("code", "AB-CD") }), "k1", "code"},
		{"empty code", with(func(v url.Values) { v.Del("code") }), "k1", "code"},
		{"code too long", with(func(v url.Values) { v.Set("code", strings.Repeat("A", MaxCodeLen+1)) }), "k1", "code"},
		{"bad code and no key", with(func(v url.Values) { v.Set("code", "'--"); v.Del("privateKey") }), "", "code"},
		{"missing status", with(func(v url.Values) { v.Del("status") }), "k1", "status"},
		{"status too long", with(func(v url.Values) { v.Set("status", strings.Repeat("s", 33)) }), "k1", "status"},
		{"custom too long", with(func(v url.Values) { v.Set("custom", long) }), "k1", "custom"},
		{"rate too long", with(func(v url.Values) { v.Set("rate", long) }), "k1", "rate"},
		{"identifier too long", with(func(v url.Values) { v.Set("identifier", long) }), "k1", "identifier"},
		{"payout too long", with(func(v url.Values) { v.Set("payout", long) }), "k1", "payout"},
		{"vc missing", with(func(v url.Values) { v.Del("virtual_currency") }), "k1", "virtual_currency"},
		{"vc negative", with(func(v url.Values) { v.Set("virtual_currency", "-1") }), "k1", "virtual_currency"},
		{"vc garbage", with(func(v url.Values) { v.Set("virtual_currency", "abc") }), "k1", "virtual_currency"},
		{"vc float syntax", with(func(v url.Values) { v.Set("virtual_currency", "1e3") }), "k1", "virtual_currency"},
		{"vc ignored when not success", with(func(v url.Values) { v.Set("status", "error"); v.Set("virtual_currency", "abc") }), "k1", ""},
		{"bad payout is not a refusal", with(func(v url.Values) { v.Set("payout", "n/a") }), "k1", ""},
	}
	for _, c := range cases {
		cb, err := ParseCallback(c.form)
		if cb.PrivateKey != c.key {
			t.Errorf("%s: key %q, want %q", c.name, cb.PrivateKey, c.key)
		}
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		var ce *CallbackError
		if !errors.As(err, &ce) || ce.Field != c.field || !errors.Is(err, ErrInvalidCallback) {
			t.Errorf("%s: error %v, want a CallbackError on %s", c.name, err, c.field)
			continue
		}
		if strings.Contains(err.Error(), "k1") || cb.Code != "" {
			t.Errorf("%s: %q leaks the key or the rejected form (%+v)", c.name, err, cb)
		}
	}

	cb, err := ParseCallback(good)
	if err != nil {
		t.Fatal(err)
	}
	if cb.Code != "ab12" || !cb.Success || cb.VirtualCurrency.String() != "2.5" || cb.Payout.Cents() != 120 ||
		cb.Custom != "u42" || cb.Rate != "FR-SMS-250" || cb.Identifier != "ID-1" || cb.Test {
		t.Fatalf("parsed %+v", cb)
	}
	cb, _ = ParseCallback(with(func(v url.Values) { v.Set("rate", TestRate); v.Set("status", "Error") }))
	if !cb.Test || cb.Success || cb.VirtualCurrency != 0 || cb.Status != "Error" {
		t.Fatalf("test, refused: %+v", cb)
	}
	// The messages are what Dedipass reads back (SPEC §5.4).
	for form, want := range map[string]string{
		"code":             "invalid code: expected 1 to 64 letters and digits",
		"virtual_currency": "virtual_currency must be a number >= 0",
		"custom":           "custom too long",
	} {
		_, err := ParseCallback(with(func(v url.Values) { v.Set(form, "-"+long) }))
		if err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %q", form, err, want)
		}
	}
}

func TestSearchPrefix(t *testing.T) {
	for q, want := range map[string]string{"": "", "  ": "", "a": "A", " ab1 ": "AB1", "aB9": "AB9", "Z9": "Z9",
		strings.Repeat("a", MaxCodeLen): strings.Repeat("A", MaxCodeLen)} {
		if got, ok := SearchPrefix(q); !ok || got != want {
			t.Errorf("SearchPrefix(%q) = %q, %v; want %q", q, got, ok, want)
		}
	}
	// Anything but letters and digits cannot be part of a code: no prefix, so no
	// query, and in particular no LIKE wildcard.
	for _, q := range []string{"%", "_", "A%", "A_", "'", `\`, `"`, "' OR 1=1 --", "AB CD", "é", "A\x00", "<script>", strings.Repeat("A", MaxCodeLen+1)} {
		if got, ok := SearchPrefix(q); ok || got != "" {
			t.Errorf("SearchPrefix(%q) = %q, %v; want nothing", q, got, ok)
		}
	}
}

func TestSecretField(t *testing.T) {
	for _, n := range []string{"key", "Key", "private_key", "privateKey", "PUBLIC_KEY", "api-key", "apiKey", "secretKey",
		"secret_token", "password", "access_token", "signature", "X-Signature"} {
		if !SecretField(n) {
			t.Errorf("%q not secret", n)
		}
	}
	for _, n := range []string{"status", "code", "rate", "payout", "virtual_currency", "custom", "identifier", "message"} {
		if SecretField(n) {
			t.Errorf("%q secret", n)
		}
	}
}
