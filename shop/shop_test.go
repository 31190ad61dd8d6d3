package shop

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"recharge/accounts"
	"recharge/db"
	"recharge/settings"
)

// fixture: a fresh database, a shop and helpers.
type fixture struct {
	t     *testing.T
	store *db.Store
	shop  *Shop
	ctx   context.Context
}

// fund is the Fund settings as a request would load them now.
func (f *fixture) fund() settings.Fund {
	f.t.Helper()
	set, err := settings.Load(f.ctx, f.store)
	if err != nil {
		f.t.Fatal(err)
	}
	return set.Fund
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	store, err := db.Open(filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return &fixture{t: t, store: store, shop: New(store), ctx: context.Background()}
}

func (f *fixture) user(email string) *db.User {
	f.t.Helper()
	u, err := (&accounts.Service{Store: f.store}).Register(f.ctx, email, "password123", "", "client", "")
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

func (f *fixture) credit(userID, cents int64) {
	f.t.Helper()
	err := f.store.ApplyLedger(f.ctx, &db.LedgerEntry{UserID: userID, AmountCents: cents, Kind: db.KindAdjustment, Note: "test"})
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) product(form ProductForm) *db.Product {
	f.t.Helper()
	p, err := f.shop.CreateProduct(f.ctx, 0, form, "127.0.0.1")
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

// balance checks the invariant (balance = ledger sum, ≥ 0) and returns the balance.
func (f *fixture) balance(userID int64) int64 {
	f.t.Helper()
	bal, sum, err := f.store.LedgerSum(f.ctx, userID)
	if err != nil {
		f.t.Fatal(err)
	}
	if bal != sum {
		f.t.Fatalf("user %d: balance %d != ledger sum %d", userID, bal, sum)
	}
	if bal < 0 {
		f.t.Fatalf("user %d: negative balance %d", userID, bal)
	}
	return bal
}

func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	n, err := f.store.QueryInt(f.ctx, query, args...)
	if err != nil {
		f.t.Fatal(err)
	}
	return int(n)
}

// setNow moves the clock of package db for the test.
func setNow(t *testing.T, unix int64) {
	old := db.Now
	db.Now = func() int64 { return unix }
	t.Cleanup(func() { db.Now = old })
}

func TestConcurrentPurchasesNeverOverdraw(t *testing.T) {
	f := newFixture(t)
	u := f.user("buyer@example.com")
	p := f.product(ProductForm{Name: "VPS S", Price: "2.50", Active: true})
	f.credit(u.ID, 3*250+99) // affords exactly 3

	const n = 50
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = f.shop.Buy(f.ctx, f.fund(), u.ID, p.ID, fmt.Sprintf("token-%02d-distinct-per-click", i))
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
	if bal := f.balance(u.ID); bal != 99 {
		t.Fatalf("balance %d, want 99", bal)
	}
	if c := f.count(`SELECT COUNT(*) FROM ledger_entries WHERE balance_after_cents < 0`); c != 0 {
		t.Fatalf("%d ledger entries below zero", c)
	}
	if c := f.count(`SELECT COUNT(*) FROM invoices WHERE user_id = ?`, u.ID); c != 3 {
		t.Fatalf("%d invoices, want 3", c)
	}
	if c := f.count(`SELECT COUNT(*) FROM services WHERE user_id = ?`, u.ID); c != 3 {
		t.Fatalf("%d services, want 3", c)
	}
	if c := f.count(`SELECT COUNT(*) FROM ledger_entries WHERE user_id = ? AND kind = 'purchase'`, u.ID); c != 3 {
		t.Fatalf("%d purchase entries, want 3", c)
	}
	// Each purchase entry points at its own invoice, whose total it debits.
	if c := f.count(`SELECT COUNT(*) FROM ledger_entries l JOIN invoices i ON l.reference = 'invoice:' || i.id
		WHERE l.kind = 'purchase' AND l.amount_cents = -i.total_cents`); c != 3 {
		t.Fatalf("%d purchase entries match their invoice, want 3", c)
	}
}

func TestSameTokenDebitsOnce(t *testing.T) {
	f := newFixture(t)
	u := f.user("double@example.com")
	p := f.product(ProductForm{Name: "Domain", Price: "1.00", Active: true})
	f.credit(u.ID, 1000)

	first, err := f.shop.Buy(f.ctx, f.fund(), u.ID, p.ID, "tok-double-click")
	if err != nil || first.Replayed {
		t.Fatalf("first buy: %+v %v", first, err)
	}
	again, err := f.shop.Buy(f.ctx, f.fund(), u.ID, p.ID, "tok-double-click")
	if err != nil || !again.Replayed || again.InvoiceID != first.InvoiceID {
		t.Fatalf("second buy with same token: %+v %v (first invoice %d)", again, err, first.InvoiceID)
	}
	// Ten concurrent submissions of one fresh token: one debit.
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.shop.Buy(f.ctx, f.fund(), u.ID, p.ID, "tok-concurrent"); err != nil {
				t.Errorf("concurrent same token: %v", err)
			}
		}()
	}
	wg.Wait()
	if bal := f.balance(u.ID); bal != 800 {
		t.Fatalf("balance %d, want 800 (two purchases)", bal)
	}
	// Another customer cannot use (or learn anything from) this token.
	v := f.user("victim@example.com")
	f.credit(v.ID, 1000)
	if _, err := f.shop.Buy(f.ctx, f.fund(), v.ID, p.ID, "tok-double-click"); !errors.Is(err, ErrTokenUsed) {
		t.Fatalf("token of another user: %v", err)
	}
	if bal := f.balance(v.ID); bal != 1000 {
		t.Fatalf("other user debited: %d", bal)
	}
}

