// Package mail owns the portal's outgoing mail: what each mail says (in the user's
// language, text and HTML, with the site name), how it is queued in the durable outbox
// (in the transaction of the event it tells about) and how it is handed to the SMTP
// server (github.com/wneessen/go-mail). Delivery itself, with retries, is the outbox
// worker's (package jobs).
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"recharge/db"
)

// Config is the SMTP server to send through (flags --smtp-*).
type Config struct {
	Addr     string // host:port; empty = no mail at all
	User     string
	Password string
	From     string // the sender address; default noreply@<host of the base URL>
	TLS      string // none | starttls (default) | tls
	// TLSConfig overrides the TLS settings (tests trust their own server with it).
	TLSConfig *tls.Config
}

// TLS modes of --smtp-tls.
const (
	TLSNone     = "none"
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
)

// ErrTLSMode: --smtp-tls is not one of none, starttls, tls.
var ErrTLSMode = errors.New("--smtp-tls must be none, starttls or tls")

// Check validates the configuration (main calls it at start).
func (c Config) Check() error {
	if c.Addr == "" {
		return nil
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		return fmt.Errorf("--smtp-addr %q: want host:port", c.Addr)
	}
	switch c.TLS {
	case "", TLSNone, TLSStartTLS, TLSImplicit:
		return nil
	}
	return ErrTLSMode
}

// Enabled reports whether an SMTP server is set.
func (c Config) Enabled() bool { return c.Addr != "" }

// Mailer composes, queues and sends mail.
type Mailer struct {
	// Attach, when set, gives the file a mail carries: the invoice's PDF for a mail
	// naming an invoice (lang and brand as the mail's). Set once at start.
	Attach func(ctx context.Context, d Data, lang string, b Brand) (name string, body []byte, err error)

	cfg     Config
	baseURL string
	host    string // of the base URL: Message-IDs and the default sender
}

// New builds the mailer; with an empty cfg.Addr it queues nothing and sends nothing.
func New(cfg Config, baseURL string) *Mailer {
	host := "localhost"
	if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	if cfg.From == "" {
		cfg.From = "noreply@" + host
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	return &Mailer{cfg: cfg, baseURL: strings.TrimRight(baseURL, "/"), host: host}
}

// Enabled reports whether an SMTP server is configured.
func (m *Mailer) Enabled() bool { return m != nil && m.cfg.Addr != "" }

// URL makes an absolute link to a path of the portal.
func (m *Mailer) URL(path string) string {
	if m == nil {
		return path
	}
	return m.baseURL + path
}

// Message is one mail to queue: who, in which language, which template and its data.
// ID, when set, is the event the mail tells about ("topup-42"): the same event never
// queues two mails. Empty = a fresh random id.
type Message struct {
	To       string
	Lang     string
	Template string
	Data     Data
	ID       string
}

// Data is what the templates show. Only the fields a template needs are set.
type Data struct {
	Name          string `json:"name,omitempty"`
	URL           string `json:"url,omitempty"`
	AmountCents   int64  `json:"amount_cents,omitempty"`
	BalanceCents  int64  `json:"balance_cents,omitempty"`
	Currency      string `json:"currency,omitempty"`
	Code          string `json:"code,omitempty"`
	Product       string `json:"product,omitempty"`
	InvoiceNumber string `json:"invoice,omitempty"`
	InvoiceID     int64  `json:"invoice_id,omitempty"` // the invoice's PDF is attached (Mailer.Attach)
	DueAt         int64  `json:"due_at,omitempty"`
	Email         string `json:"email,omitempty"`

	loc *time.Location // the site's zone, set from the Brand when rendered
}

// payload is what the outbox row stores: rendered at send time, in the language the
// user had when the event happened.
type payload struct {
	Template string `json:"template"`
	Lang     string `json:"lang"`
	Data     Data   `json:"data"`
}

// Queuer writes an outbox row: a *db.Tx (the event's transaction) or the *db.Store.
type Queuer interface {
	Enqueue(ctx context.Context, it *db.OutboxItem) (bool, error)
}

// Queue writes msg to the outbox through q, in q's transaction. Without SMTP nothing
// is queued (queued = false).
func (m *Mailer) Queue(ctx context.Context, q Queuer, msg Message) (queued bool, err error) {
	if !m.Enabled() || msg.To == "" {
		return false, nil
	}
	if _, ok := templates[msg.Template]; !ok {
		return false, fmt.Errorf("mail: unknown template %q", msg.Template)
	}
	body, err := json.Marshal(payload{Template: msg.Template, Lang: msg.Lang, Data: msg.Data})
	if err != nil {
		return false, err
	}
	id := msg.ID
	if id == "" {
		id = msg.Template + "-" + randomHex(12)
	}
	return q.Enqueue(ctx, &db.OutboxItem{Kind: db.OutboxMail, Target: msg.To, Payload: string(body),
		MessageID: id + "@" + m.host})
}

// Send delivers one outbox mail: rendered now with the site name, with the row's
// Message-ID, so a repeat after a crash carries the same id as the first copy.
func (m *Mailer) Send(ctx context.Context, it *db.OutboxItem, b Brand) error {
	if !m.Enabled() {
		return errors.New("no SMTP server configured (--smtp-addr)")
	}
	r, err := Render(it.Payload, b)
	if err != nil {
		return err
	}
	msg := gomail.NewMsg()
	site := b.Site
	if site == "" {
		site = "Recharge"
	}
	if err := msg.FromFormat(site, m.cfg.From); err != nil {
		return fmt.Errorf("sender %q: %w", m.cfg.From, err)
	}
	if err := msg.To(it.Target); err != nil {
		return fmt.Errorf("recipient: %w", err)
	}
	msg.Subject(r.Subject)
	msg.SetMessageIDWithValue(it.MessageID)
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, r.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, r.HTML)
	if err := m.attach(ctx, msg, it, b); err != nil {
		return err
	}
	c, err := m.client()
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
}

