package handlers_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"recharge/apptest"
)

// buy buys product id as c through the shop form and returns the invoice page's path.
func buy(t *testing.T, c *apptest.Client, id int64) {
	t.Helper()
	action := fmt.Sprintf("/client/shop/%d/buy", id)
	tok := formToken(t, c, "/client/shop", action)
	if r := c.Post("/client/shop", action, url.Values{"token": {tok}}); r.Status != http.StatusSeeOther {
		t.Fatalf("buy %d: %d %s", id, r.Status, r.Body)
	}
}

var invoiceLinkRe = regexp.MustCompile(`href="/client/invoices/(\d+)">(F-\d{6})</a>`)

// Admin lists of services and invoices: rows with data-id and data-status, filters,
// the email search (literal text), the CSV export of the current filter, the admin's
// invoice view and PDF; a customer gets 403 on all of them and 404 on another's invoice.
func TestAdminServicesAndInvoices(t *testing.T) {
	env, admin, alice, aliceC := setup(t)
	bob := env.CreateUser("bob_smith@example.com", "password123", false)
	bobC := env.NewClient()
	bobC.Login("bob_smith@example.com", "password123")
	vps := createProduct(t, admin, url.Values{"name": {"VPS S"}, "price": {"2.50"}, "active": {"1"}, "period": {"monthly"}})
	web := createProduct(t, admin, url.Values{"name": {"Hébergement web"}, "price": {"12.00"}, "active": {"1"}})
	env.Credit(alice.ID, 10000)
	env.Credit(bob.ID, 10000)
	buy(t, aliceC, vps)
	buy(t, bobC, web)
	buy(t, aliceC, web)

	// Services: all three, newest first, each linking to its customer and product.
	r := admin.Get("/admin/services")
	if r.Status != http.StatusOK {
		t.Fatalf("/admin/services: %d", r.Status)
	}
	rows := regexp.MustCompile(`<tr data-id="(\d+)" data-status="(\w+)">`).FindAllStringSubmatch(r.Body, -1)
	if len(rows) != 3 || rows[0][1] < rows[2][1] || rows[0][2] != "active" {
		t.Fatalf("service rows %v", rows)
	}
	for _, want := range []string{fmt.Sprintf(`href="/admin/users/%d"`, bob.ID), fmt.Sprintf(`href="/admin/products/%d"`, web), `data-total="3"`, `href="/admin/services"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("/admin/services lacks %s", want)
		}
	}
	count := func(path string) int {
		t.Helper()
		r := admin.Get(path)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d", path, r.Status)
		}
		return strings.Count(r.Body, "<tr data-id=")
	}
	cases := map[string]int{
		"/admin/services?q=ALICE":                              2,
		"/admin/services?q=bob_":                               1,
		"/admin/services?q=b%25b":                              0, // % is literal
		"/admin/services?q=_":                                  1, // so is _ (only bob_smith has one)
		"/admin/services?status=active":                        3,
		"/admin/services?status=expired":                       0,
		fmt.Sprintf("/admin/services?product=%d", web):         2,
		fmt.Sprintf("/admin/services?product=%d&q=alice", vps): 1,
		"/admin/invoices":                                      3,
		"/admin/invoices?kind=purchase":                        3,
		"/admin/invoices?kind=renewal":                         0,
		"/admin/invoices?q=bob":                                1,
		"/admin/invoices?q=%5C":                                0, // a backslash is literal too
		"/admin/invoices?q=example.com&page=2":                 0,
	}
	for path, want := range cases {
		if got := count(path); got != want {
			t.Errorf("%s: %d rows, want %d", path, got, want)
		}
	}
	for _, bad := range []string{"/admin/services?status=nope", "/admin/services?product=x", "/admin/invoices?kind=nope"} {
		if r := admin.Get(bad); r.Status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", bad, r.Status)
		}
	}
	// htmx asks for the results alone.
	frag := admin.Do("GET", "/admin/invoices?q=bob", nil, map[string]string{"HX-Request": "true"})
	if frag.Status != http.StatusOK || strings.Contains(frag.Body, "<html") || strings.Count(frag.Body, "<tr data-id=") != 1 {
		t.Fatalf("htmx fragment: %d %.300s", frag.Status, frag.Body)
	}

	// Invoices: numbered F-000001.. and linked; the admin's view is the same invoice.
	inv := admin.Get("/admin/invoices")
	for _, n := range []string{"F-000001", "F-000002", "F-000003"} {
		if !strings.Contains(inv.Body, `class="invoice-link">`+n+`</a>`) {
			t.Errorf("/admin/invoices lacks the link %s", n)
		}
	}
	m := invoiceLinkRe.FindStringSubmatch(bobC.Get("/client/invoices").Body)
	if m == nil || m[2] != "F-000002" {
		t.Fatalf("bob's invoice link: %v", m)
	}
	bobInv := m[1]
	page := admin.Get("/admin/invoices/" + bobInv)
	for _, want := range []string{"Facture F-000002", "bob_smith@example.com", "Hébergement web", `href="/admin/invoices/` + bobInv + `.pdf"`, `href="/admin/invoices"`, `aria-current="page"`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("admin invoice page lacks %q", want)
		}
	}
	if r := admin.Get("/admin/invoices/999999"); r.Status != http.StatusNotFound {
		t.Errorf("unknown invoice: %d", r.Status)
	}
	if !strings.Contains(admin.Get(fmt.Sprintf("/admin/users/%d", bob.ID)).Body, `href="/admin/invoices/`+bobInv+`" class="invoice-link">F-000002</a>`) {
		t.Error("the admin's customer page does not link the invoice number")
	}

	// CSV of the current filter, RFC 4180.
	exp := admin.Get("/admin/invoices/export.csv?q=alice")
	if exp.Status != http.StatusOK || !strings.HasPrefix(exp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %s", exp.Status, exp.Header.Get("Content-Type"))
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(exp.Body, "\ufeff"))).ReadAll()
	if err != nil || len(recs) != 3 || recs[0][0] != "number" {
		t.Fatalf("csv %v %v", recs, err)
	}
	if recs[1][0] != "F-000003" || recs[1][4] != "alice@example.com" || recs[1][12] != "12.00" || recs[2][7] != "VPS S" {
		t.Fatalf("csv rows %v", recs[1:])
	}
	if !strings.Contains(inv.Body, `href="/admin/invoices/export.csv"`) ||
		!strings.Contains(admin.Get("/admin/invoices?kind=purchase&q=x").Body, `href="/admin/invoices/export.csv?kind=purchase&amp;q=x"`) {
		t.Error("export link does not carry the filter")
	}

	// A customer: 403 on the admin's pages, 404 on another's invoice and PDF.
	for _, p := range []string{"/admin/services", "/admin/invoices", "/admin/invoices/export.csv", "/admin/invoices/" + bobInv, "/admin/invoices/" + bobInv + ".pdf"} {
		if r := aliceC.Get(p); r.Status != http.StatusForbidden {
			t.Errorf("client on %s: %d, want 403", p, r.Status)
		}
	}
	for _, p := range []string{"/client/invoices/" + bobInv, "/client/invoices/" + bobInv + ".pdf", "/client/invoices/abc.pdf", "/client/invoices/999999.pdf"} {
		if r := aliceC.Get(p); r.Status != http.StatusNotFound {
			t.Errorf("alice on %s: %d, want 404", p, r.Status)
		}
	}
	if r := aliceC.Post("/client/account", "/admin/settings/invoicing", url.Values{"vat_rate": {"20"}}); r.Status != http.StatusForbidden {
		t.Errorf("client saving VAT: %d", r.Status)
	}
	// Bob's own PDF.
	pdf := bobC.Get("/client/invoices/" + bobInv + ".pdf")
	if pdf.Status != http.StatusOK || pdf.Header.Get("Content-Type") != "application/pdf" ||
		!strings.Contains(pdf.Header.Get("Content-Disposition"), `filename="facture-F-000002.pdf"`) || !strings.HasPrefix(pdf.Body, "%PDF-") {
		t.Fatalf("pdf: %d %v %.20q", pdf.Status, pdf.Header, pdf.Body)
	}
}

// The VAT form and the billing details: validated, audited, copied onto new invoices;
// the invoice page and its PDF show HT / TVA / TTC at 20 %, the mention at 0.
func TestVATAndBillingOnInvoices(t *testing.T) {
	env, admin, alice, aliceC := setup(t)
	web := createProduct(t, admin, url.Values{"name": {"Hébergement été"}, "price": {"12.00"}, "active": {"1"}})
	env.Credit(alice.ID, 10000)

	// Bad input: 422 with the message in place, nothing saved.
	r := admin.Post("/admin/settings/site", "/admin/settings/invoicing", url.Values{"vat_rate": {"120"}, "vat_mention": {""}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="vat-error"`) || !strings.Contains(r.Body, `value="120"`) {
		t.Fatalf("bad rate: %d", r.Status)
	}
	r = admin.Post("/admin/settings/site", "/admin/settings/invoicing", url.Values{"vat_rate": {"20"}, "vat_mention": {"TVA non applicable, art. 293 B du CGI"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save VAT: %d %s", r.Status, r.Body)
	}
	if site := admin.Get("/admin/settings/site"); !strings.Contains(site.Body, `id="vat-rate" value="20"`) {
		t.Fatal("the site settings page does not show the saved rate")
	}
	if !strings.Contains(admin.Get("/admin/audit").Body, "vat_rate=2000") {
		t.Error("the VAT change is not in the audit log")
	}

	// Billing details on the account page.
	if r := aliceC.Post("/client/account", "/client/account/billing", url.Values{"billing_name": {strings.Repeat("é", 121)}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="billing-error"`) {
		t.Fatalf("long billing name: %d", r.Status)
	}
	if r := aliceC.Post("/client/account", "/client/account/billing", url.Values{"billing_name": {"Éloïse Dupré SARL"}, "billing_address": {"3 rue de l'Été\r\n75001 Paris"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("billing: %d", r.Status)
	}
	if !strings.Contains(aliceC.Get("/client/account").Body, "Éloïse Dupré SARL") {
		t.Fatal("the account page does not show the billing name")
	}

	buy(t, aliceC, web)
	m := invoiceLinkRe.FindStringSubmatch(aliceC.Get("/client/invoices").Body)
	if m == nil {
		t.Fatal("no invoice")
	}
	page := aliceC.Get("/client/invoices/" + m[1])
	for _, want := range []string{"Facture F-000001", "Éloïse Dupré SARL", "Total HT", `data-cents="1000"`, "TVA (20\u00a0%)", `data-cents="200"`, "Total TTC", `id="invoice-total">12,00`, `href="/client/invoices/` + m[1] + `.pdf"`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("invoice page lacks %q", want)
		}
	}
	if strings.Contains(page.Body, "293 B") {
		t.Error("the mention is printed although the rate is 20 %")
	}
	// Its dates name the site's zone (the default), not "UTC".
	if !strings.Contains(page.Body, "(Europe/Paris)") || strings.Contains(page.Body, "(UTC)") {
		t.Error("the invoice page does not name the site's time zone")
	}
	text20 := pdfText(t, aliceC.Get("/client/invoices/"+m[1]+".pdf").Body)
	for _, want := range []string{"Facture F-000001", "Éloïse Dupré SARL", "3 rue de l'Été", "Hébergement été", "Total HT", "10,00 €", "TVA (20 %)", "2,00 €", "Total TTC", "12,00 €", "(Europe/Paris)"} {
		if !strings.Contains(text20, want) {
			t.Errorf("PDF text lacks %q:\n%s", want, text20)
		}
	}
	if strings.Contains(text20, "293 B") {
		t.Error("PDF prints the mention at 20 %")
	}

	// Rate 0: the mention, no tax lines; the first invoice keeps its 20 %.
	if r := admin.Post("/admin/settings/site", "/admin/settings/invoicing", url.Values{"vat_rate": {"0"}, "vat_mention": {"TVA non applicable, art. 293 B du CGI"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("save VAT 0: %d", r.Status)
	}
	buy(t, aliceC, web)
	all := invoiceLinkRe.FindAllStringSubmatch(aliceC.Get("/client/invoices").Body, -1)
	if len(all) != 2 || all[0][2] != "F-000002" {
		t.Fatalf("invoices %v", all)
	}
	page0 := aliceC.Get("/client/invoices/" + all[0][1])
	if !strings.Contains(page0.Body, `id="invoice-vat-mention">TVA non applicable, art. 293 B du CGI`) || strings.Contains(page0.Body, "Total HT") {
		t.Error("rate 0: the page should show the mention and no tax lines")
	}
	text0 := pdfText(t, aliceC.Get("/client/invoices/"+all[0][1]+".pdf").Body)
	for _, want := range []string{"Facture F-000002", "TVA non applicable, art. 293 B du CGI", "12,00 €"} {
		if !strings.Contains(text0, want) {
			t.Errorf("PDF at rate 0 lacks %q:\n%s", want, text0)
		}
	}
	if strings.Contains(text0, "Total HT") {
		t.Error("PDF at rate 0 has tax lines")
	}
	if !strings.Contains(aliceC.Get("/client/invoices/"+m[1]).Body, "TVA (20\u00a0%)") {
		t.Error("the first invoice lost its 20 %")
	}
	// English reader: the same number, English labels.
	en := env.NewClient()
	en.Login("alice@example.com", "password123")
	if r := en.Post("/client/account", "/lang", url.Values{"lang": {"en"}}); r.Status >= 400 {
		t.Fatalf("lang: %d", r.Status)
	}
	textEn := pdfText(t, en.Get("/client/invoices/"+m[1]+".pdf").Body)
	for _, want := range []string{"Invoice F-000001", "Total excl. VAT", "VAT (20 %)", "€2.00", "€12.00"} {
		if !strings.Contains(textEn, want) {
			t.Errorf("English PDF lacks %q:\n%s", want, textEn)
		}
	}
}

// pdfText extracts a PDF's text with pdftotext (poppler-utils). Without it the test
// is skipped locally and fails in CI, which installs it.
func pdfText(t *testing.T, body string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext is missing (apt-get install poppler-utils)")
		}
		t.Skip("pdftotext not installed (poppler-utils)")
	}
	if !strings.HasPrefix(body, "%PDF-") {
		t.Fatalf("not a PDF: %.200q", body)
	}
	in := filepath.Join(t.TempDir(), "invoice.pdf")
	if err := os.WriteFile(in, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	// Layout mode pads with spaces; one space between words is enough for the checks.
	return regexp.MustCompile(`[ \x{a0}]+`).ReplaceAllString(string(out), " ")
}

// The invoices list offers the Excel form of its CSV too: ';', a BOM, decimal commas.
func TestInvoicesExportForExcel(t *testing.T) {
	env, admin, alice, aliceC := setup(t)
	web := createProduct(t, admin, url.Values{"name": {"Hébergement web"}, "price": {"12.50"}, "active": {"1"}})
	env.Credit(alice.ID, 10000)
	buy(t, aliceC, web)
	page := admin.Get("/admin/invoices")
	if !strings.Contains(page.Body, `href="/admin/invoices/export.csv?excel=1"`) {
		t.Fatal("no Excel export link on /admin/invoices")
	}
	r := admin.Get("/admin/invoices/export.csv?excel=1")
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Body, "\ufeff") {
		t.Fatalf("excel export: %d %.40q", r.Status, r.Body)
	}
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\ufeff")))
	cr.Comma = ';'
	rows, err := cr.ReadAll()
	if err != nil || len(rows) != 2 || !strings.Contains(strings.Join(rows[1], "|"), "12,50") {
		t.Fatalf("excel rows %v %v", rows, err)
	}
}
