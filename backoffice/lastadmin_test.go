package backoffice

import (
	"context"
	"sync"
	"testing"

	"recharge/db"
)

// Two admins demoting each other, one after the other with sessions loaded before:
// the second demotion is refused inside the write, so an admin always remains.
func TestLastAdminCannotBeDemoted(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	a := &db.User{Email: "a@example.com", PasswordHash: "x", Role: "admin", Custom: "a"}
	b := &db.User{Email: "b@example.com", PasswordHash: "x", Role: "admin", Custom: "b"}
	for _, u := range []*db.User{a, b} {
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	bo := New(s)
	if _, err := bo.SetRole(ctx, db.Actor{UserID: a.ID}, b.ID, "client"); err != nil {
		t.Fatal(err)
	}
	// b's session said "admin" when the request started; the write knows better.
	if _, err := bo.SetRole(ctx, db.Actor{UserID: b.ID}, a.ID, "client"); err == nil {
		t.Fatal("a demoted admin demoted the last admin")
	}
	if n, _ := s.CountUsers(ctx, "admin"); n != 1 {
		t.Fatalf("%d admins left, want 1", n)
	}
}

// Parallel: admins demoting each other at once always leave at least one.
func TestParallelDemotionsLeaveAnAdmin(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	bo := New(s)
	for round := range 20 {
		var ids []int64
		for i := range 2 {
			u := &db.User{Email: string(rune('a'+i)) + "@r" + string(rune('a'+round)) + ".example", PasswordHash: "x", Role: "admin", Custom: string(rune('a'+i)) + string(rune('a'+round))}
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, u.ID)
		}
		// Every other admin of earlier rounds is demoted, so these two are the last.
		var wg sync.WaitGroup
		wg.Go(func() { _, _ = bo.SetRole(ctx, db.Actor{UserID: ids[0]}, ids[1], "client") })
		wg.Go(func() { _, _ = bo.SetRole(ctx, db.Actor{UserID: ids[1]}, ids[0], "client") })
		wg.Wait()
		if n, _ := s.CountUsers(ctx, "admin"); n < 1 {
			t.Fatalf("round %d: no admin left", round)
		}
		for _, id := range ids {
			_ = s.SetUserRole(ctx, id, "client")
		}
	}
}
