package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"recharge/apptest"
)

func TestRegisterLoginLogout(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	c := env.NewClient()

	r := c.Post("/register", "/register", url.Values{"email": {"Alice@Example.com"}, "password": {"correct horse"}, "name": {"Alice"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/client" {
		t.Fatalf("register: %d %q", r.Status, r.Header.Get("Location"))
	}
	if page := c.Get("/client"); page.Status != 200 || !strings.Contains(page.Body, "Alice") {
		t.Fatalf("dashboard after register: %d", page.Status)
	}
	// Same email again → 409 with a clear message.
	other := env.NewClient()
	r = other.Post("/register", "/register", url.Values{"email": {"alice@example.com"}, "password": {"whatever123"}})
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "existe déjà") {
		t.Fatalf("duplicate register: %d", r.Status)
	}
	r = other.Post("/register", "/register", url.Values{"email": {"bob@example.com"}, "password": {"short"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "8 caractères") {
		t.Fatalf("short password: %d", r.Status)
	}

	// Logout kills the session server-side: replaying the old cookie fails.
	oldCookies := c.HTTP.Jar.Cookies(mustURL(env.URL))
	r = c.Post("/client", "/logout", nil)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("logout: %d", r.Status)
	}
	replay := env.NewClient()
	replay.HTTP.Jar.SetCookies(mustURL(env.URL), oldCookies)
	if r := replay.Get("/client"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Fatalf("old session still valid after logout: %d", r.Status)
	}

	// Login again.
	c.Login("alice@example.com", "correct horse")
	if r := c.Get("/client"); r.Status != 200 {
		t.Fatalf("client after login: %d", r.Status)
	}
}

func TestCSRFRequired(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	c := env.NewClient()
	c.Get("/login") // anonymous cookie
	r := c.Do("POST", "/login", url.Values{"email": {"a@b.co"}, "password": {"xxxxxxxx"}}, nil)
	if r.Status != http.StatusForbidden {
		t.Fatalf("POST without token: %d", r.Status)
	}
	r = c.Do("POST", "/login", url.Values{"email": {"a@b.co"}, "password": {"xxxxxxxx"}, "_csrf": {"forged"}}, nil)
	if r.Status != http.StatusForbidden {
		t.Fatalf("POST with wrong token: %d", r.Status)
	}
	// The header form works too (htmx).
	tok := c.CSRF("/login")
	r = c.Do("POST", "/login", url.Values{"email": {"a@b.co"}, "password": {"xxxxxxxx"}}, map[string]string{"X-CSRF-Token": tok})
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("POST with header token: %d", r.Status)
	}
	// The token stays valid across login: a page loaded before logging in still posts.
	env.CreateUser("csrf@example.com", "password123", false)
	r = c.Do("POST", "/login", url.Values{"email": {"csrf@example.com"}, "password": {"password123"}, "_csrf": {tok}}, nil)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("login: %d", r.Status)
	}
	if r := c.Do("POST", "/lang", url.Values{"lang": {"en"}, "_csrf": {tok}}, nil); r.Status != http.StatusSeeOther {
		t.Fatalf("same token after login: %d", r.Status)
	}
	// A token of another browser is refused.
	other := env.NewClient()
	r = other.Do("POST", "/login", url.Values{"email": {"a@b.co"}, "password": {"xxxxxxxx"}, "_csrf": {tok}}, nil)
	if r.Status != http.StatusForbidden {
		t.Fatalf("token of another browser: %d", r.Status)
	}
}

func TestLoginRateLimit(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("victim@example.com", "the right password", false)
	c := env.NewClient()
	for i := 1; i <= 5; i++ {
		r := c.Post("/login", "/login", url.Values{"email": {"victim@example.com"}, "password": {"wrong"}})
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, r.Status)
		}
	}
	r := c.Post("/login", "/login", url.Values{"email": {"victim@example.com"}, "password": {"wrong"}})
	if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "15 minutes") {
		t.Fatalf("6th attempt: %d", r.Status)
	}
	// Even the right password is refused while locked.
	r = c.Post("/login", "/login", url.Values{"email": {"victim@example.com"}, "password": {"the right password"}})
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("locked right password: %d", r.Status)
	}
}

func TestAdminGuardAndErrors(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("client@example.com", "password123", false)
	env.CreateUser("admin@example.com", "password123", true)

	anon := env.NewClient()
	if r := anon.Get("/admin"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Fatalf("anonymous /admin: %d %s", r.Status, r.Header.Get("Location"))
	}
	cl := env.NewClient()
	cl.Login("client@example.com", "password123")
	if r := cl.Get("/admin"); r.Status != http.StatusForbidden || !strings.Contains(r.Body, "administrateurs") {
		t.Fatalf("client /admin: %d", r.Status)
	}
	ad := env.NewClient()
	ad.Login("admin@example.com", "password123")
	if r := ad.Get("/admin"); r.Status != 200 {
		t.Fatalf("admin /admin: %d", r.Status)
	}
	r := anon.Get("/no/such/page")
	if r.Status != 404 || !strings.Contains(r.Body, "existe pas") {
		t.Fatalf("404 page: %d", r.Status)
	}
	r = anon.Do("GET", "/api/nothing", nil, nil)
	if r.Status != 404 || !strings.Contains(r.Header.Get("Content-Type"), "json") {
		t.Fatalf("api 404: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "Referrer-Policy", "X-Content-Type-Options"} {
		if r.Header.Get(h) == "" {
			t.Errorf("missing header %s", h)
		}
	}
	// Body cap: 10 MB → 413, never 500.
	big := strings.Repeat("a", 10<<20)
	req, _ := http.NewRequest("POST", env.URL+"/login", strings.NewReader("email="+big))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("10 MB body: %d", resp.StatusCode)
		}
	}
}

