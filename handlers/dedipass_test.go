package handlers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"recharge/apptest"
	"recharge/dedipass/sandbox"
	"recharge/settings"
)

const (
	testPub  = "live-public-key"
	testPriv = "live-private-key-secret"
)

// dedipassEnv runs the portal against an imitation Dedipass over loopback HTTP.
func dedipassEnv(t *testing.T) (*apptest.Env, *sandbox.Server) {
	t.Helper()
	sb := sandbox.New(sandbox.Options{PublicKey: testPub, PrivateKey: testPriv})
	api := httptest.NewServer(sb)
	t.Cleanup(api.Close)
	env := apptest.Start(t, apptest.Options{DedipassAPI: api.URL})
	if err := env.Store.SetSettings(context.Background(), map[string]string{
		settings.KeyDedipassPublic: testPub, settings.KeyDedipassPrivate: testPriv, settings.KeyDedipassUnitCents: "100",
	}); err != nil {
		t.Fatal(err)
	}
	return env, sb
}

var (
	resultRe  = regexp.MustCompile(`id="dedipass-result"[^>]*data-status="([a-z]+)" data-credit-cents="(\d+)"`)
	balanceRe = regexp.MustCompile(`id="wallet-balance"[^>]*data-cents="(-?\d+)"`)
	customRe  = regexp.MustCompile(`data-dedipass-custom="([^"]+)"`)
)

func hook(t *testing.T, re *regexp.Regexp, body string) []string {
	t.Helper()
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("hook %s not found in:\n%.2000s", re, body)
	}
	return m[1:]
}

func TestDedipassPaymentPage(t *testing.T) {
	env, sb := dedipassEnv(t)
	u := env.CreateUser("payer@example.com", "password123", false)
	c := env.NewClient()
	c.Login("payer@example.com", "password123")

	page := c.Get("/client/dedipass")
	if page.Status != 200 {
		t.Fatalf("page: %d", page.Status)
	}
	if got := hook(t, customRe, page.Body)[0]; got != u.Custom {
		t.Fatalf("custom %q, want %q", got, u.Custom)
	}
	if hook(t, balanceRe, page.Body)[0] != "0" {
		t.Fatal("initial balance")
	}
	if !strings.Contains(page.Body, "France") || !strings.Contains(page.Body, "SMS") {
		t.Fatal("offers not shown")
	}
	if strings.Contains(page.Body, "<script>") {
		t.Fatal("unsanitised mention")
	}

	// Without JavaScript: full page with the result.
	code := sb.IssueCode("2.5", "1.10")
	r := c.Post("/client/dedipass", "/client/dedipass", url.Values{"code": {code}})
	if r.Status != 200 {
		t.Fatalf("redeem: %d", r.Status)
	}
	if m := hook(t, resultRe, r.Body); m[0] != "credited" || m[1] != "250" {
		t.Fatalf("result hook %v", m)
	}
	if hook(t, balanceRe, r.Body)[0] != "250" || !strings.Contains(r.Body, "<html") {
		t.Fatal("full page with new balance expected")
	}
	if !strings.Contains(r.Body, "2,50") {
		t.Fatal("credit amount not stated")
	}

	// htmx: a fragment, balance updated out of band.
	tok := c.CSRF("/client/dedipass")
	code2 := sb.IssueCode("1", "0.5")
	r = c.Do("POST", "/client/dedipass", url.Values{"code": {code2}}, map[string]string{"HX-Request": "true", "X-CSRF-Token": tok})
	if r.Status != 200 || strings.Contains(r.Body, "<html") || !strings.Contains(r.Body, `hx-swap-oob="true"`) {
		t.Fatalf("fragment: %d %.300s", r.Status, r.Body)
	}
	if m := hook(t, resultRe, r.Body); m[0] != "credited" || m[1] != "100" {
		t.Fatalf("fragment hook %v", m)
	}
	if hook(t, balanceRe, r.Body)[0] != "350" {
		t.Fatal("fragment balance")
	}

	// Duplicate, refused, bad format.
	r = c.Do("POST", "/client/dedipass", url.Values{"code": {code2}}, map[string]string{"HX-Request": "true", "X-CSRF-Token": tok})
	if m := hook(t, resultRe, r.Body); r.Status != 409 || m[0] != "duplicate" || m[1] != "0" {
		t.Fatalf("duplicate: %d %v", r.Status, m)
	}
	r = c.Post("/client/dedipass", "/client/dedipass", url.Values{"code": {"UNKNOWN42"}})
	if m := hook(t, resultRe, r.Body); r.Status != 422 || m[0] != "refused" {
		t.Fatalf("refused: %d %v", r.Status, m)
	}
	r = c.Post("/client/dedipass", "/client/dedipass", url.Values{"code": {"<script>x</script>"}})
	if m := hook(t, resultRe, r.Body); r.Status != 422 || m[0] != "refused" || strings.Contains(r.Body, "<script>x") {
		t.Fatalf("bad format: %d %v", r.Status, m)
	}
	// Provider down: error, 5xx from the allowed set, not 500.
	sb.SetFailure(sandbox.HTTP500)
	code3 := sb.IssueCode("1", "1")
	r = c.Post("/client/dedipass", "/client/dedipass", url.Values{"code": {code3}})
	if m := hook(t, resultRe, r.Body); r.Status != 502 || m[0] != "error" {
		t.Fatalf("outage: %d %v", r.Status, m)
	}
	sb.SetFailure(sandbox.None)

	// History lists every payment with the hooks.
	h := c.Get("/client/dedipass/history")
	for _, want := range []string{`data-code="` + code + `" data-status="credited"`, `data-code="` + code3 + `" data-status="error"`} {
		if !strings.Contains(h.Body, want) {
			t.Errorf("history lacks %s", want)
		}
	}
	// Another customer sees none of them.
	env.CreateUser("other@example.com", "password123", false)
	o := env.NewClient()
	o.Login("other@example.com", "password123")
	if h := o.Get("/client/dedipass/history"); strings.Contains(h.Body, code) {
		t.Fatal("history leaks another customer's payments")
	}
}

