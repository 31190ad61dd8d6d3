package db_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"recharge/db"
	"recharge/db/dbtest"
)

// Concurrent settlements are group-committed; one failing item (a customer that does
// not exist) is rolled back alone and the others of its batch are committed.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	store := dbtest.Open(t)
	ctx := context.Background()
	u := &db.User{Email: "g@example.com", PasswordHash: "x", Role: "client", Custom: "gcustom"}
	if err := store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 200)
	outs := make([]db.Settlement, 200)
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			uid := u.ID
			if i%50 == 7 {
				uid = 999999 // foreign key violation
			}
			code := fmt.Sprintf("G%05d", i%150) // codes 0..49 reported twice
			p := &db.Payment{Code: code, CodeKey: code, UserID: &uid, Status: db.StatusCredited, CreditCents: 10, Source: "callback"}
			outs[i], errs[i] = store.SettlePayment(ctx, p)
		}(i)
	}
	wg.Wait()
	credited, failed := 0, 0
	for i := range errs {
		switch {
		case errs[i] != nil:
			failed++
		case outs[i] == db.Credited:
			credited++
		}
	}
	bal, sum, err := store.LedgerSum(ctx, u.ID)
	if err != nil || bal != sum {
		t.Fatalf("balance %d ledger %d %v", bal, sum, err)
	}
	if bal != int64(credited)*10 {
		t.Fatalf("balance %d for %d credits", bal, credited)
	}
	// 150 distinct codes; every report of codes 7, 57 and 107 names the missing
	// customer (i = 7, 57, 107, 157), so those 4 fail and 147 codes credit once.
	if credited != 147 || failed != 4 {
		t.Fatalf("credited %d, failed %d", credited, failed)
	}
	if rows, err := store.QueryInt(ctx, `SELECT COUNT(*) FROM payments WHERE credited_at IS NOT NULL`); err != nil || rows != int64(credited) {
		t.Fatalf("credited rows %d, want %d (%v)", rows, credited, err)
	}
}

// Two stores on one database (two instances of the portal) settle the same code 50
// times each at once: one credit, every other report is told it was credited already.
func TestTwoInstancesOneCodeCreditsOnce(t *testing.T) {
	dsn, drop, err := db.TestDSN(t.TempDir(), "two")
	if err != nil {
		t.Fatal(err)
	}
	defer drop()
	var stores [2]*db.Store
	for i := range stores {
		if stores[i], err = db.Open(dsn); err != nil {
			t.Fatal(err)
		}
		defer stores[i].Close()
	}
	ctx := context.Background()
	u := &db.User{Email: "two@example.com", PasswordHash: "x", Role: "client", Custom: "twocustom"}
	if err := stores[0].CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 5; round++ {
		code := fmt.Sprintf("TWICE%d", round)
		var wg sync.WaitGroup
		outs := make([]db.Settlement, 100)
		errs := make([]error, 100)
		for i := range outs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				uid := u.ID
				p := &db.Payment{Code: code, CodeKey: code, UserID: &uid, Status: db.StatusCredited, CreditCents: 250, Source: "callback"}
				outs[i], errs[i] = stores[i%2].SettlePayment(ctx, p)
			}()
		}
		wg.Wait()
		credited := 0
		for i := range outs {
			switch {
			case errs[i] != nil:
				t.Fatalf("round %d, report %d: %v", round, i, errs[i])
			case outs[i] == db.Credited:
				credited++
			case outs[i] != db.AlreadyCredited:
				t.Fatalf("round %d, report %d: settlement %d", round, i, outs[i])
			}
		}
		if credited != 1 {
			t.Fatalf("round %d: %d credits for one code", round, credited)
		}
	}
	bal, sum, err := stores[1].LedgerSum(ctx, u.ID)
	if err != nil || bal != 5*250 || sum != bal {
		t.Fatalf("balance %d, ledger %d, %v", bal, sum, err)
	}
}
