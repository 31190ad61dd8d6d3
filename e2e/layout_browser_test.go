package e2e

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"recharge/apptest"
)

// Every main page fits a phone screen (no horizontal scrolling of the page itself) and
// a desktop screen; screenshots are saved for a human look (E2E_SHOTS=dir).
func TestBrowserPagesFitPhoneAndDesktop(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("admin@example.com", "password123", true)
	env.CreateUser("client@example.com", "password123", false)
	pages := map[string][]string{
		"":                   {"/login", "/register"},
		"client@example.com": {"/client", "/client/dedipass", "/client/dedipass/history", "/client/wallet", "/client/shop", "/client/services", "/client/invoices", "/client/account/2fa"},
		"admin@example.com":  {"/admin", "/admin/settings/dedipass", "/admin/billing/dedipass", "/admin/users", "/admin/products", "/admin/modules", "/admin/settings/fund", "/admin/settings/site", "/admin/settings/webhooks", "/admin/audit"},
	}
	for _, width := range []int{390, 1280} {
		for who, paths := range pages {
			b := newBrowser(t, width, 900)
			if who != "" {
				b.Login(env.URL, who, "password123")
			}
			for _, p := range paths {
				b.Run(chromedp.Navigate(env.URL+p), chromedp.WaitVisible(chromedp.CSS(`#main`)))
				b.Screenshot(fmt.Sprintf("%d%s", width, sanitize(p)))
				if v := b.Eval(`document.documentElement.scrollWidth <= window.innerWidth + 1`); v != true {
					t.Errorf("%s at %dpx scrolls horizontally", p, width)
				}
			}
		}
	}
}

func sanitize(p string) string {
	out := []byte(p)
	for i, c := range out {
		if c == '/' {
			out[i] = '_'
		}
	}
	return string(out)
}
