package billing_test

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"recharge/accounts"
	"recharge/billing"
	"recharge/db"
	"recharge/db/dbtest"
	"recharge/dedipass/sandbox"
	"recharge/settings"
)

const (
	pub  = "pub-key-123"
	priv = "priv&key+456" // characters that need query encoding
)

type fixture struct {
	store *db.Store
	sb    *sandbox.Server
	d     *billing.Dedipass
	alice *db.User
	bob   *db.User
}

// cfg is the Dedipass settings as a request would load them now.
func (f *fixture) cfg() settings.Dedipass {
	set, err := settings.Load(context.Background(), f.store)
	if err != nil {
		panic(err)
	}
	return set.Dedipass
}

func setup(t testing.TB) *fixture {
	t.Helper()
	store := dbtest.Open(t)
	t.Cleanup(func() { store.Close() })
	sb := sandbox.New(sandbox.Options{PublicKey: pub, PrivateKey: priv, TimeoutSleep: 5 * time.Second})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	d := billing.NewDedipass(store, srv.URL, slog.New(slog.NewTextHandler(io.Discard, nil)))
	d.Live.Timeout = 300 * time.Millisecond
	ctx := context.Background()
	if err := store.SetSettings(ctx, map[string]string{settings.KeyDedipassPublic: pub, settings.KeyDedipassPrivate: priv, settings.KeyDedipassUnitCents: "100"}); err != nil {
		t.Fatal(err)
	}
	acc := &accounts.Service{Store: store}
	alice, err := acc.Register(ctx, "alice@example.com", "password123", "", "client", "")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := acc.Register(ctx, "bob@example.com", "password123", "", "client", "")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{store: store, sb: sb, d: d, alice: alice, bob: bob}
}

