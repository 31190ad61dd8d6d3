package shop

import (
	"strings"
	"testing"

	"recharge/db"
	"recharge/mail"
)

// mails returns the outbox's mails: template → rendered text, by Message-ID order.
func (f *fixture) mails() map[string][]string {
	f.t.Helper()
	items, _, err := f.store.OutboxPage(f.ctx, "", 100, 0)
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string][]string{}
	for i := range items {
		r, err := mail.Render(items[i].Payload, mail.Brand{Site: "Host", Currency: "EUR"})
		if err != nil {
			f.t.Fatal(err)
		}
		out[mail.Describe(&items[i])] = append(out[mail.Describe(&items[i])], items[i].Target+"\n"+r.Subject+"\n"+r.Text)
	}
	return out
}

// The shop's mails are queued with their events, once each: a purchase, a renewal,
// the warning 3 days before a renewal the wallet cannot pay (once, however often the
// job runs), and the expiry.
func TestShopMailsAreQueuedWithTheirEvents(t *testing.T) {
	f := newFixture(t)
	f.shop.Mail = mail.New(mail.Config{Addr: "127.0.0.1:1"}, "https://portal.example")
	u := f.User("buyer@example.com")
	p := f.product(ProductForm{Name: "VPS S", Price: "2.50", Period: db.PeriodMonthly, Active: true})
	f.Credit(u.ID, 600)
	buy, err := f.shop.Buy(f.ctx, f.Fund(), u.ID, p.ID, "tok-1")
	if err != nil {
		t.Fatal(err)
	}
	m := f.mails()
	if len(m["purchase"]) != 1 || !strings.Contains(m["purchase"][0], "buyer@example.com") || !strings.Contains(m["purchase"][0], "VPS S") ||
		!strings.Contains(m["purchase"][0], "https://portal.example/client/invoices/") {
		t.Fatalf("purchase mail: %v", m)
	}
	// A replayed form token buys nothing and mails nothing.
	if _, err := f.shop.Buy(f.ctx, f.Fund(), u.ID, p.ID, "tok-1"); err != nil {
		t.Fatal(err)
	}
	if n := len(f.mails()["purchase"]); n != 1 {
		t.Fatalf("%d purchase mails after a replay", n)
	}
	sv, _ := f.store.ServiceOfUser(f.ctx, buy.ServiceID, u.ID)
	due := *sv.NextDueAt
	// Renewal at the due date: paid (350 left → 100 after), mailed.
	if _, err := f.shop.RenewDue(f.ctx, due); err != nil {
		t.Fatal(err)
	}
	if n := len(f.mails()["renewal_done"]); n != 1 {
		t.Fatalf("%d renewal mails", n)
	}
	// 100 cents left, 250 due next month: warned once within 3 days of the date.
	sv, _ = f.store.ServiceOfUser(f.ctx, buy.ServiceID, u.ID)
	next := *sv.NextDueAt
	if n, err := f.shop.WarnLowBalances(f.ctx, next-LowBalanceNotice-3600); err != nil || n != 0 {
		t.Fatalf("warned too early: %d %v", n, err)
	}
	for i := 0; i < 3; i++ {
		if _, err := f.shop.WarnLowBalances(f.ctx, next-LowBalanceNotice+3600); err != nil {
			t.Fatal(err)
		}
	}
	if low := f.mails()["renewal_low"]; len(low) != 1 || !strings.Contains(low[0], "VPS S") {
		t.Fatalf("low balance mails: %v", low)
	}
	// At the date the wallet does not cover it: expired and mailed once.
	if _, err := f.shop.RenewDue(f.ctx, next); err != nil {
		t.Fatal(err)
	}
	if _, err := f.shop.RenewDue(f.ctx, next+60); err != nil {
		t.Fatal(err)
	}
	if n := len(f.mails()["renewal_failed"]); n != 1 {
		t.Fatalf("%d renewal failed mails", n)
	}
	// Without SMTP nothing is queued.
	f.shop.Mail = mail.New(mail.Config{}, "")
	f.Credit(u.ID, 1000)
	if _, err := f.shop.Buy(f.ctx, f.Fund(), u.ID, p.ID, "tok-2"); err != nil {
		t.Fatal(err)
	}
	if n := len(f.mails()["purchase"]); n != 1 {
		t.Fatalf("queued without SMTP: %d", n)
	}
}
