package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"recharge/apptest"
)

// A customer logged in from two browsers sees both sessions on the account page,
// changes name and language, then the password from one browser: the other is logged
// out. An admin then suspends the customer: the browser is logged out and the login is
// refused with the message.
func TestBrowserAccountSessionsPasswordSuspension(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("boss@example.com", "admin password", true)
	cust := env.CreateUser("alice@example.com", "password123", false)
	wide := newBrowser(t, 1280, 900)
	phone := newBrowser(t, 390, 844)
	wide.Login(env.URL, "alice@example.com", "password123")
	phone.Login(env.URL, "alice@example.com", "password123")

	// Reached from the client navigation.
	wide.Run(
		chromedp.Click(chromedp.CSS(`#nav-account`)),
		chromedp.WaitVisible(chromedp.CSS(`#account-sessions`)),
	)
	if n := wide.Eval(`document.querySelectorAll('#sessions tr.session').length`); n != float64(2) {
		t.Fatalf("%v sessions listed, want 2", n)
	}
	if n := wide.Eval(`document.querySelectorAll('#sessions tr.session.current').length`); n != float64(1) {
		t.Fatalf("%v sessions marked as this device, want 1", n)
	}
	if d := wide.Text(`#sessions tr.current td`); !strings.Contains(d, "Chrome sous Linux") || !strings.Contains(d, "Cet appareil") {
		t.Fatalf("device of this session = %q", d)
	}
	wide.Screenshot("account-1280-fr")
	phone.Run(
		chromedp.Navigate(env.URL+"/client/account"),
		chromedp.WaitVisible(chromedp.CSS(`#account-sessions`)),
	)
	phone.Screenshot("account-390-fr")
	if w := phone.Eval(`document.documentElement.scrollWidth <= window.innerWidth`); w != true {
		t.Errorf("the account page scrolls sideways at 390 px")
	}

	// Name and language.
	wide.Run(
		chromedp.SetValue(chromedp.CSS(`#profile-name`), "Alice Liddell"),
		chromedp.SetValue(chromedp.CSS(`#profile-lang`), "en"),
		chromedp.Click(chromedp.CSS(`#profile-submit`)),
		chromedp.WaitReady(chromedp.CSS(`html[lang=en] #flash`)),
	)
	if f := wide.Text(`#flash`); !strings.Contains(f, "profile is saved") {
		t.Fatalf("flash = %q", f)
	}
	if v := wide.Eval(`document.querySelector('#profile-name').value`); v != "Alice Liddell" {
		t.Fatalf("name = %v", v)
	}
	wide.Screenshot("account-1280-en")
	phone.Run(
		chromedp.Reload(),
		chromedp.WaitReady(chromedp.CSS(`html[lang=en] #account-sessions`)),
	)
	phone.Screenshot("account-390-en")

	// The password, from the wide browser: the phone is logged out, the wide one stays.
	wide.Run(
		chromedp.Navigate(env.URL+"/client/account"),
		chromedp.WaitVisible(chromedp.CSS(`#password-form`)),
		chromedp.SendKeys(chromedp.CSS(`#current-password`), "password123"),
		chromedp.SendKeys(chromedp.CSS(`#new-password`), "a brand new password"),
		chromedp.Click(chromedp.CSS(`#password-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#flash`)),
	)
	if f := wide.Text(`#flash`); !strings.Contains(f, "password is changed") {
		t.Fatalf("flash = %q", f)
	}
	if n := wide.Eval(`document.querySelectorAll('#sessions tr.session').length`); n != float64(1) {
		t.Fatalf("%v sessions after the change, want 1", n)
	}
	phone.Run(
		chromedp.Navigate(env.URL+"/client/account"),
		chromedp.WaitVisible(chromedp.CSS(`#login-submit`)),
	)
	if loc := phone.Location(); !strings.Contains(loc, "/login") {
		t.Fatalf("the other browser is still logged in: %s", loc)
	}

	// The admin (in the phone browser now) suspends the customer.
	phone.Login(env.URL, "boss@example.com", "admin password")
	phone.Run(
		chromedp.Navigate(env.URL+"/admin/users/"+strconv.FormatInt(cust.ID, 10)),
		chromedp.WaitVisible(chromedp.CSS(`#suspend-submit`)),
		chromedp.Click(chromedp.CSS(`#suspend-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#customer-suspended`)),
	)
	phone.Screenshot("admin-user-suspended-390")
	wide.Run(
		chromedp.Navigate(env.URL+"/client/account"),
		chromedp.WaitVisible(chromedp.CSS(`#login-submit`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), "alice@example.com"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "a brand new password"),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`.alert.error`)),
	)
	if msg := wide.Text(`.alert.error`); !strings.Contains(msg, "This account is suspended") {
		t.Fatalf("login message = %q", msg)
	}
	if loc := wide.Location(); !strings.Contains(loc, "/login") {
		t.Fatalf("suspended customer got in: %s", loc)
	}
	if n, _ := env.Store.QueryInt(context.Background(), `SELECT COUNT(*) FROM sessions WHERE user_id = ?`, cust.ID); n != 0 {
		t.Fatalf("%d sessions left for the suspended customer", n)
	}
}
