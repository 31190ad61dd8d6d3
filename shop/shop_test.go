package shop

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"recharge/accounts"
	"recharge/db"
	"recharge/db/dbtest"
	"recharge/settings"
)

// fixture: a fresh database, a shop and the shared helpers.
type fixture struct {
	*dbtest.Fixture
	t     *testing.T
	store *db.Store
	shop  *Shop
	ctx   context.Context
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := dbtest.New(t)
	return &fixture{Fixture: f, t: t, store: f.Store, shop: New(f.Store), ctx: f.Ctx}
}

func (f *fixture) product(form ProductForm) *db.Product {
	f.t.Helper()
	p, err := f.shop.CreateProduct(f.ctx, db.Actor{IP: "127.0.0.1"}, form)
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

func TestConcurrentPurchasesNeverOverdraw(t *testing.T) {
	f := newFixture(t)
	u := f.User("buyer@example.com")
	p := f.product(ProductForm{Name: "VPS S", Price: "2.50", Active: true})
	f.Credit(u.ID, 3*250+99) // affords exactly 3

	const n = 50
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = f.shop.Buy(f.ctx, f.Fund(), u.ID, p.ID, fmt.Sprintf("token-%02d-distinct-per-click", i))
		}()
	}
	close(start)
	wg.Wait()
	ok, poor := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, ErrInsufficientFunds):
			poor++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 3 || poor != n-3 {
		t.Fatalf("succeeded %d, refused for funds %d; want 3 and %d", ok, poor, n-3)
	}
	if bal := f.Balance(u.ID); bal != 99 {
		t.Fatalf("balance %d, want 99", bal)
	}
	if c := f.Count(`SELECT COUNT(*) FROM ledger_entries WHERE balance_after_cents < 0`); c != 0 {
		t.Fatalf("%d ledger entries below zero", c)
	}
	if c := f.Count(`SELECT COUNT(*) FROM invoices WHERE user_id = ?`, u.ID); c != 3 {
		t.Fatalf("%d invoices, want 3", c)
	}
	if c := f.Count(`SELECT COUNT(*) FROM services WHERE user_id = ?`, u.ID); c != 3 {
		t.Fatalf("%d services, want 3", c)
	}
	if c := f.Count(`SELECT COUNT(*) FROM ledger_entries WHERE user_id = ? AND kind = 'purchase'`, u.ID); c != 3 {
		t.Fatalf("%d purchase entries, want 3", c)
	}
	// Each purchase entry points at its own invoice, whose total it debits.
	if c := f.Count(`SELECT COUNT(*) FROM ledger_entries l JOIN invoices i ON l.reference = 'invoice:' || i.id
		WHERE l.kind = 'purchase' AND l.amount_cents = -i.total_cents`); c != 3 {
		t.Fatalf("%d purchase entries match their invoice, want 3", c)
	}
}

func TestSameTokenDebitsOnce(t *testing.T) {
	f := newFixture(t)
	u := f.User("double@example.com")
	p := f.product(ProductForm{Name: "Domain", Price: "1.00", Active: true})
	f.Credit(u.ID, 1000)

	first, err := f.shop.Buy(f.ctx, f.Fund(), u.ID, p.ID, "tok-double-click")
	if err != nil || first.Replayed {
		t.Fatalf("first buy: %+v %v", first, err)
	}
	again, err := f.shop.Buy(f.ctx, f.Fund(), u.ID, p.ID, "tok-double-click")
	if err != nil || !again.Replayed || again.InvoiceID != first.InvoiceID {
		t.Fatalf("second buy with same token: %+v %v (first invoice %d)", again, err, first.InvoiceID)
	}
	// Ten concurrent submissions of one fresh token: one debit.
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.shop.Buy(f.ctx, f.Fund(), u.ID, p.ID, "tok-concurrent"); err != nil {
				t.Errorf("concurrent same token: %v", err)
			}
		}()
	}
	wg.Wait()
	if bal := f.Balance(u.ID); bal != 800 {
		t.Fatalf("balance %d, want 800 (two purchases)", bal)
	}
	// Another customer cannot use (or learn anything from) this token.
	v := f.User("victim@example.com")
	f.Credit(v.ID, 1000)
	if _, err := f.shop.Buy(f.ctx, f.Fund(), v.ID, p.ID, "tok-double-click"); !errors.Is(err, ErrTokenUsed) {
		t.Fatalf("token of another user: %v", err)
	}
	if bal := f.Balance(v.ID); bal != 1000 {
		t.Fatalf("other user debited: %d", bal)
	}
}

