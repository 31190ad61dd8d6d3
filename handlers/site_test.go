package handlers_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"recharge/apptest"
)

// postMultipart sends the site settings form as a browser does (multipart, CSRF field).
func postMultipart(t *testing.T, env *apptest.Env, c *apptest.Client, csrf string, fields map[string]string, logo []byte) apptest.Response {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if csrf != "" {
		_ = w.WriteField("_csrf", csrf)
	}
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if logo != nil {
		fw, _ := w.CreateFormFile("logo", "logo.png")
		_, _ = fw.Write(logo)
	}
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/admin/settings/site", &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return apptest.Response{Status: resp.StatusCode, Header: resp.Header, Body: string(body)}
}

func smallPNG(t *testing.T) []byte {
	var b bytes.Buffer
	img := image.NewNRGBA(image.Rect(0, 0, 40, 20))
	for i := range img.Pix {
		img.Pix[i] = 0x80
	}
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSiteSettingsBranding(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("boss@example.com", "password123", true)
	env.CreateUser("client@example.com", "password123", false)
	anon := env.NewClient()
	if r := anon.Get("/favicon.ico"); r.Status != 200 || r.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("default favicon: %d %q", r.Status, r.Header.Get("Content-Type"))
	}
	if r := anon.Get("/admin/settings/site"); r.Status != http.StatusSeeOther {
		t.Fatalf("anonymous: %d", r.Status)
	}
	cl := env.NewClient()
	cl.Login("client@example.com", "password123")
	if r := cl.Get("/admin/settings/site"); r.Status != http.StatusForbidden {
		t.Fatalf("client: %d", r.Status)
	}
	ad := env.NewClient()
	ad.Login("boss@example.com", "password123")
	if r := ad.Get("/admin/settings/site"); r.Status != 200 || !strings.Contains(r.Body, `name="site_name"`) || !strings.Contains(r.Body, `enctype="multipart/form-data"`) {
		t.Fatalf("page: %d", r.Status)
	}
	good := map[string]string{"site_name": "Hébergeur Test", "support_contact": "help@host.example", "timezone": "America/Montreal"}
	if r := postMultipart(t, env, ad, "", good, smallPNG(t)); r.Status != http.StatusForbidden {
		t.Fatalf("without CSRF: %d", r.Status)
	}
	csrf := ad.CSRF("/admin/settings/site")
	bad := []struct {
		field, value string
		logo         []byte
		reason       string
	}{
		{"timezone", "Mars/Olympus", nil, "site.err_timezone"},
		{"support_contact", "javascript:alert(1)", nil, "site.err_support"},
		{"timezone", "Europe/Paris", bytes.Repeat([]byte{1}, 300<<10), "site.err_logo_too_large"},
		{"timezone", "Europe/Paris", []byte("\xff\xd8\xff\xe0 a JPEG renamed"), "site.err_logo_not_png"},
	}
	for _, c := range bad {
		f := map[string]string{"site_name": "X"}
		f[c.field] = c.value
		r := postMultipart(t, env, ad, csrf, f, c.logo)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `data-reason="`+c.reason+`"`) {
			t.Fatalf("%s=%q: %d %.300s", c.field, c.value, r.Status, r.Body)
		}
	}
	if n, _ := env.Store.QueryInt(t.Context(), `SELECT COUNT(*) FROM audit_log WHERE action = 'settings.site'`); n != 0 {
		t.Fatalf("refused saves audited: %d", n)
	}
	if r := postMultipart(t, env, ad, csrf, good, smallPNG(t)); r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d %.500s", r.Status, r.Body)
	}
	if n, _ := env.Store.QueryInt(t.Context(), `SELECT COUNT(*) FROM audit_log WHERE action = 'settings.site'
		AND details LIKE '%site_name="Hébergeur Test"%' AND details LIKE '%timezone=America/Montreal%' AND details LIKE '%logo=%'`); n != 1 {
		t.Fatalf("%d audit entries", n)
	}
	page := cl.Get("/client")
	if !strings.Contains(page.Body, "· Hébergeur Test</title>") || !strings.Contains(page.Body, `id="site-name">Hébergeur Test<`) ||
		!strings.Contains(page.Body, `id="brand-logo"`) || !strings.Contains(page.Body, `href="mailto:help@host.example"`) || strings.Contains(page.Body, "Recharge</title>") {
		t.Fatalf("client page not branded: %.2000s", page.Body)
	}
	var v string
	if _, err := fmt.Sscanf(page.Body[strings.Index(page.Body, "/logo.png?v=")+len("/logo.png?v="):], "%9s", &v); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/logo.png?v=" + strings.Trim(v, `"`), "/favicon.ico"} {
		if r := anon.Get(p); r.Status != 200 || r.Header.Get("Content-Type") != "image/png" || !bytes.Equal([]byte(r.Body), smallPNG(t)) {
			t.Fatalf("%s: %d %q", p, r.Status, r.Header.Get("Content-Type"))
		}
	}
	// The require_admin_2fa checkbox still saves (and the rest stays).
	if r := ad.Post("/admin/settings/site", "/admin/settings/site", url.Values{"site_name": {"Hébergeur Test"}, "timezone": {"UTC"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("urlencoded save: %d", r.Status)
	}
	if r := anon.Get("/logo.png"); r.Status != 200 {
		t.Fatalf("logo lost by a save without a file: %d", r.Status)
	}
}

func TestCurrencyLockedOnceMoneyExists(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("boss@example.com", "password123", true)
	u := env.CreateUser("client@example.com", "password123", false)
	ad := env.NewClient()
	ad.Login("boss@example.com", "password123")
	form := func(cur string) url.Values {
		return url.Values{"transfer_min": {"1"}, "currency": {cur}, "shop_name": {"Shop"}}
	}
	if r := ad.Post("/admin/settings/fund", "/admin/settings/fund", form("XYZ")); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("XYZ: %d", r.Status)
	}
	if r := ad.Post("/admin/settings/fund", "/admin/settings/fund", form("CHF")); r.Status != http.StatusSeeOther {
		t.Fatalf("CHF with no money: %d", r.Status)
	}
	env.Credit(u.ID, 100)
	r := ad.Post("/admin/settings/fund", "/admin/settings/fund", form("EUR"))
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "relabel") && !strings.Contains(r.Body, "renommerait") {
		t.Fatalf("currency change with money: %d", r.Status)
	}
	if v, _ := env.Store.Setting(t.Context(), "currency", ""); v != "CHF" {
		t.Fatalf("currency now %q", v)
	}
	// The same currency still saves the other fields.
	if r := ad.Post("/admin/settings/fund", "/admin/settings/fund", form("chf")); r.Status != http.StatusSeeOther {
		t.Fatalf("same currency: %d", r.Status)
	}
}

func TestAdjustmentNoteAndFundOffAndStopRenewal(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("boss@example.com", "password123", true)
	u := env.CreateUser("client@example.com", "password123", false)
	other := env.CreateUser("other@example.com", "password123", false)
	ad := env.NewClient()
	ad.Login("boss@example.com", "password123")
	page := fmt.Sprintf("/admin/users/%d", u.ID)
	for _, f := range []url.Values{
		{"amount": {"10"}, "reason": {"INTERNAL-REASON-ONE"}, "customer_note": {"Welcome gift"}},
		{"amount": {"5"}, "reason": {"INTERNAL-REASON-TWO"}},
	} {
		if r := ad.Post(page, page+"/wallet", f); r.Status != http.StatusSeeOther {
			t.Fatalf("adjust: %d", r.Status)
		}
	}
	if r := ad.Get(page); !strings.Contains(r.Body, "INTERNAL-REASON-ONE") {
		t.Fatal("the admin no longer sees the reason")
	}
	cl := env.NewClient()
	cl.Login("client@example.com", "password123")
	w := cl.Get("/client/wallet")
	if strings.Contains(w.Body, "INTERNAL-REASON") || !strings.Contains(w.Body, "Welcome gift") || !strings.Contains(w.Body, "Recharge") ||
		!(strings.Contains(w.Body, "Adjustment by Recharge") || strings.Contains(w.Body, "Ajustement par Recharge")) {
		t.Fatalf("customer's wallet: %.3000s", w.Body)
	}
	// A monthly product; the customer buys it, another customer cannot stop it.
	if r := ad.Post("/admin/products", "/admin/products", url.Values{"name": {"VPS"}, "price": {"2"}, "period": {"monthly"}, "active": {"1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("product: %d", r.Status)
	}
	pid, _ := env.Store.QueryInt(t.Context(), `SELECT id FROM products WHERE name = 'VPS'`)
	if r := cl.Post("/client/shop", fmt.Sprintf("/client/shop/%d/buy", pid), url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("buy: %d", r.Status)
	}
	sid, _ := env.Store.QueryInt(t.Context(), `SELECT id FROM services WHERE user_id = ?`, u.ID)
	ot := env.NewClient()
	ot.Login(other.Email, "password123")
	if r := ot.Post("/client/services", fmt.Sprintf("/client/services/%d/cancel", sid), url.Values{}); r.Status != http.StatusNotFound {
		t.Fatalf("another's service: %d", r.Status)
	}
	if r := cl.Do(http.MethodPost, fmt.Sprintf("/client/services/%d/cancel", sid), url.Values{}, nil); r.Status != http.StatusForbidden {
		t.Fatalf("without CSRF: %d", r.Status)
	}
	if s := cl.Get("/client/services"); !strings.Contains(s.Body, fmt.Sprintf(`id="cancel-%d"`, sid)) {
		t.Fatal("no stop-renewal action")
	}
	if r := cl.Post("/client/services", fmt.Sprintf("/client/services/%d/cancel", sid), url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("cancel: %d", r.Status)
	}
	s := cl.Get("/client/services")
	if strings.Contains(s.Body, fmt.Sprintf(`id="cancel-%d"`, sid)) || strings.Contains(s.Body, fmt.Sprintf(`id="renew-%d"`, sid)) || !strings.Contains(s.Body, "data-ends") {
		t.Fatalf("services page after cancel: %.3000s", s.Body)
	}
	// Fund off: buying and renewing answer 409 with a message; nothing is debited.
	if r := ad.Post("/admin/modules", "/admin/modules/fund", url.Values{"enabled": {"0"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("fund off: %d", r.Status)
	}
	before, _ := env.Store.QueryInt(t.Context(), `SELECT balance_cents FROM users WHERE id = ?`, u.ID)
	r := cl.Post("/client/shop", fmt.Sprintf("/client/shop/%d/buy", pid), url.Values{})
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, `data-reason="site.err_fund_off"`) {
		t.Fatalf("buy with Fund off: %d", r.Status)
	}
	if r := cl.Post("/client/services", fmt.Sprintf("/client/services/%d/renew", sid), url.Values{}); r.Status != http.StatusConflict {
		t.Fatalf("renew with Fund off: %d", r.Status)
	}
	if after, _ := env.Store.QueryInt(t.Context(), `SELECT balance_cents FROM users WHERE id = ?`, u.ID); after != before {
		t.Fatalf("balance moved: %d → %d", before, after)
	}
}
