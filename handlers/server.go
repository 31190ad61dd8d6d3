// Package handlers is the HTTP layer: every route is declared in routes.go, each page
// or action group has its own file named by its room (auth.go and setup.go public,
// client_*.go, admin_*.go, api_*.go), and handlers stay thin (parse, authorize, call one
// domain function, answer with page or fragment). Domain errors become statuses in
// errors.go. Background jobs are not here: see package jobs.
package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"

	"recharge/accounts"
	"recharge/backoffice"
	"recharge/billing"
	"recharge/db"
	"recharge/i18n"
	"recharge/invoice"
	"recharge/mail"
	"recharge/metrics"
	"recharge/money"
	"recharge/notify"
	"recharge/settings"
	"recharge/shop"
	"recharge/views"
	"recharge/wallet"
)

// Config is what main passes in from flags and environment.
type Config struct {
	BaseURL        string   // public URL, e.g. https://client.example.com
	DedipassAPI    string   // Dedipass API base, e.g. https://api.dedipass.com
	TrustedProxies []string // proxies allowed to set X-Forwarded-For; empty = ignore the header
	Mail           mail.Config
	Logger         *slog.Logger
	// MetricsToken turns on GET /metrics, for "Authorization: Bearer <token>" only
	// (--metrics-token); empty = 404.
	MetricsToken string
	// WebhooksAllowPrivate lets webhooks target loopback and private addresses
	// (--webhooks-allow-private: tests, a receiver on the same host or LAN). The
	// portal's own address stays refused.
	WebhooksAllowPrivate bool
}

// Server holds the dependencies shared by handlers.
type Server struct {
	cfg   Config
	store *db.Store
	// The domain services, built once in New.
	accounts   *accounts.Service
	shop       *shop.Shop
	wallet     *wallet.Wallet
	backoffice *backoffice.Backoffice
	dedipass   *billing.Dedipass
	mail       *mail.Mailer
	// notifyAdmin is the webhooks page's rules; webhooks delivers the outbox's webhook rows.
	notifyAdmin *notify.Admin
	webhooks    *notify.Sender
	csrfKey     []byte
	// trustedProxies may set X-Forwarded-For (clientip.go).
	trustedProxies []netip.Prefix
	secure         bool
	log            *slog.Logger
	currency       atomic.Pointer[string]   // the shop currency last loaded (settings.go)
	logoCache      atomic.Pointer[logoCopy] // site_logo.go
}

// BodyLimit caps every request body (SPEC §10: a 10 MB callback → 413).
const BodyLimit = 1 << 20

// New builds the fiber application with every route.
func New(cfg Config, store *db.Store) (*fiber.App, *Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	mailer := mail.New(cfg.Mail, cfg.BaseURL)
	mailer.Attach = invoice.MailAttachment(store)
	s := &Server{
		cfg:        cfg,
		store:      store,
		mail:       mailer,
		accounts:   &accounts.Service{Store: store, Mail: mailer},
		shop:       shop.New(store),
		wallet:     wallet.New(store),
		backoffice: backoffice.New(store),
		secure:     strings.HasPrefix(strings.ToLower(cfg.BaseURL), "https://"),
		log:        cfg.Logger,
		dedipass:   billing.NewDedipass(store, cfg.DedipassAPI, cfg.Logger),

		trustedProxies: parseTrusted(cfg.TrustedProxies),
	}
	s.dedipass.Mail = mailer
	s.shop.Mail = mailer
	hooks := &notify.Hooks{Mail: mailer}
	target := notify.NewTarget(cfg.BaseURL, cfg.WebhooksAllowPrivate)
	s.dedipass.Notify, s.shop.Notify = hooks, hooks
	s.notifyAdmin = &notify.Admin{Store: store, Target: target, Hooks: hooks}
	s.webhooks = notify.NewSender(store, target)
	metrics.SetBacklog(store.OutboxCounts)
	key, err := s.loadOrCreateSecret(context.Background(), settings.KeyCSRFSecret)
	if err != nil {
		return nil, nil, fmt.Errorf("csrf key: %w", err)
	}
	s.csrfKey = key

	engine := html.NewFileSystem(http.FS(views.FS), ".html")
	engine.AddFuncMap(s.templateFuncs())
	if err := engine.Load(); err != nil {
		return nil, nil, fmt.Errorf("templates: %w", err)
	}

	fcfg := fiber.Config{
		Views:                 engine,
		Immutable:             true, // values read from the request outlive the handler safely
		BodyLimit:             BodyLimit,
		ReadBufferSize:        16 << 10, // request line + headers; longer URLs get 431
		ReadTimeout:           15 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           60 * time.Second,
		DisableStartupMessage: true,
		ErrorHandler:          s.errorHandler,
		// Multipart bodies are parsed by the handler that wants them (the callback,
		// which answers a broken one in JSON), not before routing with Go's message.
		DisablePreParseMultipartForm: true,
		AppName:                      "Recharge",
	}
	if len(cfg.TrustedProxies) > 0 {
		fcfg.EnableTrustedProxyCheck = true
		fcfg.TrustedProxies = cfg.TrustedProxies
	}
	app := fiber.New(fcfg)
	s.routes(app)
	return app, s, nil
}

