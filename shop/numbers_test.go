package shop

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"recharge/db"
	"recharge/invoice"
	"recharge/settings"
)

// 50 purchases at once by five customers, most refused for lack of balance after
// their invoice row was written (the refusal rolls it back): the committed invoices
// are numbered 1..N with no gap and no duplicate, although on PostgreSQL the rolled
// back rows burned identity values.
func TestInvoiceNumbersHaveNoGapUnderConcurrency(t *testing.T) {
	f := newFixture(t)
	p := f.product(ProductForm{Name: "VPS S", Price: "2.50", Period: db.PeriodMonthly, Active: true})
	var users []*db.User
	for i := range 5 {
		u := f.User(fmt.Sprintf("buyer%d@example.com", i))
		f.Credit(u.ID, int64(i)*250+10) // affords i purchases
		users = append(users, u)
	}
	const n = 50
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			u := users[i%len(users)]
			_, errs[i] = f.shop.Buy(f.ctx, f.Fund(), u.ID, p.ID, fmt.Sprintf("numbers-%02d-distinct-token", i))
		}()
	}
	close(start)
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, ErrInsufficientFunds):
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 0+1+2+3+4 {
		t.Fatalf("%d purchases went through, want 10", ok)
	}
	assertNumbersGapless(t, f, ok)
	if f.store.Engine() == "postgres" { // the refusals burned identity values: ids have gaps, numbers not
		if maxID := f.Count(`SELECT MAX(id) FROM invoices`); maxID <= ok {
			t.Errorf("max invoice id %d: the refused purchases did not reach the invoice insert", maxID)
		}
	}
	// Renewals take their numbers from the same counter.
	sv, err := f.store.ServicesOfUser(f.ctx, users[4].ID)
	if err != nil || len(sv) == 0 {
		t.Fatal(sv, err)
	}
	f.Credit(users[4].ID, 250)
	if _, err := f.shop.Renew(f.ctx, f.Fund(), users[4].ID, sv[0].ID, ""); err != nil {
		t.Fatal(err)
	}
	assertNumbersGapless(t, f, ok+1)
}

func assertNumbersGapless(t *testing.T, f *fixture, want int) {
	t.Helper()
	list, total, err := f.store.FindInvoices(f.ctx, db.InvoiceFilter{}, 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	if int(total) != want || len(list) != want {
		t.Fatalf("%d invoices (%d listed), want %d", total, len(list), want)
	}
	seen := map[int64]bool{}
	for _, inv := range list {
		if inv.Number < 1 || inv.Number > int64(want) || seen[inv.Number] {
			t.Fatalf("invoice %d has number %d (seen before: %v); want each of 1..%d once", inv.ID, inv.Number, seen[inv.Number], want)
		}
		seen[inv.Number] = true
	}
	if c := f.Count(`SELECT COUNT(*) FROM ledger_entries WHERE reference LIKE 'invoice:%'`); c != want {
		t.Fatalf("%d ledger entries for %d invoices", c, want)
	}
}

// An invoice copies the VAT settings and the billing details in force at issue;
// later changes do not touch it, and the mail names it by its printed number.
func TestInvoiceCopiesVATAndBilling(t *testing.T) {
	f := newFixture(t)
	p := f.product(ProductForm{Name: "Serveur été", Price: "12.00", Active: true})
	u := f.User("eloise@example.com")
	if err := f.store.SetUserBilling(f.ctx, u.ID, "Éloïse Dupré SARL", "3 rue de l'Été\n75001 Paris"); err != nil {
		t.Fatal(err)
	}
	f.Credit(u.ID, 5000)
	if err := f.shop.SaveVATSettings(f.ctx, db.Actor{IP: "127.0.0.1"}, settings.VAT{Rate: 2000}); err != nil {
		t.Fatal(err)
	}
	first, err := f.shop.Buy(f.ctx, f.Fund(), u.ID, p.ID, "vat-copy-token-1")
	if err != nil {
		t.Fatal(err)
	}
	mention := "TVA non applicable, art. 293 B du CGI"
	if err := f.shop.SaveVATSettings(f.ctx, db.Actor{IP: "127.0.0.1"}, settings.VAT{Mention: mention}); err != nil {
		t.Fatal(err)
	}
	second, err := f.shop.Buy(f.ctx, f.Fund(), u.ID, p.ID, "vat-copy-token-2")
	if err != nil {
		t.Fatal(err)
	}
	inv1, _, err := f.store.InvoiceOfUser(f.ctx, first.InvoiceID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	inv2, _, err := f.store.InvoiceOfUser(f.ctx, second.InvoiceID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if inv1.VATRate != 2000 || inv1.VATMention != "" || inv1.Number != 1 {
		t.Errorf("first invoice: %+v", inv1)
	}
	if inv2.VATRate != 0 || inv2.VATMention != mention || inv2.Number != 2 {
		t.Errorf("second invoice: %+v", inv2)
	}
	want := "Éloïse Dupré SARL\n3 rue de l'Été\n75001 Paris\neloise@example.com"
	if inv1.Buyer != want || inv2.Buyer != want {
		t.Errorf("buyer %q, want %q", inv1.Buyer, want)
	}
	if got := invoice.Number(inv2.Number); got != "F-000002" || !strings.HasPrefix(got, invoice.NumberPrefix) {
		t.Errorf("number %q", got)
	}
	if c := f.Count(`SELECT COUNT(*) FROM audit_log WHERE action = 'settings.vat'`); c != 2 {
		t.Errorf("%d audit entries for the VAT settings", c)
	}
}
