package handlers_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"recharge/apptest"
	"recharge/settings"
)

// hostileValues are the inputs every route and field gets.
var hostileValues = []string{
	"",
	strings.Repeat("A", 20_000), // × every field stays under the 1 MB body cap
	"\xff\xfe\xfd invalid utf8",
	"nul\x00byte",
	"99999999999999999999999999999",
	"-99999999999999",
	"-1",
	"0",
	"1.005",
	"' OR 1=1 --",
	"<script>alert(1)</script>",
	`%_\"`,
	"../../etc/passwd",
}

var hostileFields = []string{"email", "password", "name", "code", "amount", "reason", "price", "description", "active",
	"enabled", "public_key", "private_key", "unit_cents", "credit_test_codes", "sandbox", "lang", "back", "next", "token",
	"status", "role", "q", "page", "period", "stock", "recipient", "transfers_enabled", "transfer_min", "transfer_max",
	"currency", "form_token", "virtual_currency", "custom", "privateKey", "payout", "rate", "identifier"}

// TestHostileInputs walks every route with hostile values as anonymous, client and
// admin: never a 5xx, and the server is still healthy with consistent wallets after.
func TestHostileInputs(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	ctx := context.Background()
	if err := env.Store.SetSettings(ctx, map[string]string{settings.KeyDedipassSandbox: "1", settings.KeyDedipassPrivate: "hostile-key", settings.KeyDedipassPublic: "pub"}); err != nil {
		t.Fatal(err)
	}
	admin := env.CreateUser("admin@example.com", "password123", true)
	client := env.CreateUser("client@example.com", "password123", false)
	victim := env.CreateUser("victim@example.com", "password123", false)
	_ = admin

	anon := env.NewClient()
	cl := env.NewClient()
	cl.Login("client@example.com", "password123")
	ad := env.NewClient()
	ad.Login("admin@example.com", "password123")
	roles := map[string]*apptest.Client{"anonymous": anon, "client": cl, "admin": ad}
	tokens := map[string]string{}
	for name, c := range roles {
		if name == "anonymous" {
			tokens[name] = c.CSRF("/login")
		} else {
			tokens[name] = c.CSRF("/client")
		}
	}

	type route struct{ method, path string }
	var routes []route
	seen := map[string]bool{}
	for _, r := range env.App.GetRoutes(true) {
		if r.Method == "HEAD" || r.Method == "CONNECT" || r.Method == "TRACE" || r.Method == "OPTIONS" || r.Path == "/" && r.Method == "USE" {
			continue
		}
		if r.Path == "/logout" || strings.HasPrefix(r.Path, "/static") {
			continue // logging out would end the roles' sessions; static files are read-only
		}
		k := r.Method + " " + r.Path
		if seen[k] || r.Method == "USE" {
			continue
		}
		seen[k] = true
		routes = append(routes, route{r.Method, r.Path})
	}
	if len(routes) < 10 {
		t.Fatalf("only %d routes found", len(routes))
	}
	ids := []string{"1", "0", "-1", "999999999999", "abc", "1e3", fmt.Sprint(victim.ID), "%00", strings.Repeat("9", 400)}
	fill := func(path, v string) string {
		parts := strings.Split(path, "/")
		for i, p := range parts {
			if strings.HasPrefix(p, ":") || p == "*" {
				parts[i] = url.PathEscape(v)
			}
		}
		return strings.Join(parts, "/")
	}
	check := func(who, method, path, ctype string, body io.Reader, extra map[string]string) {
		t.Helper()
		oversized := false
		if sr, ok := body.(*strings.Reader); ok && sr.Len() > 1<<20 {
			oversized = true
		}
		req, err := http.NewRequest(method, env.URL+path, body)
		if err != nil {
			return // not expressible as a request
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		for k, v := range extra {
			req.Header.Set(k, v)
		}
		resp, err := roles[who].HTTP.Do(req)
		if err != nil && oversized && (strings.Contains(err.Error(), "reset by peer") || strings.Contains(err.Error(), "broken pipe")) {
			return // the server answered 413 and closed before reading the 10 MB
		}
		if err != nil {
			msg := err.Error()
			if len(msg) > 300 {
				msg = msg[:300] + "…"
			}
			t.Errorf("%s %s %.200s: %s", who, method, path, msg)
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Errorf("%s %s %.200s (%s): %d %.200s", who, method, path, ctype, resp.StatusCode, b)
		}
		if strings.Contains(string(b), "goroutine ") || strings.Contains(string(b), "hostile-key") {
			t.Errorf("%s %s %.200s leaks a stack trace or a key", who, method, path)
		}
	}
	deadline := time.Now().Add(4 * time.Minute)
	for _, r := range routes {
		if time.Now().After(deadline) {
			t.Fatal("hostile walk took too long")
		}
		for who := range roles {
			hdr := map[string]string{"X-CSRF-Token": tokens[who]}
			for _, id := range ids {
				p := fill(r.path, id)
				if r.method == "GET" {
					check(who, "GET", p+"?q="+url.QueryEscape(hostileValues[9])+"&page=-5&status=%27", "", nil, nil)
					continue
				}
				check(who, r.method, p, "application/x-www-form-urlencoded", strings.NewReader(""), hdr)
			}
			if r.method == "GET" {
				for _, v := range hostileValues {
					if len(v) > 2000 {
						v = v[:2000] // the whole request line must fit the server's header buffer
					}
					q := url.Values{"q": {v}, "page": {v}, "status": {v}, "token": {v}, "next": {v}}
					check(who, "GET", fill(r.path, "1")+"?"+q.Encode(), "", nil, nil)
				}
				continue
			}
			for _, v := range hostileValues {
				form := url.Values{}
				for _, f := range hostileFields {
					form.Set(f, v)
				}
				check(who, r.method, fill(r.path, "1"), "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), hdr)
				check(who, r.method, fill(r.path, "1"), "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), map[string]string{"X-CSRF-Token": tokens[who], "HX-Request": "true"})
			}
			check(who, r.method, fill(r.path, "1"), "application/json", strings.NewReader(`{"code":"ABC","amount":1}`), hdr)
			check(who, r.method, fill(r.path, "1"), "multipart/form-data; boundary=xyz", strings.NewReader("--xyz\r\ngarbage"), hdr)
			check(who, r.method, fill(r.path, "1"), "text/plain", strings.NewReader("\x00\x01\x02"), hdr)
			check(who, r.method, fill(r.path, "1"), "application/x-www-form-urlencoded", strings.NewReader("a=%zz&b=%"), hdr)
		}
	}
	// 10 MB bodies on every POST route: 413 or a clean refusal, never 5xx.
	for _, r := range routes {
		if r.method != "POST" {
			continue
		}
		check("client", "POST", fill(r.path, "1"), "application/x-www-form-urlencoded", strings.NewReader("code="+strings.Repeat("A", 10<<20)), map[string]string{"X-CSRF-Token": tokens["client"]})
	}

	// Still healthy, wallets consistent.
	if r := anon.Get("/healthz"); r.Status != 200 {
		t.Fatalf("healthz after hostile walk: %d", r.Status)
	}
	for _, id := range []int64{admin.ID, client.ID, victim.ID} {
		bal, sum, err := env.Store.LedgerSum(ctx, id)
		if err != nil || bal != sum || bal < 0 {
			t.Fatalf("user %d: balance %d, ledger %d, %v", id, bal, sum, err)
		}
	}
	if r := cl.Get("/client"); r.Status != 200 {
		t.Fatalf("client session broken after walk: %d", r.Status)
	}
	t.Logf("walked %d routes", len(routes))
}
