package accounts_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"recharge/accounts"
	"recharge/backoffice"
	"recharge/db"
	"recharge/db/dbtest"
)

func newService(t *testing.T) (*accounts.Service, *db.Store) {
	t.Helper()
	store := dbtest.Open(t)
	return &accounts.Service{Store: store}, store
}

func register(t *testing.T, s *accounts.Service, email, role string) *db.User {
	t.Helper()
	u, err := s.Register(context.Background(), email, "password123", "", role, "")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestChangePasswordEndsOtherSessionsOnly(t *testing.T) {
	s, store := newService(t)
	ctx := context.Background()
	u := register(t, s, "alice@example.com", "client")
	other := register(t, s, "bob@example.com", "client")
	mine, _ := s.NewSession(ctx, u.ID, "10.0.0.1", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
	theirs, _ := s.NewSession(ctx, u.ID, "10.0.0.2", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1")
	bobs, _ := s.NewSession(ctx, other.ID, "10.0.0.3", "")

	if err := s.ChangePassword(ctx, u.ID, mine, "wrong password", "new password 1", "10.0.0.1"); !errors.Is(err, accounts.ErrWrongPassword) {
		t.Fatalf("wrong current password: %v", err)
	}
	if err := s.ChangePassword(ctx, u.ID, mine, "password123", "short", "10.0.0.1"); !errors.Is(err, accounts.ErrPasswordTooShort) {
		t.Fatalf("short new password: %v", err)
	}
	if _, err := s.SessionUser(ctx, theirs); err != nil {
		t.Fatalf("a refused change ended a session: %v", err)
	}
	if err := s.ChangePassword(ctx, u.ID, mine, "password123", "new password 1", "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionUser(ctx, mine); err != nil {
		t.Fatalf("this session ended: %v", err)
	}
	if _, err := s.SessionUser(ctx, theirs); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("the other session still works: %v", err)
	}
	if _, err := s.SessionUser(ctx, bobs); err != nil {
		t.Fatalf("another user's session ended: %v", err)
	}
	if _, err := s.Login(ctx, "alice@example.com", "new password 1", "10.0.0.1"); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
	if _, err := s.Login(ctx, "alice@example.com", "password123", "10.0.0.9"); !errors.Is(err, accounts.ErrBadCredentials) {
		t.Fatalf("old password still works: %v", err)
	}
	if n, _ := store.QueryInt(ctx, `SELECT COUNT(*) FROM sessions WHERE user_id = ?`, u.ID); n != 1 {
		t.Fatalf("%d sessions left, want 1", n)
	}
}

// Wrong current passwords count as failed logins: a stolen session cannot guess faster.
func TestConfirmPasswordIsRateLimited(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	u := register(t, s, "alice@example.com", "client")
	for i := 0; i < accounts.MaxLoginFailures; i++ {
		if err := s.ConfirmPassword(ctx, u, "guess", "10.0.0.1"); !errors.Is(err, accounts.ErrWrongPassword) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	if err := s.ConfirmPassword(ctx, u, "password123", "10.0.0.1"); !errors.Is(err, accounts.ErrTooManyAttempts) {
		t.Fatalf("after the limit: %v", err)
	}
}

func TestSessionsListAndRevoke(t *testing.T) {
	s, store := newService(t)
	ctx := context.Background()
	u := register(t, s, "alice@example.com", "client")
	other := register(t, s, "bob@example.com", "client")
	mine, _ := s.NewSession(ctx, u.ID, "10.0.0.1", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36")
	_, _ = s.NewSession(ctx, u.ID, "10.0.0.2", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0")
	bobs, _ := s.NewSession(ctx, other.ID, "10.0.0.3", "")
	// A login half-way (two-factor step) is not a logged-in session.
	if err := store.CreateSession(ctx, &db.Session{IDHash: "pending-2fa", UserID: u.ID, ExpiresAt: db.Now() + 600, Stage: "2fa"}); err != nil {
		t.Fatal(err)
	}
	list, err := s.Sessions(ctx, u.ID, mine)
	if err != nil || len(list) != 2 {
		t.Fatalf("sessions: %+v %v", list, err)
	}
	current := 0
	for _, si := range list {
		if si.Current {
			current++
			if si.Browser != "Chrome" || si.OS != "Linux" || si.IP != "10.0.0.1" {
				t.Errorf("current session: %+v", si)
			}
		} else if si.Browser != "Edge" || si.OS != "Windows" {
			t.Errorf("other session: %+v", si)
		}
	}
	if current != 1 {
		t.Fatalf("%d sessions marked current", current)
	}
	if n, err := s.RevokeOtherSessions(ctx, u.ID, mine); err != nil || n != 2 {
		t.Fatalf("revoke: %d %v", n, err)
	}
	if list, _ := s.Sessions(ctx, u.ID, mine); len(list) != 1 || !list[0].Current {
		t.Fatalf("after revoke: %+v", list)
	}
	if _, err := s.SessionUser(ctx, bobs); err != nil {
		t.Fatalf("revoke touched another user's session: %v", err)
	}
}

func TestDevice(t *testing.T) {
	for ua, want := range map[string][2]string{
		"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0":                                                    {"Firefox", "Linux"},
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36":         {"Chrome", "Android"},
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/604.1": {"Safari", "iOS"},
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15":        {"Safari", "macOS"},
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0 Safari/537.36":                 {"Chrome", "Linux"},
		"curl/8.5.0": {"curl", ""},
		"":           {"", ""},
	} {
		if b, o := accounts.Device(ua); b != want[0] || o != want[1] {
			t.Errorf("%q: %q on %q, want %q", ua, b, o, want)
		}
	}
}

func TestSuspendedLoginAndSessions(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	admin := register(t, s, "boss@example.com", "admin")
	u := register(t, s, "alice@example.com", "client")
	tok, _ := s.NewSession(ctx, u.ID, "10.0.0.1", "")
	actor := db.Actor{UserID: admin.ID, IP: "10.0.0.9"}
	if changed, err := s.SetSuspended(ctx, actor, u.ID, true); err != nil || !changed {
		t.Fatalf("suspend: %v %v", changed, err)
	}
	if _, err := s.SessionUser(ctx, tok); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("suspended session still works: %v", err)
	}
	if _, err := s.Login(ctx, "alice@example.com", "password123", "10.0.0.1"); !errors.Is(err, accounts.ErrSuspended) {
		t.Fatalf("suspended login: %v", err)
	}
	// Without the password, nothing tells the account is suspended.
	if _, err := s.Login(ctx, "alice@example.com", "not it", "10.0.0.1"); !errors.Is(err, accounts.ErrBadCredentials) {
		t.Fatalf("suspended login, wrong password: %v", err)
	}
	if changed, err := s.SetSuspended(ctx, actor, u.ID, true); err != nil || changed {
		t.Fatalf("suspend twice: %v %v", changed, err)
	}
	if _, err := s.SetSuspended(ctx, actor, admin.ID, true); !errors.Is(err, accounts.ErrSelfSuspension) {
		t.Fatalf("self suspension: %v", err)
	}
	if _, err := s.SetSuspended(ctx, actor, u.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Login(ctx, "alice@example.com", "password123", "10.0.0.1"); err != nil {
		t.Fatalf("reinstated login: %v", err)
	}
}

// The last admin able to log in can never be suspended: one after the other (with
// sessions loaded before), and in parallel, suspending or demoting each other.
func TestLastAdminCannotBeSuspended(t *testing.T) {
	s, store := newService(t)
	ctx := context.Background()
	a := register(t, s, "a@example.com", "admin")
	b := register(t, s, "b@example.com", "admin")
	if _, err := s.SetSuspended(ctx, db.Actor{UserID: a.ID}, b.ID, true); err != nil {
		t.Fatal(err)
	}
	// b's session said "admin" when the request started; the write knows better.
	if _, err := s.SetSuspended(ctx, db.Actor{UserID: b.ID}, a.ID, true); !errors.Is(err, accounts.ErrNotAdmin) {
		t.Fatalf("a suspended admin suspended the last one: %v", err)
	}
	// A suspended admin does not count: a cannot be demoted either.
	c := register(t, s, "c@example.com", "admin")
	if _, err := backoffice.New(store).SetRole(ctx, db.Actor{UserID: c.ID}, a.ID, "client"); err != nil {
		t.Fatal(err)
	}
	if _, err := backoffice.New(store).SetRole(ctx, db.Actor{UserID: a.ID}, c.ID, "client"); !errors.Is(err, backoffice.ErrNotAdmin) {
		t.Fatalf("demoted admin acted: %v", err)
	}
	if n, _ := store.CountActiveAdmins(ctx); n != 1 {
		t.Fatalf("%d active admins, want 1", n)
	}
}

func TestParallelSuspensionsLeaveAnAdmin(t *testing.T) {
	s, store := newService(t)
	ctx := context.Background()
	bo := backoffice.New(store)
	for round := range 12 {
		x := register(t, s, "x"+string(rune('a'+round))+"@example.com", "admin")
		y := register(t, s, "y"+string(rune('a'+round))+"@example.com", "admin")
		var wg sync.WaitGroup
		if round%2 == 0 { // both suspend the other
			wg.Go(func() { _, _ = s.SetSuspended(ctx, db.Actor{UserID: x.ID}, y.ID, true) })
			wg.Go(func() { _, _ = s.SetSuspended(ctx, db.Actor{UserID: y.ID}, x.ID, true) })
		} else { // one suspends, the other demotes
			wg.Go(func() { _, _ = s.SetSuspended(ctx, db.Actor{UserID: x.ID}, y.ID, true) })
			wg.Go(func() { _, _ = bo.SetRole(ctx, db.Actor{UserID: y.ID}, x.ID, "client") })
		}
		wg.Wait()
		if n, _ := store.CountActiveAdmins(ctx); n != 1 {
			t.Fatalf("round %d: %d active admins, want 1", round, n)
		}
		// Leave no active admin behind for the next round: x and y are the last two.
		for _, id := range []int64{x.ID, y.ID} {
			_ = store.SetUserRole(ctx, id, "client")
		}
	}
}

func TestAdminUpdateProfile(t *testing.T) {
	s, store := newService(t)
	ctx := context.Background()
	admin := register(t, s, "boss@example.com", "admin")
	u := register(t, s, "alice@example.com", "client")
	register(t, s, "taken@example.com", "client")
	actor := db.Actor{UserID: admin.ID}
	if _, err := s.AdminUpdateProfile(ctx, actor, u.ID, "Alice", "TAKEN@example.com "); !errors.Is(err, accounts.ErrEmailTaken) {
		t.Fatalf("taken email: %v", err)
	}
	if _, err := s.AdminUpdateProfile(ctx, actor, u.ID, "Alice", "not an email"); !errors.Is(err, accounts.ErrEmailInvalid) {
		t.Fatalf("bad email: %v", err)
	}
	if changed, err := s.AdminUpdateProfile(ctx, actor, u.ID, " Alice ", " Alice.New@Example.com"); err != nil || !changed {
		t.Fatalf("edit: %v %v", changed, err)
	}
	got, _ := store.UserByID(ctx, u.ID)
	if got.Email != "alice.new@example.com" || got.Name != "Alice" {
		t.Fatalf("stored: %q %q", got.Email, got.Name)
	}
	if n, _ := store.QueryInt(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'user.profile'`); n != 1 {
		t.Fatalf("%d audit rows", n)
	}
	if changed, err := s.AdminUpdateProfile(ctx, actor, u.ID, "Alice", "alice.new@example.com"); err != nil || changed {
		t.Fatalf("no change: %v %v", changed, err)
	}
}

func TestSetPassword(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	u := register(t, s, "alice@example.com", "admin")
	tok, _ := s.NewSession(ctx, u.ID, "", "")
	if _, err := s.SetPassword(ctx, "nobody@example.com", "long enough", false); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("unknown email: %v", err)
	}
	if _, err := s.SetPassword(ctx, "alice@example.com", "short", false); !errors.Is(err, accounts.ErrPasswordTooShort) {
		t.Fatalf("short: %v", err)
	}
	if _, err := s.SetPassword(ctx, " Alice@Example.com", "long enough", false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionUser(ctx, tok); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("session survived: %v", err)
	}
	if _, err := s.Login(ctx, "alice@example.com", "long enough", "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
}

func TestLastSeenUpdatedAtMostOnceAMinute(t *testing.T) {
	s, store := newService(t)
	ctx := context.Background()
	u := register(t, s, "alice@example.com", "client")
	tok, _ := s.NewSession(ctx, u.ID, "", "")
	hash := accounts.HashToken(tok)
	if _, err := store.ExecSQL(ctx, `UPDATE sessions SET last_seen_at = 100 WHERE id_hash = ?`, hash); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionUser(ctx, tok); err != nil {
		t.Fatal(err)
	}
	seen, _ := store.QueryInt(ctx, `SELECT last_seen_at FROM sessions WHERE id_hash = ?`, hash)
	if seen < db.Now()-5 {
		t.Fatalf("last_seen_at not updated: %d", seen)
	}
	if _, err := store.ExecSQL(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?`, db.Now()-30, hash); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionUser(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if again, _ := store.QueryInt(ctx, `SELECT last_seen_at FROM sessions WHERE id_hash = ?`, hash); again > db.Now()-25 {
		t.Fatalf("updated again within a minute: %d", again)
	}
}
