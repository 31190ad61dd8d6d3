package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"recharge/dedipass/sandbox"
	"recharge/settings"
)

// Only admins get sandbox codes (SPEC §5.6): a customer sees the SANDBOX notice but
// no button, and 403 if they post anyway; the admin's code, shown in id="sandbox-code",
// credits what the picked offer's row says.
func TestSandboxCodeAdminsOnly(t *testing.T) {
	env, _ := dedipassEnv(t)
	if err := env.Store.SetSettings(t.Context(), map[string]string{settings.KeyDedipassSandbox: "1"}); err != nil {
		t.Fatal(err)
	}
	env.CreateUser("boss@example.com", "password123", true)
	env.CreateUser("payer@example.com", "password123", false)
	c := env.NewClient()
	c.Login("payer@example.com", "password123")
	page := c.Get("/client/dedipass")
	if !strings.Contains(page.Body, `id="sandbox-banner"`) || strings.Contains(page.Body, `id="sandbox-get-code"`) {
		t.Fatal("customer page: want the SANDBOX notice and no test-code button")
	}
	if r := c.Post("/client/dedipass", "/client/dedipass/sandbox-code", url.Values{"rate": {sandbox.DefaultRate}}); r.Status != http.StatusForbidden {
		t.Fatalf("customer asking a code: %d, want 403", r.Status)
	}
	a := env.NewClient()
	a.Login("boss@example.com", "password123")
	page = a.Get("/client/dedipass")
	opt := regexp.MustCompile(`<option value="(audiotel-300|AUDIOTEL-300)" data-credit-cents="(\d+)"`).FindStringSubmatch(page.Body)
	if opt == nil || !strings.Contains(page.Body, `id="sandbox-get-code"`) {
		t.Fatalf("admin page: no offer to pick: %.3000s", page.Body)
	}
	r := a.Post("/client/dedipass", "/client/dedipass/sandbox-code", url.Values{"rate": {opt[1]}})
	m := regexp.MustCompile(`id="sandbox-code"[^>]*>([A-Z0-9]+)<`).FindStringSubmatch(r.Body)
	if r.Status != http.StatusOK || m == nil {
		t.Fatalf("admin code: %d %.2000s", r.Status, r.Body)
	}
	r = a.Post("/client/dedipass", "/client/dedipass", url.Values{"code": {m[1]}})
	if got := hook(t, resultRe, r.Body); got[0] != "credited" || got[1] != opt[2] {
		t.Fatalf("sandbox code credited %v, the offer's row says %s", got, opt[2])
	}
}

// Sandbox test codes: at most 30 per hour per admin (SPEC §5.6), then 429.
func TestSandboxCodeRateLimit(t *testing.T) {
	env, _ := dedipassEnv(t)
	if err := env.Store.SetSettings(t.Context(), map[string]string{settings.KeyDedipassSandbox: "1"}); err != nil {
		t.Fatal(err)
	}
	env.CreateUser("boss@example.com", "password123", true)
	c := env.NewClient()
	c.Login("boss@example.com", "password123")
	pick := url.Values{"rate": {sandbox.DefaultRate}}
	for i := range 30 {
		if r := c.Post("/client/dedipass", "/client/dedipass/sandbox-code", pick); r.Status != http.StatusOK {
			t.Fatalf("code %d: %d", i+1, r.Status)
		}
	}
	if r := c.Post("/client/dedipass", "/client/dedipass/sandbox-code", pick); r.Status != http.StatusTooManyRequests {
		t.Fatalf("31st code in an hour: %d, want 429", r.Status)
	}
}
