package billing_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"recharge/accounts"
	"recharge/billing"
	"recharge/db"
	"recharge/dedipass/sandbox"
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

// Callbacks never lose a paid code (SPEC §5.4, §8): a credited code is acknowledged
// whoever the callback names; too large a credit or an unknown customer waits pending
// for the admin, whose assign credits once even when twenty arrive together.
func TestPendingPaymentsAndAssign(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	admin := db.Actor{UserID: f.bob.ID, IP: "127.0.0.1"}
	// Credited by the form, then the callback with custom missing or unknown: 200.
	code := f.sb.IssueCode("1", "1")
	if r, err := f.d.Redeem(ctx, f.cfg(), f.alice, code); err != nil || r.Outcome != billing.OutcomeCredited {
		t.Fatalf("redeem: %+v %v", r, err)
	}
	for _, custom := range []string{"", "nobody-has-this"} {
		if res := f.callback(t, f.sb.BuildCallback(code, custom)); res.Outcome != billing.CallbackAlreadyCredited {
			t.Fatalf("credited code, custom %q: %+v", custom, res)
		}
	}
	// Above max_credit_cents (default 100.00): pending, by the callback and the form alike.
	big := f.sb.IssueCode("101", "50")
	if res := f.callback(t, f.sb.BuildCallback(big, f.alice.Custom)); res.Outcome != billing.CallbackRecorded || res.Detail != db.StatusPending {
		t.Fatalf("big callback: %+v", res)
	}
	if r, err := f.d.Redeem(ctx, f.cfg(), f.alice, f.sb.IssueCode("150", "50")); err != nil || r.Outcome != billing.OutcomeError || r.Reason != billing.ReasonHeld || r.CreditCents != 0 {
		t.Fatalf("big code on the form: %+v %v", r, err)
	}
	if b := f.balance(t, f.alice); b != 100 {
		t.Fatalf("balance %d, want 100 (big codes held)", b)
	}
	p, _ := f.store.PaymentByCode(ctx, big)
	if p.Status != db.StatusPending || !strings.Contains(p.Reason, "max_credit_cents") {
		t.Fatalf("big payment: %+v", p)
	}
	// Assign: credited once; a second assign changes nothing.
	if _, err := f.d.AssignPending(ctx, admin, f.cfg(), p.ID, "nobody@example.com"); !errors.Is(err, billing.ErrAssignUnknownEmail) {
		t.Fatalf("assign to unknown email: %v", err)
	}
	if got, err := f.d.AssignPending(ctx, admin, f.cfg(), p.ID, "alice@example.com"); err != nil || got.CreditCents != 10100 {
		t.Fatalf("assign: %+v %v", got, err)
	}
	if _, err := f.d.AssignPending(ctx, admin, f.cfg(), p.ID, "bob@example.com"); !errors.Is(err, billing.ErrNotPending) {
		t.Fatalf("second assign: %v", err)
	}
	if b := f.balance(t, f.alice); b != 10200 {
		t.Fatalf("balance after assign %d, want 10200", b)
	}
	// Unknown customer: pending (422 to Dedipass), then 20 concurrent assigns credit once.
	lost := f.sb.IssueCode("3", "1")
	if res := f.callback(t, f.sb.BuildCallback(lost, "no-such-customer")); res.Outcome != billing.CallbackUnknownCustomer {
		t.Fatalf("unknown customer: %+v", res)
	}
	lp, _ := f.store.PaymentByCode(ctx, lost)
	if lp.Status != db.StatusPending {
		t.Fatalf("unknown customer payment: %+v", lp)
	}
	var wg sync.WaitGroup
	var wins atomic.Int32
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.d.AssignPending(ctx, admin, f.cfg(), lp.ID, "bob@example.com")
			switch {
			case err == nil:
				wins.Add(1)
			case !errors.Is(err, billing.ErrNotPending):
				t.Errorf("concurrent assign: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 || f.balance(t, f.bob) != 300 {
		t.Fatalf("20 assigns: %d won, bob's balance %d (want 1, 300)", wins.Load(), f.balance(t, f.bob))
	}
	// Refuse: closed without credit, then nothing more to decide.
	other := f.sb.IssueCode("2", "1")
	f.callback(t, f.sb.BuildCallback(other, ""))
	op, _ := f.store.PaymentByCode(ctx, other)
	if err := f.d.RefusePending(ctx, admin, op.ID, " "); !errors.Is(err, billing.ErrRefuseReason) {
		t.Fatalf("refuse without reason: %v", err)
	}
	if err := f.d.RefusePending(ctx, admin, op.ID, "chargeback"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.d.AssignPending(ctx, admin, f.cfg(), op.ID, "bob@example.com"); !errors.Is(err, billing.ErrNotPending) {
		t.Fatalf("assign after refuse: %v", err)
	}
	if op, _ = f.store.PaymentByCode(ctx, other); op.Status != db.StatusRefused || !strings.Contains(op.Reason, "chargeback") {
		t.Fatalf("refused payment: %+v", op)
	}
	entries, _, err := f.store.AuditPage(ctx, 50, 0)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, e := range entries {
		actions[e.Action]++
	}
	if actions["payment.assign"] != 2 || actions["payment.refuse"] != 1 {
		t.Fatalf("audit: %v", actions)
	}
}

// Sandbox codes (SPEC §5.6): admins only; a code for the offer picked credits exactly
// that offer's credit; codes live in the database, so another instance (or this one
// after a restart) validates them.
func TestSandboxCodesForAdminsFromTheDatabase(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	if err := f.store.SetSettings(ctx, map[string]string{settings.KeyDedipassSandbox: "1"}); err != nil {
		t.Fatal(err)
	}
	boss, err := (&accounts.Service{Store: f.store}).Register(ctx, "boss@example.com", "password123", "", "admin", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.d.IssueSandboxCode(ctx, f.cfg(), f.alice, sandbox.DefaultRate); !errors.Is(err, billing.ErrSandboxAdminOnly) {
		t.Fatalf("customer got a sandbox code: %v", err)
	}
	if _, err := f.d.IssueSandboxCode(ctx, f.cfg(), boss, "no-such-rate"); !errors.Is(err, billing.ErrUnknownSandboxOffer) {
		t.Fatalf("unknown offer: %v", err)
	}
	offers, err := f.d.Offers(ctx, f.cfg())
	if err != nil || len(offers) == 0 {
		t.Fatalf("sandbox offers: %v", err)
	}
	other := billing.NewDedipass(f.store, "http://127.0.0.1:1", slog.New(slog.NewTextHandler(io.Discard, nil))) // another instance
	var want int64
	for _, o := range offers {
		code, err := f.d.IssueSandboxCode(ctx, f.cfg(), boss, o.Rate)
		if err != nil {
			t.Fatalf("%s: %v", o.Rate, err)
		}
		credit, _ := f.cfg().CreditFor(o.UserEarns)
		r, err := other.Redeem(ctx, f.cfg(), boss, code)
		if err != nil || r.Outcome != billing.OutcomeCredited || r.CreditCents != int64(credit) {
			t.Fatalf("offer %s (row says %d): %+v %v", o.Rate, credit, r, err)
		}
		want += int64(credit)
		if r, _ := f.d.Redeem(ctx, f.cfg(), boss, code); r.Outcome != billing.OutcomeDuplicate {
			t.Fatalf("second use of %s: %+v", code, r)
		}
	}
	if b := f.balance(t, boss); b != want {
		t.Fatalf("balance %d, want %d", b, want)
	}
}