func (f *fixture) balance(t *testing.T, u *db.User) int64 {
	t.Helper()
	bal, sum, err := f.store.LedgerSum(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if bal != sum {
		t.Fatalf("user %d: balance %d != ledger sum %d", u.ID, bal, sum)
	}
	return bal
}

func (f *fixture) callback(t *testing.T, form url.Values) billing.CallbackResult {
	t.Helper()
	r, err := f.d.Callback(context.Background(), f.cfg(), form)
	if err != nil {
		t.Fatalf("callback: %v", err)
	}
	return r
}

// told success: what Dedipass hears as {"status":"success"} (200).
func toldSuccess(r billing.CallbackResult) bool {
	switch r.Outcome {
	case billing.CallbackCredited, billing.CallbackAlreadyCredited, billing.CallbackRecorded:
		return true
	}
	return false
}

func TestCallbackMatrix(t *testing.T) {
	f := setup(t)
	code := f.sb.IssueCode("2.5", "1.20")
	good := f.sb.BuildCallback(code, f.alice.Custom)
	good.Set("privateKey", priv)

	with := func(mod func(url.Values)) url.Values {
		v := maps.Clone(good) // mod only sets and deletes fields: a shallow copy is enough
		mod(v)
		return v
	}
	const wrongKey, invalid = billing.CallbackWrongKey, billing.CallbackInvalid
	cases := []struct {
		name    string
		form    url.Values
		outcome billing.CallbackOutcome
	}{
		{"missing key", with(func(v url.Values) { v.Del("privateKey") }), wrongKey},
		{"wrong key", with(func(v url.Values) { v.Set("privateKey", "nope") }), wrongKey},
		{"public key instead", with(func(v url.Values) { v.Set("privateKey", pub) }), wrongKey},
		{"bad code", with(func(v url.Values) { v.Set("code", "AB-CD") }), invalid},
		{"empty code", with(func(v url.Values) { v.Set("code", "") }), invalid},
		{"long code", with(func(v url.Values) { v.Set("code", string(make([]byte, 65))) }), invalid},
		{"vc negative", with(func(v url.Values) { v.Set("virtual_currency", "-1") }), invalid},
		{"vc garbage", with(func(v url.Values) { v.Set("virtual_currency", "abc") }), invalid},
		{"vc missing", with(func(v url.Values) { v.Del("virtual_currency") }), invalid},
		{"missing status", with(func(v url.Values) { v.Del("status") }), invalid},
	}
	for _, c := range cases {
		if r := f.callback(t, c.form); r.Outcome != c.outcome {
			t.Errorf("%s: got %+v, want outcome %d", c.name, r, c.outcome)
		}
	}
	if f.balance(t, f.alice) != 0 {
		t.Fatal("a refused callback credited")
	}
	if _, err := f.store.PaymentByCode(context.Background(), code); err == nil {
		t.Fatal("a refused callback was recorded as a payment")
	}

	// Valid: credited once (2.5 units × 100 cents).
	if r := f.callback(t, good); r.Outcome != billing.CallbackCredited {
		t.Fatalf("valid callback: %+v", r)
	}
	if b := f.balance(t, f.alice); b != 250 {
		t.Fatalf("balance %d, want 250", b)
	}
	// Same code, same customer: idempotent.
	if r := f.callback(t, good); r.Outcome != billing.CallbackAlreadyCredited {
		t.Fatalf("replay: %+v", r)
	}
	// The other key field name is accepted too.
	alt := with(func(v url.Values) { v.Del("privateKey"); v.Set("private_key", priv) })
	if r := f.callback(t, alt); !toldSuccess(r) {
		t.Fatalf("private_key field: %+v", r)
	}
	if b := f.balance(t, f.alice); b != 250 {
		t.Fatalf("replay credited again: %d", b)
	}
	// Same code, other customer: refused (409), nothing credited.
	if r := f.callback(t, with(func(v url.Values) { v.Set("custom", f.bob.Custom) })); r.Outcome != billing.CallbackCreditedToOther {
		t.Fatalf("other customer: %+v", r)
	}
	if f.balance(t, f.bob) != 0 {
		t.Fatal("bob credited")
	}
	// Unknown custom: refused (422) and recorded for the admin.
	code2 := f.sb.IssueCode("1", "0.5")
	r := f.callback(t, with(func(v url.Values) { v.Set("code", code2); v.Set("custom", "nobody") }))
	if r.Outcome != billing.CallbackUnknownCustomer {
		t.Fatalf("unknown custom: %+v", r)
	}
	p, err := f.store.PaymentByCode(context.Background(), code2)
	if err != nil || p.Status != db.StatusPending || p.UserID != nil {
		t.Fatalf("unknown custom not recorded: %+v %v", p, err)
	}
	// Status not success: recorded as refused, told success (200).
	code3 := f.sb.IssueCode("1", "0.5")
	r = f.callback(t, with(func(v url.Values) { v.Set("code", code3); v.Set("status", "error") }))
	if r.Outcome != billing.CallbackRecorded || r.Detail != db.StatusRefused {
		t.Fatalf("status error: %+v", r)
	}
	if p, err := f.store.PaymentByCode(context.Background(), code3); err != nil || p.Status != db.StatusRefused {
		t.Fatalf("refused not recorded: %+v %v", p, err)
	}
	// Raw callback stored without the key.
	p, _ = f.store.PaymentByCode(context.Background(), code)
	if p.Raw == "" || contains(p.Raw, priv) || contains(p.Raw, "privateKey") {
		t.Fatalf("raw callback leaks the key or is empty: %s", p.Raw)
	}
}

func TestCallbackNoKeyConfigured(t *testing.T) {
	f := setup(t)
	if err := f.store.SetSettings(context.Background(), map[string]string{settings.KeyDedipassPrivate: ""}); err != nil {
		t.Fatal(err)
	}
	form := f.sb.BuildCallback(f.sb.IssueCode("1", "1"), f.alice.Custom)
	form.Set("privateKey", "")
	if r := f.callback(t, form); r.Outcome != billing.CallbackWrongKey {
		t.Fatalf("no key configured, empty key posted: %+v", r)
	}
}

func TestConcurrentCallbacksCreditOnce(t *testing.T) {
	f := setup(t)
	code := f.sb.IssueCode("3", "2")
	form := f.sb.BuildCallback(code, f.alice.Custom)
	form.Set("privateKey", priv)
	var wg sync.WaitGroup
	results := make(chan billing.CallbackResult, 100)
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := f.d.Callback(context.Background(), f.cfg(), form)
			if err != nil {
				t.Error(err)
				return
			}
			results <- r
		}()
	}
	wg.Wait()
	close(results)
	for r := range results {
		if !toldSuccess(r) {
			t.Fatalf("result %+v", r)
		}
	}
	if b := f.balance(t, f.alice); b != 300 {
		t.Fatalf("balance %d, want 300 (credited exactly once)", b)
	}
}

