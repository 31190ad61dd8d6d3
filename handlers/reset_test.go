package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"recharge/apptest"
	"recharge/apptest/smtpsink"
)

// The reset flow over real HTTP and real SMTP: the mail arrives, its link sets a new
// password once, every old session dies, and the answer never tells whether an
// account exists.
func TestPasswordResetByMail(t *testing.T) {
	sink := smtpsink.Start(t, smtpsink.Options{})
	env := apptest.Start(t, apptest.Options{Mail: sink})
	env.CreateUser("zoe@example.com", "old password", false)
	old := env.NewClient()
	old.Login("zoe@example.com", "old password")

	c := env.NewClient()
	known := c.Post("/forgot", "/forgot", url.Values{"email": {"Zoe@Example.com"}})
	unknown := c.Post("/forgot", "/forgot", url.Values{"email": {"nobody@example.com"}})
	same := func(body, email string) string {
		return csrfValue.ReplaceAllString(strings.ReplaceAll(body, email, ""), "")
	}
	if known.Status != 200 || unknown.Status != 200 || !strings.Contains(known.Body, `id="forgot-sent"`) ||
		same(known.Body, "Zoe@Example.com") != same(unknown.Body, "nobody@example.com") {
		t.Fatalf("answers differ: %d %d", known.Status, unknown.Status)
	}
	m := sink.Wait(1, 10*time.Second)[0]
	link := m.Link("/reset?token=")
	if m.To[0] != "zoe@example.com" || link == "" || !strings.HasPrefix(link, env.URL+"/reset?token=") {
		t.Fatalf("mail: to %v link %q text %q", m.To, link, m.Text)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(sink.Mails()); n != 1 {
		t.Fatalf("%d mails; the unknown address must get none", n)
	}
	// The token is not stored in clear (only its hash), and the sent mail's payload
	// no longer holds the link.
	token := strings.TrimPrefix(link, env.URL+"/reset?token=")
	if n, _ := env.Store.QueryInt(t.Context(), `SELECT COUNT(*) FROM user_tokens WHERE token_hash = ?`, token); n != 0 {
		t.Fatal("the reset token is stored as is")
	}
	if n, _ := env.Store.QueryInt(t.Context(), `SELECT COUNT(*) FROM outbox WHERE payload LIKE ?`, "%"+token+"%"); n != 0 {
		t.Fatal("the sent mail's payload still holds the link")
	}

	path := strings.TrimPrefix(link, env.URL)
	if r := c.Get(path); r.Status != 200 || !strings.Contains(r.Body, `name="token"`) {
		t.Fatalf("reset page: %d", r.Status)
	}
	if r := c.Post(path, "/reset", url.Values{"token": {token}, "password": {"short"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("short password: %d", r.Status)
	}
	if r := c.Post(path, "/reset", url.Values{"token": {token}, "password": {"brand new secret"}}); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Fatalf("reset: %d %s", r.Status, r.Header.Get("Location"))
	}
	// Single use, and the old session is dead.
	if r := c.Post("/login", "/reset", url.Values{"token": {token}, "password": {"another secret"}}); r.Status != http.StatusBadRequest {
		t.Fatalf("second use: %d", r.Status)
	}
	if r := c.Get(path); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "/forgot") {
		t.Fatalf("used link page: %d", r.Status)
	}
	if r := old.Get("/client"); r.Status != http.StatusSeeOther {
		t.Fatalf("old session alive after reset: %d", r.Status)
	}
	fresh := env.NewClient()
	fresh.Login("zoe@example.com", "brand new secret")
	if r := fresh.Get("/client"); r.Status != 200 {
		t.Fatalf("login with the new password: %d", r.Status)
	}
	if n, _ := env.Store.QueryInt(t.Context(), `SELECT COUNT(*) FROM audit_log WHERE action = 'user.password_reset'`); n != 1 {
		t.Fatalf("audit rows: %d", n)
	}
}

// 3 reset mails per address and hour, counted for any address (existing or not), so
// the limit reveals nothing; reserved before the work, so parallel requests never pass
// it (under contention the reservation may refuse more, never admit more).
func TestResetRequestsAreLimited(t *testing.T) {
	sink := smtpsink.Start(t, smtpsink.Options{})
	env := apptest.Start(t, apptest.Options{Mail: sink})
	env.CreateUser("zoe@example.com", "old password", false)
	env.CreateUser("ann@example.com", "old password", false)
	for _, email := range []string{"ann@example.com", "ghost@example.com"} {
		c := env.NewClient()
		for i := 1; i <= 4; i++ {
			want := http.StatusOK
			if i == 4 {
				want = http.StatusTooManyRequests
			}
			if r := c.Post("/forgot", "/forgot", url.Values{"email": {email}}); r.Status != want {
				t.Fatalf("%s request %d: %d, want %d", email, i, r.Status, want)
			}
		}
	}
	var wg sync.WaitGroup
	statuses := make(chan int, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- env.NewClient().Post("/forgot", "/forgot", url.Values{"email": {"zoe@example.com"}}).Status
		}()
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if count[200] < 1 || count[200] > 3 || count[200]+count[http.StatusTooManyRequests] != 8 {
		t.Fatalf("parallel requests: %v", count)
	}
	time.Sleep(500 * time.Millisecond)
	if n := len(sink.To("zoe@example.com")); n != count[200] {
		t.Fatalf("%d mails for %d accepted requests", n, count[200])
	}
	if n := len(sink.To("ann@example.com")); n != 3 {
		t.Fatalf("%d mails to ann", n)
	}
}

// Without SMTP the page says so, and the admin's reset link lets the customer in.
func TestResetWithoutMailGoesThroughTheAdmin(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	u := env.CreateUser("zoe@example.com", "old password", false)
	env.CreateUser("boss@example.com", "admin password", true)
	c := env.NewClient()
	if r := c.Get("/forgot"); r.Status != 200 || !strings.Contains(r.Body, `id="mail-off"`) || strings.Contains(r.Body, `action="/forgot"`) {
		t.Fatalf("forgot page without mail: %d", r.Status)
	}
	if r := c.Post("/login", "/forgot", url.Values{"email": {"zoe@example.com"}}); r.Status != http.StatusConflict {
		t.Fatalf("forgot without mail: %d", r.Status)
	}
	// A client cannot create links.
	zoe := env.NewClient()
	zoe.Login("zoe@example.com", "old password")
	if r := zoe.Post("/client", "/admin/users/1/reset-link", nil); r.Status != http.StatusForbidden {
		t.Fatalf("client creating a reset link: %d", r.Status)
	}
	admin := env.NewClient()
	admin.Login("boss@example.com", "admin password")
	page := "/admin/users/" + itoa(u.ID)
	r := admin.Post(page, page+"/reset-link", nil)
	link := between(r.Body, `id="reset-link" value="`, `"`)
	if r.Status != 200 || !strings.HasPrefix(link, env.URL+"/reset?token=") {
		t.Fatalf("admin link: %d %q", r.Status, link)
	}
	if again := admin.Get(page); strings.Contains(again.Body, link) {
		t.Fatal("the link is shown again")
	}
	token := strings.TrimPrefix(link, env.URL+"/reset?token=")
	if r := c.Post("/login", "/reset", url.Values{"token": {token}, "password": {"new password!"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("reset with the admin's link: %d", r.Status)
	}
	if r := zoe.Get("/client"); r.Status != http.StatusSeeOther {
		t.Fatal("the customer's old session survived")
	}
	if n, _ := env.Store.QueryInt(t.Context(), `SELECT COUNT(*) FROM audit_log WHERE action = 'user.reset_link'`); n != 1 {
		t.Fatalf("audit: %d", n)
	}
}

// An email change applies only once the link mailed to the new address is opened.
func TestEmailChangeNeedsTheLink(t *testing.T) {
	sink := smtpsink.Start(t, smtpsink.Options{})
	env := apptest.Start(t, apptest.Options{Mail: sink})
	env.CreateUser("zoe@example.com", "my password", false)
	env.CreateUser("taken@example.com", "my password", false)
	c := env.NewClient()
	c.Login("zoe@example.com", "my password")
	for _, bad := range []url.Values{
		{"email": {"new@example.com"}, "current_password": {"wrong password"}},
		{"email": {"taken@example.com"}, "current_password": {"my password"}},
		{"email": {"not an email"}, "current_password": {"my password"}},
	} {
		if r := c.Post("/client", "/client/account/email", bad); r.Status < 400 || r.Status >= 500 {
			t.Fatalf("%v: %d", bad, r.Status)
		}
	}
	if r := c.Post("/client", "/client/account/email", url.Values{"email": {"New@Example.com"}, "current_password": {"my password"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("email change: %d", r.Status)
	}
	m := sink.Wait(1, 10*time.Second)[0]
	if m.To[0] != "new@example.com" {
		t.Fatalf("confirmation sent to %v", m.To)
	}
	u, _ := env.Store.UserByEmail(t.Context(), "zoe@example.com")
	if u.ID == 0 {
		t.Fatal("the email changed before the link was opened")
	}
	link := strings.TrimPrefix(m.Link("/confirm-email?token="), env.URL)
	// Opening the link (as a mail scanner would) changes nothing; its button confirms.
	token := strings.TrimPrefix(link, "/confirm-email?token=")
	for i := 0; i < 2; i++ {
		if r := c.Get(link); r.Status != http.StatusOK || !strings.Contains(r.Body, "new@example.com") || !strings.Contains(r.Body, `id="confirm-email-submit"`) {
			t.Fatalf("confirmation page: %d", r.Status)
		}
	}
	if u, _ := env.Store.UserByEmail(t.Context(), "zoe@example.com"); u.ID == 0 {
		t.Fatal("opening the link changed the email")
	}
	if r := c.Post(link, "/confirm-email", url.Values{"token": {token}}); r.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d", r.Status)
	}
	if r := c.Post("/client/account", "/confirm-email", url.Values{"token": {token}}); r.Status != http.StatusBadRequest {
		t.Fatalf("second confirm: %d", r.Status)
	}
	if r := c.Get(link); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `href="/client/account"`) {
		t.Fatalf("used link page: %d", r.Status)
	}
	if u, err := env.Store.UserByEmail(t.Context(), "new@example.com"); err != nil || u.ID == 0 {
		t.Fatalf("new email not applied: %v", err)
	}
}

// csrfValue matches the per-page CSRF token, which differs between two answers.
var csrfValue = regexp.MustCompile(`[A-Za-z0-9_-]{60,}`)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// between returns the text between the first start and the next end.
func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, end)
	return v
}

// The purchase mail carries the invoice as a PDF: the same document as the page's
// download, with the invoice number.
func TestPurchaseMailCarriesTheInvoicePDF(t *testing.T) {
	sink := smtpsink.Start(t, smtpsink.Options{})
	env := apptest.Start(t, apptest.Options{Mail: sink})
	env.CreateUser("admin@example.com", "password123", true)
	u := env.CreateUser("alice@example.com", "password123", false)
	admin, alice := env.NewClient(), env.NewClient()
	admin.Login("admin@example.com", "password123")
	alice.Login("alice@example.com", "password123")
	id := createProduct(t, admin, url.Values{"name": {"Hébergement web"}, "price": {"12.00"}, "active": {"1"}})
	env.Credit(u.ID, 5000)
	buy(t, alice, id)
	var m smtpsink.Mail
	for _, got := range sink.Wait(1, 10*time.Second) {
		if strings.Contains(got.Subject, "Hébergement web") {
			m = got
		}
	}
	if len(m.Attachments) != 1 || m.Attachments[0].ContentType != "application/pdf" ||
		!strings.HasPrefix(m.Attachments[0].Name, "facture-F-") || !strings.HasPrefix(string(m.Attachments[0].Data), "%PDF-") {
		t.Fatalf("attachments of %q: %+v", m.Subject, m.Attachments)
	}
	number := strings.TrimSuffix(strings.TrimPrefix(m.Attachments[0].Name, "facture-"), ".pdf")
	if text := pdfText(t, string(m.Attachments[0].Data)); !strings.Contains(text, number) || !strings.Contains(text, "Hébergement web") {
		t.Fatalf("PDF text: %q", text)
	}
	if !strings.Contains(m.Text, number) {
		t.Fatalf("mail text lacks the invoice number %s: %q", number, m.Text)
	}
}
