// Package dbtest is the test fixture of the domain packages (shop, wallet, …): a fresh
// database file in the test's temporary folder and helpers that check the money
// invariants. Only tests import it.
package dbtest

import (
	"context"
	"testing"

	"recharge/accounts"
	"recharge/db"
	"recharge/settings"
)

// Fixture is a fresh database and the test using it.
type Fixture struct {
	T     *testing.T
	Store *db.Store
	DSN   string // where Store is: a second db.Open(DSN) is a second instance on it
	Ctx   context.Context
}

// New opens a fresh database, closed and removed when the test ends.
func New(t *testing.T) *Fixture {
	t.Helper()
	store, dsn := open(t)
	return &Fixture{T: t, Store: store, DSN: dsn, Ctx: context.Background()}
}

// Open opens a fresh database for the test: a SQLite file in its temporary folder, or
// a schema of its own on the PostgreSQL server that RECHARGE_TEST_DATABASE names.
func Open(t testing.TB) *db.Store {
	t.Helper()
	store, _ := open(t)
	return store
}

func open(t testing.TB) (*db.Store, string) {
	t.Helper()
	dsn, drop, err := db.TestDSN(t.TempDir(), "test")
	if err != nil {
		t.Fatal(err)
	}
	store, err := db.Open(dsn)
	if err != nil {
		drop()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		store.Close()
		drop()
	})
	return store, dsn
}

// SQLiteOnly skips a test that checks something only SQLite has (its file, its
// query planner, its pragmas) when the suite runs on PostgreSQL.
func SQLiteOnly(t testing.TB) {
	t.Helper()
	if db.TestEngine() != "sqlite" {
		t.Skip("SQLite-specific: the suite runs on " + db.TestEngine())
	}
}

// User registers a customer.
func (f *Fixture) User(email string) *db.User {
	f.T.Helper()
	u, err := (&accounts.Service{Store: f.Store}).Register(f.Ctx, email, "password123", "", "client", "")
	if err != nil {
		f.T.Fatal(err)
	}
	return u
}

// Credit adds cents to a wallet (an adjustment).
func (f *Fixture) Credit(userID, cents int64) {
	f.T.Helper()
	err := f.Store.ApplyLedger(f.Ctx, &db.LedgerEntry{UserID: userID, AmountCents: cents, Kind: db.KindAdjustment, Note: "test"})
	if err != nil {
		f.T.Fatal(err)
	}
}

// Balance checks the invariant (balance = ledger sum, ≥ 0) and returns the balance.
func (f *Fixture) Balance(userID int64) int64 {
	f.T.Helper()
	bal, sum, err := f.Store.LedgerSum(f.Ctx, userID)
	if err != nil {
		f.T.Fatal(err)
	}
	if bal != sum {
		f.T.Fatalf("user %d: balance %d != ledger sum %d", userID, bal, sum)
	}
	if bal < 0 {
		f.T.Fatalf("user %d: negative balance %d", userID, bal)
	}
	return bal
}

// Count runs a counting query.
func (f *Fixture) Count(query string, args ...any) int {
	f.T.Helper()
	n, err := f.Store.QueryInt(f.Ctx, query, args...)
	if err != nil {
		f.T.Fatal(err)
	}
	return int(n)
}

// Fund is the Fund settings as a request would load them now.
func (f *Fixture) Fund() settings.Fund {
	f.T.Helper()
	set, err := settings.Load(f.Ctx, f.Store)
	if err != nil {
		f.T.Fatal(err)
	}
	return set.Fund
}

// SaveFund stores Fund settings.
func (f *Fixture) SaveFund(set settings.Fund) {
	f.T.Helper()
	if err := f.Store.SetSettings(f.Ctx, set.Values()); err != nil {
		f.T.Fatal(err)
	}
}

// SetNow moves the clock of package db for the test.
func SetNow(t *testing.T, unix int64) {
	old := db.Now
	db.Now = func() int64 { return unix }
	t.Cleanup(func() { db.Now = old })
}
