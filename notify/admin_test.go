package notify

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"recharge/db"
	"recharge/db/dbtest"
	"recharge/settings"
)

// Endpoints added at the same moment all land, with distinct ids; a removed id is
// never given again.
func TestAddConcurrentAndIDsNeverReused(t *testing.T) {
	store := dbtest.Open(t)
	t.Cleanup(func() { store.Close() })
	ctx := context.Background()
	a := &Admin{Store: store, Target: NewTarget("https://portal.example", false), Hooks: &Hooks{}}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if _, err := a.Add(ctx, db.Actor{}, Endpoint{URL: fmt.Sprintf("https://h%d.example.com/x", i), Events: []string{EventPaymentCredited}}); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	kv, _ := store.Settings(ctx)
	n, err := settings.ParseNotify(kv)
	ids := map[int64]bool{}
	for _, w := range n.Webhooks {
		ids[w.ID] = true
	}
	if err != nil || len(n.Webhooks) != 8 || len(ids) != 8 {
		t.Fatalf("%d endpoints, %d ids, %v", len(n.Webhooks), len(ids), err)
	}
	if err := a.Remove(ctx, db.Actor{}, 8); err != nil {
		t.Fatal(err)
	}
	w, err := a.Add(ctx, db.Actor{}, Endpoint{URL: "https://again.example.com/x", Events: []string{EventPaymentPending}})
	if err != nil || w.ID != 9 || len(w.Secret) < 32 {
		t.Fatalf("after a removal: %+v %v", w, err)
	}
}
