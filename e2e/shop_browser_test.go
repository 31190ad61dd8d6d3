package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"recharge/apptest"
)

// An admin creates a monthly product; a customer with credit buys it, sees the
// service listed, the balance drop and the invoice; a product they cannot afford says
// so with a link to top up. Screenshots of the shop and the invoice at 1280 and 390 px.
func TestBrowserShopBuyProduct(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("admin@example.com", "password123", true)
	customer := env.CreateUser("zoe@example.com", "password123", false)
	b := newBrowser(t, 1280, 900)

	// Admin: create two products through the form.
	b.Login(env.URL, "admin@example.com", "password123")
	for _, p := range []struct{ name, desc, price, period string }{
		{"VPS Starter", "1 vCPU, 2 Go de RAM, 40 Go SSD.\nSauvegarde quotidienne.", "4,99", "monthly"},
		{"Serveur dédié", "8 cœurs, 64 Go de RAM.", "89", "once"},
	} {
		b.Run(
			chromedp.Navigate(env.URL+"/admin/products"),
			chromedp.WaitVisible(chromedp.CSS(`#product-submit`)),
			chromedp.SendKeys(chromedp.CSS(`#product-form input[name=name]`), p.name),
			chromedp.SendKeys(chromedp.CSS(`#product-form textarea[name=description]`), p.desc),
			chromedp.SendKeys(chromedp.CSS(`#product-form input[name=price]`), p.price),
			chromedp.SetValue(chromedp.CSS(`#product-form select[name=period]`), p.period),
			chromedp.Click(chromedp.CSS(`#product-submit`)),
			chromedp.WaitVisible(chromedp.CSS(`#flash`)),
		)
	}
	if s := b.Text(`#products`); !strings.Contains(s, "VPS Starter") || !strings.Contains(s, "4,99") || !strings.Contains(s, "Serveur dédié") {
		t.Fatalf("admin product list: %q", s)
	}
	idOf := func(name string) string {
		v, _ := b.Eval(`[...document.querySelectorAll('#products tr[data-product-id]')].find(r => r.textContent.includes('` + name + `')).dataset.productId`).(string)
		if v == "" {
			t.Fatalf("no product row for %s", name)
		}
		return v
	}
	vpsID, dediID := idOf("VPS Starter"), idOf("Serveur dédié")
	b.Run(chromedp.Click(chromedp.CSS(`#logout-button`)), chromedp.WaitVisible(chromedp.CSS(`#login-submit`)))

	// Customer with 20,00 € buys the VPS.
	env.Credit(customer.ID, 2000)
	b.Login(env.URL, "zoe@example.com", "password123")
	b.Run(
		chromedp.Navigate(env.URL+"/client/shop"),
		chromedp.WaitVisible(chromedp.CSS(`#buy-`+vpsID)),
	)
	if c := b.Attr(`#wallet-balance`, "data-cents"); c != "2000" {
		t.Fatalf("balance before: %s", c)
	}
	b.Screenshot("shop-1280")
	if s := b.Text(`#product-` + vpsID); !strings.Contains(s, "4,99") || !strings.Contains(s, "par mois") {
		t.Fatalf("shop card: %q", s)
	}
	b.Run(
		chromedp.Click(chromedp.CSS(`#buy-`+vpsID)),
		chromedp.WaitVisible(chromedp.CSS(`#services`)),
	)
	if s := b.Text(`#flash`); !strings.Contains(s, "Merci") {
		t.Fatalf("confirmation: %q", s)
	}
	if s := b.Text(`#services tbody`); !strings.Contains(s, "VPS Starter") || !strings.Contains(s, "Actif") {
		t.Fatalf("services: %q", s)
	}
	if c := b.Attr(`#wallet-balance`, "data-cents"); c != "1501" {
		t.Fatalf("balance after: %s, want 1501", c)
	}
	if bal, sum, _ := env.Store.LedgerSum(context.Background(), customer.ID); bal != 1501 || sum != 1501 {
		t.Fatalf("ledger: balance %d sum %d", bal, sum)
	}

	// Too expensive: a clear message and a way to top up, nothing debited.
	b.Run(
		chromedp.Navigate(env.URL+"/client/shop"),
		chromedp.WaitVisible(chromedp.CSS(`.product-missing`)),
	)
	b.Run(
		chromedp.Click(chromedp.CSS(`#buy-`+dediID)),
		chromedp.WaitVisible(chromedp.CSS(`#shop-error`)),
	)
	if s := b.Text(`#shop-error`); !strings.Contains(s, "insuffisant") {
		t.Fatalf("refusal: %q", s)
	}
	if href := b.Attr(`#topup-link`, "href"); href != "/client/dedipass" {
		t.Fatalf("top-up link: %q", href)
	}
	if c := b.Attr(`#wallet-balance`, "data-cents"); c != "1501" {
		t.Fatalf("balance after refusal: %s", c)
	}

	// The invoice.
	b.Run(
		chromedp.Navigate(env.URL+"/client/invoices"),
		chromedp.WaitVisible(chromedp.CSS(`#invoices`)),
		chromedp.Click(chromedp.CSS(`#invoices tbody a`)),
		chromedp.WaitVisible(chromedp.CSS(`#invoice`)),
	)
	if s := b.Text(`#invoice`); !strings.Contains(s, "zoe@example.com") || !strings.Contains(s, "Recharge") || !strings.Contains(s, "4,99") {
		t.Fatalf("invoice: %q", s)
	}
	b.Screenshot("invoice-1280")

	// Phone width.
	b.Run(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	b.Run(chromedp.Navigate(env.URL+"/client/invoices/1"), chromedp.WaitVisible(chromedp.CSS(`#invoice`)))
	b.Screenshot("invoice-390")
	b.Run(chromedp.Navigate(env.URL+"/client/shop"), chromedp.WaitVisible(chromedp.CSS(`.products`)))
	b.Screenshot("shop-390")
	b.Run(chromedp.Navigate(env.URL+"/client/services"), chromedp.WaitVisible(chromedp.CSS(`#services`)))
	b.Screenshot("services-390")
}
