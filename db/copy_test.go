package db_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"recharge/db"
	"recharge/db/dbtest"
)

// fill writes a little of everything the portal stores.
func fill(t *testing.T, s *db.Store) (users []*db.User) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range []string{"a@example.com", "b@example.com"} {
		u := &db.User{Email: e, PasswordHash: "h", Role: "client", Custom: "c-" + e}
		must(s.CreateUser(ctx, u))
		users = append(users, u)
	}
	a, b := users[0].ID, users[1].ID
	for i, p := range []db.Payment{
		{Code: "Paid1", CodeKey: "PAID1", UserID: &a, Status: db.StatusCredited, CreditCents: 250, Rate: "xx-FR-SMS-250", Sandbox: true},
		{Code: "Test1", CodeKey: "TEST1", UserID: &b, Status: db.StatusTest, Test: true, Raw: `{"status":"success"}`},
		{Code: "Lost1", CodeKey: "LOST1", Status: db.StatusPending, Custom: "nobody", Reason: "unknown customer"},
	} {
		if _, err := s.SettlePayment(ctx, &p); err != nil {
			t.Fatalf("payment %d: %v", i, err)
		}
	}
	must(s.ApplyLedger(ctx, &db.LedgerEntry{UserID: b, AmountCents: 1000, Kind: db.KindAdjustment, Note: "goodwill"}))
	prod := &db.Product{Name: "VPS", PriceCents: 300, Period: db.PeriodMonthly, Active: true}
	must(s.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.InsertProduct(ctx, prod); err != nil {
			return err
		}
		due := int64(1_900_000_000)
		sv := &db.Service{UserID: b, ProductID: prod.ID, Name: "VPS", Status: db.ServiceActive, PriceCents: 300, Period: db.PeriodMonthly, NextDueAt: &due}
		if err := tx.InsertService(ctx, sv); err != nil {
			return err
		}
		inv := &db.Invoice{UserID: b, Kind: db.InvoicePurchase, Currency: "EUR", Seller: "Host", Buyer: "b"}
		if err := tx.InsertInvoice(ctx, inv, []db.InvoiceLine{{Description: "VPS", UnitCents: 300, ServiceID: &sv.ID}}); err != nil {
			return err
		}
		if _, _, err := tx.ClaimFormToken(ctx, "tok-1", b); err != nil {
			return err
		}
		return tx.ApplyLedger(ctx, &db.LedgerEntry{UserID: b, AmountCents: -300, Kind: db.KindPurchase, Reference: "invoice:1"})
	}))
	must(s.SetSettings(ctx, map[string]string{"currency": "EUR", "dedipass_sandbox": "1"}))
	must(s.Audit(ctx, db.Actor{UserID: a, IP: "192.0.2.1"}, "user.role", "user:2", "client → admin"))
	must(s.CreateSession(ctx, &db.Session{IDHash: "sess", UserID: a, ExpiresAt: 2_000_000_000}))
	id, _, err := s.ReserveCodeAttempt(ctx, a, "Paid1", 0, 10)
	must(err)
	must(s.SetCodeAttemptOutcome(ctx, id, "Paid1", "credited"))
	_, _, err = s.Reserve(ctx, db.BucketLogin, "a@example.com|192.0.2.9", 0, 5)
	must(err)
	return users
}

// A SQLite install copied to the test engine (PostgreSQL in CI's second run) and back
// keeps every row and id; an occupied target is refused; new ids follow the copied ones.
func TestCopyRoundTrip(t *testing.T) {
	ctx := context.Background()
	src, err := db.Open(filepath.Join(t.TempDir(), "src.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	users := fill(t, src)
	mid := dbtest.Open(t)
	var progress bytes.Buffer
	rep, err := db.Copy(ctx, src, mid, &progress)
	if err != nil {
		t.Fatalf("copy: %v\n%s", err, progress.String())
	}
	if rep.Rows["payments"] != 3 || rep.Rows["users"] != 2 || rep.Rows["ledger_entries"] != 3 || rep.Rows["invoice_lines"] != 1 {
		t.Fatalf("copied %+v", rep.Rows)
	}
	if !strings.Contains(progress.String(), "payments: 3 rows copied") {
		t.Fatalf("progress: %s", progress.String())
	}
	back, err := db.Open(filepath.Join(t.TempDir(), "back.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if _, err := db.Copy(ctx, mid, back, nil); err != nil {
		t.Fatalf("copy back: %v", err)
	}
	for _, s := range []*db.Store{mid, back} {
		for _, code := range []string{"PAID1", "TEST1", "LOST1"} {
			want, _ := src.PaymentByCode(ctx, code)
			got, err := s.PaymentByCode(ctx, code)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("%s on %s:\n got %+v %v\nwant %+v", code, s.Engine(), got, err, want)
			}
		}
		for _, u := range users {
			got, err := s.UserByID(ctx, u.ID)
			want, _ := src.UserByID(ctx, u.ID)
			if err != nil || *got != *want {
				t.Fatalf("user %d on %s: %+v %v", u.ID, s.Engine(), got, err)
			}
		}
		if set, _ := s.Settings(ctx); set["dedipass_sandbox"] != "1" {
			t.Fatalf("settings on %s: %v", s.Engine(), set)
		}
		if p, _, _ := s.ProductsPage(ctx, 10, 0); len(p) != 1 || !p[0].Active || p[0].Sold != 1 {
			t.Fatalf("products on %s: %+v", s.Engine(), p)
		}
		// The next id follows the copied ones.
		u := &db.User{Email: "new@example.com", PasswordHash: "h", Role: "client", Custom: "new"}
		if err := s.CreateUser(ctx, u); err != nil || u.ID != users[1].ID+1 {
			t.Fatalf("new user on %s: id %d, %v", s.Engine(), u.ID, err)
		}
	}
	// Into a database that holds anything: refused, nothing written.
	if _, err := db.Copy(ctx, src, back, nil); !errors.Is(err, db.ErrTargetNotEmpty) {
		t.Fatalf("copy into a non-empty database: %v", err)
	}
}
