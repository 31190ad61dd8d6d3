package shop

import (
	"errors"
	"testing"
	"time"

	"recharge/db"
	"recharge/db/dbtest"
	"recharge/mail"
	"recharge/settings"
)

// Fund off (SPEC §6): buying and renewing are refused, nothing is debited, and the
// background run neither charges nor expires.
func TestFundOffSpendsNothing(t *testing.T) {
	f := newFixture(t)
	u := f.User("fundoff@example.com")
	p := f.product(ProductForm{Name: "VPS", Price: "2", Period: db.PeriodMonthly, Active: true})
	f.Credit(u.ID, 1000)
	pur, err := f.shop.Buy(f.ctx, f.Fund(), u.ID, p.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.SetSettings(f.ctx, map[string]string{settings.KeyModuleFund: "0"}); err != nil {
		t.Fatal(err)
	}
	all, _ := settings.Load(f.ctx, f.store)
	if !all.Fund.Off {
		t.Fatal("Fund.Off not set")
	}
	if _, err := f.shop.Buy(f.ctx, all.Fund, u.ID, p.ID, ""); !errors.Is(err, ErrFundOff) {
		t.Fatalf("buy with Fund off: %v", err)
	}
	if _, err := f.shop.Renew(f.ctx, all.Fund, u.ID, pur.ServiceID, ""); !errors.Is(err, ErrFundOff) {
		t.Fatalf("renew with Fund off: %v", err)
	}
	sv, _ := f.store.ServiceOfUser(f.ctx, pur.ServiceID, u.ID)
	rep, err := f.shop.RenewDue(f.ctx, *sv.NextDueAt+3600)
	if err != nil || rep != (RenewReport{}) {
		t.Fatalf("background run with Fund off: %+v %v", rep, err)
	}
	if bal := f.Balance(u.ID); bal != 800 {
		t.Fatalf("balance %d, want 800", bal)
	}
	after, _ := f.store.ServiceOfUser(f.ctx, pur.ServiceID, u.ID)
	if after.Status != db.ServiceActive || *after.NextDueAt != *sv.NextDueAt {
		t.Fatalf("service changed while Fund off: %+v", after)
	}
}

// A customer stops the renewal of their own service: it runs to its date, then
// expires without a charge and without a low-balance warning; another customer's
// service is not found.
func TestStopRenewal(t *testing.T) {
	f := newFixture(t)
	f.shop.Mail = mail.New(mail.Config{Addr: "127.0.0.1:1"}, "https://portal.example")
	u := f.User("stop@example.com")
	other := f.User("other@example.com")
	p := f.product(ProductForm{Name: "VPS", Price: "5", Period: db.PeriodMonthly, Active: true})
	once := f.product(ProductForm{Name: "Setup", Price: "1", Active: true})
	t0 := time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC).Unix()
	dbtest.SetNow(t, t0)
	f.Credit(u.ID, 600) // less than a renewal after the purchase: would be warned
	pur, err := f.shop.Buy(f.ctx, f.Fund(), u.ID, p.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	one, err := f.shop.Buy(f.ctx, f.Fund(), u.ID, once.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.shop.StopRenewal(f.ctx, other.ID, pur.ServiceID); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("another customer's service: %v", err)
	}
	if _, err := f.shop.StopRenewal(f.ctx, u.ID, one.ServiceID); !errors.Is(err, ErrNotCancellable) {
		t.Fatalf("one-time service: %v", err)
	}
	sv, err := f.shop.StopRenewal(f.ctx, u.ID, pur.ServiceID)
	if err != nil || sv.RenewalStoppedAt == nil || sv.Status != db.ServiceActive {
		t.Fatalf("stop: %+v %v", sv, err)
	}
	if _, err := f.shop.StopRenewal(f.ctx, u.ID, pur.ServiceID); err != nil {
		t.Fatalf("stopping twice: %v", err)
	}
	if err := CanRenew(sv, t0); !errors.Is(err, ErrRenewalStopped) {
		t.Fatalf("CanRenew: %v", err)
	}
	due := *sv.NextDueAt
	if n, err := f.shop.WarnLowBalances(f.ctx, due-3600); err != nil || n != 0 {
		t.Fatalf("low-balance warning for a stopped service: %d %v", n, err)
	}
	// Before its date it runs; at its date it expires, uncharged.
	if rep, err := f.shop.RenewDue(f.ctx, due-1); err != nil || rep != (RenewReport{}) {
		t.Fatalf("before the date: %+v %v", rep, err)
	}
	dbtest.SetNow(t, due+60)
	rep, err := f.shop.RenewDue(f.ctx, due+60)
	if err != nil || rep.Ended != 1 || rep.Renewed != 0 || rep.Expired != 0 {
		t.Fatalf("at the date: %+v %v", rep, err)
	}
	end, _ := f.store.ServiceOfUser(f.ctx, pur.ServiceID, u.ID)
	if end.Status != db.ServiceExpired || f.Balance(u.ID) != 600-500-100 {
		t.Fatalf("after the date: %+v balance %d", end, f.Balance(u.ID))
	}
	if len(f.mails()["renewal_failed"]) != 0 || len(f.mails()["renewal_low"]) != 0 {
		t.Fatalf("mails for a stopped service: %v", f.mails())
	}
	if _, err := f.shop.Renew(f.ctx, f.Fund(), u.ID, pur.ServiceID, ""); !errors.Is(err, ErrRenewalStopped) {
		t.Fatalf("renewing a stopped service by hand: %v", err)
	}
}

// A deactivated product's services are not renewed at the old price: no warning, no
// charge, they expire at their date; renewing by hand is refused.
func TestRetiredProductNotRenewed(t *testing.T) {
	f := newFixture(t)
	f.shop.Mail = mail.New(mail.Config{Addr: "127.0.0.1:1"}, "https://portal.example")
	u := f.User("retired@example.com")
	p := f.product(ProductForm{Name: "Old VPS", Price: "5", Period: db.PeriodMonthly, Active: true})
	f.Credit(u.ID, 700)
	pur, err := f.shop.Buy(f.ctx, f.Fund(), u.ID, p.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.shop.SetProductActive(f.ctx, db.Actor{IP: "127.0.0.1"}, p.ID, false); err != nil {
		t.Fatal(err)
	}
	sv, _ := f.store.ServiceOfUser(f.ctx, pur.ServiceID, u.ID)
	if sv.ProductActive {
		t.Fatal("product still active")
	}
	if _, err := f.shop.Renew(f.ctx, f.Fund(), u.ID, sv.ID, ""); !errors.Is(err, ErrProductRetired) {
		t.Fatalf("renew by hand: %v", err)
	}
	due := *sv.NextDueAt
	if n, err := f.shop.WarnLowBalances(f.ctx, due-3600); err != nil || n != 0 {
		t.Fatalf("low-balance warning for a retired product: %d %v", n, err)
	}
	dbtest.SetNow(t, due+1)
	rep, err := f.shop.RenewDue(f.ctx, due+1)
	if err != nil || rep.Ended != 1 || rep.Renewed != 0 {
		t.Fatalf("renewal run: %+v %v", rep, err)
	}
	if bal := f.Balance(u.ID); bal != 200 {
		t.Fatalf("charged: balance %d", bal)
	}
	if len(f.mails()["renewal_failed"]) != 0 {
		t.Fatal("renewal_failed mail for a retired product")
	}
}