func TestRefusedPurchaseChangesNothing(t *testing.T) {
	f := newFixture(t)
	u := f.User("poor@example.com")
	p := f.product(ProductForm{Name: "Dedicated", Price: "50", Stock: "4", Active: true})
	f.Credit(u.ID, 4999)

	if _, err := f.shop.Buy(f.ctx, f.Fund(), u.ID, p.ID, "tok-poor"); !errors.Is(err, ErrInsufficientFunds) {
		t.Fatalf("buy without funds: %v", err)
	}
	got, _ := f.store.ProductByID(f.ctx, p.ID)
	if got.Stock == nil || *got.Stock != 4 {
		t.Fatalf("stock changed to %v", got.Stock)
	}
	for _, q := range []string{`SELECT COUNT(*) FROM invoices`, `SELECT COUNT(*) FROM invoice_lines`,
		`SELECT COUNT(*) FROM services`, `SELECT COUNT(*) FROM form_tokens`, `SELECT COUNT(*) FROM ledger_entries WHERE kind = 'purchase'`} {
		if c := f.Count(q); c != 0 {
			t.Fatalf("%s = %d after a refused purchase", q, c)
		}
	}
	if bal := f.Balance(u.ID); bal != 4999 {
		t.Fatalf("balance %d", bal)
	}
	// After topping up, the same form (token) works: the refusal did not burn it.
	f.Credit(u.ID, 1)
	if pur, err := f.shop.Buy(f.ctx, f.Fund(), u.ID, p.ID, "tok-poor"); err != nil || pur.Replayed {
		t.Fatalf("buy after top-up: %+v %v", pur, err)
	}
	if bal := f.Balance(u.ID); bal != 0 {
		t.Fatalf("balance %d, want 0", bal)
	}
}

func TestStockLimit(t *testing.T) {
	f := newFixture(t)
	u := f.User("rich@example.com")
	p := f.product(ProductForm{Name: "Limited", Price: "1", Stock: "2", Active: true})
	f.Credit(u.ID, 100_00)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, out := 0, 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.shop.Buy(f.ctx, f.Fund(), u.ID, p.ID, fmt.Sprint("stock-", i))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ErrOutOfStock):
				out++
			default:
				t.Errorf("unexpected: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 2 || out != 6 {
		t.Fatalf("ok %d, out of stock %d", ok, out)
	}
	got, _ := f.store.ProductByID(f.ctx, p.ID)
	if *got.Stock != 0 || got.Sold != 2 {
		t.Fatalf("stock %d sold %d", *got.Stock, got.Sold)
	}
	if bal := f.Balance(u.ID); bal != 100_00-200 {
		t.Fatalf("balance %d", bal)
	}
}

func TestNotForSaleAndUnknown(t *testing.T) {
	f := newFixture(t)
	u := f.User("c@example.com")
	f.Credit(u.ID, 1000)
	p := f.product(ProductForm{Name: "Old", Price: "1", Active: true})
	if err := f.shop.SetProductActive(f.ctx, db.Actor{}, p.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.shop.Buy(f.ctx, f.Fund(), u.ID, p.ID, "t1"); !errors.Is(err, ErrNotForSale) {
		t.Fatalf("inactive product: %v", err)
	}
	if _, err := f.shop.Buy(f.ctx, f.Fund(), u.ID, 999, "t2"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("unknown product: %v", err)
	}
	if bal := f.Balance(u.ID); bal != 1000 {
		t.Fatalf("balance %d", bal)
	}
	if err := f.shop.SetProductActive(f.ctx, db.Actor{}, 999, true); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("activate unknown: %v", err)
	}
}

