package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"

	"recharge/apptest"
)

// loginFrom posts one login as if from ip (through a trusted proxy on loopback).
func loginFrom(env *apptest.Env, xff, email, password string) int {
	c := env.NewClient()
	tok := c.CSRF("/login")
	return c.Do("POST", "/login", url.Values{"email": {email}, "password": {password}, "_csrf": {tok}},
		map[string]string{"X-Forwarded-For": xff}).Status
}

// Parallel wrong passwords for one (email, IP) are reserved before the password is
// checked: at most 5 are evaluated (401), the others are refused (429) unheard.
func TestParallelWrongLoginsEvaluatedAtMostFive(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("victim@example.com", "the right password", false)
	c := env.NewClient()
	tok := c.CSRF("/login")
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			st := c.Do("POST", "/login", url.Values{"email": {"victim@example.com"}, "password": {"wrong"}, "_csrf": {tok}}, nil).Status
			mu.Lock()
			counts[st]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if counts[http.StatusUnauthorized] > 5 || counts[http.StatusUnauthorized]+counts[http.StatusTooManyRequests]+counts[http.StatusServiceUnavailable] != 50 {
		t.Fatalf("50 parallel wrong logins: %v (at most 5 may be evaluated)", counts)
	}
	t.Logf("50 parallel wrong logins: %v", counts)
}

// The lockout matrix of SPEC §3: 5 failures per (email, IP), 20 per IP; a correct
// password from an IP under neither limit always logs in.
func TestLockoutMatrix(t *testing.T) {
	env := apptest.Start(t, apptest.Options{TrustedProxies: []string{"127.0.0.1"}})
	env.CreateUser("victim@example.com", "victim password", false)
	env.CreateUser("admin@example.com", "admin password", true)
	const a = "198.51.100.10"
	for i := 1; i <= 5; i++ {
		if st := loginFrom(env, a, "victim@example.com", "wrong"); st != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, st)
		}
	}
	if st := loginFrom(env, a, "victim@example.com", "victim password"); st != http.StatusTooManyRequests {
		t.Fatalf("same email, same IP after 5 failures: %d, want 429", st)
	}
	if st := loginFrom(env, "198.51.100.11", "victim@example.com", "victim password"); st != http.StatusSeeOther {
		t.Fatalf("victim from another IP: %d, want 303 (nobody can lock another out)", st)
	}
	if st := loginFrom(env, a, "admin@example.com", "admin password"); st != http.StatusSeeOther {
		t.Fatalf("another email from the same IP: %d, want 303", st)
	}

	// 20 failures from one IP, any emails, lock that IP alone.
	const b = "198.51.100.20"
	for i := range 20 {
		if st := loginFrom(env, b, fmt.Sprintf("u%d@example.com", i%8), "wrong"); st != http.StatusUnauthorized {
			t.Fatalf("IP failure %d: %d", i, st)
		}
	}
	if st := loginFrom(env, b, "admin@example.com", "admin password"); st != http.StatusTooManyRequests {
		t.Fatalf("21st attempt from a locked IP: %d, want 429", st)
	}
	if st := loginFrom(env, "198.51.100.21", "admin@example.com", "admin password"); st != http.StatusSeeOther {
		t.Fatalf("admin from another IP: %d", st)
	}

	// Spoofed prefixes before the trusted proxy's entry are one client.
	for i := range 5 {
		loginFrom(env, fmt.Sprintf("10.0.0.%d, 203.0.113.7", i), "victim@example.com", "wrong")
	}
	if st := loginFrom(env, "6.6.6.6, 203.0.113.7", "victim@example.com", "victim password"); st != http.StatusTooManyRequests {
		t.Fatalf("spoofed X-Forwarded-For prefix dodged the limit: %d", st)
	}
	if st := loginFrom(env, "not-an-ip, 203.0.113.8", "victim@example.com", "victim password"); st != http.StatusSeeOther {
		t.Fatalf("another client behind the proxy: %d", st)
	}

	// IPv6 clients are limited per /64.
	for i := range 5 {
		loginFrom(env, fmt.Sprintf("2001:db8:1:2::%x", i+1), "victim@example.com", "wrong")
	}
	if st := loginFrom(env, "2001:db8:1:2:ffff::9", "victim@example.com", "victim password"); st != http.StatusTooManyRequests {
		t.Fatalf("same /64: %d, want 429", st)
	}
	if st := loginFrom(env, "2001:db8:1:3::1", "victim@example.com", "victim password"); st != http.StatusSeeOther {
		t.Fatalf("another /64: %d, want 303", st)
	}
}

