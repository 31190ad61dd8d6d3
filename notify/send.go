package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"recharge/db"
	"recharge/i18n"
	"recharge/money"
)

// Timeout bounds one delivery (connect, TLS, request and answer).
const Timeout = 5 * time.Second

// Headers of a delivery.
const (
	HeaderSignature = "X-Recharge-Signature" // sha256=<hex HMAC-SHA256 of the body with the endpoint's secret>
	HeaderEvent     = "X-Recharge-Event"
	HeaderDelivery  = "X-Recharge-Delivery" // the same on every retry of one delivery
)

// Target checks: what a webhook URL may point to.
type Target struct {
	// Self is the portal's own host:port (of --base-url): never a webhook target.
	Self string
	// AllowPrivate lets webhooks reach loopback and private addresses (flag
	// --webhooks-allow-private: tests and a receiver on the same machine or LAN).
	AllowPrivate bool
}

// NewTarget reads the portal's own host:port from its base URL.
func NewTarget(baseURL string, allowPrivate bool) Target {
	t := Target{AllowPrivate: allowPrivate}
	if u, err := url.Parse(baseURL); err == nil && u.Host != "" {
		t.Self = hostPort(u)
	}
	return t
}

func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if strings.EqualFold(u.Scheme, "https") {
			port = "443"
		}
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// Sender delivers the outbox's webhook rows (package jobs calls Send).
type Sender struct {
	Store  *db.Store
	Target Target
	// Client, when set, replaces the guarded HTTP client (tests route a Discord-shaped
	// URL to a local server with it). Nil = the client that refuses private addresses
	// at connect time (unless Target.AllowPrivate) and follows no redirect.
	Client *http.Client
	client *http.Client
}

// NewSender builds the sender with its guarded client.
func NewSender(store *db.Store, t Target) *Sender {
	s := &Sender{Store: store, Target: t}
	dialer := &net.Dialer{Timeout: Timeout, Control: func(network, address string, _ syscall.RawConn) error {
		// Runs on the address actually dialed, after DNS: a name that resolves to a
		// private address (or changes to one later) is refused here.
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s", ErrURLPrivate, address)
		}
		if !t.AllowPrivate && private(ap.Addr()) {
			return fmt.Errorf("%w: %s", ErrURLPrivate, ap.Addr())
		}
		return nil
	}}
	tr := &http.Transport{DialContext: dialer.DialContext, TLSHandshakeTimeout: Timeout, ResponseHeaderTimeout: Timeout,
		MaxIdleConnsPerHost: 2, IdleConnTimeout: 30 * time.Second, Proxy: nil}
	s.client = &http.Client{Transport: tr, Timeout: Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return s
}

// permanent is a delivery error that retrying cannot fix (the endpoint was removed).
type permanent struct{ error }

func (permanent) Permanent() bool { return true }

// Send delivers one webhook row: the stored body, signed with the endpoint's current
// secret, or its Discord message for a Discord URL. 2xx = delivered; anything else is
// an error and the worker retries.
func (s *Sender) Send(ctx context.Context, it *db.OutboxItem) error {
	set, err := load(ctx, s.Store)
	if err != nil {
		return err
	}
	id, ok := endpointOf(it.MessageID)
	if !ok {
		return permanent{fmt.Errorf("delivery id %q names no endpoint", it.MessageID)}
	}
	w, ok := set.Notify.Webhook(id)
	if !ok {
		return permanent{errors.New("endpoint removed")}
	}
	u, err := url.Parse(it.Target)
	if err != nil {
		return permanent{ErrURLInvalid}
	}
	if err := s.Target.Check(u); err != nil {
		return permanent{err}
	}
	var b Body
	if err := json.Unmarshal([]byte(it.Payload), &b); err != nil {
		return permanent{fmt.Errorf("stored body: %w", err)}
	}
	body := []byte(it.Payload)
	discord := IsDiscord(u)
	if discord {
		body = DiscordMessage(b, set.Fund.Currency)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, it.Target, bytes.NewReader(body))
	if err != nil {
		return permanent{err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Recharge-Webhooks/1")
	req.Header.Set(HeaderEvent, b.Event)
	req.Header.Set(HeaderDelivery, it.MessageID)
	if !discord {
		req.Header.Set(HeaderSignature, Sign(w.Secret, body))
	}
	c := s.Client
	if c == nil {
		c = s.client
	}
	resp, err := c.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is in the log already; keep the cause
		}
		return fmt.Errorf("post: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

// Sign is the X-Recharge-Signature value of body: sha256=<hex HMAC-SHA256>.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature header against body (receivers in Go may use it; the
// comparison is constant-time).
func Verify(secret string, body []byte, header string) bool {
	return hmac.Equal([]byte(header), []byte(Sign(secret, body)))
}

// IsDiscord reports whether u is a Discord webhook URL
// (https://discord.com/api/webhooks/…, also discordapp.com and the ptb/canary hosts):
// those get Discord's message format instead of the signed JSON.
func IsDiscord(u *url.URL) bool {
	if u == nil || !strings.EqualFold(u.Scheme, "https") {
		return false
	}
	switch strings.ToLower(u.Hostname()) {
	case "discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com":
		return strings.HasPrefix(u.Path, "/api/webhooks/")
	}
	return false
}

// discordLang is the language of Discord messages (the portal's default).
var discordLang = i18n.Default

// DiscordMessage is the Discord webhook body of an event: one line of text for
// humans; mentions are disabled (an email or product name cannot ping @everyone).
func DiscordMessage(b Body, currency string) []byte {
	lang := discordLang
	amount := func(cents int64, cur string) string {
		if cur == "" {
			cur = currency
		}
		return money.Cents(cents).Format(lang, cur)
	}
	email := ""
	if b.Data.Customer != nil {
		email = b.Data.Customer.Email
	}
	var text string
	switch d := b.Data; {
	case b.Event == EventPaymentCredited && d.Payment != nil:
		text = i18n.T(lang, "webhooks.discord_credited", amount(d.Payment.AmountCents, d.Payment.Currency), email)
	case b.Event == EventPaymentPending && d.Payment != nil:
		who := email
		if who == "" {
			who = i18n.T(lang, "webhooks.discord_unknown_customer")
		}
		text = i18n.T(lang, "webhooks.discord_pending", d.Payment.ID, amount(d.Payment.PayoutCents, d.Payment.Currency), who)
	case b.Event == EventPurchaseCreated && d.Purchase != nil:
		text = i18n.T(lang, "webhooks.discord_purchase", d.Purchase.Product, amount(d.Purchase.AmountCents, d.Purchase.Currency), email)
	case b.Event == EventServiceExpired && d.Service != nil:
		text = i18n.T(lang, "webhooks.discord_expired", d.Service.Name, email)
	default:
		text = i18n.T(lang, "webhooks.discord_test", d.Site)
	}
	out, _ := json.Marshal(map[string]any{"content": text, "allowed_mentions": map[string]any{"parse": []string{}}})
	return out
}

// EventOf names the event of a queued webhook row (the delivery log), "" if unreadable.
func EventOf(it *db.OutboxItem) string {
	var b struct {
		Event string `json:"event"`
	}
	if json.Unmarshal([]byte(it.Payload), &b) != nil {
		return ""
	}
	return b.Event
}
