package db

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// On PostgreSQL concurrent new codes are settled many per statement: every one is
// credited once, each wallet's balance is the sum of its ledger, and each entry's
// balance_after follows the previous one of its wallet by exactly its amount; the same
// code reported 20 times at once credits once.
func TestPostgresBatchesSettleEveryCodeOnce(t *testing.T) {
	s, _ := postgresTestStore(t, "batch")
	ctx := context.Background()
	var users []int64
	for i := 0; i < 5; i++ {
		u := &User{Email: fmt.Sprintf("b%d@example.com", i), PasswordHash: "x", Role: "client", Custom: fmt.Sprintf("cb%d", i)}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		users = append(users, u.ID)
	}
	batchStats.Lock()
	before := batchStats.written
	batchStats.Unlock()

	const n = 200
	outs := make([]Settlement, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			uid := users[i%len(users)]
			code := fmt.Sprintf("BATCH%04d", i)
			p := &Payment{Code: code, CodeKey: code, UserID: &uid, Status: StatusCredited, Source: "callback", CreditCents: int64(100 + i)}
			outs[i], errs[i] = s.SettlePayment(ctx, p)
			if errs[i] == nil && p.ID == 0 {
				errs[i] = fmt.Errorf("no payment id")
			}
		}(i)
	}
	// The same code from 20 reports at once.
	dupOuts := make([]Settlement, 20)
	for i := range dupOuts {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			uid := users[0]
			p := &Payment{Code: "DUPCODE", CodeKey: "DUPCODE", UserID: &uid, Status: StatusCredited, Source: "callback", CreditCents: 500}
			var err error
			if dupOuts[i], err = s.SettlePayment(ctx, p); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	for i := range outs {
		if errs[i] != nil || outs[i] != Credited {
			t.Fatalf("code %d: %v %v", i, outs[i], errs[i])
		}
	}
	credited := 0
	for _, o := range dupOuts {
		switch o {
		case Credited:
			credited++
		case AlreadyCredited:
		default:
			t.Fatalf("duplicate report: %v", o)
		}
	}
	if credited != 1 {
		t.Fatalf("the same code credited %d times", credited)
	}
	batchStats.Lock()
	written, largest := batchStats.written-before, batchStats.largest
	batchStats.Unlock()
	if written == 0 || largest < 2 {
		t.Fatalf("the batch statement was not used: %d written, largest batch %d", written, largest)
	}
	for _, uid := range users {
		var rows []struct {
			Amount int64 `db:"amount_cents"`
			After  int64 `db:"balance_after_cents"`
		}
		if err := s.sel(ctx, &rows, `SELECT amount_cents, balance_after_cents FROM ledger_entries WHERE user_id = ? ORDER BY id`, uid); err != nil {
			t.Fatal(err)
		}
		var run int64
		for i, r := range rows {
			run += r.Amount
			if r.After != run {
				t.Fatalf("user %d entry %d: balance_after %d, running sum %d", uid, i, r.After, run)
			}
		}
		u, _ := s.UserByID(ctx, uid)
		if u.BalanceCents != run {
			t.Fatalf("user %d: balance %d, ledger %d", uid, u.BalanceCents, run)
		}
	}
	t.Logf("%d settlements written by batches, largest %d", written, largest)
}

// SettleByCustom writes only a new code of an active customer named by custom; an
// unknown or suspended customer, or a code already recorded, writes nothing and tells
// the caller to take its usual way.
func TestSettleByCustomOnlyForActiveCustomersAndNewCodes(t *testing.T) {
	s, _ := postgresTestStore(t, "bycustom")
	ctx := context.Background()
	active := &User{Email: "a@example.com", PasswordHash: "x", Role: "client", Custom: "c-active"}
	gone := &User{Email: "s@example.com", PasswordHash: "x", Role: "client", Custom: "c-suspended"}
	for _, u := range []*User{active, gone} {
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	now := Now()
	if err := s.SetUserSuspended(ctx, gone.ID, &now); err != nil {
		t.Fatal(err)
	}
	settle := func(code, custom string) (Settlement, bool, *Payment) {
		p := &Payment{Code: code, CodeKey: code, Custom: custom, Status: StatusCredited, Source: "callback", CreditCents: 250}
		out, done, err := s.SettleByCustom(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return out, done, p
	}
	out, done, p := settle("NEW1", "c-active")
	if !done || out != Credited || p.UserID == nil || *p.UserID != active.ID || p.ID == 0 {
		t.Fatalf("active customer: %v %v %+v", out, done, p)
	}
	for _, c := range []struct{ code, custom string }{{"NEW2", "nobody"}, {"NEW3", "c-suspended"}, {"NEW1", "c-active"}} {
		if _, done, _ := settle(c.code, c.custom); done {
			t.Fatalf("%s for %s was written", c.code, c.custom)
		}
	}
	if n, _ := s.QueryInt(ctx, `SELECT COUNT(*) FROM payments`); n != 1 {
		t.Fatalf("%d payments", n)
	}
	a, _ := s.UserByID(ctx, active.ID)
	g, _ := s.UserByID(ctx, gone.ID)
	if a.BalanceCents != 250 || g.BalanceCents != 0 {
		t.Fatalf("balances %d %d", a.BalanceCents, g.BalanceCents)
	}
}

// postgresTestStore opens a fresh store on the test PostgreSQL server (the test is
// skipped on SQLite), closed and dropped when the test ends; dsn opens it again.
func postgresTestStore(t *testing.T, name string) (s *Store, dsn string) {
	t.Helper()
	if TestEngine() != "postgres" {
		t.Skip("PostgreSQL only")
	}
	dsn, drop, err := TestDSN(t.TempDir(), name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	if s, err = Open(dsn); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dsn
}