// Behind a trusted proxy the audit log and the sessions carry the real client
// address, not the whole X-Forwarded-For header.
func TestAuditLogShowsTheClientIPBehindAProxy(t *testing.T) {
	env := apptest.Start(t, apptest.Options{TrustedProxies: []string{"127.0.0.1"}})
	env.CreateUser("admin@example.com", "admin password", true)
	u := env.CreateUser("client@example.com", "client password", false)
	c := env.NewClient()
	hdr := map[string]string{"X-Forwarded-For": "10.1.2.3, 203.0.113.9"}
	tok := c.CSRF("/login")
	if r := c.Do("POST", "/login", url.Values{"email": {"admin@example.com"}, "password": {"admin password"}, "_csrf": {tok}}, hdr); r.Status != http.StatusSeeOther {
		t.Fatalf("login: %d", r.Status)
	}
	tok = c.CSRF("/admin")
	r := c.Do("POST", fmt.Sprintf("/admin/users/%d/wallet", u.ID), url.Values{"amount": {"5"}, "reason": {"gift"}, "_csrf": {tok}}, hdr)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("adjust: %d", r.Status)
	}
	entries, _, err := env.Store.AuditPage(t.Context(), 10, 0)
	if err != nil || len(entries) == 0 {
		t.Fatalf("audit: %v", err)
	}
	if entries[0].IP != "203.0.113.9" {
		t.Fatalf("audit IP %q, want 203.0.113.9", entries[0].IP)
	}
	ip, _ := env.Store.QueryInt(t.Context(), `SELECT COUNT(*) FROM sessions WHERE ip = '203.0.113.9'`)
	if ip != 1 {
		t.Fatalf("session IP not the client's")
	}
}

// At most 20 accounts per IP per hour (SPEC §3).
func TestRegistrationLimitPerIP(t *testing.T) {
	env := apptest.Start(t, apptest.Options{TrustedProxies: []string{"127.0.0.1"}})
	reg := func(xff string, i int) int {
		c := env.NewClient()
		tok := c.CSRF("/register")
		return c.Do("POST", "/register", url.Values{"email": {fmt.Sprintf("r%d@example.com", i)}, "password": {"password123"}, "_csrf": {tok}},
			map[string]string{"X-Forwarded-For": xff}).Status
	}
	for i := range 20 {
		if st := reg("192.0.2.50", i); st != http.StatusSeeOther {
			t.Fatalf("registration %d: %d", i, st)
		}
	}
	if st := reg("192.0.2.50", 20); st != http.StatusTooManyRequests {
		t.Fatalf("21st registration from one IP: %d, want 429", st)
	}
	if st := reg("192.0.2.51", 21); st != http.StatusSeeOther {
		t.Fatalf("another IP: %d", st)
	}
}

// peakRSS reads VmHWM (peak resident memory) of this process from /proc, in bytes.
func peakRSS(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc: ", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	t.Skip("no VmHWM")
	return 0
}

// 200 parallel registrations (from 200 addresses, so the per-IP limit does not stop
// them) hash at most a few passwords at once: the peak RSS of the process stays under
// 128 MB. Each argon2id hash takes 7 MiB; unbounded, 200 of them took ~900 MB.
func TestParallelRegistrationsBoundedMemory(t *testing.T) {
	env := apptest.Start(t, apptest.Options{TrustedProxies: []string{"127.0.0.1"}})
	// The server runs with a 40 MiB soft memory limit (main.go); so does this test.
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(40 << 20))
	runtime.GC()
	debug.FreeOSMemory()
	// Reset the peak to the current RSS (Linux: "5" > clear_refs).
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Skip("cannot reset the peak RSS: ", err)
	}
	before := peakRSS(t)
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			c := env.NewClient()
			tok := c.CSRF("/register")
			st := c.Do("POST", "/register", url.Values{"email": {fmt.Sprintf("m%d@example.com", i)}, "password": {"password123"}, "_csrf": {tok}},
				map[string]string{"X-Forwarded-For": fmt.Sprintf("192.0.2.%d", i)}).Status
			mu.Lock()
			counts[st]++
			mu.Unlock()
		})
	}
	wg.Wait()
	peak := peakRSS(t)
	t.Logf("200 parallel registrations: %v; peak RSS %.1f MB (%.1f MB before)", counts, float64(peak)/(1<<20), float64(before)/(1<<20))
	if peak > 128<<20 {
		t.Fatalf("peak RSS %.1f MB > 128 MB", float64(peak)/(1<<20))
	}
	if counts[http.StatusSeeOther]+counts[http.StatusServiceUnavailable] != 200 || counts[http.StatusSeeOther] == 0 {
		t.Fatalf("answers: %v (want 303, or 503 when the hashing pool stays busy)", counts)
	}
}
