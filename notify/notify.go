// Package notify owns what the portal tells the host about: outgoing webhooks (the
// endpoints the admin configures, the events they hear, the signed JSON body or the
// Discord message, and their delivery) and the admin mail on a new pending payment.
// Events are queued in the outbox (package db) in the transaction of the event, once
// per endpoint (message_id <event>-<id>-<endpoint>); the outbox worker (package jobs)
// delivers them with Sender, with retries. No HTTP server code lives here.
package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"recharge/db"
	"recharge/mail"
	"recharge/settings"
)

// The events an endpoint may subscribe to (SPEC §8), and the test ping of the
// settings page.
const (
	EventPaymentCredited = "payment.credited"
	EventPaymentPending  = "payment.pending"
	EventPurchaseCreated = "purchase.created"
	// Written in two pieces: it is an event name, not the catalog key it looks like to
	// the translation check (i18n/keys_test.go); its label is webhooks.event_service_expired.
	EventServiceExpired = "service" + ".expired"
	EventTest           = "webhook.test"
)

// Events lists the events an endpoint may subscribe to, in the page's order.
var Events = []string{EventPaymentCredited, EventPaymentPending, EventPurchaseCreated, EventServiceExpired}

// Body is the JSON an endpoint receives: the event, its id (stable across retries),
// when it happened, and the object. Amounts are integer cents with their currency;
// never a secret nor a raw provider field.
type Body struct {
	ID    string    `json:"id"`
	Event string    `json:"event"`
	Time  string    `json:"time"` // RFC 3339, UTC
	Data  EventData `json:"data"`
}

// EventData is the object of an event; only the parts of its event are set.
type EventData struct {
	Payment  *Payment  `json:"payment,omitempty"`
	Purchase *Purchase `json:"purchase,omitempty"`
	Service  *Service  `json:"service,omitempty"`
	Customer *Customer `json:"customer,omitempty"`
	Site     string    `json:"site,omitempty"` // the test ping
}

// Payment is a Dedipass payment as an event tells it.
type Payment struct {
	ID              int64  `json:"id"`
	Status          string `json:"status"`
	Source          string `json:"source"` // form or callback
	AmountCents     int64  `json:"amount_cents"`
	Currency        string `json:"currency"`
	PayoutCents     int64  `json:"payout_cents"`
	VirtualCurrency string `json:"virtual_currency,omitempty"`
	Rate            string `json:"rate,omitempty"`
	Test            bool   `json:"test"`
	Sandbox         bool   `json:"sandbox"`
	BalanceCents    *int64 `json:"balance_after_cents,omitempty"`
}

// Purchase is a product bought from the wallet.
type Purchase struct {
	InvoiceID   int64  `json:"invoice_id"`
	ServiceID   int64  `json:"service_id"`
	ProductID   int64  `json:"product_id"`
	Product     string `json:"product"`
	AmountCents int64  `json:"amount_cents"`
	Currency    string `json:"currency"`
	Period      string `json:"period"`
}

// Service is a bought service that changed state.
type Service struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Status     string `json:"status"`
	PriceCents int64  `json:"price_cents"`
	Currency   string `json:"currency"`
	DueAt      string `json:"due_at,omitempty"` // RFC 3339
}

// Customer is who the event is about.
type Customer struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
}

// Hooks queues the notifications of events, in the event's transaction.
type Hooks struct {
	// Mail queues the admin mails (nothing without SMTP).
	Mail *mail.Mailer
	// Now is the event time (tests may replace it); nil = time.Now.
	Now func() time.Time
}

func (h *Hooks) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// emit queues one outbox row per endpoint subscribed to the event. The settings are
// read in tx, so an endpoint added by another instance a moment ago is seen.
func (h *Hooks) emit(ctx context.Context, tx *db.Tx, n settings.Notify, event, id string, data EventData) error {
	var body []byte
	for _, w := range n.Webhooks {
		if !w.Wants(event) {
			continue
		}
		if body == nil {
			var err error
			body, err = json.Marshal(Body{ID: id, Event: event, Time: h.now().UTC().Format(time.RFC3339), Data: data})
			if err != nil {
				return err
			}
		}
		if _, err := tx.Enqueue(ctx, &db.OutboxItem{Kind: db.OutboxWebhook, Target: w.URL, Payload: string(body),
			MessageID: DeliveryID(id, w.ID)}); err != nil {
			return fmt.Errorf("queue webhook %s: %w", id, err)
		}
	}
	return nil
}

// DeliveryID is the outbox message id (and X-Recharge-Delivery header) of an event for
// one endpoint: the same event is queued once per endpoint, whatever repeats it.
func DeliveryID(eventID string, endpoint int64) string {
	return eventID + "-" + strconv.FormatInt(endpoint, 10)
}

