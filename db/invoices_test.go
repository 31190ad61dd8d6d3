package db

import (
	"context"
	"testing"
)

// A database at version 5 (invoices numbered by id only) migrates: existing invoices
// keep their id as their number, and the next invoice continues after the largest.
func TestMigrationNumbersExistingInvoices(t *testing.T) {
	ctx := context.Background()
	dsn, drop, err := TestDSN(t.TempDir(), "migrate")
	if err != nil {
		t.Fatal(err)
	}
	defer drop()
	s, err := Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u := &User{Email: "old@example.com", PasswordHash: "x", Role: "client", Custom: "c-old"}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	// Back to version 5: what step 6 adds is removed, and two old invoices exist
	// with ids 3 and 7 (ids may have gaps).
	for _, q := range []string{
		`DROP TABLE invoice_counter`,
		`DROP INDEX invoices_number`,
		`ALTER TABLE invoices DROP COLUMN number`,
		`ALTER TABLE invoices DROP COLUMN vat_rate`,
		`ALTER TABLE invoices DROP COLUMN vat_mention`,
		`ALTER TABLE users DROP COLUMN billing_name`,
		`ALTER TABLE users DROP COLUMN billing_address`,
		`UPDATE schema_version SET version = 5`,
	} {
		if _, err := s.ExecSQL(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, id := range []int64{3, 7} {
		if _, err := s.ExecSQL(ctx, `INSERT INTO invoices (id, user_id, total_cents, created_at) VALUES (?, ?, 100, 1)`, id, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	if s, err = Open(dsn); err != nil { // migrates
		t.Fatal(err)
	}
	defer s.Close()
	for _, id := range []int64{3, 7} {
		inv, _, err := s.InvoiceByID(ctx, id)
		if err != nil || inv.Number != id {
			t.Fatalf("invoice %d after migration: %+v %v", id, inv, err)
		}
	}
	if IsPostgres(dsn) { // the copied ids did not move the identity sequence
		if _, err := s.ExecSQL(ctx, `SELECT setval(pg_get_serial_sequence('invoices', 'id'), 7)`); err != nil {
			t.Fatal(err)
		}
	}
	inv := Invoice{UserID: u.ID, Kind: InvoicePurchase, Currency: "EUR"}
	if err := s.InsertInvoice(ctx, &inv, []InvoiceLine{{Description: "x", UnitCents: 100}}); err != nil {
		t.Fatal(err)
	}
	if inv.Number != 8 {
		t.Fatalf("next number %d, want 8", inv.Number)
	}
	u2, err := s.UserByID(ctx, u.ID)
	if err != nil || u2.BillingName != "" {
		t.Fatalf("user after migration: %+v %v", u2, err)
	}
}
