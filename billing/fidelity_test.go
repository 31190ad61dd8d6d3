package billing_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"recharge/billing"
	"recharge/db"
	"recharge/settings"
)

// unit_cents 0 would burn customers' codes for nothing (SPEC §5.1).
func TestUnitCentsAtLeastOne(t *testing.T) {
	f := setup(t)
	admin := db.Actor{UserID: f.alice.ID, IP: "127.0.0.1"}
	for _, bad := range []string{"0", "-1", "x"} {
		err := f.d.SaveConfig(context.Background(), admin, url.Values{"public_key": {pub}, "unit_cents": {bad}})
		var se *billing.ErrSettings
		if !errors.As(err, &se) || se.Field != "unit_cents" {
			t.Errorf("unit_cents=%q: got %v, want a unit_cents refusal", bad, err)
		}
	}
	if err := f.d.SaveConfig(context.Background(), admin, url.Values{"public_key": {pub}, "unit_cents": {"1"}}); err != nil {
		t.Fatalf("unit_cents=1: %v", err)
	}
	if got := f.cfg().UnitCents; got != 1 {
		t.Fatalf("unit_cents stored %d, want 1", got)
	}
}

// A test code is marked by rate "TEST-MODE" or identifier "TEST-CODE" (SPEC §5.2), on
// the form and the callback alike; with virtual_currency 0 or absent it is a test
// crediting nothing, not an error.
func TestTestCodesBothWays(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	// Marked by its identifier only: never credited while credit_test_codes is off.
	tc := f.sb.IssueTestCodeByIdentifier("2", "0")
	r, err := f.d.Redeem(ctx, f.cfg(), f.alice, tc)
	if err != nil || r.Outcome != billing.OutcomeTest || r.CreditCents != 0 {
		t.Fatalf("form, identifier TEST-CODE: %+v %v", r, err)
	}
	cb := f.sb.BuildCallback(f.sb.IssueTestCodeByIdentifier("2", "0"), f.alice.Custom)
	if res := f.callback(t, cb); res.Outcome != billing.CallbackRecorded || res.Detail != db.StatusTest {
		t.Fatalf("callback, identifier TEST-CODE: %+v", res)
	}
	if b := f.balance(t, f.alice); b != 0 {
		t.Fatalf("test codes credited %d", b)
	}
	// With credit_test_codes on, a test code without virtual_currency is a test, not an error.
	if err := f.store.SetSettings(ctx, map[string]string{settings.KeyDedipassCreditTests: "1"}); err != nil {
		t.Fatal(err)
	}
	for _, vc := range []string{"", "0"} {
		for _, issue := range []func(string, string) string{f.sb.IssueTestCode, f.sb.IssueTestCodeByIdentifier} {
			r, err := f.d.Redeem(ctx, f.cfg(), f.alice, issue(vc, "0"))
			if err != nil || r.Outcome != billing.OutcomeTest || r.CreditCents != 0 {
				t.Fatalf("form, test code with virtual_currency %q: %+v %v", vc, r, err)
			}
			cb := f.sb.BuildCallback(issue(vc, "0"), f.alice.Custom)
			if res := f.callback(t, cb); res.Outcome != billing.CallbackRecorded || res.Detail != db.StatusTest {
				t.Fatalf("callback, test code with virtual_currency %q: %+v", vc, res)
			}
		}
	}
	if b := f.balance(t, f.alice); b != 0 {
		t.Fatalf("empty test codes credited %d", b)
	}
}

// spellings of the private key a careless or hostile provider may echo.
func keySpellings() []string {
	return []string{priv, strings.ToUpper(priv), url.QueryEscape(priv), strings.ToUpper(url.PathEscape(priv)), html.EscapeString(priv)}
}

// leaks reports a spelling of the private key in s (compared without case).
func leaks(s string) bool {
	low := strings.ToLower(s)
	for _, k := range keySpellings() {
		if strings.Contains(low, strings.ToLower(k)) {
			return true
		}
	}
	return false
}

