package jobs

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"recharge/db"
	"recharge/db/dbtest"
	"recharge/shop"
)

func TestHousekeepingForgetsOldTokensAndDeadSessions(t *testing.T) {
	ctx := context.Background()
	store := dbtest.Open(t)
	h := &Housekeeping{Store: store, Shop: shop.New(store), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), FormTokenTTL: time.Hour}
	u := &db.User{Email: "a@example.com", PasswordHash: "x", Role: "client"}
	if err := store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	now := db.Now()
	for _, s := range []*db.Session{{IDHash: "dead", UserID: u.ID, ExpiresAt: now - 1}, {IDHash: "live", UserID: u.ID, ExpiresAt: now + 3600}} {
		if err := store.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	// A claimed token (no result recorded) cannot be claimed again while it is kept.
	if replay, _, err := store.ClaimFormToken(ctx, "tok", u.ID); err != nil || replay {
		t.Fatalf("claim: %v %v", replay, err)
	}

	h.ForgetFormTokens(ctx, now+3600) // younger than twice the TTL: kept
	if _, _, err := store.ClaimFormToken(ctx, "tok", u.ID); !errors.Is(err, db.ErrFormTokenUsed) {
		t.Fatalf("a token younger than twice the TTL was forgotten: %v", err)
	}
	h.ForgetFormTokens(ctx, now+3*3600)
	if _, _, err := store.ClaimFormToken(ctx, "tok", u.ID); err != nil {
		t.Fatalf("a token older than twice the TTL was kept: %v", err)
	}

	// The primary key tells whether a row is still there: storing a session again under a
	// kept id fails, under a deleted one succeeds.
	h.DeleteExpiredSessions(ctx)
	if err := store.CreateSession(ctx, &db.Session{IDHash: "live", UserID: u.ID, ExpiresAt: now + 3600}); err == nil {
		t.Fatal("the live session was deleted")
	}
	if err := store.CreateSession(ctx, &db.Session{IDHash: "dead", UserID: u.ID, ExpiresAt: now + 3600}); err != nil {
		t.Fatalf("the expired session was kept: %v", err)
	}
}
