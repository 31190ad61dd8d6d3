package handlers_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"recharge/apptest"
	"recharge/apptest/smtpsink"
	"recharge/db"
	"recharge/dedipass/sandbox"
	"recharge/notify"
	"recharge/settings"
)

// receiver is a webhook endpoint on loopback: it records every request and answers
// 500 to the first fail ones.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	fail   int
	secret string
	got    []delivery
}

type delivery struct {
	status            int
	event, id, sig    string
	body              []byte
	signatureVerified bool
	contentType       string
}

func newReceiver(t *testing.T, fail int, secret string) *receiver {
	r := &receiver{fail: fail, secret: secret}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		d := delivery{event: req.Header.Get(notify.HeaderEvent), id: req.Header.Get(notify.HeaderDelivery),
			sig: req.Header.Get(notify.HeaderSignature), body: body, contentType: req.Header.Get("Content-Type")}
		d.signatureVerified = r.secret != "" && notify.Verify(r.secret, body, d.sig)
		d.status = http.StatusOK
		if len(r.got) < r.fail {
			d.status = http.StatusInternalServerError
		}
		r.got = append(r.got, d)
		w.WriteHeader(d.status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

// waitOK waits until the receiver answered 200 n times.
func (r *receiver) waitOK(t *testing.T, n int, timeout time.Duration) []delivery {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok := 0
		for _, d := range r.deliveries() {
			if d.status == 200 {
				ok++
			}
		}
		if ok >= n {
			return r.deliveries()
		}
		if time.Now().After(deadline) {
			t.Fatalf("receiver got %d successful deliveries, want %d (all: %d)", ok, n, len(r.deliveries()))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func hookEnv(t *testing.T, opts apptest.Options) (*apptest.Env, *sandbox.Server) {
	t.Helper()
	sb := sandbox.New(sandbox.Options{PublicKey: testPub, PrivateKey: testPriv})
	api := httptest.NewServer(sb)
	t.Cleanup(api.Close)
	opts.DedipassAPI = api.URL
	env := apptest.Start(t, opts)
	if err := env.Store.SetSettings(context.Background(), map[string]string{
		settings.KeyDedipassPublic: testPub, settings.KeyDedipassPrivate: testPriv, settings.KeyDedipassUnitCents: "100",
	}); err != nil {
		t.Fatal(err)
	}
	return env, sb
}

const hooksPage = "/admin/settings/webhooks"

// addWebhook adds an endpoint through the page and returns the page's answer.
func addWebhook(a *apptest.Client, rawURL, secret string, events ...string) apptest.Response {
	return a.Post(hooksPage, hooksPage, url.Values{"url": {rawURL}, "secret": {secret}, "events": events})
}

var logRowRe = regexp.MustCompile(`<tr data-id="\d+" data-status="([a-z]+)" data-event="([a-z.]+)" data-delivery="([^"]+)">`)

// A credited payment reaches a loopback receiver signed with the endpoint's secret; the
// receiver answers 500 three times, then 200: delivered after the retries, exactly
// once, with the same delivery id each time, and the page's log shows 4 attempts.
func TestWebhookSignedRetriedDeliveredOnce(t *testing.T) {
	env, sb := hookEnv(t, apptest.Options{})
	env.CreateUser("admin@example.com", "password123", true)
	u := env.CreateUser("zoe@example.com", "password123", false)
	const secret = "test-secret-0123456789"
	rcv := newReceiver(t, 3, secret)
	a := env.NewClient()
	a.Login("admin@example.com", "password123")
	r := addWebhook(a, rcv.URL+"/hook", secret, "payment.credited")
	if r.Status != 200 || !strings.Contains(r.Body, `id="webhook-added"`) {
		t.Fatalf("add webhook: %d %.500s", r.Status, r.Body)
	}
	if strings.Contains(r.Body, secret) || strings.Contains(a.Get(hooksPage).Body, secret) {
		t.Fatal("a typed secret is echoed back")
	}
	code := sb.IssueCode("2.5", "1.20")
	cb := env.NewClient().Do("POST", "/api/dedipass", sb.BuildCallback(code, u.Custom), nil)
	if cb.Status != 200 {
		t.Fatalf("callback: %d %s", cb.Status, cb.Body)
	}
	rcv.waitOK(t, 1, 30*time.Second)
	time.Sleep(1500 * time.Millisecond) // nothing more may come
	got := rcv.deliveries()
	if len(got) != 4 {
		t.Fatalf("%d requests, want 4 (3 × 500, then 200)", len(got))
	}
	for i, d := range got {
		if !d.signatureVerified || d.event != "payment.credited" || d.id != got[0].id || d.contentType != "application/json" {
			t.Fatalf("request %d: %+v", i, d)
		}
	}
	var b notify.Body
	if err := json.Unmarshal(got[3].body, &b); err != nil {
		t.Fatal(err)
	}
	p, _ := env.Store.PaymentByCode(context.Background(), code)
	if b.Event != "payment.credited" || b.ID != "payment.credited-"+strconv.FormatInt(p.ID, 10) || b.Data.Payment == nil ||
		b.Data.Payment.AmountCents != 250 || b.Data.Payment.Currency != "EUR" || b.Data.Customer == nil || b.Data.Customer.Email != "zoe@example.com" {
		t.Fatalf("body %s", got[3].body)
	}
	if _, err := time.Parse(time.RFC3339, b.Time); err != nil {
		t.Fatalf("time %q", b.Time)
	}
	if strings.Contains(string(got[3].body), testPriv) || strings.Contains(string(got[3].body), code) {
		t.Fatalf("body carries a secret or the code: %s", got[3].body)
	}
	if got[0].id != b.ID+"-1" {
		t.Fatalf("delivery id %q", got[0].id)
	}
	page := a.Get(hooksPage).Body
	m := logRowRe.FindStringSubmatch(page)
	if m == nil || m[1] != "sent" || m[2] != "payment.credited" || m[3] != got[0].id {
		t.Fatalf("delivery log: %v", m)
	}
	if !strings.Contains(page, `<td class="attempts">4</td>`) {
		t.Fatalf("delivery log without its 4 attempts: %s", page[strings.Index(page, `id="webhook-log"`):])
	}
}

// One event, one delivery per endpoint: the same callback posted five times (at once)
// credits once and notifies each endpoint once; a pending payment (unknown customer)
// reported five times queues one payment.pending per endpoint and one admin mail.
func TestWebhookOncePerEndpoint(t *testing.T) {
	sink := smtpsink.Start(t, smtpsink.Options{})
	env, sb := hookEnv(t, apptest.Options{Mail: sink})
	env.CreateUser("admin@example.com", "password123", true)
	u := env.CreateUser("zoe@example.com", "password123", false)
	a1, a2 := newReceiver(t, 0, ""), newReceiver(t, 0, "")
	a := env.NewClient()
	a.Login("admin@example.com", "password123")
	for _, r := range []*receiver{a1, a2} {
		if resp := addWebhook(a, r.URL, "", "payment.credited", "payment.pending"); resp.Status != 200 || !strings.Contains(resp.Body, `id="webhook-secret"`) {
			t.Fatalf("add: %d", resp.Status)
		}
	}
	post := func(form url.Values) {
		var wg sync.WaitGroup
		for i := 0; i < 5; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				env.NewClient().Do("POST", "/api/dedipass", form, nil)
			}()
		}
		wg.Wait()
	}
	post(sb.BuildCallback(sb.IssueCode("1", "0.80"), u.Custom))
	post(sb.BuildCallback(sb.IssueCode("3", "2.00"), "nobody"))
	for _, r := range []*receiver{a1, a2} {
		r.waitOK(t, 2, 15*time.Second)
	}
	time.Sleep(1500 * time.Millisecond)
	for i, r := range []*receiver{a1, a2} {
		events := map[string]int{}
		for _, d := range r.deliveries() {
			events[d.event]++
		}
		if len(r.deliveries()) != 2 || events["payment.credited"] != 1 || events["payment.pending"] != 1 {
			t.Fatalf("endpoint %d got %v", i+1, events)
		}
	}
	mails := sink.Wait(1, 10*time.Second)
	time.Sleep(500 * time.Millisecond)
	pending := 0
	for _, m := range sink.To("admin@example.com") {
		if strings.Contains(m.Text, "/admin/billing/dedipass/") {
			pending++
		}
	}
	if pending != 1 {
		t.Fatalf("admin mails about the pending payment: %d (all mails %d)", pending, len(mails))
	}
}

// A Discord webhook URL gets Discord's message format, unsigned. The URL is classified
// by its shape; the test routes discord.com to a local server with the sender's client.
func TestWebhookDiscordFormat(t *testing.T) {
	env, sb := hookEnv(t, apptest.Options{})
	env.CreateUser("admin@example.com", "password123", true)
	u := env.CreateUser("zoe@example.com", "password123", false)
	rcv := newReceiver(t, 0, "")
	local, _ := url.Parse(rcv.URL)
	env.Server.Webhooks().Client = &http.Client{Timeout: notify.Timeout, Transport: rewrite{local.Host}}
	a := env.NewClient()
	a.Login("admin@example.com", "password123")
	if r := addWebhook(a, "https://discord.com/api/webhooks/123/tok-en", "", "payment.credited"); r.Status != 200 {
		t.Fatalf("add: %d", r.Status)
	}
	if page := a.Get(hooksPage).Body; strings.Contains(page, "tok-en") || !strings.Contains(page, "Discord") {
		t.Fatal("the Discord token shows on the page, or the endpoint is not marked Discord")
	}
	env.NewClient().Do("POST", "/api/dedipass", sb.BuildCallback(sb.IssueCode("2.5", "1.20"), u.Custom), nil)
	got := rcv.waitOK(t, 1, 10*time.Second)
	var m map[string]any
	if err := json.Unmarshal(got[0].body, &m); err != nil {
		t.Fatal(err)
	}
	content, _ := m["content"].(string)
	if got[0].sig != "" || !strings.Contains(content, "2,50") || !strings.Contains(content, "zoe@example.com") || m["event"] != nil {
		t.Fatalf("discord delivery: sig %q body %s", got[0].sig, got[0].body)
	}
}

// rewrite sends every request to a local server, keeping the path (a stand-in for
// discord.com).
type rewrite struct{ host string }

func (rw rewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.URL.Scheme, r.URL.Host = "http", rw.host
	return http.DefaultTransport.RoundTrip(r)
}

// The page refuses what a webhook may not target; without the escape a loopback
// receiver is refused too. Every change is audited.
func TestWebhookPageValidation(t *testing.T) {
	env, _ := hookEnv(t, apptest.Options{WebhooksPublicOnly: true})
	env.CreateUser("admin@example.com", "password123", true)
	a := env.NewClient()
	a.Login("admin@example.com", "password123")
	for _, raw := range []string{"ftp://example.com/x", "javascript:alert(1)", env.URL + "/api/dedipass", "http://127.0.0.1:9/x", "http://[::1]:9/x", "http://10.0.0.1/x"} {
		if r := addWebhook(a, raw, "", "payment.credited"); r.Status != 422 || !strings.Contains(r.Body, `id="webhook-error"`) {
			t.Errorf("%s: %d", raw, r.Status)
		}
	}
	if r := addWebhook(a, "https://hooks.example.com/x", ""); r.Status != 422 {
		t.Errorf("no event: %d", r.Status)
	}
	if r := addWebhook(a, "https://hooks.example.com/x", "short", "payment.credited"); r.Status != 422 {
		t.Errorf("short secret: %d", r.Status)
	}
	r := addWebhook(a, "https://hooks.example.com/x", "", "purchase.created")
	if r.Status != 200 || !strings.Contains(r.Body, `id="webhook-secret"`) {
		t.Fatalf("valid endpoint: %d", r.Status)
	}
	if r := a.Post(hooksPage, hooksPage+"/1/test", nil); r.Status != 303 {
		t.Fatalf("test: %d", r.Status)
	}
	if r := a.Post(hooksPage, hooksPage+"/1/delete", nil); r.Status != 303 {
		t.Fatalf("remove: %d", r.Status)
	}
	if r := a.Post(hooksPage, hooksPage+"/1/delete", nil); r.Status != 404 {
		t.Fatalf("remove twice: %d", r.Status)
	}
	audit := a.Get("/admin/audit").Body
	for _, action := range []string{"webhook.add", "webhook.test", "webhook.remove"} {
		if !strings.Contains(audit, action) && !strings.Contains(audit, "Webhook") {
			t.Errorf("audit without %s", action)
		}
	}
	entries, _ := env.Store.OutboxOfKind(context.Background(), db.OutboxWebhook, 10)
	if len(entries) != 1 || notify.EventOf(&entries[0]) != "webhook.test" {
		t.Fatalf("test delivery queued: %+v", entries)
	}
	c := env.NewClient()
	env.CreateUser("c@example.com", "password123", false)
	c.Login("c@example.com", "password123")
	if r := c.Get(hooksPage); r.Status != 403 {
		t.Fatalf("client: %d", r.Status)
	}
}

var metricRe = func(name string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\d+)`)
}

func metricValue(t *testing.T, body, name string) int {
	t.Helper()
	m := metricRe(name).FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// /metrics: 404 without a token configured, 401 without or with a wrong Bearer token,
// and its counters move after a callback.
func TestMetricsEndpoint(t *testing.T) {
	off := apptest.Start(t, apptest.Options{})
	if r := off.NewClient().Get("/metrics"); r.Status != 404 {
		t.Fatalf("metrics without a token configured: %d", r.Status)
	}
	env, sb := hookEnv(t, apptest.Options{MetricsToken: "s3cret-metrics"})
	u := env.CreateUser("zoe@example.com", "password123", false)
	c := env.NewClient()
	if r := c.Get("/metrics"); r.Status != 401 {
		t.Fatalf("no token: %d", r.Status)
	}
	if r := c.Do("GET", "/metrics", nil, map[string]string{"Authorization": "Bearer wrong"}); r.Status != 401 {
		t.Fatalf("wrong token: %d", r.Status)
	}
	scrape := func() string {
		r := c.Do("GET", "/metrics", nil, map[string]string{"Authorization": "Bearer s3cret-metrics"})
		if r.Status != 200 || !strings.Contains(r.Header.Get("Content-Type"), "text/plain") {
			t.Fatalf("scrape: %d %s", r.Status, r.Header.Get("Content-Type"))
		}
		return r.Body
	}
	before := scrape()
	credited := `recharge_dedipass_callbacks_total{outcome="credited"}`
	cents := `recharge_credited_cents_total`
	route := `recharge_http_requests_total{method="POST",route="/api/dedipass",status="200"}`
	c.Do("POST", "/api/dedipass", sb.BuildCallback(sb.IssueCode("2.5", "1.20"), u.Custom), nil)
	after := scrape()
	if metricValue(t, after, credited) != metricValue(t, before, credited)+1 || metricValue(t, after, cents) != metricValue(t, before, cents)+250 ||
		metricValue(t, after, route) != metricValue(t, before, route)+1 {
		t.Fatalf("counters did not move:\n%s", grepLines(after, "recharge_"))
	}
	for _, name := range []string{"recharge_outbox_backlog{status=\"pending\"}", "recharge_settlement_batch_size_count", "recharge_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"401\"}"} {
		if !strings.Contains(after, name) {
			t.Errorf("missing %s", name)
		}
	}
	if strings.Contains(after, u.Custom) || strings.Contains(after, "zoe@") {
		t.Fatal("metrics carry user data")
	}
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