func (s *Server) loadOrCreateSecret(ctx context.Context, name string) ([]byte, error) {
	v, err := s.store.Setting(ctx, name, "")
	if err != nil {
		return nil, err
	}
	if v == "" {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		v = hex.EncodeToString(b)
		if err := s.store.SetSettings(ctx, map[string]string{name: v}); err != nil {
			return nil, err
		}
		// Another instance may have raced us: read back what won.
		if v, err = s.store.Setting(ctx, name, v); err != nil {
			return nil, err
		}
	}
	return hex.DecodeString(v)
}

func (s *Server) templateFuncs() map[string]any {
	funcs := map[string]any{
		"t": i18n.T,
		"money": func(lang string, cents int64) string {
			return money.Cents(cents).Format(lang, s.currencyCode())
		},
		// moneyIn formats in a given currency (an invoice keeps the one it was issued in).
		"moneyIn": func(lang string, cents int64, currency string) string {
			return money.Cents(cents).Format(lang, currency)
		},
		"decimal": func(cents int64) string { return money.Cents(cents).Decimal() },
		// date and day show an instant in the site's zone: {{date $.Locale .At}}.
		"date": dateTime,
		"day":  dayOf,
		// zone names the site's zone where a page says in which zone its times are.
		"zone": func(l Locale) string { return l.location().String() },
		// initial is the letter of the header's mark when there is no logo.
		"initial": func(name string) string {
			for _, r := range name {
				return strings.ToUpper(string(r))
			}
			return ""
		},
		"add": func(a, b int) int { return a + b },
		"deref": func(p *int64) int64 {
			if p == nil {
				return 0
			}
			return *p
		},
		// mixedScripts flags look-alike emails in admin lists (SPEC §3).
		"mixedScripts": accounts.MixedScripts,
		"sub":          func(a, b int) int { return a - b },
		// invoiceNo is the printed invoice number (F-000042), the same everywhere.
		"invoiceNo": invoice.Number,
		// vatRate writes a rate in basis points as a percentage (20 %, 5,5 %).
		"vatRate": invoice.Rate,
		// invoiceRefID is the invoice id of a ledger reference "invoice:N" ("" for others).
		"invoiceRefID": func(ref string) string {
			id, ok := strings.CutPrefix(ref, "invoice:")
			if !ok {
				return ""
			}
			return id
		},
		// langName is a language in its own words ("English", "Français"); an unknown
		// code shows as itself.
		"langName": func(code string) string {
			if !i18n.Supported(code) {
				return code
			}
			return i18n.T(code, "account.lang_name")
		},
		// plural picks the key for count n by the language's plural rule (i18n.Plural):
		// {{plural .Lang .N "x.y_one" "x.y_other" args…}}. n may be any integer type.
		"plural": func(lang string, n any, one, other string, args ...any) (string, error) {
			v, err := countOf(n)
			if err != nil {
				return "", err
			}
			return i18n.Plural(lang, v, one, other, args...), nil
		},
	}
	for name, f := range keyFuncs() {
		funcs[name] = f
	}
	return funcs
}

// Webhooks delivers webhook rows (the outbox worker sends with it).
func (s *Server) Webhooks() *notify.Sender { return s.webhooks }

// Mailer is the portal's mail (the outbox worker sends with it).
func (s *Server) Mailer() *mail.Mailer { return s.mail }

// Accounts exposes the account service (the CLI and tests use it).
func (s *Server) Accounts() *accounts.Service { return s.accounts }

// Shop exposes the shop service (the background jobs renew with it).
func (s *Server) Shop() *shop.Shop { return s.shop }

// Dedipass exposes the Dedipass service (tests reach the built-in sandbox through it).
func (s *Server) Dedipass() *billing.Dedipass { return s.dedipass }

// countOf reads a template's count (int, int64, …) as an int64.
func countOf(n any) (int64, error) {
	switch v := n.(type) {
	case int:
		return int64(v), nil
	case int64:
		return v, nil
	case int32:
		return int64(v), nil
	case uint:
		return int64(v), nil
	case uint64:
		return int64(v), nil
	}
	return 0, fmt.Errorf("plural: count of type %T", n)
}
