package handlers_test

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"

	"recharge/apptest"
	"recharge/settings"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The server log records logins, callbacks, settings changes and provider failures,
// but never a password or a Dedipass key, even when they were typed wrong.
func TestLogsCarryNoSecrets(t *testing.T) {
	var logs lockedBuffer
	env := apptest.Start(t, apptest.Options{Log: &logs, DedipassAPI: "http://127.0.0.1:1"})
	const (
		pw      = "Sup3r-Secret-Passw0rd"
		privKey = "PRIVATE-KEY-d3adb33f"
		pubKey  = "PUBLIC-KEY-c0ffee00"
	)
	u := env.CreateUser("logs@example.com", pw, false)
	env.CreateUser("root@example.com", pw, true)
	ctx := context.Background()
	if err := env.Store.SetSettings(ctx, map[string]string{settings.KeyDedipassPublic: pubKey, settings.KeyDedipassPrivate: privKey}); err != nil {
		t.Fatal(err)
	}
	c := env.NewClient()
	c.Post("/login", "/login", url.Values{"email": {"logs@example.com"}, "password": {pw + "x"}}) // wrong
	c.Login("logs@example.com", pw)
	// A code while the provider is down: the error reaches the log (the URL holds the keys).
	c.Post("/client/dedipass", "/client/dedipass", url.Values{"code": {"ABCDEF12"}})
	// Callbacks with a wrong key and the right one.
	env.NewClient().Do("POST", "/api/dedipass", url.Values{"status": {"success"}, "code": {"LOGS1"}, "virtual_currency": {"1"},
		"custom": {u.Custom}, "privateKey": {privKey + "wrong"}}, nil)
	env.NewClient().Do("POST", "/api/dedipass", url.Values{"status": {"success"}, "code": {"LOGS2"}, "virtual_currency": {"1"},
		"custom": {u.Custom}, "privateKey": {privKey}}, nil)
	// The admin saves settings with a new key.
	a := env.NewClient()
	a.Login("root@example.com", pw)
	a.Post("/admin/settings/dedipass", "/admin/settings/dedipass", url.Values{"public_key": {pubKey}, "private_key": {privKey + "2"}, "unit_cents": {"100"}})

	out := logs.String()
	if !strings.Contains(out, "dedipass unavailable") || !strings.Contains(out, "dedipass code credited") || !strings.Contains(out, "login refused") {
		t.Fatalf("the log did not record the events under test:\n%s", out)
	}
	for _, secret := range []string{pw, privKey, pubKey} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains a secret %q:\n%s", secret, out)
		}
	}
}