func TestDedipassCallbackHTTP(t *testing.T) {
	env, sb := dedipassEnv(t)
	u := env.CreateUser("cb@example.com", "password123", false)
	post := func(form url.Values) apptest.Response {
		return env.NewClient().Do("POST", "/api/dedipass", form, nil)
	}
	code := sb.IssueCode("5", "2.5")
	form := sb.BuildCallback(code, u.Custom)
	form.Set("privateKey", "wrong-key")
	r := post(form)
	if r.Status != 403 || !strings.Contains(r.Body, `"status":"error"`) || strings.Contains(r.Body, "wrong-key") || strings.Contains(r.Body, testPriv) {
		t.Fatalf("wrong key: %d %s", r.Status, r.Body)
	}
	form.Set("privateKey", testPriv)
	if r := post(form); r.Status != 200 || !strings.Contains(r.Body, `"status":"success"`) {
		t.Fatalf("callback: %d %s", r.Status, r.Body)
	}
	if r := post(form); r.Status != 200 {
		t.Fatalf("replay: %d", r.Status)
	}
	bal, sum, _ := env.Store.LedgerSum(context.Background(), u.ID)
	if bal != 500 || sum != 500 {
		t.Fatalf("balance %d sum %d", bal, sum)
	}
	// A 10 MB callback is refused with 413 before anything happens.
	req, _ := http.NewRequest("POST", env.URL+"/api/dedipass", strings.NewReader("code="+strings.Repeat("A", 10<<20)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		if resp.StatusCode != 413 {
			t.Fatalf("10 MB: %d", resp.StatusCode)
		}
	}
	// Module off: the client page is gone, the callback still credits.
	if err := env.Store.SetSettings(context.Background(), map[string]string{"module_dedipass": "0"}); err != nil {
		t.Fatal(err)
	}
	c := env.NewClient()
	c.Login("cb@example.com", "password123")
	if r := c.Get("/client/dedipass"); r.Status != 404 {
		t.Fatalf("disabled module page: %d", r.Status)
	}
	code2 := sb.IssueCode("1", "1")
	form2 := sb.BuildCallback(code2, u.Custom)
	form2.Set("privateKey", testPriv)
	if r := post(form2); r.Status != 200 {
		t.Fatalf("callback while disabled: %d", r.Status)
	}
	if bal, _, _ := env.Store.LedgerSum(context.Background(), u.ID); bal != 600 {
		t.Fatalf("not credited while disabled: %d", bal)
	}
}

func TestDedipassSettingsPage(t *testing.T) {
	env, _ := dedipassEnv(t)
	env.CreateUser("admin@example.com", "password123", true)
	env.CreateUser("client@example.com", "password123", false)
	cl := env.NewClient()
	cl.Login("client@example.com", "password123")
	if r := cl.Get("/admin/settings/dedipass"); r.Status != 403 {
		t.Fatalf("client on settings: %d", r.Status)
	}
	a := env.NewClient()
	a.Login("admin@example.com", "password123")
	page := a.Get("/admin/settings/dedipass")
	if page.Status != 200 || strings.Contains(page.Body, testPriv) {
		t.Fatalf("settings page %d or leaks the private key", page.Status)
	}
	if !strings.Contains(page.Body, env.URL+"/api/dedipass") || !strings.Contains(page.Body, env.URL+"/client/dedipass") {
		t.Fatal("install/callback URLs not shown")
	}
	// Empty private key keeps the stored one.
	r := a.Post("/admin/settings/dedipass", "/admin/settings/dedipass", url.Values{"public_key": {"new-pub"}, "private_key": {""}, "unit_cents": {"150"}, "sandbox": {"1"}})
	if r.Status != 303 {
		t.Fatalf("save: %d", r.Status)
	}
	set, _ := settings.Load(context.Background(), env.Store)
	cfg := set.Dedipass
	if cfg.PrivateKey != testPriv || cfg.PublicKey != "new-pub" || cfg.UnitCents != 150 || !cfg.Sandbox {
		t.Fatalf("saved config %+v", cfg)
	}
	r = a.Post("/admin/settings/dedipass", "/admin/settings/dedipass", url.Values{"public_key": {"p"}, "private_key": {"typed-secret"}, "unit_cents": {"-5"}})
	if r.Status != 422 || strings.Contains(r.Body, "typed-secret") {
		t.Fatalf("bad unit: %d (or echoed the key)", r.Status)
	}
	entries, _, _ := env.Store.AuditPage(context.Background(), 10, 0)
	if len(entries) == 0 || entries[0].Action != "settings.dedipass" || strings.Contains(entries[0].Details, testPriv) {
		t.Fatalf("audit: %+v", entries)
	}
	// Sandbox on: every page says SANDBOX.
	if r := a.Get("/admin"); !strings.Contains(r.Body, "SANDBOX") {
		t.Fatal("no SANDBOX banner")
	}
}

// Widget mode: the admin turns it on in the settings; the payment page embeds
// Dedipass's widget (public key and the customer's custom value) and its script, and
// that page alone lets Dedipass's origin run scripts and frames. In sandbox mode the
// native page comes back.
func TestDedipassWidgetMode(t *testing.T) {
	env, _ := dedipassEnv(t)
	env.CreateUser("boss@example.com", "password123", true)
	u := env.CreateUser("payer@example.com", "password123", false)
	a := env.NewClient()
	a.Login("boss@example.com", "password123")
	save := func(extra url.Values) {
		t.Helper()
		form := url.Values{"public_key": {testPub}, "unit_cents": {"100"}}
		for k, v := range extra {
			form[k] = v
		}
		if r := a.Post("/admin/settings/dedipass", "/admin/settings/dedipass", form); r.Status != 303 {
			t.Fatalf("save %v: %d %s", extra, r.Status, r.Body)
		}
	}
	if page := a.Get("/admin/settings/dedipass").Body; !strings.Contains(page, `name="widget"`) || !strings.Contains(page, `id="widget-help"`) {
		t.Fatal("the settings page does not offer the widget with its explanation")
	}
	save(url.Values{"widget": {"1"}})

	c := env.NewClient()
	c.Login("payer@example.com", "password123")
	page := c.Get("/client/dedipass")
	if page.Status != 200 || !strings.Contains(page.Body, `data-dedipass="`+testPub+`" data-dedipass-custom="`+u.Custom+`"`) ||
		!strings.Contains(page.Body, `<script src="https://api.dedipass.com/v1/pay.js"`) || strings.Contains(page.Body, `id="dedipass-code"`) {
		t.Fatalf("widget page: %d\n%.3000s", page.Status, page.Body)
	}
	csp := page.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self' https://api.dedipass.com") || !strings.Contains(csp, "frame-src https://api.dedipass.com") {
		t.Fatalf("widget page CSP: %s", csp)
	}
	for _, p := range []string{"/client", "/client/dedipass/history", "/client/wallet"} {
		if h := c.Get(p).Header.Get("Content-Security-Policy"); strings.Contains(h, "dedipass.com") {
			t.Fatalf("%s allows Dedipass's origin: %s", p, h)
		}
	}
	// Sandbox mode: the imitation has no widget, the native page is back.
	save(url.Values{"widget": {"1"}, "sandbox": {"1"}})
	page = c.Get("/client/dedipass")
	if !strings.Contains(page.Body, `id="dedipass-code"`) || strings.Contains(page.Body, "pay.js") ||
		strings.Contains(page.Header.Get("Content-Security-Policy"), "dedipass.com") {
		t.Fatal("sandbox mode should show the native page")
	}
}

// The balance poll answers the fragment and leaves a pending flash message to the next
// page (a poll firing between a redirect and the page it leads to must not eat it).
func TestBalancePollKeepsFlash(t *testing.T) {
	env, _ := dedipassEnv(t)
	env.CreateUser("payer@example.com", "password123", false)
	c := env.NewClient()
	c.Login("payer@example.com", "password123")
	r := c.Do("GET", "/client/dedipass/balance", nil, map[string]string{"HX-Request": "true", "Cookie": "rc_flash=success:flash.fund_sent"})
	if r.Status != 200 || !strings.Contains(r.Body, `id="page-balance"`) || !strings.Contains(r.Body, `hx-trigger="every 3s"`) {
		t.Fatalf("poll: %d %s", r.Status, r.Body)
	}
	if sc := strings.Join(r.Header.Values("Set-Cookie"), "; "); strings.Contains(sc, "rc_flash") {
		t.Fatalf("the poll took the flash message: %s", sc)
	}
}
