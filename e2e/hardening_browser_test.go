package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"recharge/apptest"
)

// A look-alike account (a Cyrillic "а" in "admin0") carries a visible warning badge
// in the admin's customer list; the real account does not.
func TestBrowserMixedScriptBadge(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("admin0@example.com", "password123", true)
	fake := env.CreateUser("\u0430dmin0@example.com", "password123", false)
	b := newBrowser(t, 1280, 900)
	b.Login(env.URL, "admin0@example.com", "password123")
	b.Run(chromedp.Navigate(env.URL+"/admin/users"), chromedp.WaitVisible(chromedp.CSS(`#users`)))
	sel := `tr[data-user-id="` + strconv.FormatInt(fake.ID, 10) + `"] .badge.mixed-script`
	b.Run(chromedp.WaitVisible(chromedp.CSS(sel)))
	if s := b.Text(sel); !strings.Contains(s, "écritures mêlées") {
		t.Fatalf("badge text %q", s)
	}
	if n := b.Eval(`document.querySelectorAll('.badge.mixed-script').length`); n != float64(1) {
		t.Fatalf("%v badges, want 1", n)
	}
}

// Back after logout does not show the wallet: authenticated pages are no-store, so
// the browser asks again and is sent to the login page.
func TestBrowserBackAfterLogoutHidesWallet(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	u := env.CreateUser("w@example.com", "password123", false)
	env.Credit(u.ID, 4242)
	b := newBrowser(t, 1280, 900)
	b.Login(env.URL, "w@example.com", "password123")
	b.Run(chromedp.Navigate(env.URL+"/client/wallet"), chromedp.WaitVisible(chromedp.CSS(`#wallet-balance`)))
	b.Run(chromedp.Click(chromedp.CSS(`#logout-button`)), chromedp.WaitVisible(chromedp.CSS(`#login-submit`)))
	// history.back() rather than NavigateBack: a page restored from the back-forward
	// cache fires no load event, and that page is what this test must catch.
	// Chromium left on a cached page stops answering chromedp here: wait 15 s at most.
	ctx, cancel := context.WithTimeout(b.Ctx, 15*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Evaluate[any](`history.back(), true`))
	if err == nil {
		err = chromedp.Do(ctx, chromedp.Sleep(time.Second), chromedp.WaitReady(chromedp.CSS(`body`)))
	}
	var n any
	if err == nil {
		n, err = chromedp.Run(ctx, chromedp.Evaluate[any](`document.querySelectorAll('#wallet-balance').length`))
	}
	if err != nil || n != float64(0) {
		t.Fatalf("Back after logout: the wallet page came back from the browser's cache (%v wallet elements, %v)", n, err)
	}
	if loc := b.Location(); !strings.Contains(loc, "/login") {
		t.Fatalf("Back after logout: at %s, want the login page", loc)
	}
}
