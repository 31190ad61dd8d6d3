package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"recharge/apptest"
)

// A new customer registers, lands on the dashboard, switches the language, logs out
// and logs back in — all through the real pages in Chromium.
func TestBrowserRegisterLoginLanguageLogout(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	b := newBrowser(t, 1280, 900)

	b.Run(
		chromedp.Navigate(env.URL+"/register"),
		chromedp.WaitVisible(chromedp.CSS(`#register-submit`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "Zoé"),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), "zoe@example.com"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "a long password"),
		chromedp.Click(chromedp.CSS(`#register-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`main.content h1`)),
	)
	if h := b.Text(`main.content h1`); !strings.Contains(h, "Bonjour Zoé") {
		t.Fatalf("dashboard heading = %q", h)
	}
	b.Screenshot("dashboard-fr")

	// Switch to English with the top-bar selector (auto-submits on change). chromedp
	// v0.23's SetValue already dispatches input and change, so no extra event is sent:
	// a second one raced the navigation and flaked (the document was still loading).
	b.Run(
		chromedp.SetValue(chromedp.CSS(`#lang-select`), "en"),
	)
	b.Run(chromedp.WaitReady(chromedp.CSS(`html[lang=en]`)))
	if h := b.Text(`main.content h1`); !strings.Contains(h, "Hello Zoé") {
		t.Fatalf("after switch heading = %q", h)
	}

	// Log out, then log back in; the language choice stays with the account.
	b.Run(
		chromedp.Click(chromedp.CSS(`#logout-button`)),
		chromedp.WaitVisible(chromedp.CSS(`#login-submit`)),
	)
	if s := b.Text(`#flash`); !strings.Contains(s, "logged out") {
		t.Fatalf("logout message = %q", s)
	}
	b.Run(
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), "zoe@example.com"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "a long password"),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`main.content h1`)),
	)
	if h := b.Text(`main.content h1`); !strings.Contains(h, "Hello Zoé") {
		t.Fatalf("after re-login heading = %q", h)
	}
	// The logged-out session cannot reach the client area any more.
	if loc := b.Location(); !strings.HasSuffix(loc, "/client") {
		t.Fatalf("location after login = %s", loc)
	}
}
