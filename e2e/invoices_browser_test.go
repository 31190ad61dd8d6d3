package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"recharge/apptest"
	"recharge/db"
)

// The admin sets VAT to 20 %; a customer gives billing details, buys, and sees the
// invoice with HT / TVA / TTC and a PDF link; the admin finds the sale in
// /admin/services (live search by email) and the invoice in /admin/invoices. The
// pages are photographed at 390 and 1280 px in French and English and must not
// scroll sideways.
func TestBrowserInvoicesWithVAT(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	admin := env.CreateUser("admin@example.com", "password123", true)
	customer := env.CreateUser("noemie@example.com", "password123", false)
	ctx := context.Background()
	p := &db.Product{Name: "Hébergement été", Description: "Un site, 10 Go.", PriceCents: 1200, Period: db.PeriodMonthly, Active: true}
	if err := env.Store.InsertProduct(ctx, p); err != nil {
		t.Fatal(err)
	}
	env.Credit(customer.ID, 5000)
	b := newBrowser(t, 1280, 900)

	// Admin: VAT 20 % in the site settings.
	b.Login(env.URL, "admin@example.com", "password123")
	b.Run(
		chromedp.Navigate(env.URL+"/admin/settings/site"),
		chromedp.WaitVisible(chromedp.CSS(`#vat-submit`)),
	)
	b.Eval(`document.querySelector('#vat-rate').value = ''`)
	b.Run(
		chromedp.SendKeys(chromedp.CSS(`#vat-rate`), "20"),
		chromedp.Click(chromedp.CSS(`#vat-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#flash`)),
	)
	if v := b.Attr(`#vat-rate`, "value"); v != "20" {
		t.Fatalf("rate after saving: %q", v)
	}
	b.Run(chromedp.Click(chromedp.CSS(`#logout-button`)), chromedp.WaitVisible(chromedp.CSS(`#login-submit`)))

	// Customer: billing details, then the purchase.
	b.Login(env.URL, "noemie@example.com", "password123")
	b.Run(
		chromedp.Navigate(env.URL+"/client/account"),
		chromedp.WaitVisible(chromedp.CSS(`#billing-submit`)),
		chromedp.SendKeys(chromedp.CSS(`#billing-name`), "Noémie Bérard EI"),
		chromedp.SendKeys(chromedp.CSS(`#billing-address`), "12 place de l'Église\n69002 Lyon"),
		chromedp.Click(chromedp.CSS(`#billing-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#flash`)),
		chromedp.Navigate(env.URL+"/client/shop"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#buy-%d`, p.ID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#buy-%d`, p.ID))),
		chromedp.WaitVisible(chromedp.CSS(`#services`)),
		chromedp.Navigate(env.URL+"/client/invoices"),
		chromedp.WaitVisible(chromedp.CSS(`#invoices`)),
	)
	if s := b.Text(`#invoices tbody tr td a`); s != "F-000001" {
		t.Fatalf("invoice number in the list: %q", s)
	}
	b.Run(chromedp.Click(chromedp.CSS(`#invoices tbody tr td a`)), chromedp.WaitVisible(chromedp.CSS(`#invoice`)))
	invoicePath := strings.TrimPrefix(b.Location(), env.URL)
	checkInvoice := func(who string) {
		t.Helper()
		if s := b.Text(`#invoice h1`); s != "Facture F-000001" {
			t.Fatalf("%s: title %q", who, s)
		}
		if s := b.Text(`#invoice-buyer`); !strings.Contains(s, "Noémie Bérard EI") || !strings.Contains(s, "69002 Lyon") {
			t.Fatalf("%s: buyer %q", who, s)
		}
		if s := b.Text(`#invoice-ht`); !strings.Contains(s, "Total HT") || !strings.Contains(s, "10,00") {
			t.Fatalf("%s: HT line %q", who, s)
		}
		if s := b.Text(`#invoice-tva`); !strings.Contains(s, "TVA (20") || !strings.Contains(s, "2,00") {
			t.Fatalf("%s: TVA line %q", who, s)
		}
		if s := b.Text(`#invoice-total`); !strings.Contains(s, "12,00") {
			t.Fatalf("%s: total %q", who, s)
		}
		if h := b.Attr(`#invoice-pdf`, "href"); !strings.HasSuffix(h, ".pdf") {
			t.Fatalf("%s: PDF link %q", who, h)
		}
	}
	checkInvoice("customer")
	b.Run(chromedp.Click(chromedp.CSS(`#logout-button`)), chromedp.WaitVisible(chromedp.CSS(`#login-submit`)))

	// Admin: the services list, searched live by email; the invoices list and view.
	b.Login(env.URL, "admin@example.com", "password123")
	b.Run(
		chromedp.Navigate(env.URL+"/admin/services"),
		chromedp.WaitVisible(chromedp.CSS(`#services`)),
		chromedp.SendKeys(chromedp.CSS(`#q`), "nobody"),
		chromedp.WaitVisible(chromedp.CSS(`#no-results`)),
	)
	b.Eval(`document.querySelector('#q').value = ''`)
	b.Run(
		chromedp.SendKeys(chromedp.CSS(`#q`), "noemie"),
		chromedp.WaitVisible(chromedp.CSS(`#services tr[data-id][data-status="active"]`)),
	)
	if s := b.Text(`#services tbody`); !strings.Contains(s, "noemie@example.com") || !strings.Contains(s, "Hébergement été") {
		t.Fatalf("admin services: %q", s)
	}
	if !strings.Contains(b.Location(), "q=noemie") {
		t.Errorf("the live search did not update the URL: %s", b.Location())
	}
	b.Run(
		chromedp.Navigate(env.URL+"/admin/invoices"),
		chromedp.WaitVisible(chromedp.CSS(`#invoices tr[data-id]`)),
	)
	if s := b.Text(`#invoices tbody`); !strings.Contains(s, "F-000001") || !strings.Contains(s, "noemie@example.com") {
		t.Fatalf("admin invoices: %q", s)
	}
	b.Run(chromedp.Click(chromedp.CSS(`#invoices a.invoice-link`)), chromedp.WaitVisible(chromedp.CSS(`#invoice`)))
	checkInvoice("admin")
	adminInvoicePath := strings.TrimPrefix(b.Location(), env.URL)

	// Phone and desktop, French and English.
	pages := []string{"/admin/services", "/admin/invoices", adminInvoicePath, "/admin/settings/site"}
	for _, lang := range []string{"fr", "en"} {
		if err := env.Store.SetUserLang(ctx, admin.ID, lang); err != nil {
			t.Fatal(err)
		}
		if err := env.Store.SetUserLang(ctx, customer.ID, lang); err != nil {
			t.Fatal(err)
		}
		for _, width := range []int{390, 1280} {
			for _, who := range []string{"admin@example.com", "noemie@example.com"} {
				paths := pages
				if who != "admin@example.com" {
					paths = []string{invoicePath, "/client/invoices", "/client/account"}
				}
				pb := newBrowser(t, width, 900)
				pb.Login(env.URL, who, "password123")
				for _, path := range paths {
					pb.Run(chromedp.Navigate(env.URL+path), chromedp.WaitVisible(chromedp.CSS(`#main`)))
					pb.Screenshot(fmt.Sprintf("%s-%d%s", lang, width, sanitize(path)))
					if v := pb.Eval(`document.documentElement.scrollWidth <= window.innerWidth + 1`); v != true {
						t.Errorf("%s (%s) at %dpx scrolls horizontally", path, lang, width)
					}
				}
			}
		}
	}
}
