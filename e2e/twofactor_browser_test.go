package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"recharge/apptest"
)

// shotBoth saves the current page at phone and desktop widths and checks that the phone
// width does not scroll sideways.
func shotBoth(t *testing.T, b *Browser, name string) {
	t.Helper()
	for _, w := range []int64{390, 1280} {
		b.Run(chromedp.EmulateViewport(w, 900))
		b.Screenshot(name + "-" + strconv.FormatInt(w, 10))
		if w == 390 {
			if v := b.Eval(`document.documentElement.scrollWidth <= window.innerWidth + 1`); v != true {
				t.Errorf("%s at 390px scrolls horizontally", name)
			}
		}
	}
}

// A customer turns two-factor on by scanning nothing: the secret is read from the page
// and the code computed as an app would. Then logs out and back in with the password and
// a TOTP, then with a recovery code, which is refused the second time.
func TestBrowserTwoFactor(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("zoe@example.com", "a long password", false)
	b := newBrowser(t, 1280, 900)
	b.Login(env.URL, "zoe@example.com", "a long password")

	b.Run(
		chromedp.Navigate(env.URL+"/client/account/2fa"),
		chromedp.WaitVisible(chromedp.CSS(`#totp-secret`)),
	)
	secret := b.Text(`#totp-secret`)
	if len(secret) != 32 {
		t.Fatalf("secret %q", secret)
	}
	// The QR code is drawn (the CSP lets the inline PNG through).
	if v := b.Eval(`document.getElementById('totp-qr').complete && document.getElementById('totp-qr').naturalWidth > 0`); v != true {
		t.Fatal("QR code image not rendered")
	}
	shotBoth(t, b, "setup")

	// A wrong code first: the page says so and stays on the setup.
	b.Run(
		chromedp.SendKeys(chromedp.CSS(`#enable-code`), "000000"),
		chromedp.Click(chromedp.CSS(`#enable-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#twofactor-error`)),
	)
	shotBoth(t, b, "setup-error")
	now, err := totp.GenerateCode(b.Text(`#totp-secret`), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b.Run(
		chromedp.SendKeys(chromedp.CSS(`#enable-code`), now),
		chromedp.Click(chromedp.CSS(`#enable-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#recovery-codes`)),
	)
	raw, ok := b.Eval(`Array.from(document.querySelectorAll('.recovery-code')).map(e => e.textContent.trim())`).([]any)
	if !ok || len(raw) != 10 {
		t.Fatalf("recovery codes: %v", raw)
	}
	codes := make([]string, len(raw))
	for i, v := range raw {
		codes[i] = v.(string)
	}
	shotBoth(t, b, "codes")
	b.Run(
		chromedp.Click(chromedp.CSS(`#codes-done`)),
		chromedp.WaitVisible(chromedp.CSS(`#twofactor-disable`)),
	)
	shotBoth(t, b, "on")

	logout := func() {
		b.Run(
			chromedp.Click(chromedp.CSS(`#logout-button`)),
			chromedp.WaitVisible(chromedp.CSS(`#login-submit`)),
		)
	}
	password := func() {
		b.Run(
			chromedp.SendKeys(chromedp.CSS(`input[name=email]`), "zoe@example.com"),
			chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "a long password"),
			chromedp.Click(chromedp.CSS(`#login-submit`)),
			chromedp.WaitVisible(chromedp.CSS(`#login-2fa-code`)),
		)
	}
	enterCode := func(code string) {
		b.Run(
			chromedp.SendKeys(chromedp.CSS(`#login-2fa-code`), code),
			chromedp.Click(chromedp.CSS(`#login-2fa-submit`)),
		)
	}

	// Password, then the TOTP of the next time step (the enabling code's step is used;
	// the server accepts one step of skew, so no need to wait 30 s).
	logout()
	password()
	shotBoth(t, b, "login-code")
	next, err := totp.GenerateCodeCustom(secret, time.Now().Add(30*time.Second), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	enterCode(next)
	b.Run(chromedp.WaitVisible(chromedp.CSS(`main.content h1`)))
	if loc := b.Location(); !strings.HasSuffix(loc, "/client") {
		t.Fatalf("after the TOTP: %s", loc)
	}

	// Password, then a recovery code.
	logout()
	password()
	enterCode(codes[0])
	b.Run(chromedp.WaitVisible(chromedp.CSS(`main.content h1`)))
	if loc := b.Location(); !strings.HasSuffix(loc, "/client") {
		t.Fatalf("after the recovery code: %s", loc)
	}

	// The same recovery code a second time: refused.
	logout()
	password()
	enterCode(codes[0])
	b.Run(chromedp.WaitVisible(chromedp.CSS(`#form-error`)))
	if msg := b.Text(`#form-error`); !strings.Contains(msg, "déjà servi") {
		t.Fatalf("second use of a recovery code: %q", msg)
	}
	if loc := b.Location(); !strings.HasSuffix(loc, "/login/2fa") {
		t.Fatalf("location after the refused code: %s", loc)
	}
	shotBoth(t, b, "login-code-refused")
}
