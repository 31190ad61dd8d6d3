package e2e

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"recharge/apptest"
	"recharge/apptest/smtpsink"
)

const (
	brandName    = "Hébergeur Éclair"
	brandSupport = "support@eclair.example"
	brandZone    = "America/New_York"
	brandMention = "TVA non applicable, art. 293 B du CGI"
)

// brandLogo is a wide logo (4:1, as many hosts' wordmarks are): a dark band with a
// yellow bolt-like bar, small and valid.
func brandLogo(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 320, 80))
	for y := 0; y < 80; y++ {
		for x := 0; x < 320; x++ {
			c := color.RGBA{0x1f, 0x3a, 0x5f, 0xff}
			if x > 20 && x < 70 && y > 10 && y < 70 {
				c = color.RGBA{0xf5, 0xc5, 0x18, 0xff}
			}
			if x > 90 && x < 300 && y > 30 && y < 50 {
				c = color.RGBA{0xff, 0xff, 0xff, 0xff}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// noisyPNG is a valid PNG over 256 KB (random pixels do not compress).
func noisyPNG(t *testing.T) []byte {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	img := image.NewRGBA(image.Rect(0, 0, 300, 300))
	for i := range img.Pix {
		img.Pix[i] = byte(r.UintN(256))
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if b.Len() <= 256<<10 {
		t.Fatalf("noisy PNG only %d bytes", b.Len())
	}
	return b.Bytes()
}

// jpegBytes is a real JPEG (it will be named .png).
func jpegBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 40))
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeTemp(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// fetchInPage fetches a URL from the page (same cookies, same origin) and returns
// "status content-type".
func (b *Browser) fetchInPage(u string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.Ctx, chromedp.Evaluate[string](
		`fetch(`+strconv.Quote(u)+`).then(r => r.status + " " + r.headers.get("content-type"))`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("fetch %s: %v", u, err)
	}
	return v
}

// submitStatus clicks a submit button and returns the HTTP status of the page it loads
// (after redirects).
func (b *Browser) submitStatus(sel string) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.Ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("submit %s: %v", sel, err)
	}
	return resp.Status
}

// typeInto replaces the value of a text field the way a person would.
func (b *Browser) typeInto(sel, text string) {
	b.t.Helper()
	b.Run(chromedp.WaitVisible(chromedp.CSS(sel)))
	b.Eval(`document.querySelector(` + strconv.Quote(sel) + `).value = ''`)
	b.Run(chromedp.SendKeys(chromedp.CSS(sel), text))
}

// shotElement saves a PNG of one element next to the full-page shots.
func (b *Browser) shotElement(sel, name string) {
	b.t.Helper()
	dir := os.Getenv("E2E_SHOTS")
	if dir == "" {
		dir = b.t.TempDir()
	}
	_ = os.MkdirAll(dir, 0o755)
	buf, err := chromedp.Run(b.Ctx, chromedp.Screenshot(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("screenshot of %s: %v", sel, err)
	}
	p := filepath.Join(dir, strings.ReplaceAll(b.t.Name(), "/", "_")+"-"+name+".png")
	if err := os.WriteFile(p, buf, 0o644); err == nil {
		b.t.Logf("screenshot: %s", p)
	}
}

// setLang picks a language in the header's select, as a visitor does.
func (b *Browser) setLang(lang string) {
	b.t.Helper()
	if b.Attr(`html`, "lang") == lang {
		return
	}
	b.Eval(`(() => { const s = document.querySelector('#lang-select'); s.value = ` + strconv.Quote(lang) +
		`; s.dispatchEvent(new Event('change', {bubbles: true})); return true })()`)
	b.Run(chromedp.WaitReady(chromedp.CSS(`html[lang="` + lang + `"] #main`)))
}

// The host brands the portal in Chromium: name, logo, support address, time zone and
// the VAT mention, with the refused uploads shown as 422 messages; then a customer
// sees that brand in the header, the title, the footer, the dates, the invoice, the
// favicon and the mails. The settings page, a client page and the footer are
// photographed at 390 and 1280 px in French and English.
func TestBrowserSiteBranding(t *testing.T) {
	sink := smtpsink.Start(t, smtpsink.Options{})
	env := apptest.Start(t, apptest.Options{Mail: sink})
	env.CreateUser("admin@example.com", "password123", true)
	customer := env.CreateUser("lea@example.com", "password123", false)
	env.Credit(customer.ID, 5000)
	ny, err := time.LoadLocation(brandZone)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	logo := brandLogo(t)
	logoPath := writeTemp(t, dir, "eclair.png", logo)
	jpegPath := writeTemp(t, dir, "photo.png", jpegBytes(t))
	bigPath := writeTemp(t, dir, "huge.png", noisyPNG(t))

	b := newBrowser(t, 1280, 900)
	b.Login(env.URL, "admin@example.com", "password123")
	b.Run(chromedp.Navigate(env.URL+"/admin/settings/site"), chromedp.WaitVisible(chromedp.CSS(`#site-submit`)))
	if s := b.Text(`#site-name`); s != "Recharge" {
		t.Fatalf("header before branding: %q", s)
	}

	// Refused uploads: a 422 page with the reason, the typed fields kept.
	for _, c := range []struct{ path, reason, want string }{
		{jpegPath, "site.err_logo_not_png", "PNG"},
		{bigPath, "site.err_logo_too_large", "256"},
	} {
		b.typeInto(`input[name=site_name]`, brandName)
		b.Run(chromedp.SetUploadFiles(chromedp.CSS(`#site-logo`), []string{c.path}))
		if st := b.submitStatus(`#site-submit`); st != 422 {
			t.Fatalf("upload %s: status %d, want 422", filepath.Base(c.path), st)
		}
		b.Run(chromedp.WaitVisible(chromedp.CSS(`#site-error`)))
		if r := b.Attr(`#site-error`, "data-reason"); r != c.reason {
			t.Fatalf("upload %s: reason %q, want %q", filepath.Base(c.path), r, c.reason)
		}
		if s := b.Text(`#site-error`); !strings.Contains(s, c.want) {
			t.Fatalf("upload %s: message %q", filepath.Base(c.path), s)
		}
		if v := b.Attr(`input[name=site_name]`, "value"); v != brandName {
			t.Fatalf("name lost after a refused upload: %q", v)
		}
		if s := b.Text(`#site-name`); s != "Recharge" {
			t.Fatalf("a refused save changed the header: %q", s)
		}
	}
	b.Screenshot("refused-upload")

	// The good save.
	b.typeInto(`input[name=site_name]`, brandName)
	b.typeInto(`#support-contact`, brandSupport)
	b.typeInto(`#timezone`, brandZone)
	b.Run(chromedp.SetUploadFiles(chromedp.CSS(`#site-logo`), []string{logoPath}))
	if st := b.submitStatus(`#site-submit`); st != 200 {
		t.Fatalf("save: status %d", st)
	}
	b.Run(chromedp.WaitVisible(chromedp.CSS(`#flash`)), chromedp.WaitVisible(chromedp.CSS(`#logo-preview`)))
	for sel, want := range map[string]string{`input[name=site_name]`: brandName, `#support-contact`: brandSupport, `#timezone`: brandZone} {
		if v := b.Attr(sel, "value"); v != want {
			t.Fatalf("%s after saving: %q, want %q", sel, v, want)
		}
	}

	// VAT at rate 0 with the mention.
	b.typeInto(`#vat-rate`, "0")
	b.typeInto(`#vat-mention`, brandMention)
	if st := b.submitStatus(`#vat-submit`); st != 200 {
		t.Fatalf("VAT save: status %d", st)
	}
	b.Run(chromedp.WaitVisible(chromedp.CSS(`#flash`)))
	if v := b.Attr(`#vat-mention`, "value"); v != brandMention {
		t.Fatalf("mention after saving: %q", v)
	}

	// A product, through the admin's form.
	b.Run(
		chromedp.Navigate(env.URL+"/admin/products"),
		chromedp.WaitVisible(chromedp.CSS(`#product-submit`)),
		chromedp.SendKeys(chromedp.CSS(`#product-form input[name=name]`), "Hébergement Éclair"),
		chromedp.SendKeys(chromedp.CSS(`#product-form input[name=price]`), "9,90"),
	)
	if st := b.submitStatus(`#product-submit`); st != 200 {
		t.Fatalf("product save: status %d", st)
	}
	b.Run(chromedp.Click(chromedp.CSS(`#logout-button`)), chromedp.WaitVisible(chromedp.CSS(`#login-submit`)))
	mailsBefore := len(sink.Mails())

	// The customer sees the brand.
	b.Login(env.URL, "lea@example.com", "password123")
	title, err := chromedp.Run(b.Ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(title, " · "+brandName) {
		t.Fatalf("title %q", title)
	}
	if s := b.Text(`#site-name`); s != brandName {
		t.Fatalf("header name %q", s)
	}
	src := b.Attr(`#brand-logo`, "src")
	if !strings.HasPrefix(src, "/logo.png?v=") {
		t.Fatalf("header logo src %q", src)
	}
	if s := b.fetchInPage(src); s != "200 image/png" {
		t.Fatalf("header logo answers %q", s)
	}
	b.Run(chromedp.Poll[chromedp.Void](`document.querySelector('#brand-logo').complete && document.querySelector('#brand-logo').naturalWidth === 320`))
	if h := b.Attr(`#footer-support`, "href"); h != "mailto:"+brandSupport {
		t.Fatalf("footer support link %q", h)
	}
	if s := b.Text(`footer.foot`); !strings.HasPrefix(s, brandName) {
		t.Fatalf("footer %q", s)
	}
	if s := b.fetchInPage("/favicon.ico"); !strings.HasPrefix(s, "200 image/") {
		t.Fatalf("favicon answers %q", s)
	}
	if r := env.NewClient().Get("/favicon.ico"); r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "image/") || r.Body != string(logo) {
		t.Fatalf("favicon is not the logo: %d %q %d bytes", r.Status, r.Header.Get("Content-Type"), len(r.Body))
	}
	if h := b.Attr(`link[rel=icon]`, "href"); h != src {
		t.Fatalf("icon link %q, want the logo %q", h, src)
	}

	// Dates in New York time: the credit in the wallet's history.
	entries, _, err := env.Store.LedgerPage(t.Context(), customer.ID, 10, 0)
	if err != nil || len(entries) != 1 {
		t.Fatalf("ledger: %v %d", err, len(entries))
	}
	b.Run(chromedp.Navigate(env.URL+"/client/wallet"), chromedp.WaitVisible(chromedp.CSS(`#ledger`)))
	wantDate := time.Unix(entries[0].CreatedAt, 0).In(ny).Format("02/01/2006 15:04")
	if s := b.Text(`#ledger tbody tr td`); s != wantDate {
		t.Fatalf("ledger date %q, want %q (New York time)", s, wantDate)
	}

	// A support link on an error page.
	if resp, err := chromedp.RunResponse(b.Ctx, chromedp.Navigate(env.URL+"/client/nowhere")); err != nil || resp.Status != 404 {
		t.Fatalf("error page: %v", err)
	}
	if h := b.Attr(`#main .support-link`, "href"); h != "mailto:"+brandSupport {
		t.Fatalf("error page support link %q", h)
	}

	// A purchase: the invoice carries the mention, its date in New York time.
	b.Run(
		chromedp.Navigate(env.URL+"/client/shop"),
		chromedp.WaitVisible(chromedp.CSS(`button.buy-button`)),
		chromedp.Click(chromedp.CSS(`button.buy-button`)),
		chromedp.WaitVisible(chromedp.CSS(`#services`)),
		chromedp.Navigate(env.URL+"/client/invoices"),
		chromedp.WaitVisible(chromedp.CSS(`#invoices tbody tr td a`)),
		chromedp.Click(chromedp.CSS(`#invoices tbody tr td a`)),
		chromedp.WaitVisible(chromedp.CSS(`#invoice`)),
	)
	if s := b.Text(`#invoice-vat-mention`); s != brandMention {
		t.Fatalf("invoice mention %q", s)
	}
	if n := b.Eval(`document.querySelectorAll('#invoice-tva').length`); n != float64(0) {
		t.Fatalf("a TVA line at rate 0: %v", n)
	}
	invs, _, err := env.Store.InvoicesOfUser(t.Context(), customer.ID, 10, 0)
	if err != nil || len(invs) != 1 {
		t.Fatalf("invoices: %v %d", err, len(invs))
	}
	if s, want := b.Text(`#invoice-paid`), time.Unix(invs[0].CreatedAt, 0).In(ny).Format("02/01/2006 15:04"); !strings.Contains(s, want) {
		t.Fatalf("invoice paid line %q, want the New York time %q", s, want)
	}
	if s := b.Text(`#invoice-seller`); s != brandName {
		t.Fatalf("invoice seller %q, want the site's name", s)
	}
	if s := b.Text(`#invoice`); !strings.Contains(s, "("+brandZone+")") || strings.Contains(s, "(UTC)") {
		t.Fatalf("the invoice does not name the site's zone: %q", s)
	}
	invoicePath := strings.TrimPrefix(b.Location(), env.URL)

	// Mails sent after the change: the reset mail's subject, and every sender, carry the name.
	b.Run(
		chromedp.Click(chromedp.CSS(`#logout-button`)),
		chromedp.WaitVisible(chromedp.CSS(`#login-submit`)),
		chromedp.Navigate(env.URL+"/forgot"),
		chromedp.WaitVisible(chromedp.CSS(`#forgot-submit`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), "lea@example.com"),
		chromedp.Click(chromedp.CSS(`#forgot-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#forgot-sent`)),
	)
	var reset *smtpsink.Mail
	for n := mailsBefore + 1; reset == nil; n++ { // the purchase mail may come first
		if m := sink.Wait(n, 15*time.Second)[n-1]; m.Link("/reset?token=") != "" {
			reset = &m
		}
	}
	if !strings.Contains(reset.Subject, brandName) {
		t.Errorf("reset subject %q without the site name", reset.Subject)
	}
	for _, m := range sink.Mails() {
		msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
		if err != nil {
			t.Fatal(err)
		}
		from, err := (&mail.AddressParser{WordDecoder: new(mime.WordDecoder)}).Parse(msg.Header.Get("From"))
		if err != nil || from.Name != brandName {
			t.Errorf("mail %q from %q (%v), want the name %q", m.Subject, msg.Header.Get("From"), err, brandName)
		}
	}

	// Photographs and layout checks: phone and desktop, French and English.
	for _, lang := range []string{"fr", "en"} {
		for _, width := range []int{390, 1280} {
			tag := fmt.Sprintf("%s-%d", lang, width)
			ab := newBrowser(t, width, 900)
			ab.Login(env.URL, "admin@example.com", "password123")
			ab.setLang(lang)
			ab.Run(chromedp.Navigate(env.URL+"/admin/settings/site"), chromedp.WaitVisible(chromedp.CSS(`#site-submit`)))
			ab.Screenshot(tag + "-settings-site")
			checkBrandLayout(t, ab, tag+" /admin/settings/site")

			cb := newBrowser(t, width, 900)
			cb.Login(env.URL, "lea@example.com", "password123")
			cb.setLang(lang)
			for _, path := range []string{"/client", invoicePath} {
				cb.Run(chromedp.Navigate(env.URL+path), chromedp.WaitVisible(chromedp.CSS(`#main`)),
					chromedp.Poll[chromedp.Void](`document.querySelector('#brand-logo').complete`))
				cb.Screenshot(tag + sanitize(path))
				checkBrandLayout(t, cb, tag+" "+path)
			}
			cb.shotElement(`header.topbar`, tag+"-header")
			cb.Run(chromedp.ScrollIntoView(chromedp.CSS(`#footer-support`)))
			cb.shotElement(`footer.foot`, tag+"-footer")
			if s := cb.Text(`#footer-support`); s == "" {
				t.Errorf("%s: empty support link", tag)
			}
		}
	}
}

// checkBrandLayout: no sideways scroll, the header logo within the header and short,
// the brand not under the tools on the right.
func checkBrandLayout(t *testing.T, b *Browser, where string) {
	t.Helper()
	if v := b.Eval(`document.documentElement.scrollWidth <= window.innerWidth + 1`); v != true {
		t.Errorf("%s scrolls sideways", where)
	}
	v := b.Eval(`(() => {
		const logo = document.querySelector('#brand-logo').getBoundingClientRect();
		const bar = document.querySelector('header.topbar').getBoundingClientRect();
		const brand = document.querySelector('#brand').getBoundingClientRect();
		const tools = document.querySelector('.topbar-tools').getBoundingClientRect();
		const bad = [];
		if (logo.height > 40 || logo.height < 16) bad.push('logo height ' + logo.height);
		if (logo.left < bar.left || logo.right > bar.right || logo.top < bar.top || logo.bottom > bar.bottom) bad.push('logo outside the header');
		if (brand.right > tools.left + 1 && brand.bottom > tools.top + 1) bad.push('brand under the tools (' + brand.right + ' > ' + tools.left + ')');
		if (bar.height > 80) bad.push('header ' + bar.height + ' px high');
		return bad.join('; ');
	})()`)
	if v != "" {
		t.Errorf("%s: %v", where, v)
	}
}
