// Package dbtest is the test fixture of the domain packages (shop, wallet, …): a fresh
// database file in the test's temporary folder and helpers that check the money
// invariants. Only tests import it.
package dbtest

import (
	"context"
	"path/filepath"
	"testing"

	"recharge/accounts"
	"recharge/db"
	"recharge/settings"
)

// Fixture is a fresh database and the test using it.
type Fixture struct {
	T     *testing.T
	Store *db.Store
	Ctx   context.Context
}

// New opens a fresh database file, closed when the test ends.
func New(t *testing.T) *Fixture {
	t.Helper()
	store, err := db.Open(filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return &Fixture{T: t, Store: store, Ctx: context.Background()}
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