func TestFormAndCallbackRaceCreditOnce(t *testing.T) {
	for round := 0; round < 5; round++ {
		f := setup(t)
		code := f.sb.IssueCode("4", "3")
		form := f.sb.BuildCallback(code, f.alice.Custom)
		form.Set("privateKey", priv)
		var wg sync.WaitGroup
		wg.Add(2)
		var formRes billing.RedeemResult
		go func() {
			defer wg.Done()
			var err error
			formRes, err = f.d.Redeem(context.Background(), f.cfg(), f.alice, code)
			if err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			f.callback(t, form)
		}()
		wg.Wait()
		if b := f.balance(t, f.alice); b != 400 {
			t.Fatalf("round %d: balance %d, want 400; form said %+v", round, b, formRes)
		}
		if formRes.Outcome != billing.OutcomeCredited && formRes.Outcome != billing.OutcomeDuplicate {
			t.Fatalf("round %d: form outcome %+v", round, formRes)
		}
	}
}

func TestRedeemOutcomes(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	if _, err := f.d.Offers(ctx, f.cfg()); err != nil { // as the payment page does: country and solution come from the offers
		t.Fatal(err)
	}
	code := f.sb.IssueCode("1.5", "1")
	r, err := f.d.Redeem(ctx, f.cfg(), f.alice, " "+code+" ")
	if err != nil || r.Outcome != billing.OutcomeCredited || r.CreditCents != 150 || r.BalanceCents != 150 || r.Reason != billing.ReasonNone {
		t.Fatalf("credit: %+v %v", r, err)
	}
	p, _ := f.store.PaymentByCode(ctx, code)
	// The country as Dedipass sends it in the offer with this rate (lower-case, SPEC §5.2).
	if p.Rate != sandbox.DefaultRate || p.Country != "fr" || p.Solution != "SMS" || p.PayoutCents != 100 || p.Source != "form" {
		t.Fatalf("payment fields: %+v", p)
	}
	// Again, same customer: duplicate, nothing added, Dedipass not even asked.
	calls := f.sb.Calls()
	r, _ = f.d.Redeem(ctx, f.cfg(), f.alice, code)
	if r.Outcome != billing.OutcomeDuplicate || r.CreditCents != 0 || f.sb.Calls() != calls {
		t.Fatalf("duplicate: %+v", r)
	}
	// Another customer: duplicate too (code already used), nothing added.
	r, _ = f.d.Redeem(ctx, f.cfg(), f.bob, code)
	if r.Outcome != billing.OutcomeDuplicate || f.balance(t, f.bob) != 0 {
		t.Fatalf("other customer: %+v", r)
	}
	// Unknown code: refused.
	r, _ = f.d.Redeem(ctx, f.cfg(), f.alice, "NOSUCHCODE1")
	if r.Outcome != billing.OutcomeRefused || r.CreditCents != 0 {
		t.Fatalf("unknown: %+v", r)
	}
	// Bad format: refused without a network call.
	calls = f.sb.Calls()
	r, _ = f.d.Redeem(ctx, f.cfg(), f.alice, "AB CD'--")
	if r.Outcome != billing.OutcomeRefused || f.sb.Calls() != calls {
		t.Fatalf("bad format: %+v", r)
	}
	// Test code: not credited unless the setting says so.
	tc := f.sb.IssueTestCode("2", "0")
	r, _ = f.d.Redeem(ctx, f.cfg(), f.alice, tc)
	if r.Outcome != billing.OutcomeTest || r.CreditCents != 0 {
		t.Fatalf("test code: %+v", r)
	}
	if err := f.store.SetSettings(ctx, map[string]string{settings.KeyDedipassCreditTests: "1"}); err != nil {
		t.Fatal(err)
	}
	tc2 := f.sb.IssueTestCode("2", "0")
	r, _ = f.d.Redeem(ctx, f.cfg(), f.alice, tc2)
	if r.Outcome != billing.OutcomeCredited || r.CreditCents != 200 {
		t.Fatalf("credited test code: %+v", r)
	}
	if p, _ := f.store.PaymentByCode(ctx, tc2); !p.Test {
		t.Fatal("credited test code not flagged test")
	}
	if b := f.balance(t, f.alice); b != 350 {
		t.Fatalf("balance %d", b)
	}
}

