package e2e

import (
	"strconv"
	"strings"
	"testing"

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