func TestParseProduct(t *testing.T) {
	good := []struct {
		in    ProductForm
		price int64
		stock *int64
	}{
		{ProductForm{Name: " VPS ", Price: "2.50"}, 250, nil},
		{ProductForm{Name: "VPS", Price: "2,5"}, 250, nil},
		{ProductForm{Name: "VPS", Price: "0"}, 0, nil},
		{ProductForm{Name: "VPS", Price: " 12 ", Stock: "0"}, 1200, new(int64)},
	}
	for _, c := range good {
		p, err := ParseProduct(c.in)
		if err != nil || p.PriceCents != c.price || (c.stock == nil) != (p.Stock == nil) || p.Period != db.PeriodOnce {
			t.Errorf("ParseProduct(%+v) = %+v, %v", c.in, p, err)
		}
	}
	bad := []struct {
		in   ProductForm
		want error
	}{
		{ProductForm{Name: "", Price: "1"}, ErrNameRequired},
		{ProductForm{Name: "   ", Price: "1"}, ErrNameRequired},
		{ProductForm{Name: string(make([]byte, 200)) + "x", Price: "1"}, ErrNameTooLong},
		{ProductForm{Name: "x", Price: ""}, ErrPriceInvalid},
		{ProductForm{Name: "x", Price: "abc"}, ErrPriceInvalid},
		{ProductForm{Name: "x", Price: "1.234"}, ErrPriceInvalid},
		{ProductForm{Name: "x", Price: "1e3"}, ErrPriceInvalid},
		{ProductForm{Name: "x", Price: "99999999999999999999"}, ErrPriceInvalid},
		{ProductForm{Name: "x", Price: "-1"}, ErrPriceNegative},
		{ProductForm{Name: "x", Price: "1", Period: "weekly"}, ErrPeriodInvalid},
		{ProductForm{Name: "x", Price: "1", Stock: "-1"}, ErrStockInvalid},
		{ProductForm{Name: "x", Price: "1", Stock: "2.5"}, ErrStockInvalid},
		{ProductForm{Name: "x", Price: "1", Stock: "abc"}, ErrStockInvalid},
	}
	for _, c := range bad {
		if _, err := ParseProduct(c.in); !errors.Is(err, c.want) {
			t.Errorf("ParseProduct(%q, %q, %q, %q) = %v, want %v", c.in.Name, c.in.Price, c.in.Period, c.in.Stock, err, c.want)
		}
	}
}

