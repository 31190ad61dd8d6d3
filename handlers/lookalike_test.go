package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"recharge/apptest"
)

// Six parallel POST /setup with the right token create one admin (SPEC §3).
func TestParallelSetupCreatesOneAdmin(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	token, err := env.Server.Accounts().PrepareSetup(t.Context())
	if err != nil || token == "" {
		t.Fatalf("prepare setup: %v", err)
	}
	var mu sync.Mutex
	var created int
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			c := env.NewClient()
			tok := c.CSRF("/setup?token=" + token)
			r := c.Do("POST", "/setup", url.Values{"token": {token}, "email": {"boss" + string(rune('a'+i)) + "@example.com"},
				"password": {"password123"}, "_csrf": {tok}}, nil)
			mu.Lock()
			defer mu.Unlock()
			if r.Status == http.StatusSeeOther {
				created++
			} else if r.Status >= 500 {
				t.Errorf("setup: %d", r.Status)
			}
		})
	}
	wg.Wait()
	admins, _ := env.Store.QueryInt(t.Context(), `SELECT COUNT(*) FROM users WHERE role = 'admin'`)
	if created != 1 || admins != 1 {
		t.Fatalf("6 parallel setups: %d succeeded, %d admins; want 1", created, admins)
	}
}

// next= takes only a local path: a TAB, a backslash or any control character
// sends the user to the default page instead (browsers drop TABs from URLs, so
// "/\t/evil.example" becomes "//evil.example").
func TestNextRedirectOnlyLocal(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("n@example.com", "password123", false)
	for next, want := range map[string]string{
		"/\t/evil.example/x":   "/client",
		"/\n/evil.example":     "/client",
		"/\\evil.example":      "/client",
		"/x\\..\\evil.example": "/client",
		"//evil.example":       "/client",
		"/\x7f/evil.example":   "/client",
		"https://evil.example": "/client",
		"/client/wallet?a=1":   "/client/wallet?a=1",
	} {
		c := env.NewClient()
		r := c.Post("/login", "/login", url.Values{"email": {"n@example.com"}, "password": {"password123"}, "next": {next}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != want {
			t.Errorf("next=%q: %d Location %q, want %q", next, r.Status, r.Header.Get("Location"), want)
		}
	}
}

// Look-alike emails: NFKC-normalised (full-width letters are the same account),
// invisible and control characters refused, mixed scripts flagged to the admin.
func TestLookAlikeEmails(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("admin0@example.com", "password123", true)
	reg := func(email string) int {
		return env.NewClient().Post("/register", "/register", url.Values{"email": {email}, "password": {"password123"}}).Status
	}
	if st := reg("admin0@example.com\u200b"); st != http.StatusUnprocessableEntity {
		t.Errorf("zero-width space: %d, want 422", st)
	}
	if st := reg("adm\u00adin0@example.com"); st != http.StatusUnprocessableEntity {
		t.Errorf("soft hyphen: %d, want 422", st)
	}
	if st := reg("\uff41dmin0@example.com"); st != http.StatusConflict {
		t.Errorf("full-width a: %d, want 409 (the same account after NFKC)", st)
	}
	if st := reg("\u0430dmin0@example.com"); st != http.StatusSeeOther {
		t.Fatalf("Cyrillic a: %d, want 303 (a real letter, flagged to the admin)", st)
	}
	admin := env.NewClient()
	admin.Login("ＡＤＭＩＮ0@example.com", "password123") // full-width logs in too
	page := admin.Get("/admin/users")
	rows := strings.Split(page.Body, "<tr data-user-id=")
	flagged := 0
	for _, row := range rows[1:] {
		if strings.Contains(row, `class="badge mixed-script"`) {
			flagged++
			if !strings.Contains(row, "\u0430dmin0@example.com") {
				t.Errorf("wrong row flagged: %s", row)
			}
		}
	}
	if flagged != 1 {
		t.Fatalf("mixed-script rows flagged: %d, want 1", flagged)
	}
}
