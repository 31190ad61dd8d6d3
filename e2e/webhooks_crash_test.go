package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"recharge/accounts"
	"recharge/db"
	"recharge/notify"
	"recharge/settings"
)

// Exactly one delivery per event across a SIGKILL of the portal: callbacks credit
// while the outbox worker delivers payment.credited webhooks to a (slow) loopback
// receiver; the process is killed mid-stream and restarted. Every credited payment is
// delivered, each event always under its one delivery id; a repeat (the kill fell
// between the receiver's 200 and "sent" being written) carries that same id, so the
// receiver can drop it.
func TestWebhookExactlyOnceAcrossSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	bin := buildBinary(t)
	dbPath := testDatabase(t, "hookcrash")
	ctx := context.Background()

	const secret = "crash-hook-secret-0123"
	var mu sync.Mutex
	byDelivery := map[string]int{}   // delivery id -> times received
	eventOf := map[string][]string{} // event id -> delivery ids seen
	var received atomic.Int64
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		time.Sleep(15 * time.Millisecond) // a slow receiver widens the window the kill can hit
		var b notify.Body
		if json.Unmarshal(body, &b) != nil || !notify.Verify(secret, body, r.Header.Get(notify.HeaderSignature)) {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		id := r.Header.Get(notify.HeaderDelivery)
		mu.Lock()
		if byDelivery[id] == 0 {
			eventOf[b.ID] = append(eventOf[b.ID], id)
		}
		byDelivery[id]++
		mu.Unlock()
		received.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rcv.Close()

	store, err := db.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	hooks, _ := json.Marshal([]settings.Webhook{{ID: 1, URL: rcv.URL + "/hook", Events: []string{notify.EventPaymentCredited}, Secret: secret}})
	if err := store.SetSettings(ctx, map[string]string{settings.KeyDedipassPublic: "pub", settings.KeyDedipassPrivate: "crash-secret",
		settings.KeyWebhooks: string(hooks), settings.KeyWebhooksLastID: "1"}); err != nil {
		t.Fatal(err)
	}
	u, err := (&accounts.Service{Store: store}).Register(ctx, "hooks@example.com", "password123", "", "client", "")
	if err != nil {
		t.Fatal(err)
	}
	store.Close()

	addr := freeAddr(t)
	cmd := startProcess(t, bin, dbPath, addr, "--webhooks-allow-private")
	client := &http.Client{Timeout: 5 * time.Second}
	post := func(code string) bool {
		form := url.Values{"status": {"success"}, "code": {code}, "rate": {"FR-SMS-250"}, "payout": {"1.20"},
			"virtual_currency": {"1"}, "custom": {u.Custom}, "privateKey": {"crash-secret"}}
		resp, err := client.PostForm("http://"+addr+"/api/dedipass", form)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	var acked atomic.Int64
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				if !post(fmt.Sprintf("HOOK%02dX%05d", w, i)) {
					return
				}
				acked.Add(1)
				time.Sleep(20 * time.Millisecond)
			}
		}(w)
	}
	deadline := time.Now().Add(20 * time.Second)
	for received.Load() < 10 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	stop.Store(true)
	wg.Wait()
	atKill := received.Load()
	if atKill == 0 {
		t.Fatal("no webhook delivered before the kill")
	}

	// The killed process's leases (2 min) would hold its claimed rows until they end:
	// end them now instead of waiting, as time would.
	store, err = db.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.ExecSQL(ctx, `UPDATE outbox SET locked_until = 0 WHERE status = 'pending'`); err != nil {
		t.Fatal(err)
	}
	store.Close()
	cmd = startProcess(t, bin, dbPath, addr, "--webhooks-allow-private")
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	for i := 0; i < 10; i++ { // a few more events after the restart
		post(fmt.Sprintf("HOOKAFTER%03d", i))
	}

	store, err = db.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	credited, err := store.QueryInt(ctx, `SELECT COUNT(*) FROM payments WHERE status = 'credited'`)
	if err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		n := len(eventOf)
		mu.Unlock()
		pending, _ := store.QueryInt(ctx, `SELECT COUNT(*) FROM outbox WHERE kind = 'webhook' AND status <> 'sent'`)
		if int64(n) >= credited && pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d credited payments delivered, %d webhook rows not sent", n, credited, pending)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second)
	mu.Lock()
	defer mu.Unlock()
	repeats := 0
	for ev, ids := range eventOf {
		if len(ids) != 1 || ids[0] != notify.DeliveryID(ev, 1) {
			t.Errorf("event %s delivered under delivery ids %v", ev, ids)
		}
		repeats += byDelivery[ids[0]] - 1
	}
	rows, _ := store.QueryInt(ctx, `SELECT COUNT(*) FROM outbox WHERE kind = 'webhook'`)
	if int64(len(eventOf)) != credited || rows != credited {
		t.Fatalf("%d events delivered, %d outbox rows, %d credited payments", len(eventOf), rows, credited)
	}
	t.Logf("%d callbacks acknowledged, %d credited, %d deliveries before the kill, %d events delivered, %d repeated with their delivery id",
		acked.Load()+10, credited, atKill, len(eventOf), repeats)
}
