package e2e

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"recharge/apptest"
	"recharge/settings"
)

// mountTmpfs mounts a small tmpfs for the database (root only; CI runs as root).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mount tmpfs (needed for the fault test): %v %s", err, out)
		}
		t.Skipf("cannot mount a tmpfs here (%v): fault test skipped", err)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// A full disk and then a read-only disk make the portal answer 503 with a clear
// message (never 500, never a lost acknowledged credit), and it recovers once fixed.
func TestDiskFullAndReadOnly(t *testing.T) {
	dir := mountTmpfs(t, "4m")
	env := apptest.Start(t, apptest.Options{DBPath: filepath.Join(dir, "r.db")})
	ctx := context.Background()
	if err := env.Store.SetSettings(ctx, map[string]string{settings.KeyDedipassPrivate: "fault-key", settings.KeyDedipassPublic: "pub"}); err != nil {
		t.Fatal(err)
	}
	u := env.CreateUser("fault@example.com", "password123", false)
	c := env.NewClient()
	c.Login("fault@example.com", "password123")

	callback := func(code string) apptest.Response {
		return env.NewClient().Do("POST", "/api/dedipass", url.Values{"status": {"success"}, "code": {code}, "virtual_currency": {"1"},
			"custom": {u.Custom}, "privateKey": {"fault-key"}}, nil)
	}
	if r := callback("BEFOREFULL1"); r.Status != 200 {
		t.Fatalf("callback before: %d %s", r.Status, r.Body)
	}

	// Fill the disk.
	filler := filepath.Join(dir, "filler")
	exec.Command("dd", "if=/dev/zero", "of="+filler, "bs=64k", "count=1000").Run()
	var full apptest.Response
	for i := 0; i < 50; i++ { // the WAL may still have room for a few writes
		full = callback("FULLDISK" + string(rune('A'+i%26)) + string(rune('A'+i/26)))
		if full.Status != 200 {
			break
		}
	}
	if full.Status != 503 || !strings.Contains(full.Body, "unavailable") && !strings.Contains(full.Body, "indisponible") {
		t.Fatalf("disk full: %d %s", full.Status, full.Body)
	}
	if r := c.Post("/client", "/lang", url.Values{"lang": {"en"}}); r.Status != 503 {
		t.Fatalf("page write on a full disk: %d", r.Status)
	}
	os.Remove(filler)
	if r := callback("AFTERFULL1"); r.Status != 200 {
		t.Fatalf("after freeing space: %d %s", r.Status, r.Body)
	}

	// Read-only database: a read-only remount is refused while the file is open, so
	// SQLite itself is told the database is read-only (same SQLITE_READONLY error).
	if _, err := env.Store.ExecSQL(context.Background(), `PRAGMA query_only = ON`); err != nil {
		t.Fatal(err)
	}
	r := callback("READONLY1")
	if _, err := env.Store.ExecSQL(context.Background(), `PRAGMA query_only = OFF`); err != nil {
		t.Fatal(err)
	}
	if r.Status != 503 {
		t.Fatalf("read-only: %d %s", r.Status, r.Body)
	}
	if r := callback("AFTERRO1"); r.Status != 200 {
		t.Fatalf("after read-only: %d %s", r.Status, r.Body)
	}
	// Every acknowledged credit is there; the ledger matches.
	for _, code := range []string{"BEFOREFULL1", "AFTERFULL1", "AFTERRO1"} {
		if p, err := env.Store.PaymentByCode(ctx, code); err != nil || !p.Credited() {
			t.Fatalf("acknowledged %s lost: %+v %v", code, p, err)
		}
	}
	bal, sum, err := env.Store.LedgerSum(ctx, u.ID)
	if err != nil || bal != sum {
		t.Fatalf("balance %d ledger %d %v", bal, sum, err)
	}
}
