package e2e

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"

	"recharge/apptest"
	"recharge/settings"
)

// A paid code for an unknown customer waits pending; the admin opens it, types the
// customer's email and assigns it: the payment is credited, the form is gone, and the
// customer's wallet holds the credit once.
func TestBrowserAssignPending(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("admin@example.com", "password123", true)
	buyer := env.CreateUser("buyer@example.com", "password123", false)
	ctx := context.Background()
	if err := env.Store.SetSettings(ctx, map[string]string{settings.KeyDedipassPrivate: "cb-private-key"}); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"status": {"success"}, "code": {"LOST42CODE"}, "rate": {"xx-FR-SMS-250"}, "payout": {"1.20"},
		"virtual_currency": {"2.5"}, "custom": {"typo-custom"}, "privateKey": {"cb-private-key"}}
	if r := env.NewClient().Do("POST", "/api/dedipass", form, nil); r.Status != 422 {
		t.Fatalf("callback for an unknown customer: %d %s", r.Status, r.Body)
	}
	p, err := env.Store.PaymentByCode(ctx, "LOST42CODE")
	if err != nil || p.Status != "pending" {
		t.Fatalf("pending payment: %+v %v", p, err)
	}
	b := newBrowser(t, 1280, 1000)
	b.Login(env.URL, "admin@example.com", "password123")
	b.Run(
		chromedp.Navigate(fmt.Sprintf("%s/admin/billing/dedipass/%d", env.URL, p.ID)),
		chromedp.WaitVisible(chromedp.CSS(`#assign-form`)),
		chromedp.SendKeys(chromedp.CSS(`#assign-form input[name=email]`), "buyer@example.com"),
		chromedp.Click(chromedp.CSS(`#assign-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#payment-status[data-status=credited]`)),
	)
	b.Screenshot("assigned")
	if n := b.Eval(`document.querySelectorAll('#assign-form').length`); n != float64(0) {
		t.Fatal("an assigned payment still offers the assign form")
	}
	bal, sum, err := env.Store.LedgerSum(ctx, buyer.ID)
	if err != nil || bal != 250 || sum != 250 {
		t.Fatalf("buyer's balance %d, ledger %d (want 250) %v", bal, sum, err)
	}
}
