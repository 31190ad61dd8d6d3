package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"recharge/apptest"
	"recharge/db"
)

// seedAdminData creates an admin, a few customers and payments with known codes.
func seedAdminData(t *testing.T, env *apptest.Env) (target *db.User) {
	t.Helper()
	env.CreateUser("boss@example.com", "password123", true)
	target = env.CreateUser("zoe@example.com", "password123", false)
	other := env.CreateUser("marc@example.com", "password123", false)
	ctx := context.Background()
	statuses := []string{db.StatusCredited, db.StatusCredited, db.StatusRefused, db.StatusCredited, db.StatusTest, db.StatusError}
	for i := range 40 {
		uid := other.ID
		code := fmt.Sprintf("K%02dX%04d", i, i*37)
		if i == 23 {
			uid, code = target.ID, "QW7ZT2PL"
		}
		st := statuses[i%len(statuses)]
		p := db.Payment{Code: code, CodeKey: strings.ToUpper(code), UserID: &uid, Status: st, Source: "callback",
			Rate: "FR-SMS-250", Solution: "SMS", Country: "FR", PayoutCents: 150 + int64(i), Test: st == db.StatusTest, Sandbox: i%7 == 0}
		if st == db.StatusCredited {
			p.CreditCents = 250
		}
		if _, err := env.Store.SettlePayment(ctx, &p); err != nil {
			t.Fatal(err)
		}
	}
	return target
}

// An admin finds one payment among many by typing the start of its code: the list
// narrows in place (no reload), the URL carries q= so it can be shared, and the row's
// customer link opens that customer's page.
func TestBrowserAdminLiveSearchOpensCustomer(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	target := seedAdminData(t, env)
	b := newBrowser(t, 1280, 900)
	b.Login(env.URL, "boss@example.com", "password123")

	b.Run(
		chromedp.Navigate(env.URL+"/admin/billing/dedipass"),
		chromedp.WaitVisible(chromedp.CSS(`#q`)),
	)
	if got := b.Attr(`#payments`, "data-total"); got != "40" {
		t.Fatalf("data-total before search = %s", got)
	}
	// A marker that only survives if the page is not reloaded.
	b.Eval(`window.__noReload = 42; true`)
	b.Run(
		chromedp.SendKeys(chromedp.CSS(`#q`), "qw7"),
		chromedp.WaitVisible(chromedp.CSS(`#payments[data-total="1"]`)),
	)
	if v := b.Eval(`window.__noReload === 42`); v != true {
		t.Fatal("the page reloaded during the live search")
	}
	if code := b.Attr(`#payments tbody tr`, "data-code"); code != "QW7ZT2PL" {
		t.Fatalf("row = %s", code)
	}
	loc := b.Location()
	u, err := url.Parse(loc)
	if err != nil || u.Path != "/admin/billing/dedipass" || u.Query().Get("q") != "qw7" {
		t.Fatalf("URL after search = %s (want q=qw7)", loc)
	}
	b.Screenshot("billing-search-1280")

	// The back button returns to the unfiltered list.
	b.Eval(`history.back(); true`)
	b.Run(chromedp.WaitVisible(chromedp.CSS(`#payments[data-total="40"]`)))
	if u, _ := url.Parse(b.Location()); u.Query().Get("q") != "" {
		t.Fatalf("URL after back = %s", b.Location())
	}

	// The shared URL gives the same list to someone else (a fresh load).
	b.Run(chromedp.Navigate(loc), chromedp.WaitVisible(chromedp.CSS(`#payments[data-total="1"]`)))

	b.Run(
		chromedp.Click(chromedp.CSS(`#payments tbody tr[data-code="QW7ZT2PL"] a.customer-link`)),
		chromedp.WaitVisible(chromedp.CSS(`#customer-email`)),
	)
	if got := b.Text(`#customer-email`); got != target.Email {
		t.Fatalf("customer page heading = %q", got)
	}
	if loc := b.Location(); !strings.HasSuffix(loc, fmt.Sprintf("/admin/users/%d", target.ID)) {
		t.Fatalf("customer page URL = %s", loc)
	}
	if b.Attr(`#customer-payments tr[data-code="QW7ZT2PL"]`, "data-status") == "" {
		t.Fatal("the payment is not listed on the customer page")
	}
}

// The main admin pages filled with data (40 payments, a chart, a customer with ledger
// entries, a raw Dedipass answer, an audit log) load and fit a phone and a desktop
// screen: no horizontal scrolling of the page. The layout test covers the same pages
// empty; long codes, amounts and table rows are what tend to overflow. Screenshots are
// kept for review with E2E_SHOTS=dir.
func TestBrowserAdminPagesWithDataFit(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	target := seedAdminData(t, env)
	// Spread the credits over the month so the chart has something to show.
	if _, err := env.Store.ExecSQL(context.Background(), `UPDATE payments SET created_at = created_at - (id * 7 % 30) * 86400,
		credited_at = credited_at - (id * 7 % 30) * 86400 WHERE credited_at IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	// Something for the customer page's ledger, the audit log and the raw answer.
	c := env.NewClient()
	c.Login("boss@example.com", "password123")
	page := fmt.Sprintf("/admin/users/%d", target.ID)
	for _, amount := range []string{"15", "-2,50"} {
		if r := c.Post(page, page+"/wallet", url.Values{"amount": {amount}, "reason": {"Geste commercial, ticket #4521"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("wallet adjustment %s: %d", amount, r.Status)
		}
	}
	if r := c.Post("/admin/modules", "/admin/modules/dedipass", url.Values{"enabled": {"0"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("turning Dedipass off: %d", r.Status)
	}
	if _, err := env.Store.ExecSQL(context.Background(), `UPDATE payments SET raw = ? WHERE id = 24`,
		"status=success&code=QW7ZT2PL&rate=FR-SMS-250&payout=1.73&virtual_currency=2.5&custom=abc&identifier=98765"); err != nil {
		t.Fatal(err)
	}
	pages := []struct{ name, path, wait string }{
		{"dashboard", "/admin", "#revenue-chart"},
		{"billing", "/admin/billing/dedipass", `#payments[data-total="40"]`},
		{"customer", page, `#customer-payments tr[data-code="QW7ZT2PL"]`},
		{"modules", "/admin/modules", "#module-fund"},
		{"payment", "/admin/billing/dedipass/24", "#raw-answer"},
		{"users", "/admin/users", "#users"},
		{"audit", "/admin/audit", `#audit tr[data-action="wallet.adjust"]`},
	}
	for _, p := range pages {
		if r := c.Get(p.path); r.Status != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", p.path, r.Status)
		}
	}
	for _, w := range []int{1280, 390} {
		b := newBrowser(t, w, 900)
		if w < 500 {
			// Headless windows have a minimum width: emulate the phone's viewport.
			b.Run(chromedp.EmulateViewport(int64(w), 844, chromedp.EmulateMobile))
		}
		b.Login(env.URL, "boss@example.com", "password123")
		for _, p := range pages {
			b.Run(chromedp.Navigate(env.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)))
			if v := b.Eval(`document.documentElement.scrollWidth <= window.innerWidth + 1`); v != true {
				t.Errorf("%s (%s) at %dpx scrolls horizontally", p.name, p.path, w)
			}
			if os.Getenv("E2E_SHOTS") != "" {
				time.Sleep(100 * time.Millisecond) // let the chart finish drawing
				b.Screenshot(fmt.Sprintf("%s-%d", p.name, w))
			}
		}
	}
}
