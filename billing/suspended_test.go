package billing_test

import (
	"context"
	"strings"
	"testing"

	"recharge/accounts"
	"recharge/billing"
	"recharge/db"
)

// A callback for a suspended customer is recorded pending with a reason the admin
// understands, never credited; once reinstated, the admin's assign credits it once.
func TestCallbackForSuspendedCustomerIsPending(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	admin, err := (&accounts.Service{Store: f.store}).Register(ctx, "boss@example.com", "password123", "", "admin", "")
	if err != nil {
		t.Fatal(err)
	}
	acc := &accounts.Service{Store: f.store}
	actor := db.Actor{UserID: admin.ID, IP: "127.0.0.1"}
	if _, err := acc.SetSuspended(ctx, actor, f.alice.ID, true); err != nil {
		t.Fatal(err)
	}
	code := f.sb.IssueCode("2", "1")
	form := f.sb.BuildCallback(code, f.alice.Custom)
	form.Set("privateKey", priv)
	r := f.callback(t, form)
	if r.Outcome != billing.CallbackRecorded || r.Detail != db.StatusPending {
		t.Fatalf("callback for a suspended customer: %+v, want recorded pending", r)
	}
	if b := f.balance(t, f.alice); b != 0 {
		t.Fatalf("suspended wallet credited: %d", b)
	}
	p, err := f.store.PaymentByCode(ctx, code)
	if err != nil || p.Status != db.StatusPending || p.Credited() || !strings.Contains(p.Reason, "suspended") {
		t.Fatalf("payment: %+v %v", p, err)
	}
	// The same callback again stays pending and credits nothing.
	if r := f.callback(t, form); r.Outcome != billing.CallbackRecorded || f.balance(t, f.alice) != 0 {
		t.Fatalf("replay: %+v", r)
	}
	// Reinstated, a new code credits as usual; the held one waits for the admin.
	if _, err := acc.SetSuspended(ctx, actor, f.alice.ID, false); err != nil {
		t.Fatal(err)
	}
	code2 := f.sb.IssueCode("1", "0.5")
	form2 := f.sb.BuildCallback(code2, f.alice.Custom)
	form2.Set("privateKey", priv)
	if r := f.callback(t, form2); r.Outcome != billing.CallbackCredited || f.balance(t, f.alice) != 100 {
		t.Fatalf("after reinstatement: %+v balance %d", r, f.balance(t, f.alice))
	}
	if _, err := f.d.AssignPending(ctx, actor, f.cfg(), p.ID, "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	if b := f.balance(t, f.alice); b != 300 {
		t.Fatalf("after assign: %d, want 300", b)
	}
}
