package shop

import (
	"encoding/json"
	"testing"

	"recharge/db"
	"recharge/notify"
	"recharge/settings"
)

// A purchase and an expiry queue their webhooks in their own transactions, once per
// endpoint subscribed to them (and none for an endpoint that is not).
func TestShopWebhooksAreQueuedWithTheirEvents(t *testing.T) {
	f := newFixture(t)
	f.shop.Notify = &notify.Hooks{}
	hooks, _ := json.Marshal([]settings.Webhook{
		{ID: 1, URL: "https://a.example/hook", Events: []string{notify.EventPurchaseCreated, notify.EventServiceExpired}, Secret: "s"},
		{ID: 2, URL: "https://b.example/hook", Events: []string{notify.EventPaymentCredited}, Secret: "s"},
	})
	if err := f.store.SetSettings(f.ctx, map[string]string{settings.KeyWebhooks: string(hooks)}); err != nil {
		t.Fatal(err)
	}
	u := f.User("buyer@example.com")
	p := f.product(ProductForm{Name: "VPS S", Price: "2.50", Period: db.PeriodMonthly, Active: true})
	f.Credit(u.ID, 300)
	buy, err := f.shop.Buy(f.ctx, f.Fund(), u.ID, p.ID, "tok-1")
	if err != nil {
		t.Fatal(err)
	}
	sv, _ := f.store.ServiceOfUser(f.ctx, buy.ServiceID, u.ID)
	if _, err := f.shop.RenewDue(f.ctx, *sv.NextDueAt); err != nil { // 50 left: expires
		t.Fatal(err)
	}
	if _, err := f.shop.RenewDue(f.ctx, *sv.NextDueAt+10); err != nil { // again: nothing new
		t.Fatal(err)
	}
	items, err := f.store.OutboxOfKind(f.ctx, db.OutboxWebhook, 10)
	if err != nil {
		t.Fatal(err)
	}
	events := map[string]notify.Body{}
	for i := range items {
		if items[i].Target != "https://a.example/hook" {
			t.Fatalf("queued for an endpoint that did not subscribe: %s", items[i].Target)
		}
		var b notify.Body
		if err := json.Unmarshal([]byte(items[i].Payload), &b); err != nil {
			t.Fatal(err)
		}
		events[b.Event] = b
	}
	pc, ex := events[notify.EventPurchaseCreated], events[notify.EventServiceExpired]
	if len(items) != 2 || pc.Data.Purchase == nil || pc.Data.Purchase.AmountCents != 250 || pc.Data.Purchase.Product != "VPS S" ||
		pc.Data.Customer.Email != "buyer@example.com" || ex.Data.Service == nil || ex.Data.Service.ID != buy.ServiceID || ex.Data.Service.Status != db.ServiceExpired {
		t.Fatalf("webhooks: %d rows %+v", len(items), events)
	}
}