func TestRefusedPurchaseChangesNothing(t *testing.T) {
	f := newFixture(t)
	u := f.user("poor@example.com")
	p := f.product(ProductForm{Name: "Dedicated", Price: "50", Stock: "4", Active: true})
	f.credit(u.ID, 4999)

	if _, err := f.shop.Buy(f.ctx, f.fund(), u.ID, p.ID, "tok-poor"); !errors.Is(err, ErrInsufficientFunds) {
		t.Fatalf("buy without funds: %v", err)
	}
	got, _ := f.store.ProductByID(f.ctx, p.ID)
	if got.Stock == nil || *got.Stock != 4 {
		t.Fatalf("stock changed to %v", got.Stock)
	}
	for _, q := range []string{`SELECT COUNT(*) FROM invoices`, `SELECT COUNT(*) FROM invoice_lines`,
		`SELECT COUNT(*) FROM services`, `SELECT COUNT(*) FROM form_tokens`, `SELECT COUNT(*) FROM ledger_entries WHERE kind = 'purchase'`} {
		if c := f.count(q); c != 0 {
			t.Fatalf("%s = %d after a refused purchase", q, c)
		}
	}
	if bal := f.balance(u.ID); bal != 4999 {
		t.Fatalf("balance %d", bal)
	}
	// After topping up, the same form (token) works: the refusal did not burn it.
	f.credit(u.ID, 1)
	if pur, err := f.shop.Buy(f.ctx, f.fund(), u.ID, p.ID, "tok-poor"); err != nil || pur.Replayed {
		t.Fatalf("buy after top-up: %+v %v", pur, err)
	}
	if bal := f.balance(u.ID); bal != 0 {
		t.Fatalf("balance %d, want 0", bal)
	}
}

func TestStockLimit(t *testing.T) {
	f := newFixture(t)
	u := f.user("rich@example.com")
	p := f.product(ProductForm{Name: "Limited", Price: "1", Stock: "2", Active: true})
	f.credit(u.ID, 100_00)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, out := 0, 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.shop.Buy(f.ctx, f.fund(), u.ID, p.ID, fmt.Sprint("stock-", i))
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
	if bal := f.balance(u.ID); bal != 100_00-200 {
		t.Fatalf("balance %d", bal)
	}
}

