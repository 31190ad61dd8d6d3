package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"recharge/accounts"
	"recharge/db"
	"recharge/settings"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// buildBinary compiles the real recharge binary once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "recharge-e2e-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "recharge")
		cmd := exec.Command("go", "build", "-o", binPath, "..")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// startProcess runs the binary and waits for /healthz.
func startProcess(t *testing.T, bin, dbPath, addr string, extra ...string) *exec.Cmd {
	t.Helper()
	args := append([]string{"serve", "--addr", addr, "--database", dbPath, "--base-url", "http://" + addr, "--dedipass-api", "http://127.0.0.1:1"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = nil, nil
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatal("server did not become healthy")
	return nil
}

// testDatabase is a fresh database for server processes: a SQLite file, or a schema
// on the PostgreSQL server of RECHARGE_TEST_DATABASE.
func testDatabase(t *testing.T, name string) string {
	t.Helper()
	dsn, drop, err := db.TestDSN(t.TempDir(), name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	return dsn
}

// Two real server processes share one database (two instances behind a load
// balancer); one is SIGKILLed during a burst of callbacks spread over both, the other
// keeps answering. After a restart, every callback that was answered 200 is credited
// exactly once, and every wallet's balance equals the sum of its ledger.
func TestCrashDuringCallbackBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	bin := buildBinary(t)
	dbPath := testDatabase(t, "crash")
	ctx := context.Background()

	store, err := db.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SetSettings(ctx, map[string]string{settings.KeyDedipassPublic: "pub", settings.KeyDedipassPrivate: "crash-secret"}); err != nil {
		t.Fatal(err)
	}
	acc := &accounts.Service{Store: store}
	var customs []string
	var users []int64
	for i := 0; i < 4; i++ {
		u, err := acc.Register(ctx, fmt.Sprintf("c%d@example.com", i), "password123", "", "client", "")
		if err != nil {
			t.Fatal(err)
		}
		customs = append(customs, u.Custom)
		users = append(users, u.ID)
	}
	store.Close()

	addr, other := freeAddr(t), freeAddr(t)
	cmd := startProcess(t, bin, dbPath, addr)
	survivor := startProcess(t, bin, dbPath, other)
	defer func() { survivor.Process.Signal(syscall.SIGTERM); survivor.Wait() }()

	var acked sync.Map // code -> custom index
	var ackCount atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				code := fmt.Sprintf("CRASH%02dX%05d", w, i)
				who := (w + i) % len(customs)
				form := url.Values{"status": {"success"}, "code": {code}, "rate": {"FR-SMS-250"}, "payout": {"1.20"},
					"virtual_currency": {"1"}, "custom": {customs[who]}, "privateKey": {"crash-secret"}}
				target := addr // even workers post to the instance that dies, odd ones to the other
				if w%2 == 1 {
					target = other
				}
				resp, err := client.PostForm("http://"+target+"/api/dedipass", form)
				if err != nil {
					return // the server died
				}
				resp.Body.Close()
				if resp.StatusCode == 200 {
					acked.Store(code, who)
					ackCount.Add(1)
				}
			}
		}(w)
	}
	// Let some callbacks land, then kill one process without warning; the other goes on
	// for a moment.
	deadline := time.Now().Add(10 * time.Second)
	for ackCount.Load() < 150 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	atKill := ackCount.Load()
	for ackCount.Load() < atKill+50 && time.Now().Before(deadline.Add(5*time.Second)) {
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if ackCount.Load() == 0 {
		t.Fatal("no callback was acknowledged before the crash")
	}

	// Restart on the same file, then replay every acknowledged callback: still one credit each.
	cmd = startProcess(t, bin, dbPath, addr)
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()

	store, err = db.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	missing := 0
	acked.Range(func(k, v any) bool {
		p, err := store.PaymentByCode(ctx, k.(string))
		if err != nil || !p.Credited() || p.CreditCents != 100 || p.UserID == nil || *p.UserID != users[v.(int)] {
			missing++
			t.Errorf("acknowledged code %s not credited correctly after crash: %+v %v", k, p, err)
		}
		return true
	})
	ledgerRows, err := store.QueryInt(ctx, `SELECT COUNT(*) FROM ledger_entries WHERE kind = 'dedipass'`)
	if err != nil {
		t.Fatal(err)
	}
	creditedRows, err := store.QueryInt(ctx, `SELECT COUNT(*) FROM payments WHERE credited_at IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	if ledgerRows != creditedRows {
		t.Fatalf("ledger entries %d != credited payments %d", ledgerRows, creditedRows)
	}
	for _, id := range users {
		bal, sum, err := store.LedgerSum(ctx, id)
		if err != nil || bal != sum {
			t.Fatalf("user %d: balance %d, ledger %d, %v", id, bal, sum, err)
		}
	}
	// Replays after the restart credit nothing more.
	replayed := 0
	acked.Range(func(k, v any) bool {
		if replayed >= 20 {
			return false
		}
		replayed++
		form := url.Values{"status": {"success"}, "code": {k.(string)}, "virtual_currency": {"1"}, "custom": {customs[v.(int)]}, "privateKey": {"crash-secret"}}
		resp, err := client.PostForm("http://"+addr+"/api/dedipass", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("replay %s: %d", k, resp.StatusCode)
		}
		return true
	})
	after, _ := store.QueryInt(ctx, `SELECT COUNT(*) FROM ledger_entries WHERE kind = 'dedipass'`)
	if after != ledgerRows {
		t.Fatalf("replays after restart added ledger entries: %d -> %d", ledgerRows, after)
	}
	t.Logf("acknowledged by both instances: %d (%d before the SIGKILL), credited rows: %d, missing: %d", ackCount.Load(), atKill, creditedRows, missing)
}

// Two server processes on one database get the same code 50 times each, all at once
// (Dedipass retrying its callback, or a load balancer spreading retries): one credit,
// every other answer says it was credited already.
func TestTwoInstancesSameCodeCreditOnce(t *testing.T) {
	bin := buildBinary(t)
	dsn := testDatabase(t, "two")
	ctx := context.Background()
	store, err := db.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.SetSettings(ctx, map[string]string{settings.KeyDedipassPublic: "pub", settings.KeyDedipassPrivate: "two-secret"}); err != nil {
		t.Fatal(err)
	}
	u, err := (&accounts.Service{Store: store}).Register(ctx, "two@example.com", "password123", "", "client", "")
	if err != nil {
		t.Fatal(err)
	}
	addrs := []string{freeAddr(t), freeAddr(t)}
	for _, a := range addrs {
		cmd := startProcess(t, bin, dsn, a)
		defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	}
	client := &http.Client{Timeout: 10 * time.Second}
	form := url.Values{"status": {"success"}, "code": {"ONECODE42"}, "rate": {"FR-SMS-250"}, "payout": {"1.20"},
		"virtual_currency": {"2.5"}, "custom": {u.Custom}, "privateKey": {"two-secret"}}
	var wg sync.WaitGroup
	var mu sync.Mutex
	answers := map[string]int{}
	start := make(chan struct{})
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, err := client.PostForm("http://"+addrs[i%2]+"/api/dedipass", form)
			if err != nil {
				t.Error(err)
				return
			}
			var body struct{ Status, Message string }
			_ = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			mu.Lock()
			answers[fmt.Sprintf("%d %s", resp.StatusCode, body.Message)]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	if answers["200 credited"] != 1 || answers["200 already credited"] != 99 {
		t.Fatalf("answers: %v", answers)
	}
	if bal, sum, err := store.LedgerSum(ctx, u.ID); err != nil || bal != 250 || sum != 250 {
		t.Fatalf("balance %d, ledger %d, %v", bal, sum, err)
	}
}

// The process prints the setup URL on first start and stops cleanly on SIGTERM.
func TestProcessSetupURLAndGracefulStop(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	cmd := exec.Command(bin, "--addr", addr, "--database", filepath.Join(dir, "sub", "r.db"), "--base-url", "https://portal.example.com")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.Contains(line, "https://portal.example.com/setup?token=") {
		t.Fatalf("setup line %q, %v", line, err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(25 * time.Second):
		cmd.Process.Kill()
		t.Fatal("did not stop on SIGTERM")
	}
	// user create: success, then duplicate → non-zero with a clear message.
	out, err := exec.Command(bin, "user", "create", "--email", "Admin@Example.com", "--password", "password123", "--admin", "--database", filepath.Join(dir, "sub", "r.db")).CombinedOutput()
	if err != nil {
		t.Fatalf("user create: %v %s", err, out)
	}
	out, err = exec.Command(bin, "user", "create", "--email", "admin@example.com", "--password", "password123", "--database", filepath.Join(dir, "sub", "r.db")).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "already exists") {
		t.Fatalf("duplicate user create: %v %s", err, out)
	}
	// backup produces a database that opens and holds the user.
	bak := filepath.Join(dir, "backup.db")
	if out, err := exec.Command(bin, "backup", bak, "--database", filepath.Join(dir, "sub", "r.db")).CombinedOutput(); err != nil {
		t.Fatalf("backup: %v %s", err, out)
	}
	st, err := db.Open(bak)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if u, err := st.UserByEmail(context.Background(), "admin@example.com"); err != nil || !u.IsAdmin() {
		t.Fatalf("backup content: %+v %v", u, err)
	}
}
