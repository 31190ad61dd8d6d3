package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"recharge/apptest"
)

// An admin turns sandbox mode on in the settings page; a customer gets a test code on
// the payment page, types it, and sees the credit and the new balance appear without a
// page reload. The payment is then in the customer's history, flagged sandbox.
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

	b := newBrowser(t, 1280, 1000)
	b.Login(env.URL, "buyer@example.com", "password123")
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
		chromedp.Click(chromedp.CSS(`#sandbox-get-code`)),
		chromedp.WaitVisible(chromedp.CSS(`#sandbox-code`)),
	)
	code := b.Attr(`#sandbox-code`, "data-code")
	if len(code) < 6 {
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
	if got := b.Attr(`#dedipass-result`, "data-credit-cents"); got != "500" {
		t.Fatalf("credit cents = %s", got)
	}
	if got := b.Attr(`#wallet-balance`, "data-cents"); got != "500" {
		t.Fatalf("sidebar balance = %s", got)
	}
	if msg := b.Text(`#dedipass-result`); !strings.Contains(msg, "5,00") {
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
	if got := b.Attr(`#wallet-balance`, "data-cents"); got != "500" {
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
