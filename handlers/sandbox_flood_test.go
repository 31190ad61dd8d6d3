package handlers_test

import (
	"net/http"
	"testing"

	"recharge/settings"
)

// Sandbox test codes: at most 30 per hour per user (SPEC §5.6), then 429.
func TestSandboxCodeRateLimit(t *testing.T) {
	env, _ := dedipassEnv(t)
	if err := env.Store.SetSettings(t.Context(), map[string]string{settings.KeyDedipassSandbox: "1"}); err != nil {
		t.Fatal(err)
	}
	env.CreateUser("boss@example.com", "password123", true)
	c := env.NewClient()
	c.Login("boss@example.com", "password123")
	for i := range 30 {
		if r := c.Post("/client/dedipass", "/client/dedipass/sandbox-code", nil); r.Status != http.StatusOK {
			t.Fatalf("code %d: %d", i+1, r.Status)
		}
	}
	if r := c.Post("/client/dedipass", "/client/dedipass/sandbox-code", nil); r.Status != http.StatusTooManyRequests {
		t.Fatalf("31st code in an hour: %d, want 429", r.Status)
	}
}