// A private key echoed by the provider in any field, any case or spelling, is removed
// before storing (SPEC §5.2): nothing stored, hence nothing shown, exported or logged.
func TestEchoedKeyNeverStored(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	var logs bytes.Buffer
	var mode atomic.Int32
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := r.URL.Query().Get("code")
		k := keySpellings()
		answer := map[string]any{
			"status": "success", "code": code, "rate": "xx-" + k[1], "identifier": "id-" + k[2],
			"message": "Valid " + k[3], "virtual_currency": "1", "payout": "0.5",
			"extra": map[string]any{"deep": []any{"a " + k[4]}}, k[0]: "named by the key",
		}
		switch mode.Load() {
		case 1:
			answer["virtual_currency"] = "bad" + k[1]
		case 2:
			answer["status"], answer["message"] = "error", "Invalid code for "+k[1]
		case 3:
			answer["code"] = "other" + k[0]
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(answer)
	}))
	t.Cleanup(echo.Close)
	d := billing.NewDedipass(f.store, echo.URL, slog.New(slog.NewTextHandler(&logs, nil)))
	for m := int32(0); m < 4; m++ {
		mode.Store(m)
		code := fmt.Sprintf("ECHO%d", m)
		if _, err := d.Redeem(ctx, f.cfg(), f.alice, code); err != nil {
			t.Fatal(err)
		}
		p, err := f.store.PaymentByCode(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		if leaks(fmt.Sprintf("%+v", *p)) {
			t.Errorf("mode %d: key stored: %+v", m, *p)
		}
	}
	// The callback: every field echoing the key.
	f.d.Log = slog.New(slog.NewTextHandler(&logs, nil))
	k := keySpellings()
	for i, custom := range []string{f.alice.Custom, "c-" + k[1]} {
		code := fmt.Sprintf("ECHOCB%d", i)
		form := url.Values{"status": {"success"}, "code": {code}, "rate": {k[1] + "-SMS"}, "identifier": {k[2]},
			"payout": {"1"}, "virtual_currency": {"1"}, "custom": {custom}, "privateKey": {priv}, "note": {"x" + k[3]}, k[4]: {"y"}}
		f.callback(t, form)
		p, err := f.store.PaymentByCode(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		if leaks(fmt.Sprintf("%+v", *p)) {
			t.Errorf("callback %d: key stored: %+v", i, *p)
		}
	}
	if leaks(logs.String()) {
		t.Errorf("key logged: %s", logs.String())
	}
}

// Rates are opaque (SPEC §5.2): country and solution come from the cached offer with
// the same rate, whatever the rate's shape, else stay empty.
func TestOpaqueRates(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	offers, err := f.d.Offers(ctx, f.cfg()) // the customer's page filled the cache
	if err != nil {
		t.Fatal(err)
	}
	shapes := map[int]bool{}
	for i, o := range offers {
		shapes[strings.Count(o.Rate, "-")] = true
		code, ok := f.sb.IssueCodeForRate(o.Rate)
		if !ok {
			t.Fatalf("no code for %q", o.Rate)
		}
		var p *db.Payment
		if i%2 == 0 {
			if _, err := f.d.Redeem(ctx, f.cfg(), f.alice, code); err != nil {
				t.Fatal(err)
			}
		} else {
			f.callback(t, f.sb.BuildCallback(code, f.alice.Custom))
		}
		if p, err = f.store.PaymentByCode(ctx, code); err != nil {
			t.Fatal(err)
		}
		if p.Rate != o.Rate || p.Country != o.CountryISO || p.Solution != o.Solution || p.Status != db.StatusCredited {
			t.Errorf("rate %q: stored country %q solution %q status %s, want %q %q", o.Rate, p.Country, p.Solution, p.Status, o.CountryISO, o.Solution)
		}
	}
	if len(shapes) < 3 {
		t.Errorf("the sandbox's rates have %d shapes, want at least 3", len(shapes))
	}
	// A rate no cached offer has: never guessed from its text.
	form := url.Values{"status": {"success"}, "code": {"NOOFFER1"}, "rate": {"FR-SMS-999"}, "virtual_currency": {"1"},
		"custom": {f.alice.Custom}, "privateKey": {priv}}
	f.callback(t, form)
	if p, _ := f.store.PaymentByCode(ctx, "NOOFFER1"); p.Country != "" || p.Solution != "" {
		t.Errorf("unknown rate parsed: country %q solution %q", p.Country, p.Solution)
	}
}
