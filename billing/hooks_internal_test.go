package billing

import (
	"testing"

	"recharge/mail"
	"recharge/notify"
	"recharge/settings"
)

// With neither SMTP nor a webhook endpoint a credit has nothing to queue: the payment
// carries no hook, so PostgreSQL keeps its one-statement settlement.
func TestSettlementHooksOnlyWhenSomethingListens(t *testing.T) {
	d := &Dedipass{Mail: mail.New(mail.Config{}, ""), Notify: &notify.Hooks{}}
	quiet, _ := settings.Parse(nil)
	if d.onCredit(quiet.Dedipass) != nil || d.onPending(quiet.Dedipass) != nil {
		t.Fatal("hooks set with nothing listening")
	}
	announced, _ := settings.Parse(map[string]string{settings.KeyWebhooks: `[{"id":1,"url":"https://example.com/h","events":["payment.credited"],"secret":"s"}]`})
	if !announced.Dedipass.Announced || d.onCredit(announced.Dedipass) == nil || d.onPending(announced.Dedipass) == nil {
		t.Fatal("no hook with a webhook endpoint configured")
	}
	empty, _ := settings.Parse(map[string]string{settings.KeyWebhooks: `[]`})
	if empty.Dedipass.Announced {
		t.Fatal("an empty endpoint list counts as announced")
	}
	d.Mail = mail.New(mail.Config{Addr: "127.0.0.1:25"}, "")
	if d.onCredit(quiet.Dedipass) == nil || d.onPending(quiet.Dedipass) == nil {
		t.Fatal("no hook with SMTP on (receipt, admin mail)")
	}
}
