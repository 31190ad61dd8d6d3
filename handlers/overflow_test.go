package handlers_test

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"testing"

	"recharge/apptest"
)

// An adjustment that would take a balance past what int64 cents hold is refused with
// a message (422), never a 500, and changes nothing; so are amounts Parse refuses.
func TestHugeAdjustmentIsRefusedNot500(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("admin@example.com", "password123", true)
	u := env.CreateUser("c@example.com", "password123", false)
	const near = math.MaxInt64 - 1000 // a balance near the limit (seeded, as no form can reach it)
	env.Credit(u.ID, near)
	admin := env.NewClient()
	admin.Login("admin@example.com", "password123")
	path := fmt.Sprintf("/admin/users/%d/wallet", u.ID)
	for i, amount := range []string{"1000000000000", "11", "90000000000000000", "-92233720368547758.08", "1e30"} {
		r := admin.Post(fmt.Sprintf("/admin/users/%d", u.ID), path, url.Values{"amount": {amount}, "reason": {"overflow"}})
		if r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusBadRequest {
			t.Errorf("adjustment %d (%s): %d, want 422", i, amount, r.Status)
		}
	}
	bal, sum, err := env.Store.LedgerSum(t.Context(), u.ID)
	if err != nil || bal != near || sum != near {
		t.Fatalf("balance %d, ledger %d (%v): want nothing changed", bal, sum, err)
	}
}
