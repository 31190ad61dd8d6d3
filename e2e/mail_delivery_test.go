package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"recharge/accounts"
	"recharge/apptest"
	"recharge/apptest/smtpsink"
	"recharge/db"
	"recharge/settings"
)

// topUp posts one successful Dedipass callback for custom and returns the status.
func topUp(t *testing.T, base, secret, custom, code string) int {
	t.Helper()
	form := url.Values{"status": {"success"}, "code": {code}, "rate": {"FR-SMS-250"}, "payout": {"1.20"},
		"virtual_currency": {"2"}, "custom": {custom}, "privateKey": {secret}}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).PostForm(base+"/api/dedipass", form)
	if err != nil {
		t.Fatalf("callback %s: %v", code, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// byMessageID counts the sink's mails per Message-ID.
func byMessageID(s *smtpsink.Sink) map[string]int {
	out := map[string]int{}
	for _, m := range s.Mails() {
		out[m.MessageID]++
	}
	return out
}

// The SMTP server is down for 30 s while 20 top-ups are credited: every callback is
// answered at once (mail never blocks a payment) and, once the server is back, each of
// the 20 receipts arrives exactly once.
func TestReceiptsSurviveAnSMTPOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("30 s outage skipped in -short mode")
	}
	sink := smtpsink.Start(t, smtpsink.Options{})
	env := apptest.Start(t, apptest.Options{Mail: sink})
	ctx := context.Background()
	if err := env.Store.SetSettings(ctx, map[string]string{settings.KeyDedipassPublic: "pub", settings.KeyDedipassPrivate: "outage-secret"}); err != nil {
		t.Fatal(err)
	}
	u := env.CreateUser("zoe@example.com", "password123", false)
	sink.Stop()
	down := time.Now()
	var slowest time.Duration
	for i := 0; i < 20; i++ {
		start := time.Now()
		if st := topUp(t, env.URL, "outage-secret", u.Custom, fmt.Sprintf("OUTAGE%04d", i)); st != 200 {
			t.Fatalf("callback %d answered %d during the outage", i, st)
		}
		slowest = max(slowest, time.Since(start))
	}
	if n, _ := env.Store.QueryInt(ctx, `SELECT COUNT(*) FROM outbox WHERE status = 'pending'`); n != 20 {
		t.Fatalf("%d receipts queued, want 20", n)
	}
	time.Sleep(30*time.Second - time.Since(down))
	if n, _ := env.Store.QueryInt(ctx, `SELECT COUNT(*) FROM outbox WHERE attempts > 1`); n == 0 {
		t.Fatal("no receipt was retried during the outage")
	}
	sink.Restart()
	back := time.Now()
	sink.Wait(20, 30*time.Second)
	time.Sleep(time.Second) // a duplicate would show up now
	ids := byMessageID(sink)
	if len(ids) != 20 || len(sink.Mails()) != 20 {
		t.Fatalf("%d mails, %d distinct; want 20 once each: %v", len(sink.Mails()), len(ids), ids)
	}
	for _, m := range sink.Mails() {
		if m.To[0] != "zoe@example.com" || m.Link("/client/dedipass/history") == "" {
			t.Fatalf("receipt: %+v", m)
		}
	}
	if n, _ := env.Store.QueryInt(ctx, `SELECT COUNT(*) FROM outbox WHERE status = 'sent'`); n != 20 {
		t.Fatalf("%d marked sent", n)
	}
	t.Logf("slowest callback during the outage %s; all 20 receipts delivered %s after the server came back",
		slowest.Round(time.Millisecond), time.Since(back).Round(100*time.Millisecond))
}

// The portal is SIGKILLed while it delivers receipts through a slow SMTP server. After
// a restart every receipt arrives; a receipt can arrive twice only if the kill fell
// between the server's acceptance and the portal marking it sent, and then with the
// same Message-ID (at most the one message in flight).
func TestReceiptsAfterSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	bin := buildBinary(t)
	dsn := testDatabase(t, "mailcrash")
	ctx := context.Background()
	store, err := db.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SetSettings(ctx, map[string]string{settings.KeyDedipassPublic: "pub", settings.KeyDedipassPrivate: "kill-secret"}); err != nil {
		t.Fatal(err)
	}
	u, err := (&accounts.Service{Store: store}).Register(ctx, "zoe@example.com", "password123", "", "client", "")
	if err != nil {
		t.Fatal(err)
	}
	store.Close()

	sink := smtpsink.Start(t, smtpsink.Options{Delay: 150 * time.Millisecond})
	addr := freeAddr(t)
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "serve", "--addr", addr, "--database", dsn, "--base-url", "http://"+addr,
			"--dedipass-api", "http://127.0.0.1:1", "--smtp-addr", sink.Addr, "--smtp-tls", "none")
		cmd.Env = append(os.Environ(), "RECHARGE_OUTBOX_LEASE=2s")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitHealthy(t, addr, cmd)
		return cmd
	}
	cmd := start()
	for i := 0; i < 20; i++ {
		if st := topUp(t, "http://"+addr, "kill-secret", u.Custom, fmt.Sprintf("KILL%04d", i)); st != 200 {
			t.Fatalf("callback %d: %d", i, st)
		}
	}
	// Kill it in the middle of the deliveries.
	deadline := time.Now().Add(20 * time.Second)
	for len(sink.Mails()) < 6 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	atKill := len(sink.Mails())
	if atKill >= 20 {
		t.Fatalf("all receipts were out before the kill (%d): nothing was tested", atKill)
	}
	cmd = start()
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	deadline = time.Now().Add(60 * time.Second)
	for len(byMessageID(sink)) < 20 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(3 * time.Second) // past the lease: a stray repeat would show up now
	ids := byMessageID(sink)
	repeats := len(sink.Mails()) - len(ids)
	if len(ids) != 20 {
		t.Fatalf("%d distinct receipts after the restart, want 20 (mails at the kill: %d)", len(ids), atKill)
	}
	if repeats > 1 {
		t.Fatalf("%d repeated receipts, at most the one in flight may repeat: %v", repeats, ids)
	}
	t.Logf("receipts at the kill: %d; after the restart: %d distinct, %d repeated with the same Message-ID", atKill, len(ids), repeats)
}

// waitHealthy waits for a started process's /healthz.
func waitHealthy(t *testing.T, addr string, cmd *exec.Cmd) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	t.Fatal("server did not become healthy")
}