// endpointOf reads the endpoint id back from a delivery id.
func endpointOf(deliveryID string) (int64, bool) {
	for i := len(deliveryID) - 1; i >= 0; i-- {
		if deliveryID[i] == '-' {
			n, err := strconv.ParseInt(deliveryID[i+1:], 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// loaded is what an event needs from the settings (one read).
type loaded struct {
	Notify settings.Notify
	Fund   settings.Fund
}

// load reads the settings through r (the event's transaction, or the store). A
// corrupted setting reads as its default: it does not stop the event.
func load(ctx context.Context, r settings.Reader) (loaded, error) {
	kv, err := r.Settings(ctx)
	if err != nil {
		return loaded{}, err
	}
	set, _ := settings.Parse(kv)
	n, _ := settings.ParseNotify(kv)
	return loaded{Notify: n, Fund: set.Fund}, nil
}

func customer(u *db.User) *Customer {
	if u == nil {
		return nil
	}
	return &Customer{ID: u.ID, Email: u.Email}
}

func payment(p *db.Payment, currency string) *Payment {
	return &Payment{ID: p.ID, Status: p.Status, Source: p.Source, AmountCents: p.CreditCents, Currency: currency,
		PayoutCents: p.PayoutCents, VirtualCurrency: p.VirtualCurrency, Rate: p.Rate, Test: p.Test, Sandbox: p.Sandbox}
}

// PaymentCredited tells that payment p credited u's wallet (balance after it).
func (h *Hooks) PaymentCredited(ctx context.Context, tx *db.Tx, p *db.Payment, u *db.User, balanceAfter int64) error {
	set, err := load(ctx, tx)
	if err != nil || len(set.Notify.Webhooks) == 0 {
		return err
	}
	pd := payment(p, set.Fund.Currency)
	pd.BalanceCents = &balanceAfter
	return h.emit(ctx, tx, set.Notify, EventPaymentCredited, EventPaymentCredited+"-"+strconv.FormatInt(p.ID, 10),
		EventData{Payment: pd, Customer: customer(u)})
}

// PaymentPending tells that payment p waits for the admin (unknown customer, above
// max_credit_cents, suspended account): the webhook event, and a mail to the
// notification address or every admin when SMTP is set. Repeats of the same payment
// queue nothing new (the ids name the payment).
func (h *Hooks) PaymentPending(ctx context.Context, tx *db.Tx, p *db.Payment) error {
	set, err := load(ctx, tx)
	if err != nil {
		return err
	}
	var u *db.User
	if p.UserID != nil {
		if u, err = tx.UserByID(ctx, *p.UserID); err != nil {
			return err
		}
	}
	id := EventPaymentPending + "-" + strconv.FormatInt(p.ID, 10)
	if err := h.emit(ctx, tx, set.Notify, EventPaymentPending, id, EventData{Payment: payment(p, set.Fund.Currency), Customer: customer(u)}); err != nil {
		return err
	}
	if !h.Mail.Enabled() {
		return nil
	}
	type recipient struct{ email, lang, name string }
	var to []recipient
	if set.Notify.Email != "" {
		to = append(to, recipient{email: set.Notify.Email})
	} else {
		admins, err := tx.ActiveAdmins(ctx)
		if err != nil {
			return err
		}
		for _, a := range admins {
			to = append(to, recipient{a.Email, a.Lang, a.Name})
		}
	}
	data := mail.Data{AmountCents: p.PayoutCents, Currency: set.Fund.Currency, Code: p.Code,
		URL: h.Mail.URL("/admin/billing/dedipass/" + strconv.FormatInt(p.ID, 10))}
	if u != nil {
		data.Email = u.Email
	}
	for _, r := range to {
		d := data
		d.Name = r.name
		if _, err := h.Mail.Queue(ctx, tx, mail.Message{To: r.email, Lang: r.lang, Template: "pending_admin",
			ID: "pending-" + strconv.FormatInt(p.ID, 10) + "-" + recipientKey(r.email), Data: d}); err != nil {
			return err
		}
	}
	return nil
}

// recipientKey names a recipient inside a Message-ID: stable for the address (a
// repeat of the event queues nothing), without its "@" nor the address itself.
func recipientKey(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(email)))
	return hex.EncodeToString(sum[:6])
}

// PurchaseCreated tells that u bought a product (its service and invoice).
func (h *Hooks) PurchaseCreated(ctx context.Context, tx *db.Tx, u *db.User, pu Purchase) error {
	set, err := load(ctx, tx)
	if err != nil || len(set.Notify.Webhooks) == 0 {
		return err
	}
	return h.emit(ctx, tx, set.Notify, EventPurchaseCreated, EventPurchaseCreated+"-"+strconv.FormatInt(pu.InvoiceID, 10),
		EventData{Purchase: &pu, Customer: customer(u)})
}

// ServiceExpired tells that a service expired at its due date (the wallet did not
// cover the renewal).
func (h *Hooks) ServiceExpired(ctx context.Context, tx *db.Tx, sv *db.Service, u *db.User, currency string) error {
	set, err := load(ctx, tx)
	if err != nil || len(set.Notify.Webhooks) == 0 {
		return err
	}
	due := int64(0)
	s := &Service{ID: sv.ID, Name: sv.Name, Status: db.ServiceExpired, PriceCents: sv.PriceCents, Currency: currency}
	if sv.NextDueAt != nil {
		due = *sv.NextDueAt
		s.DueAt = time.Unix(due, 0).UTC().Format(time.RFC3339)
	}
	return h.emit(ctx, tx, set.Notify, EventServiceExpired, fmt.Sprintf("%s-%d-%d", EventServiceExpired, sv.ID, due),
		EventData{Service: s, Customer: customer(u)})
}
