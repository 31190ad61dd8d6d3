// Package apptest starts the real portal for tests: a fresh SQLite file in t.TempDir(),
// the full fiber app listening on a loopback port, and an HTTP client with a cookie jar
// that knows how to fetch the CSRF token of a page. Browser tests and HTTP tests share it.
package apptest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"recharge/accounts"
	"recharge/apptest/smtpsink"
	"recharge/db"
	"recharge/handlers"
	"recharge/jobs"
	"recharge/mail"
)

// Env is one running portal.
type Env struct {
	T      testing.TB
	URL    string
	Store  *db.Store
	Server *handlers.Server
	App    *fiber.App
	Jobs   *jobs.Housekeeping // running; tests may also call one job directly
	Outbox *jobs.Outbox       // running; delivers to Options.Mail
	DBPath string
}

// Options tweak the portal under test.
type Options struct {
	DedipassAPI string
	DBPath      string    // reuse a database file (restart tests)
	Log         io.Writer // receives the server's structured log (default: discarded, or t.Log with -v)
	// TrustedProxies are the proxies whose X-Forwarded-For is believed.
	TrustedProxies []string
	// MetricsToken turns on GET /metrics (as --metrics-token).
	MetricsToken string
	// WebhooksPublicOnly keeps the refusal of private webhook targets (the portal
	// under test allows loopback receivers by default, as --webhooks-allow-private).
	WebhooksPublicOnly bool
	// Mail is the SMTP server the portal sends through (nil: no mail, as without
	// --smtp-addr). The outbox worker looks at the queue every 100 ms and retries a
	// failed mail after 1 s, then 2 s, then every 4 s.
	Mail *smtpsink.Sink
}

// Start runs the portal until the test ends.
func Start(t testing.TB, opts Options) *Env {
	t.Helper()
	path := opts.DBPath
	if path == "" {
		dsn, drop, err := db.TestDSN(t.TempDir(), "recharge")
		if err != nil {
			t.Fatalf("test database: %v", err)
		}
		t.Cleanup(drop) // runs after the server and the store are closed (cleanups run last-in first-out)
		path = dsn
	}
	store, err := db.Open(path)
	if err != nil {
		t.Fatalf("open db: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	api := opts.DedipassAPI
	if api == "" {
		api = "http://127.0.0.1:1" // nothing listens: provider calls fail fast
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	switch {
	case opts.Log != nil:
		logger = slog.New(slog.NewTextHandler(opts.Log, nil))
	case testing.Verbose():
		logger = slog.New(slog.NewTextHandler(&testWriter{t}, nil))
	}
	cfg := handlers.Config{BaseURL: base, DedipassAPI: api, Logger: logger, TrustedProxies: opts.TrustedProxies,
		MetricsToken: opts.MetricsToken, WebhooksAllowPrivate: !opts.WebhooksPublicOnly}
	if opts.Mail != nil {
		cfg.Mail = mail.Config{Addr: opts.Mail.Addr, TLS: mail.TLSNone}
		if opts.Mail.TLS != nil {
			cfg.Mail.TLS, cfg.Mail.TLSConfig = mail.TLSStartTLS, opts.Mail.TLS
		}
	}
	app, srv, err := handlers.New(cfg, store)
	if err != nil {
		t.Fatalf("handlers.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	hk := &jobs.Housekeeping{Store: store, Shop: srv.Shop(), Log: logger, FormTokenTTL: handlers.FormTokenTTL}
	hk.Start(ctx)
	ob := &jobs.Outbox{Store: store, Mail: srv.Mailer(), Webhooks: srv.Webhooks(), Log: logger, Brand: srv.MailBrand, Interval: 100 * time.Millisecond, RetryBase: time.Second, RetryMax: 4 * time.Second}
	obDone := ob.Start(ctx)
	done := make(chan struct{})
	go func() { _ = app.Listener(ln); close(done) }()
	t.Cleanup(func() {
		cancel()
		_ = app.ShutdownWithTimeout(5 * time.Second)
		<-done
		<-obDone
		store.Close()
	})
	return &Env{T: t, URL: base, Store: store, Server: srv, App: app, Jobs: hk, Outbox: ob, DBPath: path}
}

type testWriter struct{ t testing.TB }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// CreateUser makes an account directly (fast path for tests).
func (e *Env) CreateUser(email, password string, admin bool) *db.User {
	e.T.Helper()
	role := "client"
	if admin {
		role = "admin"
	}
	u, err := (&accounts.Service{Store: e.Store}).Register(context.Background(), email, password, "", role, "")
	if err != nil {
		e.T.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// Credit puts cents in a wallet the way every credit does: ApplyLedger in a Tx.
func (e *Env) Credit(userID, cents int64) {
	e.T.Helper()
	ctx := context.Background()
	err := e.Store.Tx(ctx, func(tx *db.Tx) error {
		return tx.ApplyLedger(ctx, &db.LedgerEntry{UserID: userID, AmountCents: cents, Kind: db.KindAdjustment, Note: "test credit"})
	})
	if err != nil {
		e.T.Fatalf("credit user %d: %v", userID, err)
	}
}

// Client is a browser-like HTTP client: cookie jar, no automatic redirects.
type Client struct {
	env  *Env
	HTTP *http.Client
}

// NewClient returns a fresh anonymous client.
func (e *Env) NewClient() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{env: e, HTTP: &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Response is a read answer.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// Do sends a request with optional form values and headers.
func (c *Client) Do(method, path string, form url.Values, headers map[string]string) Response {
	c.env.T.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.env.URL+path, body)
	if err != nil {
		c.env.T.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.env.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

// Get fetches a page.
func (c *Client) Get(path string) Response { return c.Do(http.MethodGet, path, nil, nil) }

var csrfRe = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)">`)

// CSRF reads the token from the meta tag of a page.
func (c *Client) CSRF(page string) string {
	c.env.T.Helper()
	r := c.Get(page)
	m := csrfRe.FindStringSubmatch(r.Body)
	if m == nil {
		c.env.T.Fatalf("no csrf meta on %s (status %d)", page, r.Status)
	}
	return m[1]
}

// Post submits a form with the CSRF token taken from tokenPage.
func (c *Client) Post(tokenPage, path string, form url.Values) Response {
	c.env.T.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", c.CSRF(tokenPage))
	return c.Do(http.MethodPost, path, form, nil)
}

// Login logs in through the real form and fails the test if it does not work.
func (c *Client) Login(email, password string) {
	c.env.T.Helper()
	r := c.Post("/login", "/login", url.Values{"email": {email}, "password": {password}})
	if r.Status != http.StatusSeeOther {
		c.env.T.Fatalf("login %s: status %d", email, r.Status)
	}
}
