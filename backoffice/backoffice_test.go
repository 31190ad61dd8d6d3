package backoffice

import (
	"context"
	"errors"
	"strings"
	"testing"

	"recharge/db"
	"recharge/db/dbtest"
	"recharge/settings"
)

func TestSafeRaw(t *testing.T) {
	const secret = "S3CRET-private-value"
	cases := []struct {
		name, raw  string
		format     string
		mustShow   []string
		mustHide   []string
		fieldCount int
	}{
		{"form", "status=success&code=AB12&privateKey=" + secret + "&rate=FR-SMS-250&custom=u1",
			"form", []string{"AB12", "FR-SMS-250", "custom"}, []string{secret, "privateKey"}, 4},
		{"form private_key", "private_key=zzz&public_key=yyy&code=X1", "form", []string{"X1"}, []string{"zzz", "yyy", "_key"}, 1},
		{"json", `{"status":"success","code":"AB","payout":2.10,"virtual_currency":"5","apiKey":"abc","nested":{"secret_token":"t","list":[{"key":"k"}]}}`,
			"json", []string{"2.10", `"5"`, "nested", "list"}, []string{"apiKey", "abc", "secret_token", `"key"`}, 5},
		{"json echo of the key", `{"message":"bad key ` + secret + `"}`, "json", []string{"bad key"}, []string{secret}, 1},
		{"text", "upstream said: " + secret + " <html>", "text", []string{"upstream said", "<html>"}, []string{secret}, 0},
		{"empty", "  ", "", nil, nil, 0},
	}
	for _, c := range cases {
		v := SafeRaw(c.raw, secret, "")
		all := v.Text
		for _, f := range v.Fields {
			all += "\n" + f.Name + "=" + f.Value
		}
		if v.Format != c.format || len(v.Fields) != c.fieldCount {
			t.Errorf("%s: format %q with %d fields, want %q with %d", c.name, v.Format, len(v.Fields), c.format, c.fieldCount)
		}
		for _, s := range c.mustShow {
			if !strings.Contains(all, s) {
				t.Errorf("%s: %q missing from %q", c.name, s, all)
			}
		}
		for _, s := range c.mustHide {
			if strings.Contains(all, s) {
				t.Errorf("%s: %q shown in %q", c.name, s, all)
			}
		}
	}
}

func openStore(t *testing.T) *db.Store {
	t.Helper()
	return dbtest.Open(t)
}

func TestSetModuleRules(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	admin := &db.User{Email: "a@example.com", PasswordHash: "x", Role: "admin", Custom: "a"}
	if err := s.CreateUser(ctx, admin); err != nil {
		t.Fatal(err)
	}
	actor := db.Actor{UserID: admin.ID, IP: "192.0.2.1"}
	b := New(s)
	st, _ := modulesOf(ctx, s)
	if !st.Fund || !st.Dedipass {
		t.Fatalf("fresh install: %+v", st)
	}
	if _, err := b.SetModule(ctx, actor, "shop", true); !errors.Is(err, ErrUnknownModule) {
		t.Fatalf("unknown module: %v", err)
	}
	ch, err := b.SetModule(ctx, actor, ModuleFund, false)
	if err != nil || !ch.Changed || !ch.DedipassTurnedOff || ch.State.Dedipass || ch.State.DedipassDisabledAt == 0 {
		t.Fatalf("fund off: %+v %v", ch, err)
	}
	if _, err := b.SetModule(ctx, actor, ModuleDedipass, true); !errors.Is(err, ErrFundRequired) {
		t.Fatalf("dedipass without fund: %v", err)
	}
	ch, err = b.SetModule(ctx, actor, ModuleDedipass, false)
	if err != nil || ch.Changed {
		t.Fatalf("dedipass off again: %+v %v", ch, err)
	}
	if _, err := b.SetModule(ctx, actor, ModuleFund, true); err != nil {
		t.Fatal(err)
	}
	if st, _ := modulesOf(ctx, s); !st.Fund || st.Dedipass || st.DedipassDisabledAt == 0 {
		t.Fatalf("after fund on: %+v", st)
	}
	if ch, err := b.SetModule(ctx, actor, ModuleDedipass, true); err != nil || !ch.State.Dedipass || ch.State.DedipassDisabledAt != 0 {
		t.Fatalf("dedipass on: %+v %v", ch, err)
	}
	// Only real changes are logged: fund off, fund on, dedipass on.
	entries, total, _ := s.AuditPage(ctx, 10, 0)
	if total != 3 || entries[0].Action != "module.enable" || entries[0].Target != "module:dedipass" || entries[0].IP != "192.0.2.1" {
		t.Fatalf("audit: %d %+v", total, entries)
	}
}

func TestPaymentsWhileDisabled(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	u := &db.User{Email: "c@example.com", PasswordHash: "x", Role: "client", Custom: "c"}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	pay := func(code string) {
		uid := u.ID
		if _, err := s.SettlePayment(ctx, &db.Payment{Code: code, CodeKey: code, UserID: &uid, Status: db.StatusCredited, CreditCents: 100}); err != nil {
			t.Fatal(err)
		}
	}
	pay("BEFORE1")
	if n, _, _ := paymentsWhileDisabled(ctx, s); n != 0 {
		t.Fatalf("while enabled: %d", n)
	}
	// Same second as BEFORE1: only what comes after the switch counts.
	if _, err := New(s).SetModule(ctx, db.Actor{}, ModuleDedipass, false); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := paymentsWhileDisabled(ctx, s); n != 0 {
		t.Fatalf("no payment since disabling: %d", n)
	}
	pay("AFTER1")
	pay("AFTER2")
	if n, since, _ := paymentsWhileDisabled(ctx, s); n != 2 || since == 0 {
		t.Fatalf("payments while disabled: %d since %d", n, since)
	}
}

// paymentsWhileDisabled reads the module state, then counts as the admin banner does.
func paymentsWhileDisabled(ctx context.Context, s *db.Store) (n, since int64, err error) {
	st, err := modulesOf(ctx, s)
	if err != nil {
		return 0, 0, err
	}
	return New(s).PaymentsWhileDisabled(ctx, st)
}

// modulesOf reads the module switches as a request would.
func modulesOf(ctx context.Context, s *db.Store) (settings.Modules, error) {
	set, err := settings.Load(ctx, s)
	return set.Modules, err
}
