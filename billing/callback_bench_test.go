package billing_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"recharge/billing"
)

// BenchmarkCallback measures one authenticated, crediting callback end to end in the
// domain layer (real SQLite file, WAL, synchronous=FULL).
func BenchmarkCallback(b *testing.B) {
	f := setup(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		form := url.Values{"status": {"success"}, "code": {fmt.Sprintf("BENCH%08d", i)}, "virtual_currency": {"1"},
			"payout": {"1.20"}, "rate": {"FR-SMS-250"}, "custom": {f.alice.Custom}, "privateKey": {priv}}
		r, err := f.d.Callback(ctx, f.cfg(), form)
		if err != nil || r.Outcome != billing.CallbackCredited {
			b.Fatalf("%+v %v", r, err)
		}
	}
}
