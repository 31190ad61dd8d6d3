package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"recharge/accounts"
	"recharge/db"
)

// `recharge user password` sets the password, ends that user's sessions and exits 0;
// an unknown email or a short password exits non-zero with a clear message.
func TestUserPasswordCommand(t *testing.T) {
	dsn, drop, err := db.TestDSN(t.TempDir(), "cli")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	cmd := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(append(args, "--database", dsn), &out, &errOut)
		return code, out.String(), errOut.String()
	}
	if code, _, e := cmd("user", "create", "--email", "boss@example.com", "--password", "first password", "--admin"); code != 0 {
		t.Fatalf("user create: %d %s", code, e)
	}
	store, err := db.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	acc := &accounts.Service{Store: store}
	u, _ := store.UserByEmail(ctx, "boss@example.com")
	tok, err := acc.NewSession(ctx, u.ID, "10.0.0.1", "")
	if err != nil {
		t.Fatal(err)
	}

	if code, _, e := cmd("user", "password", "--email", "nobody@example.com", "--password", "long enough"); code == 0 || !strings.Contains(e, "no account with email nobody@example.com") {
		t.Fatalf("unknown email: %d %q", code, e)
	}
	if code, _, e := cmd("user", "password", "--email", "boss@example.com", "--password", "short"); code == 0 || !strings.Contains(e, "at least 8 characters") {
		t.Fatalf("short password: %d %q", code, e)
	}
	if code, _, e := cmd("user", "password", "--email", "boss@example.com"); code == 0 || !strings.Contains(e, "required") {
		t.Fatalf("missing password: %d %q", code, e)
	}
	if _, err := acc.SessionUser(ctx, tok); err != nil {
		t.Fatalf("a refused command ended the session: %v", err)
	}
	code, out, e := cmd("user", "password", "--email", "Boss@Example.com", "--password", "second password")
	if code != 0 || !strings.Contains(out, "password set for boss@example.com") {
		t.Fatalf("user password: %d %q %q", code, out, e)
	}
	if _, err := acc.SessionUser(ctx, tok); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("session survived the new password: %v", err)
	}
	if _, err := acc.Login(ctx, "boss@example.com", "second password", "10.0.0.1"); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
	if _, err := acc.Login(ctx, "boss@example.com", "first password", "10.0.0.2"); !errors.Is(err, accounts.ErrBadCredentials) {
		t.Fatalf("old password: %v", err)
	}
	if n, _ := store.QueryInt(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'user.password_set'`); n != 1 {
		t.Fatalf("%d audit rows", n)
	}
}

// An admin who lost their phone and recovery codes gets back in from the command line:
// --reset-2fa turns two-factor off with the new password; without it, 2FA stays and
// the command says so.
func TestUserPasswordResetsTwoFactor(t *testing.T) {
	dsn, drop, err := db.TestDSN(t.TempDir(), "cli2fa")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	cmd := func(args ...string) (int, string) {
		var out, errOut bytes.Buffer
		code := run(append(args, "--database", dsn), &out, &errOut)
		return code, out.String() + errOut.String()
	}
	if code, out := cmd("user", "create", "--email", "boss@example.com", "--password", "first password", "--admin"); code != 0 {
		t.Fatal(out)
	}
	store, err := db.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	if _, err := store.ExecSQL(ctx, `UPDATE users SET totp_secret = 'JBSWY3DPEHPK3PXP' WHERE email = 'boss@example.com'`); err != nil {
		t.Fatal(err)
	}
	on := func() bool { u, _ := store.UserByEmail(ctx, "boss@example.com"); return u.TwoFactor() }
	if code, out := cmd("user", "password", "--email", "boss@example.com", "--password", "second password"); code != 0 || !on() || !strings.Contains(out, "--reset-2fa") {
		t.Fatalf("without --reset-2fa: %d %q, 2FA on: %v", code, out, on())
	}
	if code, out := cmd("user", "password", "--email", "boss@example.com", "--password", "third password", "--reset-2fa"); code != 0 || on() || !strings.Contains(out, "two-factor authentication is off") {
		t.Fatalf("with --reset-2fa: %d %q, 2FA on: %v", code, out, on())
	}
	if n, _ := store.QueryInt(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'user.password_set' AND details LIKE '%two-factor turned off%'`); n != 1 {
		t.Fatalf("audit rows: %d", n)
	}
}
