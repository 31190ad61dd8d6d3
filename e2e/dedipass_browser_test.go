package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"recharge/apptest"
	"recharge/settings"
)

// An admin turns sandbox mode on in the settings page; a customer sees the SANDBOX
// notice and no test-code button; the admin picks an offer on the payment page, gets
// its code, types it, and sees the offer's credit and the new balance appear without a
// page reload. The payment is then in the history, flagged sandbox.
func TestBrowserSandboxTopUp(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("admin@example.com", "password123", true)
	env.CreateUser("buyer@example.com", "password123", false)

	admin := newBrowser(t, 1280, 900)
	admin.Login(env.URL, "admin@example.com", "password123")
	admin.Run(
		chromedp.Navigate(env.URL+"/admin/settings/dedipass"),
		chromedp.WaitVisible(chromedp.CSS(`#settings-save`)),
		chromedp.Click(chromedp.CSS(`input[name=sandbox]`)),
		chromedp.Click(chromedp.CSS(`#settings-save`)),
		chromedp.WaitVisible(chromedp.CSS(`#sandbox-banner`)),
	)
	if s := admin.Text(`#flash`); !strings.Contains(s, "enregistrés") {
		t.Fatalf("settings flash = %q", s)
	}

	// A customer sees the SANDBOX notice but cannot get test codes: nobody mints money.
	buyer := newBrowser(t, 1280, 1000)
	buyer.Login(env.URL, "buyer@example.com", "password123")
	buyer.Run(
		chromedp.Navigate(env.URL+"/client/dedipass"),
		chromedp.WaitVisible(chromedp.CSS(`#sandbox-banner`)),
	)
	if n := buyer.Eval(`document.querySelectorAll('#sandbox-get-code').length`); n != float64(0) {
		t.Fatal("a customer is offered sandbox test codes")
	}

	// The admin picks an offer, gets its code and types it: the credit is the offer's row.
	b := admin
	b.Run(
		chromedp.Navigate(env.URL+"/client/dedipass"),
		chromedp.WaitVisible(chromedp.CSS(`#sandbox-get-code`)),
	)
	if b.Attr(`#wallet-balance`, "data-cents") != "0" {
		t.Fatal("initial balance not 0")
	}
	// A marker that only survives if the page is never reloaded.
	b.Eval(`window.__noReload = 1; true`)
	b.Run(
		chromedp.SetValue(chromedp.CSS(`#sandbox-offer`), "AUDIOTEL-300"),
		chromedp.Click(chromedp.CSS(`#sandbox-get-code`)),
		chromedp.WaitVisible(chromedp.CSS(`#sandbox-code`)),
	)
	rowCredit := b.Attr(`#sandbox-offer option[value="AUDIOTEL-300"]`, "data-credit-cents")
	code := b.Attr(`#sandbox-code`, "data-code")
	if len(code) < 6 || strings.TrimSpace(b.Text(`#sandbox-code`)) != code {
		t.Fatalf("sandbox code %q", code)
	}
	b.Run(
		chromedp.SendKeys(chromedp.CSS(`#dedipass-code`), code),
		chromedp.Click(chromedp.CSS(`#dedipass-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#dedipass-result[data-status=credited]`)),
	)
	b.Screenshot("credited")
	if v := b.Eval(`window.__noReload === 1`); v != true {
		t.Fatal("the page reloaded")
	}
	if got := b.Attr(`#dedipass-result`, "data-credit-cents"); got != "250" || got != rowCredit {
		t.Fatalf("credit cents = %s, the offer's row says %s (want 250)", got, rowCredit)
	}
	if got := b.Attr(`#wallet-balance`, "data-cents"); got != "250" {
		t.Fatalf("sidebar balance = %s", got)
	}
	if msg := b.Text(`#dedipass-result`); !strings.Contains(msg, "2,50") {
		t.Fatalf("result message %q", msg)
	}
	// The field is cleared after a credit; typing the same code again says duplicate.
	if v := b.Eval(`document.getElementById('dedipass-code').value`); v != "" {
		t.Fatalf("code field not cleared: %v", v)
	}
	b.Run(
		chromedp.SendKeys(chromedp.CSS(`#dedipass-code`), code),
		chromedp.Click(chromedp.CSS(`#dedipass-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#dedipass-result[data-status=duplicate]`)),
	)
	if got := b.Attr(`#wallet-balance`, "data-cents"); got != "250" {
		t.Fatalf("balance after duplicate = %s", got)
	}
	b.Run(
		chromedp.Navigate(env.URL+"/client/dedipass/history"),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-code="`+code+`"][data-status=credited]`)),
	)
	// The admin sees the payment, flagged sandbox, and listed apart with the sandbox filter.
	admin.Run(
		chromedp.Navigate(env.URL+"/admin/billing/dedipass?mode=sandbox"),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-code="`+code+`"][data-status=credited] .badge.sandbox`)),
	)
	admin.Screenshot("admin-sandbox-list")
	admin.Run(chromedp.Navigate(env.URL+"/admin/billing/dedipass?mode=live"), chromedp.WaitVisible(chromedp.CSS(`#billing-results`)))
	if n := admin.Eval(`document.querySelectorAll('tr[data-code]').length`); n != float64(0) {
		t.Fatalf("live list shows %v sandbox rows", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p, err := env.Store.PaymentByCode(ctx, code)
	if err != nil || !p.Sandbox || !p.Credited() {
		t.Fatalf("payment %+v %v", p, err)
	}
}

// The payment page shows one country's offers plus the worldwide ones: French by
// default for a French page; picking Belgium swaps the offers in place (no reload), and
// the address keeps the choice.
func TestBrowserPickCountry(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("buyer@example.com", "password123", false)
	if err := env.Store.SetSettings(context.Background(), map[string]string{settings.KeyDedipassSandbox: "1"}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, 390, 900)
	b.Login(env.URL, "buyer@example.com", "password123")
	b.Run(
		chromedp.Navigate(env.URL+"/client/dedipass"),
		chromedp.WaitVisible(chromedp.CSS(`#country`)),
	)
	// The country groups shown (the select's own options name every country).
	offers := func() string {
		v, _ := b.Eval(`Array.from(document.querySelectorAll('#offers details summary')).map(e => e.textContent).join(' | ')`).(string)
		return v
	}
	if v := b.Eval(`document.querySelector('#country').value`); v != "fr" {
		t.Fatalf("default country %v, want fr for a French page", v)
	}
	if o := offers(); !strings.Contains(o, "France") || !strings.Contains(o, "Tous les pays") || strings.Contains(o, "Belgique") {
		t.Fatalf("French page offers:\n%s", o)
	}
	b.Eval(`window.__noReload = 1; true`)
	b.Eval(`const s = document.querySelector('#country'); s.value = 'be'; s.dispatchEvent(new Event('change', {bubbles: true})); true`)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(offers(), "Belgique") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	o := offers()
	if !strings.Contains(o, "Belgique") || !strings.Contains(o, "Tous les pays") || strings.Contains(o, "France") {
		t.Fatalf("after picking Belgium:\n%s", o)
	}
	if b.Eval(`window.__noReload === 1`) != true {
		t.Fatal("the page reloaded")
	}
	if !strings.Contains(b.Location(), "country=be") {
		t.Fatalf("address %s does not keep the country", b.Location())
	}
	b.Screenshot("country-be-390")
}

// A customer keeps the payment page open and pays by SMS on another device: Dedipass's
// callback credits the wallet, and the page's balance (and the sidebar's) follows
// within 5 s, without a reload.
func TestBrowserLiveBalanceFollowsCallback(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	u := env.CreateUser("buyer@example.com", "password123", false)
	if err := env.Store.SetSettings(context.Background(), map[string]string{settings.KeyDedipassPublic: "pub", settings.KeyDedipassPrivate: "live-key"}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, 1280, 900)
	b.Login(env.URL, "buyer@example.com", "password123")
	b.Run(
		chromedp.Navigate(env.URL+"/client/dedipass"),
		chromedp.WaitVisible(chromedp.CSS(`#page-balance`)),
	)
	b.Eval(`window.__noReload = 1; true`)
	form := url.Values{"status": {"success"}, "code": {"PAIDELSEWHERE1"}, "rate": {"xx-FR-SMS-250"}, "payout": {"1.20"},
		"virtual_currency": {"2.5"}, "custom": {u.Custom}, "privateKey": {"live-key"}}
	resp, err := http.PostForm(env.URL+"/api/dedipass", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("callback: %d", resp.StatusCode)
	}
	paid := time.Now()
	for b.Attr(`#page-balance`, "data-cents") != "250" && time.Since(paid) < 6*time.Second {
		time.Sleep(100 * time.Millisecond)
	}
	if got := b.Attr(`#page-balance`, "data-cents"); got != "250" || time.Since(paid) > 5*time.Second {
		t.Fatalf("page balance %s after %s", got, time.Since(paid).Round(time.Millisecond))
	}
	if got := b.Attr(`#wallet-balance`, "data-cents"); got != "250" {
		t.Fatalf("sidebar balance %s", got)
	}
	if b.Eval(`window.__noReload === 1`) != true {
		t.Fatal("the page reloaded")
	}
	t.Logf("balance shown %s after the callback", time.Since(paid).Round(time.Millisecond))
}
