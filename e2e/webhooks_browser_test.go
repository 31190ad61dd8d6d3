package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"recharge/accounts"
	"recharge/apptest"
	"recharge/notify"
)

// An admin adds a webhook on the page (the secret is generated and shown once),
// sends a test, and sees the delivery in the log; the page at phone and desktop widths
// in both languages.
func TestBrowserWebhooks(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	var got atomic.Int64
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(notify.HeaderEvent) == notify.EventTest {
			got.Add(1)
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer rcv.Close()
	acc := &accounts.Service{Store: env.Store}
	for _, a := range []struct{ email, lang string }{{"admin@example.com", "en"}, {"admin-fr@example.com", "fr"}} {
		if _, err := acc.Register(context.Background(), a.email, "password123", "", "admin", a.lang); err != nil {
			t.Fatal(err)
		}
	}

	b := newBrowser(t, 1280, 900)
	b.Login(env.URL, "admin@example.com", "password123")
	b.Run(
		chromedp.Navigate(env.URL+"/admin/settings/webhooks"),
		chromedp.WaitVisible(chromedp.CSS(`#webhook-submit`)),
		chromedp.SendKeys(chromedp.CSS(`#webhook-url`), rcv.URL+"/recharge"),
		chromedp.Click(chromedp.CSS(`#webhook-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#webhook-secret`)),
	)
	if s := b.Text(`#webhook-secret`); !strings.HasPrefix(s, "whsec_") {
		t.Fatalf("generated secret shown: %q", s)
	}
	if n := b.Eval(`document.querySelectorAll('#webhooks li[data-id]').length`); n != float64(1) {
		t.Fatalf("%v endpoints listed", n)
	}
	b.Run(
		chromedp.Click(chromedp.CSS(`button[data-test="1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#flash`)),
	)
	deadline := time.Now().Add(15 * time.Second)
	for {
		b.Run(chromedp.Navigate(env.URL+"/admin/settings/webhooks"), chromedp.WaitVisible(chromedp.CSS(`#webhook-log`)))
		if b.Eval(`!!document.querySelector('#webhook-log tr[data-event="webhook.test"][data-status="sent"]')`) == true {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no sent test delivery in the log (receiver got %d)", got.Load())
		}
		time.Sleep(300 * time.Millisecond)
	}
	if got.Load() != 1 {
		t.Fatalf("receiver got %d test deliveries", got.Load())
	}
	if strings.Contains(b.Text(`main.content`), "whsec_") {
		t.Fatal("the secret shows again after the first page")
	}
	// The refusal of a bad URL shows in place.
	b.Run(
		chromedp.SendKeys(chromedp.CSS(`#webhook-url`), env.URL+"/api/dedipass"),
		chromedp.Click(chromedp.CSS(`#webhook-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#webhook-error`)),
	)
	b.Run(chromedp.Navigate(env.URL+"/admin/settings/webhooks"), chromedp.WaitVisible(chromedp.CSS(`#webhook-log`)))
	b.Screenshot("en-1280")
	phone := newBrowser(t, 390, 844)
	phone.Login(env.URL, "admin@example.com", "password123")
	phone.Run(chromedp.Navigate(env.URL+"/admin/settings/webhooks"), chromedp.WaitVisible(chromedp.CSS(`#webhook-log`)))
	phone.Screenshot("en-390")
	if w := phone.Eval(`document.documentElement.scrollWidth`); w.(float64) > 400 {
		t.Errorf("phone page scrolls sideways: %v px", w)
	}
	for _, width := range []int{1280, 390} {
		fr := newBrowser(t, width, 900)
		fr.Login(env.URL, "admin-fr@example.com", "password123")
		fr.Run(chromedp.Navigate(env.URL+"/admin/settings/webhooks"), chromedp.WaitVisible(chromedp.CSS(`#webhook-log`)))
		if !strings.Contains(fr.Text(`h1`), "Notifications") || !strings.Contains(fr.Text(`#webhook-log`), "Test") {
			t.Errorf("French page: %q", fr.Text(`h1`))
		}
		if width == 390 {
			fr.Screenshot("fr-390")
		} else {
			fr.Screenshot("fr-1280")
		}
	}
}
