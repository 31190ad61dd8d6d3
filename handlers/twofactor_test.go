package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"recharge/apptest"
)

var (
	secretRe   = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)
	recoveryRe = regexp.MustCompile(`class="recovery-code">([a-z2-7-]+)<`)
)

// totpAt is the code of secret at now + offset.
func totpAt(t *testing.T, secret string, offset time.Duration) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, time.Now().Add(offset), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enableTwoFactor turns two-factor on through the pages for a logged-in client and
// returns the secret and the recovery codes. The code used is the current step's: a
// login right after needs the next step's (totpAt +30 s, within the ±1 step window).
func enableTwoFactor(t *testing.T, c *apptest.Client) (string, []string) {
	t.Helper()
	r := c.Get("/client/account/2fa")
	m := secretRe.FindStringSubmatch(r.Body)
	if r.Status != 200 || m == nil {
		t.Fatalf("setup page: %d, secret found %v", r.Status, m != nil)
	}
	if !strings.Contains(r.Body, `src="data:image/png;base64,`) {
		t.Fatal("no inline QR code on the setup page")
	}
	if again := secretRe.FindStringSubmatch(c.Get("/client/account/2fa").Body); again == nil || again[1] != m[1] {
		t.Fatal("a reload changed the pending secret")
	}
	secret := m[1]
	r = c.Post("/client/account/2fa", "/client/account/2fa", url.Values{"code": {"000000"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "id=\"twofactor-error\"") {
		t.Fatalf("wrong setup code: %d", r.Status)
	}
	r = c.Post("/client/account/2fa", "/client/account/2fa", url.Values{"code": {totpAt(t, secret, 0)}})
	codes := recoveryRe.FindAllStringSubmatch(r.Body, -1)
	if r.Status != 200 || len(codes) != 10 {
		t.Fatalf("enable: %d, %d recovery codes", r.Status, len(codes))
	}
	out := make([]string, len(codes))
	for i, m := range codes {
		out[i] = m[1]
	}
	if r := c.Get("/client/account/2fa"); !strings.Contains(r.Body, `data-on="1"`) || strings.Contains(r.Body, "totp-secret") || strings.Contains(r.Body, "recovery-code") {
		t.Fatal("page after enabling: not shown as on, or shows the secret or the codes again")
	}
	return secret, out
}

// passwordOnly checks that the password alone logs email in (two-factor off).
func passwordOnly(t *testing.T, env *apptest.Env, email string) {
	t.Helper()
	r := env.NewClient().Post("/login", "/login", url.Values{"email": {email}, "password": {"password123"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/client" {
		t.Fatalf("password-only login: %d %q", r.Status, r.Header.Get("Location"))
	}
}

func TestTwoFactorLogin(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("two@example.com", "password123", false)
	c := env.NewClient()
	c.Login("two@example.com", "password123")
	secret, codes := enableTwoFactor(t, c)
	c.Post("/client", "/logout", nil)

	// Password right: 303 to /login/2fa, and the session is not a logged-in one.
	b := env.NewClient()
	r := b.Post("/login", "/login", url.Values{"email": {"two@example.com"}, "password": {"password123"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login/2fa" {
		t.Fatalf("login: %d %q", r.Status, r.Header.Get("Location"))
	}
	waiting := b.HTTP.Jar.Cookies(mustURL(env.URL))
	for _, p := range []string{"/client", "/client/account/2fa", "/admin"} {
		if r := b.Get(p); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Fatalf("%s before the code: %d %q", p, r.Status, r.Header.Get("Location"))
		}
	}
	if r := b.Get("/login/2fa"); r.Status != 200 || !strings.Contains(r.Body, `name="code"`) {
		t.Fatalf("code page: %d", r.Status)
	}
	// Wrong code: 422 with a message; the code of the step that enabled it: a replay.
	for _, bad := range []string{"123456", totpAt(t, secret, 0), "nonsense"} {
		r = b.Post("/login/2fa", "/login/2fa", url.Values{"code": {bad}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "id=\"form-error\"") {
			t.Fatalf("wrong code %q: %d", bad, r.Status)
		}
	}
	r = b.Post("/login/2fa", "/login/2fa", url.Values{"code": {totpAt(t, secret, 30*time.Second)}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/client" {
		t.Fatalf("right code: %d %q", r.Status, r.Header.Get("Location"))
	}
	if r := b.Get("/client"); r.Status != 200 {
		t.Fatalf("client after the code: %d", r.Status)
	}
	// The token that waited was replaced, not promoted.
	old := env.NewClient()
	old.HTTP.Jar.SetCookies(mustURL(env.URL), waiting)
	if r := old.Get("/client"); r.Status != http.StatusSeeOther {
		t.Fatalf("waiting token after the upgrade: %d", r.Status)
	}
	if r := old.Get("/login/2fa"); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Fatalf("code page with the old token: %d %q", r.Status, r.Header.Get("Location"))
	}

	// next= survives the code step; a recovery code works once.
	n := env.NewClient()
	r = n.Post("/login?next=/client/shop", "/login", url.Values{"email": {"two@example.com"}, "password": {"password123"}, "next": {"/client/shop"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login/2fa?next=%2Fclient%2Fshop" {
		t.Fatalf("login with next: %d %q", r.Status, r.Header.Get("Location"))
	}
	r = n.Post("/login/2fa?next=%2Fclient%2Fshop", "/login/2fa", url.Values{"code": {codes[0]}, "next": {"/client/shop"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/client/shop" {
		t.Fatalf("recovery code: %d %q", r.Status, r.Header.Get("Location"))
	}
	again := env.NewClient()
	again.Post("/login", "/login", url.Values{"email": {"two@example.com"}, "password": {"password123"}})
	if r := again.Post("/login/2fa", "/login/2fa", url.Values{"code": {codes[0]}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("recovery code used twice: %d", r.Status)
	}

	// Turning it off: wrong password 422, then password and a recovery code.
	r = n.Post("/client/account/2fa", "/client/account/2fa/disable", url.Values{"current_password": {"nope"}, "code": {codes[1]}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("disable with a wrong password: %d", r.Status)
	}
	r = n.Post("/client/account/2fa", "/client/account/2fa/disable", url.Values{"current_password": {"password123"}, "code": {codes[1]}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("disable: %d", r.Status)
	}
	if r := n.Get("/client/account/2fa"); !strings.Contains(r.Body, `data-on="0"`) || !strings.Contains(r.Body, `id="totp-secret"`) {
		t.Fatal("page after disabling")
	}
	passwordOnly(t, env, "two@example.com")
}

// Wrong codes count toward the login limits: the right password and four wrong codes
// make five failures for this email from this IP; the next try is 429, right code or not.
func TestTwoFactorWrongCodesHitTheLoginLimit(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("two@example.com", "password123", false)
	c := env.NewClient()
	c.Login("two@example.com", "password123")
	secret, _ := enableTwoFactor(t, c)

	b := env.NewClient()
	b.Post("/login", "/login", url.Values{"email": {"two@example.com"}, "password": {"password123"}})
	for i := 0; i < 4; i++ {
		if r := b.Post("/login/2fa", "/login/2fa", url.Values{"code": {"000000"}}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("wrong code %d: %d", i+1, r.Status)
		}
	}
	r := b.Post("/login/2fa", "/login/2fa", url.Values{"code": {totpAt(t, secret, 30*time.Second)}})
	if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "15 minutes") {
		t.Fatalf("past the limit: %d", r.Status)
	}
	if r := b.Get("/client"); r.Status != http.StatusSeeOther {
		t.Fatalf("logged in past the limit: %d", r.Status)
	}
}

func TestRequireAdminTwoFactor(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("boss@example.com", "password123", true)
	env.CreateUser("client@example.com", "password123", false)
	ad := env.NewClient()
	ad.Login("boss@example.com", "password123")
	if r := ad.Get("/admin/settings/site"); r.Status != 200 || !strings.Contains(r.Body, `name="require_admin_2fa"`) || !strings.Contains(r.Body, `href="/admin/settings/site"`) {
		t.Fatalf("site settings page: %d", r.Status)
	}
	r := ad.Post("/admin/settings/site", "/admin/settings/site", url.Values{"require_admin_2fa": {"1"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d", r.Status)
	}
	if n, _ := env.Store.QueryInt(t.Context(), `SELECT COUNT(*) FROM audit_log WHERE action = 'settings.site' AND details LIKE 'require_admin_2fa=1 %'`); n != 1 {
		t.Fatalf("%d audit entries", n)
	}
	// Every admin page now sends this admin to the setup page, with a message.
	for _, p := range []string{"/admin", "/admin/users", "/admin/settings/site"} {
		if r := ad.Get(p); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/client/account/2fa" {
			t.Fatalf("%s without 2FA: %d %q", p, r.Status, r.Header.Get("Location"))
		}
	}
	if r := ad.Get("/client/account/2fa"); r.Status != 200 || !strings.Contains(r.Body, "double authentification avant") {
		t.Fatalf("setup page with the message: %d", r.Status)
	}
	enableTwoFactor(t, ad)
	if r := ad.Get("/admin"); r.Status != 200 {
		t.Fatalf("/admin with 2FA on: %d", r.Status)
	}
	// A client gets 403 on the admin routes, setting on or not.
	cl := env.NewClient()
	cl.Login("client@example.com", "password123")
	if r := cl.Get("/admin/settings/site"); r.Status != http.StatusForbidden {
		t.Fatalf("client on site settings: %d", r.Status)
	}
	if r := cl.Post("/client", "/admin/settings/site", url.Values{"require_admin_2fa": {"0"}}); r.Status != http.StatusForbidden {
		t.Fatalf("client saving site settings: %d", r.Status)
	}
}

func TestAdminResetsTwoFactor(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("boss@example.com", "password123", true)
	u := env.CreateUser("two@example.com", "password123", false)
	env.CreateUser("client@example.com", "password123", false)
	c := env.NewClient()
	c.Login("two@example.com", "password123")
	enableTwoFactor(t, c)

	page := "/admin/users/" + strconv.FormatInt(u.ID, 10)
	cl := env.NewClient()
	cl.Login("client@example.com", "password123")
	if r := cl.Post("/client", page+"/2fa/reset", nil); r.Status != http.StatusForbidden {
		t.Fatalf("client resetting: %d", r.Status)
	}
	ad := env.NewClient()
	ad.Login("boss@example.com", "password123")
	r := ad.Get(page)
	if r.Status != 200 || !strings.Contains(r.Body, `id="customer-2fa" data-on="1"`) || !strings.Contains(r.Body, "/2fa/reset") {
		t.Fatalf("customer page: %d", r.Status)
	}
	// Without the CSRF token: 403.
	if r := ad.Do("POST", page+"/2fa/reset", url.Values{}, nil); r.Status != http.StatusForbidden {
		t.Fatalf("reset without CSRF: %d", r.Status)
	}
	if r := ad.Post(page, page+"/2fa/reset", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("reset: %d", r.Status)
	}
	if r := ad.Get(page); !strings.Contains(r.Body, `id="customer-2fa" data-on="0"`) {
		t.Fatal("still on after the reset")
	}
	if n, _ := env.Store.QueryInt(t.Context(), `SELECT COUNT(*) FROM audit_log WHERE action = 'user.2fa_reset' AND target = 'two@example.com'`); n != 1 {
		t.Fatalf("%d audit entries", n)
	}
	if n, _ := env.Store.QueryInt(t.Context(), `SELECT COUNT(*) FROM recovery_codes WHERE user_id = ?`, u.ID); n != 0 {
		t.Fatalf("%d recovery codes left", n)
	}
	passwordOnly(t, env, "two@example.com")
	if r := ad.Post(page, "/admin/users/999999/2fa/reset", nil); r.Status != http.StatusNotFound {
		t.Fatalf("unknown user: %d", r.Status)
	}
}