func TestProductEditIsAudited(t *testing.T) {
	f := newFixture(t)
	admin, _ := (&accounts.Service{Store: f.store}).Register(f.ctx, "admin@example.com", "password123", "", "admin", "")
	p, err := f.shop.CreateProduct(f.ctx, db.Actor{UserID: admin.ID, IP: "10.0.0.1"}, ProductForm{Name: "A", Price: "1", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.shop.UpdateProduct(f.ctx, db.Actor{UserID: admin.ID, IP: "10.0.0.1"}, p.ID, ProductForm{Name: "B", Price: "2", Period: "monthly"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.shop.UpdateProduct(f.ctx, db.Actor{UserID: admin.ID}, 4242, ProductForm{Name: "B", Price: "2"}); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("update unknown: %v", err)
	}
	entries, _, err := f.store.AuditPage(f.ctx, 10, 0)
	if err != nil || len(entries) != 2 || entries[0].Action != "product.update" || entries[1].Action != "product.create" {
		t.Fatalf("audit: %+v %v", entries, err)
	}
	if entries[0].ActorID == nil || *entries[0].ActorID != admin.ID || entries[0].IP != "10.0.0.1" {
		t.Fatalf("audit actor/ip: %+v", entries[0])
	}
	got, _ := f.store.ProductByID(f.ctx, p.ID)
	if got.Name != "B" || got.PriceCents != 200 || got.Period != "monthly" || got.Active {
		t.Fatalf("after edit: %+v", got)
	}
}

func TestAddMonth(t *testing.T) {
	d := func(y int, m time.Month, day, h int) int64 { return time.Date(y, m, day, h, 30, 0, 0, time.UTC).Unix() }
	cases := []struct{ in, want int64 }{
		{d(2027, 1, 15, 10), d(2027, 2, 15, 10)},
		{d(2027, 1, 31, 10), d(2027, 2, 28, 10)},
		{d(2028, 1, 31, 10), d(2028, 2, 29, 10)},
		{d(2027, 3, 31, 23), d(2027, 4, 30, 23)},
		{d(2027, 12, 31, 0), d(2028, 1, 31, 0)},
		{d(2027, 12, 5, 8), d(2028, 1, 5, 8)},
	}
	for _, c := range cases {
		if got := AddMonth(c.in); got != c.want {
			t.Errorf("AddMonth(%s) = %s, want %s", time.Unix(c.in, 0).UTC(), time.Unix(got, 0).UTC(), time.Unix(c.want, 0).UTC())
		}
	}
}

func TestRenewalAndExpiry(t *testing.T) {
	f := newFixture(t)
	u := f.User("monthly@example.com")
	p := f.product(ProductForm{Name: "VPS M", Price: "5", Period: "monthly", Active: true})
	t0 := time.Date(2027, 1, 10, 12, 0, 0, 0, time.UTC).Unix()
	dbtest.SetNow(t, t0)
	f.Credit(u.ID, 1000) // the purchase and exactly one renewal

	pur, err := f.shop.Buy(f.ctx, f.Fund(), u.ID, p.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	sv, _ := f.store.ServiceOfUser(f.ctx, pur.ServiceID, u.ID)
	due := AddMonth(t0)
	if sv.NextDueAt == nil || *sv.NextDueAt != due || sv.Status != db.ServiceActive {
		t.Fatalf("after purchase: %+v", sv)
	}
	// Not due yet: nothing happens.
	rep, err := f.shop.RenewDue(f.ctx, due-1)
	if err != nil || rep != (RenewReport{}) {
		t.Fatalf("before due: %+v %v", rep, err)
	}
	// Due and covered: one month charged, due date moves one month from the old one.
	dbtest.SetNow(t, due+60)
	rep, err = f.shop.RenewDue(f.ctx, due+60)
	if err != nil || rep.Renewed != 1 || rep.Expired != 0 {
		t.Fatalf("at due: %+v %v", rep, err)
	}
	sv, _ = f.store.ServiceOfUser(f.ctx, pur.ServiceID, u.ID)
	due2 := AddMonth(due)
	if *sv.NextDueAt != due2 || sv.Status != db.ServiceActive {
		t.Fatalf("after renewal: %+v", sv)
	}
	if bal := f.Balance(u.ID); bal != 0 {
		t.Fatalf("balance %d after renewal", bal)
	}
	invs, total, _ := f.store.InvoicesOfUser(f.ctx, u.ID, 10, 0)
	if total != 2 || invs[0].Kind != db.InvoiceRenewal || invs[0].TotalCents != 500 {
		t.Fatalf("invoices: %+v", invs)
	}
	_, lines, _ := f.store.InvoiceOfUser(f.ctx, invs[0].ID, u.ID)
	if len(lines) != 1 || *lines[0].PeriodFrom != due || *lines[0].PeriodTo != due2 {
		t.Fatalf("renewal line: %+v", lines)
	}
	// Running again at the same moment does nothing (idempotent).
	if rep, _ := f.shop.RenewDue(f.ctx, due+60); rep != (RenewReport{}) {
		t.Fatalf("second run: %+v", rep)
	}
	// Next due date, empty wallet: expired, nothing debited.
	dbtest.SetNow(t, due2+1)
	rep, err = f.shop.RenewDue(f.ctx, due2+1)
	if err != nil || rep.Expired != 1 || rep.Renewed != 0 {
		t.Fatalf("without funds: %+v %v", rep, err)
	}
	sv, _ = f.store.ServiceOfUser(f.ctx, pur.ServiceID, u.ID)
	if sv.Status != db.ServiceExpired || f.Balance(u.ID) != 0 {
		t.Fatalf("after expiry: %+v", sv)
	}
	// The customer tops up and renews by hand: active again, a month from now.
	later := due2 + 5*86400
	dbtest.SetNow(t, later)
	f.Credit(u.ID, 700)
	r, err := f.shop.Renew(f.ctx, f.Fund(), u.ID, sv.ID, "renew-tok")
	if err != nil || r.NextDueAt != AddMonth(later) {
		t.Fatalf("manual renew: %+v %v", r, err)
	}
	// The same form again: no second month.
	if r2, err := f.shop.Renew(f.ctx, f.Fund(), u.ID, sv.ID, "renew-tok"); err != nil || !r2.Replayed {
		t.Fatalf("replayed renew: %+v %v", r2, err)
	}
	if bal := f.Balance(u.ID); bal != 200 {
		t.Fatalf("balance %d, want 200", bal)
	}
	// Paid a month ahead already: a second manual renewal is allowed once (within the
	// window), a third is too early.
	if _, err := f.shop.Renew(f.ctx, f.Fund(), u.ID, sv.ID, ""); !errors.Is(err, ErrInsufficientFunds) {
		t.Fatalf("renew without funds: %v", err)
	}
	f.Credit(u.ID, 1000)
	if _, err := f.shop.Renew(f.ctx, f.Fund(), u.ID, sv.ID, ""); err != nil {
		t.Fatalf("renew in advance: %v", err)
	}
	if _, err := f.shop.Renew(f.ctx, f.Fund(), u.ID, sv.ID, ""); !errors.Is(err, ErrRenewTooEarly) {
		t.Fatalf("renew far ahead: %v", err)
	}
}

func TestRenewDueCatchesUpThenExpires(t *testing.T) {
	f := newFixture(t)
	u := f.User("late@example.com")
	p := f.product(ProductForm{Name: "VPS L", Price: "3", Period: "monthly", Active: true})
	t0 := time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC).Unix()
	dbtest.SetNow(t, t0)
	f.Credit(u.ID, 3*300) // purchase + two renewals
	pur, err := f.shop.Buy(f.ctx, f.Fund(), u.ID, p.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	// The server was off for four months.
	now := time.Date(2027, 9, 2, 0, 0, 0, 0, time.UTC).Unix()
	dbtest.SetNow(t, now)
	rep, err := f.shop.RenewDue(f.ctx, now)
	if err != nil || rep.Renewed != 2 || rep.Expired != 1 {
		t.Fatalf("catch-up: %+v %v", rep, err)
	}
	sv, _ := f.store.ServiceOfUser(f.ctx, pur.ServiceID, u.ID)
	if sv.Status != db.ServiceExpired || f.Balance(u.ID) != 0 {
		t.Fatalf("after catch-up: %+v", sv)
	}
}

func TestRenewRules(t *testing.T) {
	f := newFixture(t)
	a, b := f.User("a@example.com"), f.User("b@example.com")
	f.Credit(a.ID, 10000)
	f.Credit(b.ID, 10000)
	once := f.product(ProductForm{Name: "Setup fee", Price: "1", Active: true})
	monthly := f.product(ProductForm{Name: "VPS", Price: "1", Period: "monthly", Active: true})
	po, _ := f.shop.Buy(f.ctx, f.Fund(), a.ID, once.ID, "")
	pm, _ := f.shop.Buy(f.ctx, f.Fund(), a.ID, monthly.ID, "")

	if _, err := f.shop.Renew(f.ctx, f.Fund(), a.ID, po.ServiceID, ""); !errors.Is(err, ErrNotRenewable) {
		t.Fatalf("renew one-time: %v", err)
	}
	// B cannot renew A's service, even with a fresh token.
	if _, err := f.shop.Renew(f.ctx, f.Fund(), b.ID, pm.ServiceID, "b-token"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("renew other's service: %v", err)
	}
	if bal := f.Balance(b.ID); bal != 10000 {
		t.Fatalf("B charged: %d", bal)
	}
	if _, err := f.shop.SetServiceStatus(f.ctx, db.Actor{}, pm.ServiceID, db.ServiceSuspended); err != nil {
		t.Fatal(err)
	}
	if _, err := f.shop.Renew(f.ctx, f.Fund(), a.ID, pm.ServiceID, ""); !errors.Is(err, ErrNotRenewable) {
		t.Fatalf("renew suspended: %v", err)
	}
	// Suspended services are not billed by the renewal run either.
	if rep, _ := f.shop.RenewDue(f.ctx, AddMonth(AddMonth(db.Now()))); rep != (RenewReport{}) {
		t.Fatalf("suspended service renewed: %+v", rep)
	}
}

func TestAdminServiceStatus(t *testing.T) {
	f := newFixture(t)
	u := f.User("s@example.com")
	f.Credit(u.ID, 1000)
	p := f.product(ProductForm{Name: "VPS", Price: "1", Period: "monthly", Active: true})
	pur, _ := f.shop.Buy(f.ctx, f.Fund(), u.ID, p.ID, "")

	if _, err := f.shop.SetServiceStatus(f.ctx, db.Actor{}, pur.ServiceID, "expired"); !errors.Is(err, ErrStatusInvalid) {
		t.Fatalf("set expired: %v", err)
	}
	if _, err := f.shop.SetServiceStatus(f.ctx, db.Actor{}, pur.ServiceID, "deleted"); !errors.Is(err, ErrStatusInvalid) {
		t.Fatalf("set unknown: %v", err)
	}
	if _, err := f.shop.SetServiceStatus(f.ctx, db.Actor{}, 999, "active"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("unknown service: %v", err)
	}
	for _, st := range []string{"suspended", "active", "cancelled", "active"} {
		if _, err := f.shop.SetServiceStatus(f.ctx, db.Actor{IP: "1.2.3.4"}, pur.ServiceID, st); err != nil {
			t.Fatalf("→ %s: %v", st, err)
		}
		sv, _ := f.store.ServiceByID(f.ctx, pur.ServiceID)
		if sv.Status != st {
			t.Fatalf("status %s, want %s", sv.Status, st)
		}
	}
	if c := f.Count(`SELECT COUNT(*) FROM audit_log WHERE action = 'service.status'`); c != 4 {
		t.Fatalf("%d audit entries", c)
	}
	// Expired: only the customer's payment brings it back; the admin may cancel it.
	if _, err := f.store.ExecSQL(context.Background(), `UPDATE services SET status = 'expired' WHERE id = ?`, pur.ServiceID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.shop.SetServiceStatus(f.ctx, db.Actor{}, pur.ServiceID, "active"); !errors.Is(err, ErrStatusForbidden) {
		t.Fatalf("reactivate expired: %v", err)
	}
	if _, err := f.shop.SetServiceStatus(f.ctx, db.Actor{}, pur.ServiceID, "cancelled"); err != nil {
		t.Fatalf("cancel expired: %v", err)
	}
}

func TestFundForm(t *testing.T) {
	bad := []struct {
		in   FundForm
		want error
	}{
		{FundForm{TransferMin: "0"}, ErrMinInvalid},
		{FundForm{TransferMin: "x"}, ErrMinInvalid},
		{FundForm{TransferMin: "1", TransferMax: "-2"}, ErrMaxInvalid},
		{FundForm{TransferMin: "5", TransferMax: "2"}, ErrMinAboveMax},
		{FundForm{TransferMin: "1", Currency: "EURO"}, ErrCurrencyInvalid},
		{FundForm{TransferMin: "1", Currency: "€"}, ErrCurrencyInvalid},
	}
	for _, c := range bad {
		if _, err := ParseFundForm(c.in); !errors.Is(err, c.want) {
			t.Errorf("ParseFundForm(%+v) = %v, want %v", c.in, err, c.want)
		}
	}
	got, err := ParseFundForm(FundForm{TransferMin: "2.5", TransferMax: "", Currency: " usd ", ShopName: ""})
	if err != nil || got.TransferMin != 250 || got.TransferMax != 0 || got.Currency != "USD" || got.ShopName != settings.DefaultShopName {
		t.Fatalf("ParseFundForm: %+v %v", got, err)
	}
	f := newFixture(t)
	def := f.Fund()
	if def.TransfersEnabled || def.Currency != "EUR" || def.TransferMin != settings.DefaultTransferMin || def.ShopName != "Recharge" {
		t.Fatalf("defaults: %+v %v", def, err)
	}
	got.TransfersEnabled, got.ShopAddress = true, "1 rue de la Paix\nParis"
	if err := f.shop.SaveFundSettings(f.ctx, db.Actor{}, got); err != nil {
		t.Fatal(err)
	}
	back := f.Fund()
	if back != got {
		t.Fatalf("round trip: %+v != %+v", back, got)
	}
}

// Three instances on one database run the renewal job at the same moment: each of the
// 100 due services is charged once (one renewal invoice, one debit), never twice.
func TestRenewDueOnThreeInstancesRenewsEachOnce(t *testing.T) {
	f := newFixture(t)
	p := f.product(ProductForm{Name: "VPS S", Price: "2", Period: "monthly", Active: true})
	t0 := time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC).Unix()
	dbtest.SetNow(t, t0)
	const n = 100
	users := make([]*db.User, n)
	for i := range users {
		users[i] = f.User(fmt.Sprintf("due%03d@example.com", i))
		f.Credit(users[i].ID, 2*200*3) // the purchase and plenty of months
		if _, err := f.shop.Buy(f.ctx, f.Fund(), users[i].ID, p.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2027, 6, 2, 0, 0, 0, 0, time.UTC).Unix() // one month due for each
	dbtest.SetNow(t, now)

	instances := make([]*Shop, 3)
	for i := range instances {
		store, err := db.Open(f.DSN)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		instances[i] = New(store)
	}
	var wg sync.WaitGroup
	reports := make([]RenewReport, len(instances))
	errs := make([]error, len(instances))
	for i, sh := range instances {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reports[i], errs[i] = sh.RenewDue(f.ctx, now)
		}()
	}
	wg.Wait()
	renewed := 0
	for i := range reports {
		if errs[i] != nil || reports[i].Failed != 0 || reports[i].Expired != 0 {
			t.Fatalf("instance %d: %+v %v", i, reports[i], errs[i])
		}
		renewed += reports[i].Renewed
	}
	if renewed != n {
		t.Fatalf("%d renewals for %d due services (reports %+v)", renewed, n, reports)
	}
	if c := f.Count(`SELECT COUNT(*) FROM invoices WHERE kind = 'renewal'`); c != n {
		t.Fatalf("%d renewal invoices for %d services", c, n)
	}
	for _, u := range users {
		if b := f.Balance(u.ID); b != 2*200*3-200-200 {
			t.Fatalf("user %d: balance %d after one purchase and one renewal", u.ID, b)
		}
	}
}
