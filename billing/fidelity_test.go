package billing_test

import (
	"context"
	"errors"
	"net/url"
	"testing"

	"recharge/billing"
	"recharge/db"
)

// unit_cents 0 would burn customers' codes for nothing (SPEC §5.1).
func TestUnitCentsAtLeastOne(t *testing.T) {
	f := setup(t)
	admin := db.Actor{UserID: f.alice.ID, IP: "127.0.0.1"}
	for _, bad := range []string{"0", "-1", "x"} {
		err := f.d.SaveConfig(context.Background(), admin, url.Values{"public_key": {pub}, "unit_cents": {bad}})
		var se *billing.ErrSettings
		if !errors.As(err, &se) || se.Field != "unit_cents" {
			t.Errorf("unit_cents=%q: got %v, want a unit_cents refusal", bad, err)
		}
	}
	if err := f.d.SaveConfig(context.Background(), admin, url.Values{"public_key": {pub}, "unit_cents": {"1"}}); err != nil {
		t.Fatalf("unit_cents=1: %v", err)
	}
	if got := f.cfg().UnitCents; got != 1 {
		t.Fatalf("unit_cents stored %d, want 1", got)
	}
}
