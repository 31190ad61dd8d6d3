package accounts_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"recharge/accounts"
	"recharge/db"
	"recharge/db/dbtest"
)

// clock replaces db.Now with a settable time for the test.
type clock struct{ now int64 }

func newClock(t *testing.T) *clock {
	c := &clock{now: time.Date(2030, 3, 1, 12, 0, 10, 0, time.UTC).Unix()} // 10 s into a step
	old := db.Now
	db.Now = func() int64 { return c.now }
	t.Cleanup(func() { db.Now = old })
	return c
}

// code is the TOTP of secret at now + offset seconds.
func code(t *testing.T, secret string, now int64, offset int64) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, time.Unix(now+offset, 0), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type tfFixture struct {
	*dbtest.Fixture
	svc    *accounts.Service
	clock  *clock
	user   *db.User
	secret string
	codes  []string
}

const testIP = "192.0.2.7"

// newTF makes a customer with two-factor on (enabled with the code of now).
func newTF(t *testing.T) *tfFixture {
	f := &tfFixture{Fixture: dbtest.New(t), clock: newClock(t)}
	f.svc = &accounts.Service{Store: f.Store}
	f.user = f.User("two@example.com")
	setup, err := f.svc.SetUpTwoFactor(f.Ctx, f.user.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(setup.QRPNG) < 100 || string(setup.QRPNG[1:4]) != "PNG" {
		t.Fatalf("QR code is not a PNG (%d bytes)", len(setup.QRPNG))
	}
	// A reload shows the same secret.
	again, err := f.svc.SetUpTwoFactor(f.Ctx, f.user.ID, "")
	if err != nil || again.Secret != setup.Secret {
		t.Fatalf("second setup: %v, secret changed %v", err, again.Secret != setup.Secret)
	}
	f.secret = setup.Secret
	if _, err := f.svc.EnableTwoFactor(f.Ctx, f.user.ID, "000000x"); !errors.Is(err, accounts.ErrTwoFactorCode) {
		t.Fatalf("enable with a bad code: %v", err)
	}
	f.codes, err = f.svc.EnableTwoFactor(f.Ctx, f.user.ID, code(t, f.secret, f.clock.now, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.codes) != accounts.RecoveryCodeCount {
		t.Fatalf("%d recovery codes", len(f.codes))
	}
	if n := f.Count(`SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL`, f.user.ID); n != 10 {
		t.Fatalf("%d stored recovery codes", n)
	}
	if n := f.Count(`SELECT COUNT(*) FROM recovery_codes WHERE code_hash = ?`, f.codes[0]); n != 0 {
		t.Fatal("a recovery code is stored in clear")
	}
	if _, err := f.svc.SetUpTwoFactor(f.Ctx, f.user.ID, ""); !errors.Is(err, accounts.ErrTwoFactorOn) {
		t.Fatalf("setup while on: %v", err)
	}
	return f
}

// login checks the password and opens a session waiting for the code.
func (f *tfFixture) login(t *testing.T, ip string) string {
	t.Helper()
	u, err := f.svc.Login(f.Ctx, "two@example.com", "password123", ip)
	if err != nil || !u.TwoFactor() {
		t.Fatalf("login: %v (two-factor %v)", err, u.TwoFactor())
	}
	tok, err := f.svc.NewTwoFactorSession(f.Ctx, u.ID, ip, "test")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTOTPVerifyReplayAndSessionRotation(t *testing.T) {
	f := newTF(t)
	tok := f.login(t, testIP)
	if _, _, err := f.Store.SessionUser(f.Ctx, accounts.HashToken(tok)); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("a session awaiting its code is logged in: %v", err)
	}
	// The code that turned 2FA on was accepted for this step: it cannot log in.
	if _, _, err := f.svc.SecondFactor(f.Ctx, tok, testIP, "ua", code(t, f.secret, f.clock.now, 0)); !errors.Is(err, accounts.ErrTwoFactorCode) {
		t.Fatalf("replayed enabling code: %v", err)
	}
	// Outside the ±1 step window: refused.
	if _, _, err := f.svc.SecondFactor(f.Ctx, tok, testIP, "ua", code(t, f.secret, f.clock.now, 90)); !errors.Is(err, accounts.ErrTwoFactorCode) {
		t.Fatalf("code two steps ahead: %v", err)
	}
	// The next step's code (clock skew) passes and rotates the session.
	next := code(t, f.secret, f.clock.now, 30)
	fresh, u, err := f.svc.SecondFactor(f.Ctx, tok, testIP, "ua", next)
	if err != nil || u.ID != f.user.ID || fresh == tok {
		t.Fatalf("second factor: %v", err)
	}
	if _, _, err := f.Store.SessionUser(f.Ctx, accounts.HashToken(fresh)); err != nil {
		t.Fatalf("new session not logged in: %v", err)
	}
	if n := f.Count(`SELECT COUNT(*) FROM sessions WHERE id_hash = ?`, accounts.HashToken(tok)); n != 0 {
		t.Fatal("the waiting session survived its upgrade")
	}
	if _, _, err := f.svc.SecondFactor(f.Ctx, tok, testIP, "ua", next); !errors.Is(err, accounts.ErrTwoFactorExpired) {
		t.Fatalf("old token used again: %v", err)
	}
	// Same code, new login, a bit later but still inside the window: a replay.
	f.clock.now += 20
	tok2 := f.login(t, testIP)
	if _, _, err := f.svc.SecondFactor(f.Ctx, tok2, testIP, "ua", next); !errors.Is(err, accounts.ErrTwoFactorCode) {
		t.Fatalf("replayed code: %v", err)
	}
	// A waiting session expires after TwoFactorSessionLifetime.
	f.clock.now += int64(accounts.TwoFactorSessionLifetime/time.Second) + 1
	if _, err := f.svc.TwoFactorSessionUser(f.Ctx, tok2); !errors.Is(err, accounts.ErrTwoFactorExpired) {
		t.Fatalf("waiting session after its lifetime: %v", err)
	}
}

func TestRecoveryCodeSingleUse(t *testing.T) {
	f := newTF(t)
	tok := f.login(t, testIP)
	if _, _, err := f.svc.SecondFactor(f.Ctx, tok, testIP, "ua", " "+f.codes[3]+" "); err != nil {
		t.Fatalf("recovery code: %v", err)
	}
	tok = f.login(t, testIP)
	if _, _, err := f.svc.SecondFactor(f.Ctx, tok, testIP, "ua", f.codes[3]); !errors.Is(err, accounts.ErrTwoFactorCode) {
		t.Fatalf("recovery code used twice: %v", err)
	}
	if n, _ := f.svc.RecoveryCodesLeft(f.Ctx, f.user.ID); n != 9 {
		t.Fatalf("%d codes left", n)
	}
	// Typed without dashes and in capitals, another code works.
	c := f.codes[4]
	typed := strings.ToUpper(c[:4] + c[5:9] + c[10:])
	if _, _, err := f.svc.SecondFactor(f.Ctx, tok, testIP, "ua", typed); err != nil {
		t.Fatalf("recovery code typed differently (%q): %v", typed, err)
	}
}

// Two requests with the same code at once: exactly one logs in.
func TestSameCodeInParallelPassesOnce(t *testing.T) {
	f := newTF(t)
	toks := []string{f.login(t, testIP), f.login(t, testIP)}
	for _, c := range []string{code(t, f.secret, f.clock.now, 30), f.codes[0]} {
		if c == f.codes[0] {
			toks = []string{f.login(t, testIP), f.login(t, testIP)}
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range toks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, errs[i] = f.svc.SecondFactor(context.Background(), toks[i], testIP, "ua", c)
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else if !errors.Is(err, accounts.ErrTwoFactorCode) {
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("code %q passed %d times", c, ok)
		}
	}
}

// Wrong codes count toward the login limits (5 per email and IP, the right password
// included until the code is right); a right code forgets them.
func TestWrongCodesCountTowardLoginLimits(t *testing.T) {
	f := newTF(t)
	tok := f.login(t, testIP) // 1
	for i := 2; i <= accounts.MaxLoginFailures; i++ {
		if _, _, err := f.svc.SecondFactor(f.Ctx, tok, testIP, "ua", "123456"); !errors.Is(err, accounts.ErrTwoFactorCode) {
			t.Fatalf("wrong code %d: %v", i, err)
		}
	}
	if _, _, err := f.svc.SecondFactor(f.Ctx, tok, testIP, "ua", code(t, f.secret, f.clock.now, 30)); !errors.Is(err, accounts.ErrTooManyAttempts) {
		t.Fatalf("right code past the limit: %v", err)
	}
	if _, err := f.svc.Login(f.Ctx, "two@example.com", "password123", testIP); !errors.Is(err, accounts.ErrTooManyAttempts) {
		t.Fatalf("password past the limit: %v", err)
	}
	// Another IP is not locked out, and a right code there clears its own count.
	other := "198.51.100.9"
	tok2 := f.login(t, other)
	if _, _, err := f.svc.SecondFactor(f.Ctx, tok2, other, "ua", "654321"); !errors.Is(err, accounts.ErrTwoFactorCode) {
		t.Fatalf("wrong code: %v", err)
	}
	if _, _, err := f.svc.SecondFactor(f.Ctx, tok2, other, "ua", code(t, f.secret, f.clock.now, 30)); err != nil {
		t.Fatalf("right code from another IP: %v", err)
	}
	if n := f.Count(`SELECT COUNT(*) FROM rate_events WHERE bucket = ? AND subject = ?`, db.BucketLogin, "two@example.com|"+other); n != 0 {
		t.Fatalf("%d failures left after a right code", n)
	}
	// The window passes: the first IP may try again.
	f.clock.now += int64(accounts.LoginWindow/time.Second) + 1
	tok3 := f.login(t, testIP)
	if _, _, err := f.svc.SecondFactor(f.Ctx, tok3, testIP, "ua", f.codes[1]); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestDisableAndAdminReset(t *testing.T) {
	f := newTF(t)
	if err := f.svc.DisableTwoFactor(f.Ctx, f.user.ID, testIP, "wrong password", code(t, f.secret, f.clock.now, 30)); !errors.Is(err, accounts.ErrTwoFactorPassword) {
		t.Fatalf("disable, wrong password: %v", err)
	}
	if err := f.svc.DisableTwoFactor(f.Ctx, f.user.ID, testIP, "password123", "111111"); !errors.Is(err, accounts.ErrTwoFactorCode) {
		t.Fatalf("disable, wrong code: %v", err)
	}
	if err := f.svc.DisableTwoFactor(f.Ctx, f.user.ID, testIP, "password123", f.codes[9]); err != nil {
		t.Fatalf("disable: %v", err)
	}
	u, _ := f.Store.UserByID(f.Ctx, f.user.ID)
	if u.TwoFactor() || u.TOTPPending != "" || f.Count(`SELECT COUNT(*) FROM recovery_codes WHERE user_id = ?`, u.ID) != 0 {
		t.Fatalf("still on after disable: %+v", u)
	}
	if err := f.svc.DisableTwoFactor(f.Ctx, f.user.ID, testIP, "password123", "111111"); !errors.Is(err, accounts.ErrTwoFactorOff) {
		t.Fatalf("disable while off: %v", err)
	}
	// Login is one step again.
	if u, err := f.svc.Login(f.Ctx, "two@example.com", "password123", testIP); err != nil || u.TwoFactor() {
		t.Fatalf("login after disable: %v", err)
	}

	// On again (new secret), then an admin resets it.
	setup, err := f.svc.SetUpTwoFactor(f.Ctx, f.user.ID, "")
	if err != nil || setup.Secret == f.secret {
		t.Fatalf("new setup: %v (same secret %v)", err, setup.Secret == f.secret)
	}
	if _, err := f.svc.EnableTwoFactor(f.Ctx, f.user.ID, code(t, setup.Secret, f.clock.now, -30)); err != nil {
		t.Fatal(err)
	}
	waiting := f.login(t, testIP)
	admin := f.User("boss@example.com")
	if err := f.svc.ResetTwoFactor(f.Ctx, db.Actor{UserID: admin.ID, IP: "203.0.113.1"}, f.user.ID); err != nil {
		t.Fatal(err)
	}
	u, _ = f.Store.UserByID(f.Ctx, f.user.ID)
	if u.TwoFactor() || f.Count(`SELECT COUNT(*) FROM recovery_codes WHERE user_id = ?`, u.ID) != 0 {
		t.Fatal("still on after the admin's reset")
	}
	if _, err := f.svc.TwoFactorSessionUser(f.Ctx, waiting); !errors.Is(err, accounts.ErrTwoFactorExpired) {
		t.Fatalf("waiting login survived the reset: %v", err)
	}
	if n := f.Count(`SELECT COUNT(*) FROM audit_log WHERE action = 'user.2fa_reset' AND actor_id = ? AND target = ?`, admin.ID, u.Email); n != 1 {
		t.Fatalf("%d audit entries", n)
	}
}
