package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"recharge/apptest"
	"recharge/apptest/smtpsink"
)

// A customer who forgot their password gets back in through the mail, in Chromium:
// forgot → the mail from a real SMTP server → its link → new password → the session
// open elsewhere is dead and the new password logs in.
func TestBrowserPasswordResetByMail(t *testing.T) {
	sink := smtpsink.Start(t, smtpsink.Options{StartTLS: true})
	env := apptest.Start(t, apptest.Options{Mail: sink})
	env.CreateUser("zoe@example.com", "forgotten password", false)
	elsewhere := env.NewClient()
	elsewhere.Login("zoe@example.com", "forgotten password")

	b := newBrowser(t, 390, 844)
	start := time.Now()
	b.Run(
		chromedp.Navigate(env.URL+"/login"),
		chromedp.Click(chromedp.CSS(`#forgot-link`)),
		chromedp.WaitVisible(chromedp.CSS(`#forgot-submit`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), "zoe@example.com"),
		chromedp.Click(chromedp.CSS(`#forgot-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#forgot-sent`)),
	)
	b.Screenshot("forgot-sent-fr-390")
	m := sink.Wait(1, 15*time.Second)[0]
	link := m.Link("/reset?token=")
	if link == "" || !strings.Contains(m.Subject, "mot de passe") {
		t.Fatalf("mail: %q %q", m.Subject, m.Text)
	}
	b.Run(
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`#reset-submit`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "a brand new password"),
		chromedp.Click(chromedp.CSS(`#reset-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#login-submit`)),
	)
	if s := b.Text(`#flash`); !strings.Contains(s, "mot de passe a changé") {
		t.Fatalf("after reset: %q", s)
	}
	if r := elsewhere.Get("/client"); r.Status != 303 {
		t.Fatalf("the other session survived the reset: %d", r.Status)
	}
	b.Run(
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), "zoe@example.com"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "a brand new password"),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`main.content h1`)),
	)
	if !strings.HasSuffix(b.Location(), "/client") {
		t.Fatalf("after login: %s", b.Location())
	}
	t.Logf("forgot → logged in again: %s", time.Since(start).Round(time.Millisecond))
	// The link is dead now.
	b.Run(chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`#form-error`)))
	b.Screenshot("reset-dead-fr-390")
}

// An email change in Chromium: the account page's form → the mail to the new address →
// its link shows the address and a button → the account page shows the new email.
func TestBrowserEmailChangeByMail(t *testing.T) {
	sink := smtpsink.Start(t, smtpsink.Options{})
	env := apptest.Start(t, apptest.Options{Mail: sink})
	env.CreateUser("zoe@example.com", "my password 1", false)
	b := newBrowser(t, 390, 844)
	b.Login(env.URL, "zoe@example.com", "my password 1")
	b.Run(
		chromedp.Navigate(env.URL+"/client/account"),
		chromedp.WaitVisible(chromedp.CSS(`#email-submit`)),
		chromedp.SendKeys(chromedp.CSS(`#email-form input[name=email]`), "zoe.new@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#email-form input[name=current_password]`), "my password 1"),
		chromedp.Click(chromedp.CSS(`#email-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#flash`)),
	)
	if s := b.Text(`#current-email`); s != "zoe@example.com" {
		t.Fatalf("the email changed before the link: %q", s)
	}
	m := sink.Wait(1, 15*time.Second)[0]
	link := m.Link("/confirm-email?token=")
	if m.To[0] != "zoe.new@example.com" || link == "" {
		t.Fatalf("mail to %v, link %q", m.To, link)
	}
	b.Run(chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`#confirm-email-submit`)))
	if s := b.Text(`main.content`); !strings.Contains(s, "zoe.new@example.com") {
		t.Fatalf("the confirmation page does not name the address: %q", s)
	}
	b.Screenshot("confirm-email-fr-390")
	b.Run(chromedp.Click(chromedp.CSS(`#confirm-email-submit`)), chromedp.WaitVisible(chromedp.CSS(`#current-email`)))
	if s := b.Text(`#current-email`); s != "zoe.new@example.com" {
		t.Fatalf("after confirming: %q", s)
	}
}
