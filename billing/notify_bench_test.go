package billing_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"recharge/billing"
	"recharge/notify"
	"recharge/settings"
)

// BenchmarkCallbackNotify is BenchmarkCallback with the portal's notifications wired
// (as handlers.New does): without an endpoint (one settings read inside the credit's
// transaction) and with one endpoint hearing payment.credited (plus one outbox row per
// credit). Compare with BenchmarkCallback for the cost of the webhooks.
func BenchmarkCallbackNotify(b *testing.B) {
	for _, endpoints := range []int{0, 1} {
		b.Run(fmt.Sprintf("endpoints=%d", endpoints), func(b *testing.B) {
			f := setup(b)
			f.d.Notify = &notify.Hooks{}
			ctx := context.Background()
			if endpoints > 0 {
				hooks, _ := json.Marshal([]settings.Webhook{{ID: 1, URL: "https://hooks.example.com/x", Events: []string{notify.EventPaymentCredited}, Secret: "s"}})
				if err := f.store.SetSettings(ctx, map[string]string{settings.KeyWebhooks: string(hooks)}); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				form := url.Values{"status": {"success"}, "code": {fmt.Sprintf("BENCH%08d", i)}, "virtual_currency": {"1"},
					"payout": {"1.20"}, "rate": {"FR-SMS-250"}, "custom": {f.alice.Custom}, "privateKey": {priv}}
				r, err := f.d.Callback(ctx, f.cfg(), form)
				if err != nil || r.Outcome != billing.CallbackCredited {
					b.Fatalf("%+v %v", r, err)
				}
			}
		})
	}
}
