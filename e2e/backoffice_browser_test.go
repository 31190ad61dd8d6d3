package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"recharge/apptest"
)

// An admin credits a customer's wallet with a reason (French decimal comma), then
// switches the Fund module off — which turns Dedipass off too and says so — and the
// customer's wallet menu and pages disappear until the admin switches them back on.
func TestBrowserAdjustmentAndModules(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("admin@example.com", "password123", true)
	cust := env.CreateUser("cust@example.com", "password123", false)

	a := newBrowser(t, 1280, 900)
	a.Login(env.URL, "admin@example.com", "password123")
	a.Run(
		chromedp.Navigate(fmt.Sprintf("%s/admin/users/%d", env.URL, cust.ID)),
		chromedp.WaitVisible(chromedp.CSS(`#adjust-submit`)),
		chromedp.SendKeys(chromedp.CSS(`#adjust-form input[name=amount]`), "12,50"),
		chromedp.SendKeys(chromedp.CSS(`#adjust-form input[name=reason]`), "Geste commercial"),
		chromedp.Click(chromedp.CSS(`#adjust-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#wallet-balance[data-cents="1250"]`)),
	)
	if body := a.Text(`main.content`); !strings.Contains(body, "Geste commercial") {
		t.Fatal("the reason is not in the customer's ledger")
	}

	// Fund off (the page asks for confirmation; accept it).
	a.Run(chromedp.Navigate(env.URL+"/admin/modules"), chromedp.WaitVisible(chromedp.CSS(`#fund-toggle`)))
	a.Eval(`window.confirm = function () { return true }; true`)
	a.Run(
		chromedp.Click(chromedp.CSS(`#fund-toggle`)),
		chromedp.WaitVisible(chromedp.CSS(`#module-fund[data-enabled="0"]`)),
	)
	if a.Attr(`#module-dedipass`, "data-enabled") != "0" {
		t.Fatal("Dedipass still on after Fund was turned off")
	}
	if msg := a.Text(`#flash`); !strings.Contains(msg, "Dedipass") {
		t.Fatalf("no message about Dedipass following Fund: %q", msg)
	}

	c := newBrowser(t, 1280, 900)
	c.Login(env.URL, "cust@example.com", "password123")
	if n := c.Eval(`document.querySelectorAll('a[href="/client/wallet"], a[href="/client/dedipass"]').length`); n != float64(0) {
		t.Fatalf("disabled modules still in the menu (%v links)", n)
	}
	c.Run(chromedp.Navigate(env.URL+"/client/wallet"), chromedp.WaitVisible(chromedp.CSS(`.error-code`)))
	if code := c.Text(`.error-code`); code != "404" {
		t.Fatalf("wallet page with Fund off: %s", code)
	}

	// Back on: Fund, then Dedipass.
	a.Run(
		chromedp.Click(chromedp.CSS(`#fund-toggle`)),
		chromedp.WaitVisible(chromedp.CSS(`#module-fund[data-enabled="1"]`)),
		chromedp.Click(chromedp.CSS(`#dedipass-toggle`)),
		chromedp.WaitVisible(chromedp.CSS(`#module-dedipass[data-enabled="1"]`)),
	)
	c.Run(chromedp.Navigate(env.URL+"/client/wallet"), chromedp.WaitVisible(chromedp.CSS(`#wallet-balance[data-cents="1250"]`)))
}

// The admin enables transfers; a customer sends part of their balance to another one,
// and both wallets show it.
func TestBrowserTransfer(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("admin@example.com", "password123", true)
	alice := env.CreateUser("alice@example.com", "password123", false)
	env.CreateUser("bob@example.com", "password123", false)
	env.Credit(alice.ID, 2000)

	a := newBrowser(t, 1280, 900)
	a.Login(env.URL, "admin@example.com", "password123")
	a.Run(
		chromedp.Navigate(env.URL+"/admin/settings/fund"),
		chromedp.WaitVisible(chromedp.CSS(`#fund-submit`)),
		chromedp.Click(chromedp.CSS(`input[name=transfers_enabled]`)),
		chromedp.Click(chromedp.CSS(`#fund-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#flash`)),
	)

	b := newBrowser(t, 1280, 900)
	b.Login(env.URL, "alice@example.com", "password123")
	b.Run(
		chromedp.Navigate(env.URL+"/client/wallet"),
		chromedp.WaitVisible(chromedp.CSS(`#transfer-submit`)),
		chromedp.SendKeys(chromedp.CSS(`#transfer-form input[name=email]`), "bob@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#transfer-form input[name=amount]`), "7,25"),
		chromedp.Click(chromedp.CSS(`#transfer-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#wallet-balance[data-cents="1275"]`)),
	)
	c := newBrowser(t, 1280, 900)
	c.Login(env.URL, "bob@example.com", "password123")
	c.Run(chromedp.Navigate(env.URL+"/client/wallet"), chromedp.WaitVisible(chromedp.CSS(`#wallet-balance[data-cents="725"]`)))
	if body := c.Text(`#ledger`); !strings.Contains(body, "7,25") {
		t.Fatalf("bob's ledger does not show the transfer: %q", body)
	}
}
