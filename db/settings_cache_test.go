package db

import (
	"context"
	"testing"
	"time"
)

// On PostgreSQL each instance keeps the settings between writes: it reads its own
// write at once, sees another instance's write within the notification's delay, and a
// transaction reads its own uncommitted write.
func TestSettingsCacheFollowsWritesOfEveryInstance(t *testing.T) {
	a, dsn := postgresTestStore(t, "cache") // the settings copy exists on PostgreSQL only
	ctx := context.Background()
	b, err := Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	waitListening := func(s *Store) {
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			s.cache.mu.Lock()
			on := s.cache.listening
			s.cache.mu.Unlock()
			if on {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatal("the settings listener did not start")
	}
	waitListening(a)
	waitListening(b)
	read := func(s *Store, key string) string {
		kv, err := s.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return kv[key]
	}
	if err := a.SetSettings(ctx, map[string]string{"k": "1"}); err != nil {
		t.Fatal(err)
	}
	if v := read(a, "k"); v != "1" {
		t.Fatalf("a reads %q after its own write", v)
	}
	if v := read(b, "k"); v != "1" { // b caches "1"
		t.Fatalf("b reads %q", v)
	}
	// The copy is really used: a change behind the store's back is not seen...
	if _, err := b.ExecSQL(ctx, `UPDATE settings SET value = 'sneaky' WHERE key = 'k'`); err != nil {
		t.Fatal(err)
	}
	if v := read(b, "k"); v != "1" {
		t.Fatalf("b did not answer from its copy: %q", v)
	}
	// ...while a write through any instance is, at once for the writer and within the
	// notification's delay for the other.
	if err := a.SetSettings(ctx, map[string]string{"k": "2"}); err != nil {
		t.Fatal(err)
	}
	if v := read(a, "k"); v != "2" {
		t.Fatalf("a reads %q after its own write", v)
	}
	deadline := time.Now().Add(5 * time.Second)
	for read(b, "k") != "2" {
		if time.Now().After(deadline) {
			t.Fatal("b never saw a's write")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := b.DeleteSetting(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if v := read(b, "k"); v != "" {
		t.Fatalf("b reads %q after deleting it", v)
	}
	err = a.Tx(ctx, func(tx *Tx) error {
		if err := tx.SetSettings(ctx, map[string]string{"k": "3"}); err != nil {
			return err
		}
		kv, err := tx.Settings(ctx)
		if err != nil || kv["k"] != "3" {
			t.Errorf("the transaction reads %q, %v", kv["k"], err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if v := read(a, "k"); v != "3" {
		t.Fatalf("a reads %q after its committed transaction", v)
	}
}