func TestNotForSaleAndUnknown(t *testing.T) {
	f := newFixture(t)
	u := f.user("c@example.com")
	f.credit(u.ID, 1000)
	p := f.product(ProductForm{Name: "Old", Price: "1", Active: true})
	if err := f.shop.SetProductActive(f.ctx, 0, p.ID, false, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.shop.Buy(f.ctx, f.fund(), u.ID, p.ID, "t1"); !errors.Is(err, ErrNotForSale) {
		t.Fatalf("inactive product: %v", err)
	}
	if _, err := f.shop.Buy(f.ctx, f.fund(), u.ID, 999, "t2"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("unknown product: %v", err)
	}
	if bal := f.balance(u.ID); bal != 1000 {
		t.Fatalf("balance %d", bal)
	}
	if err := f.shop.SetProductActive(f.ctx, 0, 999, true, ""); !errors.Is(err, db.ErrNotFound) {
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
	p, err := f.shop.CreateProduct(f.ctx, admin.ID, ProductForm{Name: "A", Price: "1", Active: true}, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.shop.UpdateProduct(f.ctx, admin.ID, p.ID, ProductForm{Name: "B", Price: "2", Period: "monthly"}, "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.shop.UpdateProduct(f.ctx, admin.ID, 4242, ProductForm{Name: "B", Price: "2"}, ""); !errors.Is(err, db.ErrNotFound) {
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
	u := f.user("monthly@example.com")
	p := f.product(ProductForm{Name: "VPS M", Price: "5", Period: "monthly", Active: true})
	t0 := time.Date(2027, 1, 10, 12, 0, 0, 0, time.UTC).Unix()
	setNow(t, t0)
	f.credit(u.ID, 1000) // the purchase and exactly one renewal

	pur, err := f.shop.Buy(f.ctx, f.fund(), u.ID, p.ID, "")
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
	setNow(t, due+60)
	rep, err = f.shop.RenewDue(f.ctx, due+60)
	if err != nil || rep.Renewed != 1 || rep.Expired != 0 {
		t.Fatalf("at due: %+v %v", rep, err)
	}
	sv, _ = f.store.ServiceOfUser(f.ctx, pur.ServiceID, u.ID)
	due2 := AddMonth(due)
	if *sv.NextDueAt != due2 || sv.Status != db.ServiceActive {
		t.Fatalf("after renewal: %+v", sv)
	}
	if bal := f.balance(u.ID); bal != 0 {
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
	setNow(t, due2+1)
	rep, err = f.shop.RenewDue(f.ctx, due2+1)
	if err != nil || rep.Expired != 1 || rep.Renewed != 0 {
		t.Fatalf("without funds: %+v %v", rep, err)
	}
	sv, _ = f.store.ServiceOfUser(f.ctx, pur.ServiceID, u.ID)
	if sv.Status != db.ServiceExpired || f.balance(u.ID) != 0 {
		t.Fatalf("after expiry: %+v", sv)
	}
	// The customer tops up and renews by hand: active again, a month from now.
	later := due2 + 5*86400
	setNow(t, later)
	f.credit(u.ID, 700)
	r, err := f.shop.Renew(f.ctx, f.fund(), u.ID, sv.ID, "renew-tok")
	if err != nil || r.NextDueAt != AddMonth(later) {
		t.Fatalf("manual renew: %+v %v", r, err)
	}
	// The same form again: no second month.
	if r2, err := f.shop.Renew(f.ctx, f.fund(), u.ID, sv.ID, "renew-tok"); err != nil || !r2.Replayed {
		t.Fatalf("replayed renew: %+v %v", r2, err)
	}
	if bal := f.balance(u.ID); bal != 200 {
		t.Fatalf("balance %d, want 200", bal)
	}
	// Paid a month ahead already: a second manual renewal is allowed once (within the
	// window), a third is too early.
	if _, err := f.shop.Renew(f.ctx, f.fund(), u.ID, sv.ID, ""); !errors.Is(err, ErrInsufficientFunds) {
		t.Fatalf("renew without funds: %v", err)
	}
	f.credit(u.ID, 1000)
	if _, err := f.shop.Renew(f.ctx, f.fund(), u.ID, sv.ID, ""); err != nil {
		t.Fatalf("renew in advance: %v", err)
	}
	if _, err := f.shop.Renew(f.ctx, f.fund(), u.ID, sv.ID, ""); !errors.Is(err, ErrRenewTooEarly) {
		t.Fatalf("renew far ahead: %v", err)
	}
}

func TestRenewDueCatchesUpThenExpires(t *testing.T) {
	f := newFixture(t)
	u := f.user("late@example.com")
	p := f.product(ProductForm{Name: "VPS L", Price: "3", Period: "monthly", Active: true})
	t0 := time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC).Unix()
	setNow(t, t0)
	f.credit(u.ID, 3*300) // purchase + two renewals
	pur, err := f.shop.Buy(f.ctx, f.fund(), u.ID, p.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	// The server was off for four months.
	now := time.Date(2027, 9, 2, 0, 0, 0, 0, time.UTC).Unix()
	setNow(t, now)
	rep, err := f.shop.RenewDue(f.ctx, now)
	if err != nil || rep.Renewed != 2 || rep.Expired != 1 {
		t.Fatalf("catch-up: %+v %v", rep, err)
	}
	sv, _ := f.store.ServiceOfUser(f.ctx, pur.ServiceID, u.ID)
	if sv.Status != db.ServiceExpired || f.balance(u.ID) != 0 {
		t.Fatalf("after catch-up: %+v", sv)
	}
}

func TestRenewRules(t *testing.T) {
	f := newFixture(t)
	a, b := f.user("a@example.com"), f.user("b@example.com")
	f.credit(a.ID, 10000)
	f.credit(b.ID, 10000)
	once := f.product(ProductForm{Name: "Setup fee", Price: "1", Active: true})
	monthly := f.product(ProductForm{Name: "VPS", Price: "1", Period: "monthly", Active: true})
	po, _ := f.shop.Buy(f.ctx, f.fund(), a.ID, once.ID, "")
	pm, _ := f.shop.Buy(f.ctx, f.fund(), a.ID, monthly.ID, "")

	if _, err := f.shop.Renew(f.ctx, f.fund(), a.ID, po.ServiceID, ""); !errors.Is(err, ErrNotRenewable) {
		t.Fatalf("renew one-time: %v", err)
	}
	// B cannot renew A's service, even with a fresh token.
	if _, err := f.shop.Renew(f.ctx, f.fund(), b.ID, pm.ServiceID, "b-token"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("renew other's service: %v", err)
	}
	if bal := f.balance(b.ID); bal != 10000 {
		t.Fatalf("B charged: %d", bal)
	}
	if _, err := f.shop.SetServiceStatus(f.ctx, 0, pm.ServiceID, db.ServiceSuspended, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.shop.Renew(f.ctx, f.fund(), a.ID, pm.ServiceID, ""); !errors.Is(err, ErrNotRenewable) {
		t.Fatalf("renew suspended: %v", err)
	}
	// Suspended services are not billed by the renewal run either.
	if rep, _ := f.shop.RenewDue(f.ctx, AddMonth(AddMonth(db.Now()))); rep != (RenewReport{}) {
		t.Fatalf("suspended service renewed: %+v", rep)
	}
}

func TestAdminServiceStatus(t *testing.T) {
	f := newFixture(t)
	u := f.user("s@example.com")
	f.credit(u.ID, 1000)
	p := f.product(ProductForm{Name: "VPS", Price: "1", Period: "monthly", Active: true})
	pur, _ := f.shop.Buy(f.ctx, f.fund(), u.ID, p.ID, "")

	if _, err := f.shop.SetServiceStatus(f.ctx, 0, pur.ServiceID, "expired", ""); !errors.Is(err, ErrStatusInvalid) {
		t.Fatalf("set expired: %v", err)
	}
	if _, err := f.shop.SetServiceStatus(f.ctx, 0, pur.ServiceID, "deleted", ""); !errors.Is(err, ErrStatusInvalid) {
		t.Fatalf("set unknown: %v", err)
	}
	if _, err := f.shop.SetServiceStatus(f.ctx, 0, 999, "active", ""); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("unknown service: %v", err)
	}
	for _, st := range []string{"suspended", "active", "cancelled", "active"} {
		if _, err := f.shop.SetServiceStatus(f.ctx, 0, pur.ServiceID, st, "1.2.3.4"); err != nil {
			t.Fatalf("→ %s: %v", st, err)
		}
		sv, _ := f.store.ServiceByID(f.ctx, pur.ServiceID)
		if sv.Status != st {
			t.Fatalf("status %s, want %s", sv.Status, st)
		}
	}
	if c := f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'service.status'`); c != 4 {
		t.Fatalf("%d audit entries", c)
	}
	// Expired: only the customer's payment brings it back; the admin may cancel it.
	if _, err := f.store.ExecSQL(context.Background(), `UPDATE services SET status = 'expired' WHERE id = ?`, pur.ServiceID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.shop.SetServiceStatus(f.ctx, 0, pur.ServiceID, "active", ""); !errors.Is(err, ErrStatusForbidden) {
		t.Fatalf("reactivate expired: %v", err)
	}
	if _, err := f.shop.SetServiceStatus(f.ctx, 0, pur.ServiceID, "cancelled", ""); err != nil {
		t.Fatalf("cancel expired: %v", err)
	}
}

func enableTransfers(t *testing.T, f *fixture, min, max string) {
	t.Helper()
	set, err := ParseFundForm(FundForm{TransfersEnabled: true, TransferMin: min, TransferMax: max, Currency: "eur"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.shop.SaveFundSettings(f.ctx, 0, set, ""); err != nil {
		t.Fatal(err)
	}
}

func TestTransfers(t *testing.T) {
	f := newFixture(t)
	a, b := f.user("alice@example.com"), f.user("bob@example.com")
	f.credit(a.ID, 10000)

	if _, err := f.shop.Transfer(f.ctx, f.fund(), a.ID, "bob@example.com", "1", ""); !errors.Is(err, ErrTransfersDisabled) {
		t.Fatalf("disabled by default: %v", err)
	}
	enableTransfers(t, f, "1.00", "50")

	res, err := f.shop.Transfer(f.ctx, f.fund(), a.ID, " Bob@Example.com ", "12,34", "t-1")
	if err != nil || res.Amount != 1234 || res.To != "bob@example.com" || res.BalanceAfter != 10000-1234 {
		t.Fatalf("transfer: %+v %v", res, err)
	}
	if f.balance(a.ID) != 10000-1234 || f.balance(b.ID) != 1234 {
		t.Fatal("balances after transfer")
	}
	if c := f.count(`SELECT COUNT(*) FROM ledger_entries WHERE user_id = ? AND kind = 'transfer_out' AND amount_cents = -1234 AND reference = ?`, a.ID, fmt.Sprint("user:", b.ID)); c != 1 {
		t.Fatal("sender ledger entry missing")
	}
	if c := f.count(`SELECT COUNT(*) FROM ledger_entries WHERE user_id = ? AND kind = 'transfer_in' AND amount_cents = 1234 AND reference = ?`, b.ID, fmt.Sprint("user:", a.ID)); c != 1 {
		t.Fatal("recipient ledger entry missing")
	}
	// Same form again: nothing moves.
	if res, err := f.shop.Transfer(f.ctx, f.fund(), a.ID, "bob@example.com", "12.34", "t-1"); err != nil || !res.Replayed {
		t.Fatalf("replay: %+v %v", res, err)
	}
	if f.balance(b.ID) != 1234 {
		t.Fatal("replayed transfer credited twice")
	}

	refused := []struct {
		to, amount string
		want       error
	}{
		{"alice@example.com", "1", ErrTransferToSelf},
		{"ALICE@example.com", "1", ErrTransferToSelf},
		{"nobody@example.com", "1", ErrUnknownRecipient},
		{"not an email", "1", ErrRecipientInvalid},
		{"bob@example.com", "0.99", ErrAmountTooSmall},
		{"bob@example.com", "50.01", ErrAmountTooLarge},
		{"bob@example.com", "0", ErrAmountInvalid},
		{"bob@example.com", "-5", ErrAmountInvalid},
		{"bob@example.com", "abc", ErrAmountInvalid},
		{"bob@example.com", "1.005", ErrAmountInvalid},
	}
	for _, c := range refused {
		if _, err := f.shop.Transfer(f.ctx, f.fund(), a.ID, c.to, c.amount, ""); !errors.Is(err, c.want) {
			t.Errorf("transfer %q to %s: %v, want %v", c.amount, c.to, err, c.want)
		}
	}
	// Bob cannot send more than he has; nothing is written.
	if _, err := f.shop.Transfer(f.ctx, f.fund(), b.ID, "alice@example.com", "12.35", ""); !errors.Is(err, ErrInsufficientFunds) {
		t.Fatalf("overdraw: %v", err)
	}
	if f.balance(b.ID) != 1234 || f.balance(a.ID) != 10000-1234 {
		t.Fatal("refused transfer moved money")
	}
	if c := f.count(`SELECT COUNT(*) FROM ledger_entries WHERE user_id = ? AND kind = 'transfer_out'`, b.ID); c != 0 {
		t.Fatal("refused transfer left a ledger entry")
	}
}

func TestTransferRateLimitAndConcurrency(t *testing.T) {
	f := newFixture(t)
	a, b := f.user("alice@example.com"), f.user("bob@example.com")
	enableTransfers(t, f, "1", "")
	f.credit(a.ID, 300) // affords 3 transfers of 1.00

	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, poor := 0, 0
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.shop.Transfer(f.ctx, f.fund(), a.ID, "bob@example.com", "1", fmt.Sprint("c-", i))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ErrInsufficientFunds):
				poor++
			default:
				t.Errorf("unexpected: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 3 || poor != 47 || f.balance(a.ID) != 0 || f.balance(b.ID) != 300 {
		t.Fatalf("concurrent transfers: ok %d poor %d", ok, poor)
	}
	// Rate limit: 10 per hour (3 already sent).
	f.credit(a.ID, 100_00)
	for i := range TransfersPerHour - 3 {
		if _, err := f.shop.Transfer(f.ctx, f.fund(), a.ID, "bob@example.com", "1", ""); err != nil {
			t.Fatalf("transfer %d: %v", i+4, err)
		}
	}
	if _, err := f.shop.Transfer(f.ctx, f.fund(), a.ID, "bob@example.com", "1", ""); !errors.Is(err, ErrTooManyTransfers) {
		t.Fatalf("11th transfer in an hour: %v", err)
	}
	// An hour later it works again.
	setNow(t, time.Now().Unix()+3601)
	if _, err := f.shop.Transfer(f.ctx, f.fund(), a.ID, "bob@example.com", "1", ""); err != nil {
		t.Fatalf("after an hour: %v", err)
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
	def := f.fund()
	if def.TransfersEnabled || def.Currency != "EUR" || def.TransferMin != settings.DefaultTransferMin || def.ShopName != "Recharge" {
		t.Fatalf("defaults: %+v %v", def, err)
	}
	got.TransfersEnabled, got.ShopAddress = true, "1 rue de la Paix\nParis"
	if err := f.shop.SaveFundSettings(f.ctx, 0, got, ""); err != nil {
		t.Fatal(err)
	}
	back := f.fund()
	if back != got {
		t.Fatalf("round trip: %+v != %+v", back, got)
	}
}