// secretTemplates carry a one-time link: their payload is scrubbed once sent.
var secretTemplates = map[string]bool{"reset": true, "email_confirm": true}

// Scrubbed returns the payload to keep once it is sent: the template and language
// without its data for a mail that carried a one-time link, "" (keep it) otherwise.
func Scrubbed(it *db.OutboxItem) string {
	var p payload
	if it.Kind != db.OutboxMail || json.Unmarshal([]byte(it.Payload), &p) != nil || !secretTemplates[p.Template] {
		return ""
	}
	b, _ := json.Marshal(payload{Template: p.Template, Lang: p.Lang})
	return string(b)
}

// Describe names a queued mail for the admin's outbox page (its template), never its
// data.
func Describe(it *db.OutboxItem) string {
	var p payload
	if json.Unmarshal([]byte(it.Payload), &p) != nil {
		return ""
	}
	return p.Template
}

// attach adds the file of a mail naming an invoice (its PDF, made now from the stored
// invoice, so the outbox row stays small).
func (m *Mailer) attach(ctx context.Context, msg *gomail.Msg, it *db.OutboxItem, b Brand) error {
	if m.Attach == nil {
		return nil
	}
	var p payload
	if err := json.Unmarshal([]byte(it.Payload), &p); err != nil || p.Data.InvoiceID == 0 {
		return nil
	}
	name, body, err := m.Attach(ctx, p.Data, p.Lang, b)
	if err != nil {
		return fmt.Errorf("attachment: %w", err)
	}
	if name == "" {
		return nil
	}
	return msg.AttachReader(name, bytes.NewReader(body), gomail.WithFileContentType("application/pdf"))
}

// client opens the configured SMTP server.
func (m *Mailer) client() (*gomail.Client, error) {
	host, portText, _ := net.SplitHostPort(m.cfg.Addr)
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("smtp port %q: %w", portText, err)
	}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(20 * time.Second), gomail.WithHELO(m.host)}
	switch m.cfg.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if m.cfg.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(m.cfg.TLSConfig))
	}
	if m.cfg.User != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(m.cfg.User), gomail.WithPassword(m.cfg.Password))
	}
	return gomail.NewClient(host, opts...)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