func TestSessionSurvivesRestart(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("carol@example.com", "password123", false)
	c := env.NewClient()
	c.Login("carol@example.com", "password123")
	cookies := c.HTTP.Jar.Cookies(mustURL(env.URL))
	path := env.DBPath
	env.Store.Close()

	env2 := apptest.Start(t, apptest.Options{DBPath: path})
	c2 := env2.NewClient()
	c2.HTTP.Jar.SetCookies(mustURL(env2.URL), cookies)
	if r := c2.Get("/client"); r.Status != 200 {
		t.Fatalf("session lost across restart: %d", r.Status)
	}
}

func TestSetupPage(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	ctx := t.Context()
	token, err := env.Server.Accounts().PrepareSetup(ctx)
	if err != nil || token == "" {
		t.Fatalf("prepare setup: %q %v", token, err)
	}
	c := env.NewClient()
	if r := c.Get("/setup?token=wrong"); r.Status != http.StatusForbidden {
		t.Fatalf("wrong token: %d", r.Status)
	}
	if r := c.Get("/setup"); r.Status != http.StatusForbidden {
		t.Fatalf("no token: %d", r.Status)
	}
	r := c.Post("/setup?token="+token, "/setup", url.Values{"token": {token}, "email": {"boss@example.com"}, "password": {"password123"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/admin" {
		t.Fatalf("setup submit: %d %s", r.Status, r.Header.Get("Location"))
	}
	if r := c.Get("/admin"); r.Status != 200 {
		t.Fatalf("admin after setup: %d", r.Status)
	}
	if r := env.NewClient().Get("/setup?token=" + token); r.Status != http.StatusNotFound {
		t.Fatalf("setup after admin exists: %d", r.Status)
	}
}

func TestLanguage(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	c := env.NewClient()
	r := c.Do("GET", "/login", nil, map[string]string{"Accept-Language": "en-GB,en;q=0.9"})
	if !strings.Contains(r.Body, "Log in") || !strings.Contains(r.Body, `lang="en"`) {
		t.Fatal("Accept-Language en not honoured")
	}
	if r := c.Get("/login"); !strings.Contains(r.Body, "Se connecter") {
		t.Fatal("default language is not French")
	}
	r = c.Post("/login", "/lang", url.Values{"lang": {"en"}, "back": {"/login"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Fatalf("switch: %d", r.Status)
	}
	if r := c.Get("/login"); !strings.Contains(r.Body, "Log in") {
		t.Fatal("language switch not kept")
	}
	if r := c.Post("/login", "/lang", url.Values{"lang": {"xx"}}); r.Status != http.StatusBadRequest {
		t.Fatalf("unknown lang: %d", r.Status)
	}
	if r := c.Post("/login", "/lang", url.Values{"lang": {"fr"}, "back": {"//evil.example"}}); r.Header.Get("Location") != "/" {
		t.Fatalf("open redirect: %s", r.Header.Get("Location"))
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// X-Forwarded-For is ignored by default (a client could pick any IP to dodge the
// per-IP limit) and believed only from a configured proxy.
func TestTrustedProxyForLoginLimit(t *testing.T) {
	fail := func(env *apptest.Env, c *apptest.Client, ip, email string) int {
		tok := c.CSRF("/login")
		return c.Do("POST", "/login", url.Values{"email": {email}, "password": {"wrong"}, "_csrf": {tok}},
			map[string]string{"X-Forwarded-For": ip}).Status
	}
	// Not trusted: every attempt counts for 127.0.0.1, whatever the header says
	// (20 failures from one IP, any emails, lock that IP).
	env := apptest.Start(t, apptest.Options{})
	c := env.NewClient()
	for i := 0; i < 20; i++ {
		fail(env, c, fmt.Sprintf("10.0.0.%d", i), fmt.Sprintf("u%d@example.com", i))
	}
	if st := fail(env, c, "10.9.9.9", "other@example.com"); st != http.StatusTooManyRequests {
		t.Fatalf("untrusted header dodged the IP limit: %d", st)
	}
	// Trusted loopback proxy: the forwarded address is the client's.
	env2 := apptest.Start(t, apptest.Options{TrustedProxies: []string{"127.0.0.1"}})
	c2 := env2.NewClient()
	for i := 0; i < 20; i++ {
		fail(env2, c2, "203.0.113.7", fmt.Sprintf("v%d@example.com", i))
	}
	if st := fail(env2, c2, "203.0.113.7", "w@example.com"); st != http.StatusTooManyRequests {
		t.Fatalf("forwarded IP not limited: %d", st)
	}
	if st := fail(env2, c2, "198.51.100.1", "x@example.com"); st != http.StatusUnauthorized {
		t.Fatalf("another forwarded IP limited too: %d", st)
	}
}
