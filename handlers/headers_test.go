package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"recharge/apptest"
)

// Authenticated answers are never stored by the browser (Back after logout must not
// show the wallet); public pages may be.
func TestAuthenticatedPagesNoStore(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("c@example.com", "password123", false)
	c := env.NewClient()
	c.Login("c@example.com", "password123")
	for _, p := range []string{"/client", "/client/wallet", "/client/dedipass", "/client/shop"} {
		if r := c.Get(p); r.Status != 200 || !strings.Contains(r.Header.Get("Cache-Control"), "no-store") {
			t.Errorf("%s: %d Cache-Control %q, want no-store", p, r.Status, r.Header.Get("Cache-Control"))
		}
	}
}

// The CSRF token is masked afresh in every response (BREACH): two pages never carry
// the same string, and each one is accepted.
func TestCSRFTokenMaskedPerResponse(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	c := env.NewClient()
	a, b := c.CSRF("/login"), c.CSRF("/login")
	if a == b {
		t.Fatalf("the same token twice: %q", a)
	}
	for _, tok := range []string{a, b} {
		if r := c.Do("POST", "/lang", url.Values{"lang": {"en"}, "_csrf": {tok}}, nil); r.Status != http.StatusSeeOther {
			t.Fatalf("masked token refused: %d", r.Status)
		}
	}
	other := env.NewClient()
	if r := other.Do("POST", "/lang", url.Values{"lang": {"en"}, "_csrf": {a}}, nil); r.Status != http.StatusForbidden {
		t.Fatalf("another browser's token: %d", r.Status)
	}
	// Change one character in the middle (the last ones may carry unused base64 bits,
	// and "AA" was sometimes what they already were).
	mid := len(a) / 2
	swap := byte('A')
	if a[mid] == 'A' {
		swap = 'B'
	}
	altered := a[:mid] + string(swap) + a[mid+1:]
	if r := c.Do("POST", "/lang", url.Values{"lang": {"en"}, "_csrf": {altered}}, nil); r.Status != http.StatusForbidden {
		t.Fatalf("altered token: %d", r.Status)
	}
}

// Server-Timing reveals timings to admins only.
func TestServerTimingForAdminsOnly(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("c@example.com", "password123", false)
	env.CreateUser("a@example.com", "password123", true)
	if r := env.NewClient().Get("/login"); r.Header.Get("Server-Timing") != "" {
		t.Errorf("anonymous got Server-Timing %q", r.Header.Get("Server-Timing"))
	}
	c := env.NewClient()
	c.Login("c@example.com", "password123")
	if r := c.Get("/client"); r.Header.Get("Server-Timing") != "" {
		t.Errorf("customer got Server-Timing %q", r.Header.Get("Server-Timing"))
	}
	a := env.NewClient()
	a.Login("a@example.com", "password123")
	if r := a.Get("/admin"); !strings.HasPrefix(r.Header.Get("Server-Timing"), "app;dur=") {
		t.Errorf("admin: Server-Timing %q", r.Header.Get("Server-Timing"))
	}
}

// A broken multipart body on the callback gets JSON with a generic message, never
// HTML or Go's parser message.
func TestCallbackBrokenMultipartIsJSON(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	for _, ct := range []string{"multipart/form-data; boundary=xyz", "multipart/form-data", "multipart/form-data; boundary="} {
		req, _ := http.NewRequest("POST", env.URL+"/api/dedipass", strings.NewReader("--xyz\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\nAB"))
		req.Header.Set("Content-Type", ct)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body strings.Builder
		buf := make([]byte, 4096)
		n, _ := resp.Body.Read(buf)
		body.Write(buf[:n])
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.Header.Get("Content-Type"), "application/json") ||
			strings.Contains(body.String(), "multipart") || strings.Contains(body.String(), "boundary") || strings.Contains(body.String(), "EOF") {
			t.Errorf("%q: %d %s %s", ct, resp.StatusCode, resp.Header.Get("Content-Type"), body.String())
		}
	}
}