func TestProviderOutageThenRetryCreditsOnce(t *testing.T) {
	for _, mode := range []sandbox.Failure{sandbox.HTTP500, sandbox.BadJSON, sandbox.Timeout} {
		t.Run(mode.String(), func(t *testing.T) {
			f := setup(t)
			ctx := context.Background()
			code := f.sb.IssueCode("1", "1")
			f.sb.SetFailure(mode)
			r, err := f.d.Redeem(ctx, f.cfg(), f.alice, code)
			if err != nil {
				t.Fatal(err)
			}
			if r.Outcome != billing.OutcomeError || r.CreditCents != 0 || r.Reason != billing.ReasonUnavailable && r.Reason != billing.ReasonTimeout {
				t.Fatalf("outage: %+v", r)
			}
			p, _ := f.store.PaymentByCode(ctx, code)
			if p.Status != db.StatusError || p.Reason == "" || contains(p.Reason, priv) {
				t.Fatalf("outage not recorded as error with reason: %+v", p)
			}
			if f.balance(t, f.alice) != 0 {
				t.Fatal("credited during outage")
			}
			f.sb.SetFailure(sandbox.None)
			r, _ = f.d.Redeem(ctx, f.cfg(), f.alice, code)
			if r.Outcome != billing.OutcomeCredited || r.CreditCents != 100 {
				t.Fatalf("retry: %+v", r)
			}
			r, _ = f.d.Redeem(ctx, f.cfg(), f.alice, code)
			if r.Outcome != billing.OutcomeDuplicate || f.balance(t, f.alice) != 100 {
				t.Fatalf("second retry: %+v", r)
			}
		})
	}
}

func TestRefusedCodesRateLimit(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	for i := 0; i < billing.MaxRefusedCodes; i++ {
		r, err := f.d.Redeem(ctx, f.cfg(), f.alice, "WRONG"+string(rune('A'+i)))
		if err != nil || r.Outcome != billing.OutcomeRefused || r.Reason == billing.ReasonTooManyAttempts {
			t.Fatalf("attempt %d: %+v %v", i, r, err)
		}
	}
	calls := f.sb.Calls()
	good := f.sb.IssueCode("1", "1")
	r, _ := f.d.Redeem(ctx, f.cfg(), f.alice, good)
	if r.Outcome != billing.OutcomeRefused || r.Reason != billing.ReasonTooManyAttempts || r.CreditCents != 0 || f.sb.Calls() != calls {
		t.Fatalf("11th attempt: %+v", r)
	}
	// Bob is not limited by Alice's mistakes.
	if r, _ := f.d.Redeem(ctx, f.cfg(), f.bob, good); r.Outcome != billing.OutcomeCredited {
		t.Fatalf("bob: %+v", r)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
