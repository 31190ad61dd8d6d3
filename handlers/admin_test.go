package handlers_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"recharge/apptest"
	"recharge/db"
)

// adminEnv is a portal with one admin (logged in) and one customer.
type adminEnv struct {
	*apptest.Env
	Admin, Customer *db.User
	A               *apptest.Client
}

func startAdmin(t *testing.T) *adminEnv {
	t.Helper()
	env := apptest.Start(t, apptest.Options{})
	e := &adminEnv{Env: env}
	e.Admin = env.CreateUser("boss@example.com", "password123", true)
	e.Customer = env.CreateUser("alice@example.com", "password123", false)
	e.A = env.NewClient()
	e.A.Login("boss@example.com", "password123")
	return e
}

// pay records a settled payment the way the Dedipass flow does.
func (e *adminEnv) pay(t *testing.T, p db.Payment) db.Payment {
	t.Helper()
	if p.CodeKey == "" {
		p.CodeKey = strings.ToUpper(p.Code)
	}
	if p.Status == "" {
		p.Status = db.StatusCredited
	}
	if p.Status == db.StatusCredited && p.UserID == nil {
		id := e.Customer.ID
		p.UserID = &id
	}
	if p.Rate == "" {
		p.Rate, p.Solution, p.Country = "FR-SMS-250", "SMS", "FR"
	}
	if p.Source == "" {
		p.Source = "callback"
	}
	if _, err := e.Store.SettlePayment(context.Background(), &p); err != nil {
		t.Fatalf("settle %s: %v", p.Code, err)
	}
	return p
}

var (
	rowRe   = regexp.MustCompile(`<tr data-code="([^"]*)" data-status="([^"]*)"`)
	totalRe = regexp.MustCompile(`<table id="payments"[^>]*data-total="(\d+)"`)
)

// listed returns the codes of the rows and the data-total of a billing page.
func listed(t *testing.T, r apptest.Response) ([]string, int) {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %.300s", r.Status, r.Body)
	}
	m := totalRe.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no data-total in page: %.500s", r.Body)
	}
	total, _ := strconv.Atoi(m[1])
	var codes []string
	for _, row := range rowRe.FindAllStringSubmatch(r.Body, -1) {
		codes = append(codes, row[1])
	}
	return codes, total
}

func TestBillingSearchMatrix(t *testing.T) {
	e := startAdmin(t)
	uid := e.Customer.ID
	for _, code := range []string{"AB12CD", "ab99zz", "ABX1", "ZZ1", "A1B2", "B0AB"} {
		e.pay(t, db.Payment{Code: code, UserID: &uid, CreditCents: 250, PayoutCents: 150})
	}
	cases := []struct {
		q    string
		want []string // newest first
	}{
		{"", []string{"B0AB", "A1B2", "ZZ1", "ABX1", "ab99zz", "AB12CD"}},
		{"ab", []string{"ABX1", "ab99zz", "AB12CD"}},
		{"AB", []string{"ABX1", "ab99zz", "AB12CD"}},
		{"aB9", []string{"ab99zz"}},
		{"  ab1 ", []string{"AB12CD"}},
		{"a", []string{"A1B2", "ABX1", "ab99zz", "AB12CD"}},
		{"AB12CD", []string{"AB12CD"}},
		{"AB12CDE", nil},
		{"B0", []string{"B0AB"}},
		{"%", nil}, {"_", nil}, {"A%", nil}, {"A_", nil}, {"_B", nil}, {"%AB%", nil},
		{"'", nil}, {`\`, nil}, {`"`, nil}, {"AB'", nil}, {"' OR '1'='1", nil}, {"AB\\", nil},
		{"<script>", nil}, {"é", nil}, {strings.Repeat("A", 65), nil},
	}
	for _, tc := range cases {
		codes, total := listed(t, e.A.Get("/admin/billing/dedipass?q="+url.QueryEscape(tc.q)))
		if !slices.Equal(codes, tc.want) || total != len(tc.want) {
			t.Errorf("q=%q: got %v (data-total %d), want %v", tc.q, codes, total, tc.want)
		}
	}
	// The htmx request gets only the results fragment, with the same hooks.
	r := e.A.Do("GET", "/admin/billing/dedipass?q=ab", nil, map[string]string{"HX-Request": "true"})
	if strings.Contains(r.Body, "<html") || !strings.Contains(r.Body, `id="payments"`) {
		t.Fatalf("htmx answer is not the fragment: %.300s", r.Body)
	}
	if codes, total := listed(t, r); total != 3 || len(codes) != 3 {
		t.Fatalf("htmx fragment: %v %d", codes, total)
	}
	// The full page carries the live-search wiring and works without JS (plain GET form).
	page := e.A.Get("/admin/billing/dedipass?q=ab").Body
	for _, want := range []string{`hx-get="/admin/billing/dedipass"`, `hx-trigger="input changed delay:250ms, search"`,
		`hx-target="#billing-results"`, `hx-push-url="true"`, `<form method="get" action="/admin/billing/dedipass"`, `value="ab"`} {
		if !strings.Contains(page, want) {
			t.Errorf("billing page lacks %s", want)
		}
	}
	// Each row links its customer and its detail page.
	if !strings.Contains(page, fmt.Sprintf(`href="/admin/users/%d"`, uid)) {
		t.Error("no customer link")
	}
}

func TestBillingPaginationAndStatusFilter(t *testing.T) {
	e := startAdmin(t)
	uid := e.Customer.ID
	var want []string
	for i := range 60 {
		code := fmt.Sprintf("PG%03d", i)
		st := db.StatusCredited
		if i%3 == 0 {
			st = db.StatusRefused
		}
		p := db.Payment{Code: code, Status: st, UserID: &uid, CreditCents: 100}
		e.pay(t, p)
		want = append([]string{code}, want...)
	}
	codes, total := listed(t, e.A.Get("/admin/billing/dedipass"))
	if total != 60 || !slices.Equal(codes, want[:25]) {
		t.Fatalf("page 1: %d rows, total %d", len(codes), total)
	}
	codes, total = listed(t, e.A.Get("/admin/billing/dedipass?page=3"))
	if total != 60 || !slices.Equal(codes, want[50:]) {
		t.Fatalf("page 3: %v, total %d", codes, total)
	}
	codes, total = listed(t, e.A.Get("/admin/billing/dedipass?page=99"))
	if total != 60 || len(codes) != 0 {
		t.Fatalf("page 99: %v, total %d", codes, total)
	}
	for _, bad := range []string{"0", "-1", "abc", "1e9"} {
		if codes, _ := listed(t, e.A.Get("/admin/billing/dedipass?page="+bad)); !slices.Equal(codes, want[:25]) {
			t.Fatalf("page=%s is not page 1", bad)
		}
	}
	// Status filter, combined with a prefix and pages; pager links keep the filter.
	r := e.A.Get("/admin/billing/dedipass?status=refused&q=pg")
	codes, total = listed(t, r)
	if total != 20 || len(codes) != 20 {
		t.Fatalf("refused: %d rows, total %d", len(codes), total)
	}
	for _, m := range rowRe.FindAllStringSubmatch(r.Body, -1) {
		if m[2] != "refused" {
			t.Fatalf("row %s has status %s", m[1], m[2])
		}
	}
	r = e.A.Get("/admin/billing/dedipass?status=credited")
	if _, total = listed(t, r); total != 40 {
		t.Fatalf("credited total %d", total)
	}
	if !strings.Contains(r.Body, `href="/admin/billing/dedipass?page=2&amp;status=credited"`) {
		t.Fatalf("pager link does not keep the filter")
	}
	if r := e.A.Get("/admin/billing/dedipass?status=bogus"); r.Status != http.StatusBadRequest {
		t.Fatalf("unknown status: %d", r.Status)
	}
	// All payments of one customer (link from the customer page).
	if _, total = listed(t, e.A.Get(fmt.Sprintf("/admin/billing/dedipass?user=%d", uid))); total != 60 {
		t.Fatalf("user filter total %d", total)
	}
}

func TestBillingCSVExport(t *testing.T) {
	e := startAdmin(t)
	uid := e.Customer.ID
	e.pay(t, db.Payment{Code: "CSV1", UserID: &uid, CreditCents: 250, PayoutCents: 153,
		Identifier: `=HYPERLINK("http://evil.example/","click")`, Rate: "+FR-SMS", Reason: "@SUM(A1:A9)"})
	e.pay(t, db.Payment{Code: "CSV2", Status: db.StatusRefused, UserID: &uid,
		Reason: "he said \"no\", twice\nthen left", Identifier: "-1+2", VirtualCurrency: "\t=1+1"})
	e.pay(t, db.Payment{Code: "OTHER", UserID: &uid, CreditCents: 100})

	r := e.A.Get("/admin/billing/dedipass/export.csv?q=csv")
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".csv") {
		t.Fatalf("Content-Disposition %q", cd)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v\n%s", err, r.Body)
	}
	if len(recs) != 3 {
		t.Fatalf("want header + 2 rows (filter q=csv), got %d", len(recs))
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	row := func(code string) []string {
		for _, rec := range recs[1:] {
			if rec[col["code"]] == code {
				return rec
			}
		}
		t.Fatalf("no row for %s", code)
		return nil
	}
	r1, r2 := row("CSV1"), row("CSV2")
	checks := []struct{ got, want string }{
		{r1[col["identifier"]], `'=HYPERLINK("http://evil.example/","click")`},
		{r1[col["rate"]], "'+FR-SMS"},
		{r1[col["reason"]], "'@SUM(A1:A9)"},
		{r1[col["payout_eur"]], "1.53"},
		{r1[col["credit"]], "2.50"},
		{r1[col["customer_email"]], "alice@example.com"},
		{r1[col["status"]], "credited"},
		{r2[col["reason"]], "he said \"no\", twice\nthen left"},
		{r2[col["identifier"]], "'-1+2"},
		{r2[col["virtual_currency"]], "'\t=1+1"},
		{r2[col["status"]], "refused"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("cell %q, want %q", c.got, c.want)
		}
	}
	// Newest first, and the status filter applies too.
	if recs[1][col["code"]] != "CSV2" {
		t.Errorf("first row %s, want CSV2", recs[1][col["code"]])
	}
	r = e.A.Get("/admin/billing/dedipass/export.csv?status=refused")
	if recs, _ := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\ufeff"))).ReadAll(); len(recs) != 2 {
		t.Fatalf("status filter: %d records", len(recs))
	}
	// Wildcards and quotes in q: an empty export, never an error.
	for _, q := range []string{"%", "_", "'", `\`, `"`} {
		r := e.A.Get("/admin/billing/dedipass/export.csv?q=" + url.QueryEscape(q))
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\ufeff"))).ReadAll()
		if r.Status != 200 || err != nil || len(recs) != 1 {
			t.Errorf("q=%q: %d, %d records, %v", q, r.Status, len(recs), err)
		}
	}
	// A larger export streams in chunks and stays complete.
	if _, err := e.Store.ExecSQL(context.Background(), `INSERT INTO payments (code, code_key, status, created_at, updated_at)
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1234)
		SELECT 'BULK' || i, 'BULK' || i, 'refused', 1, 1 FROM n`); err != nil {
		t.Fatal(err)
	}
	r = e.A.Get("/admin/billing/dedipass/export.csv?q=bulk")
	if recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\ufeff"))).ReadAll(); err != nil || len(recs) != 1235 {
		t.Fatalf("bulk export: %d records, %v", len(recs), err)
	}
	// The export link on the page carries the current filter.
	page := e.A.Get("/admin/billing/dedipass?q=csv&status=refused").Body
	if !strings.Contains(page, `href="/admin/billing/dedipass/export.csv?q=csv&amp;status=refused"`) {
		t.Error("export link does not carry the filter")
	}
}

// TestBillingCSVFormats: RFC 4180 by default (',', CRLF, no BOM, '.' decimals); excel=1
// gives what French Excel opens (';', BOM, CRLF, ',' decimals); both keep formulas out.
func TestBillingCSVFormats(t *testing.T) {
	e := startAdmin(t)
	uid := e.Customer.ID
	e.pay(t, db.Payment{Code: "XLS1", UserID: &uid, CreditCents: 123456, PayoutCents: 153,
		Identifier: "=1+1", Rate: "FR;SMS", Reason: "a;b, \"c\"\nd", VirtualCurrency: "-12.5"})

	r := e.A.Get("/admin/billing/dedipass/export.csv?q=xls")
	if strings.HasPrefix(r.Body, "\ufeff") {
		t.Error("RFC 4180 export starts with a BOM")
	}
	if !strings.HasSuffix(r.Body, "\r\n") || strings.Count(r.Body, "\r\n") != strings.Count(r.Body, "\n") {
		t.Errorf("RFC 4180 export: every line must end with CRLF: %q", r.Body)
	}
	plain, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
	if err != nil || len(plain) != 2 {
		t.Fatalf("RFC 4180 export: %d records, %v\n%s", len(plain), err, r.Body)
	}

	r = e.A.Get("/admin/billing/dedipass/export.csv?q=xls&excel=1")
	if r.Status != 200 || !strings.HasPrefix(r.Body, "\ufeff") {
		t.Fatalf("excel export: %d, starts %q", r.Status, r.Body[:min(10, len(r.Body))])
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, ".csv") {
		t.Errorf("excel Content-Disposition %q", cd)
	}
	if strings.Count(r.Body, "\r\n") != strings.Count(r.Body, "\n") {
		t.Errorf("excel export has bare LF line ends: %q", r.Body)
	}
	rd := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\ufeff")))
	rd.Comma = ';'
	xls, err := rd.ReadAll()
	if err != nil || len(xls) != 2 {
		t.Fatalf("excel export: %d records, %v\n%s", len(xls), err, r.Body)
	}
	if len(xls[0]) != len(plain[0]) || xls[0][0] != "id" {
		t.Fatalf("excel header %q", xls[0])
	}
	col := map[string]int{}
	for i, h := range xls[0] {
		col[h] = i
	}
	for _, c := range []struct{ name, plain, excel string }{
		{"credit", "1234.56", "1234,56"},
		{"payout_eur", "1.53", "1,53"},
		{"identifier", "'=1+1", "'=1+1"},
		{"rate", "FR;SMS", "FR;SMS"},
		{"reason", "a;b, \"c\"\nd", "a;b, \"c\"\nd"},
		{"virtual_currency", "-12.5", "-12.5"}, // a plain number stays a number
		{"code", "XLS1", "XLS1"},
	} {
		if got := plain[1][col[c.name]]; got != c.plain {
			t.Errorf("RFC 4180 %s = %q, want %q", c.name, got, c.plain)
		}
		if got := xls[1][col[c.name]]; got != c.excel {
			t.Errorf("excel %s = %q, want %q", c.name, got, c.excel)
		}
	}
	// The list offers both links, each with the current filter.
	page := e.A.Get("/admin/billing/dedipass?q=xls").Body
	if !strings.Contains(page, `href="/admin/billing/dedipass/export.csv?excel=1&amp;q=xls"`) {
		t.Error("no Excel export link carrying the filter")
	}
}

func TestPaymentDetail(t *testing.T) {
	e := startAdmin(t)
	uid := e.Customer.ID
	p := e.pay(t, db.Payment{Code: "DET1", UserID: &uid, CreditCents: 500, PayoutCents: 300, Identifier: "ID-777",
		Raw: "status=success&code=DET1&rate=FR-SMS-250&privateKey=KEY-IN-RAW-123&custom=abc&virtual_currency=5"})
	j := e.pay(t, db.Payment{Code: "DET2", Source: "form", UserID: &uid, CreditCents: 100,
		Raw: `{"status":"success","code":"DET2","payout":"0.50","public_key":"PUBKEY-XYZ","nested":{"api_key":"NESTED-KEY-9","ok":true}}`})
	r := e.A.Get(fmt.Sprintf("/admin/billing/dedipass/%d", p.ID))
	if r.Status != 200 {
		t.Fatalf("detail: %d", r.Status)
	}
	for _, want := range []string{"DET1", "ID-777", fmt.Sprintf(`href="/admin/users/%d"`, uid), "alice@example.com", "FR-SMS-250", "virtual_currency"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("detail lacks %q", want)
		}
	}
	for _, leak := range []string{"KEY-IN-RAW-123", "privateKey"} {
		if strings.Contains(r.Body, leak) {
			t.Errorf("detail shows %q", leak)
		}
	}
	r = e.A.Get(fmt.Sprintf("/admin/billing/dedipass/%d", j.ID))
	if !strings.Contains(r.Body, "0.50") || strings.Contains(r.Body, "PUBKEY-XYZ") || strings.Contains(r.Body, "NESTED-KEY-9") || strings.Contains(r.Body, "api_key") {
		t.Errorf("JSON raw answer not shown safely")
	}
	for _, path := range []string{"/admin/billing/dedipass/999999", "/admin/billing/dedipass/abc", "/admin/billing/dedipass/-1"} {
		if r := e.A.Get(path); r.Status != http.StatusNotFound {
			t.Errorf("%s: %d", path, r.Status)
		}
	}
}

// adminPages are every admin GET page of this back-office, given one payment and one user.
func adminPages(paymentID, userID int64) []string {
	return []string{
		"/admin", "/admin/modules", "/admin/billing/dedipass", "/admin/billing/dedipass?q=A&status=credited",
		"/admin/billing/dedipass/export.csv", fmt.Sprintf("/admin/billing/dedipass/%d", paymentID),
		"/admin/users", "/admin/users?q=alice", fmt.Sprintf("/admin/users/%d", userID), "/admin/audit",
		// The other admin pages (settings, products) must not leak either.
		"/admin/settings/dedipass", "/admin/settings/fund", "/admin/settings/site", "/admin/products",
	}
}

func TestAdminPagesForbiddenToClients(t *testing.T) {
	e := startAdmin(t)
	uid := e.Customer.ID
	p := e.pay(t, db.Payment{Code: "SEC1", UserID: &uid, CreditCents: 100})
	cl := e.NewClient()
	cl.Login("alice@example.com", "password123")
	anon := e.NewClient()
	for _, path := range adminPages(p.ID, uid) {
		if r := cl.Get(path); r.Status != http.StatusForbidden {
			t.Errorf("client GET %s: %d", path, r.Status)
		} else if strings.Contains(r.Body, "SEC1") || strings.Contains(r.Body, "text/csv") {
			t.Errorf("client GET %s leaks data", path)
		}
		if r := anon.Get(path); r.Status != http.StatusSeeOther {
			t.Errorf("anonymous GET %s: %d", path, r.Status)
		}
	}
	posts := map[string]url.Values{
		"/admin/modules/dedipass":                       {"enabled": {"0"}},
		"/admin/modules/fund":                           {"enabled": {"0"}},
		fmt.Sprintf("/admin/users/%d/wallet", uid):      {"amount": {"100"}, "reason": {"self-service"}},
		fmt.Sprintf("/admin/users/%d/role", uid):        {"role": {"admin"}},
		fmt.Sprintf("/admin/users/%d/role", e.Admin.ID): {"role": {"client"}},
		fmt.Sprintf("/admin/users/%d/2fa/reset", uid):   nil,
		"/admin/settings/site":                          {"require_admin_2fa": {"1"}},
	}
	for path, form := range posts {
		if r := cl.Post("/client", path, form); r.Status != http.StatusForbidden {
			t.Errorf("client POST %s: %d", path, r.Status)
		}
	}
	u, _ := e.Store.UserByID(context.Background(), uid)
	if u.Role != "client" || u.BalanceCents != 100 {
		t.Fatalf("client changed something: role %s balance %d", u.Role, u.BalanceCents)
	}
	if st, _ := e.Store.Setting(context.Background(), "module_dedipass", "1"); st != "1" {
		t.Fatal("client switched a module")
	}
	if st, _ := e.Store.Setting(context.Background(), "require_admin_2fa", "0"); st != "0" {
		t.Fatal("client changed the site settings")
	}
}

func TestNoAdminPageShowsThePrivateKey(t *testing.T) {
	e := startAdmin(t)
	const secret = "PRIV-very-secret-4242"
	ctx := context.Background()
	if err := e.Store.SetSettings(ctx, map[string]string{"dedipass_private_key": secret, "dedipass_public_key": "PUB-key-0001"}); err != nil {
		t.Fatal(err)
	}
	uid := e.Customer.ID
	// A provider answer echoing the key under an innocent name must be scrubbed too.
	p := e.pay(t, db.Payment{Code: "LEAK1", UserID: &uid, CreditCents: 100,
		Raw: `{"status":"success","message":"hello ` + secret + `","privateKey":"` + secret + `"}`, Reason: "ok"})
	e.pay(t, db.Payment{Code: "LEAK2", Status: db.StatusError, UserID: &uid, Raw: "status=error&private_key=" + secret})
	if r := e.A.Post("/admin/modules", "/admin/modules/dedipass", url.Values{"enabled": {"0"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("disable: %d", r.Status)
	}
	e.A.Post("/admin", fmt.Sprintf("/admin/users/%d/wallet", uid), url.Values{"amount": {"1"}, "reason": {"test"}})
	pages := adminPages(p.ID, uid)
	pages = append(pages, "/admin/billing/dedipass/export.csv?q=LEAK", fmt.Sprintf("/admin/billing/dedipass/%d", p.ID+1))
	for _, path := range pages {
		r := e.A.Get(path)
		if r.Status != 200 {
			t.Errorf("%s: %d", path, r.Status)
		}
		if strings.Contains(r.Body, secret) {
			t.Errorf("%s shows the private key", path)
		}
	}
}

func TestWalletAdjustment(t *testing.T) {
	e := startAdmin(t)
	uid := e.Customer.ID
	page := fmt.Sprintf("/admin/users/%d", uid)
	post := func(amount, reason string) apptest.Response {
		return e.A.Post(page, page+"/wallet", url.Values{"amount": {amount}, "reason": {reason}})
	}
	balance := func() int64 {
		b, sum, err := e.Store.LedgerSum(context.Background(), uid)
		if err != nil || b != sum {
			t.Fatalf("balance %d != ledger sum %d (%v)", b, sum, err)
		}
		return b
	}
	if r := post("10.50", "commercial gesture"); r.Status != http.StatusSeeOther {
		t.Fatalf("credit: %d %.300s", r.Status, r.Body)
	}
	if b := balance(); b != 1050 {
		t.Fatalf("balance %d", b)
	}
	r := e.A.Get(page)
	if !strings.Contains(r.Body, `id="wallet-balance" data-cents="1050"`) || !strings.Contains(r.Body, "commercial gesture") {
		t.Fatalf("customer page does not show the new balance and ledger entry")
	}
	// Refused: would go negative, no reason, bad or zero amount. Nothing changes.
	bad := []struct {
		amount, reason, msg string
		status              int
	}{
		{"-20", "too much", "négatif", 422},
		{"5", "", "motif", 422},
		{"5", "   ", "motif", 422},
		{"abc", "x", "montant", 422},
		{"1.234", "x", "montant", 422},
		{"0", "x", "nul", 422},
		{"", "x", "montant", 422},
		{"5", strings.Repeat("é", 501), "500", 422},
	}
	for _, b := range bad {
		r := post(b.amount, b.reason)
		if r.Status != b.status || !strings.Contains(r.Body, b.msg) || !strings.Contains(r.Body, `id="adjust-error"`) {
			t.Errorf("amount %q reason %q: %d, message %q missing", b.amount, b.reason, r.Status, b.msg)
		}
	}
	if b := balance(); b != 1050 {
		t.Fatalf("balance changed by refused adjustments: %d", b)
	}
	// Exactly down to zero is fine; a French decimal comma too.
	if r := post("-10,50", "refund"); r.Status != http.StatusSeeOther {
		t.Fatalf("debit to zero: %d", r.Status)
	}
	if b := balance(); b != 0 {
		t.Fatalf("balance %d", b)
	}
	ledger, _, _ := e.Store.LedgerPage(context.Background(), uid, 10, 0)
	if len(ledger) != 2 || ledger[0].Kind != db.KindAdjustment || ledger[0].ActorID == nil || *ledger[0].ActorID != e.Admin.ID || ledger[0].Note != "refund" {
		t.Fatalf("ledger %+v", ledger)
	}
	audit, _, _ := e.Store.AuditPage(context.Background(), 10, 0)
	n := 0
	for _, a := range audit {
		if a.Action == "wallet.adjust" && a.Target == fmt.Sprintf("user:%d", uid) && a.ActorID != nil && *a.ActorID == e.Admin.ID {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("want 2 wallet.adjust audit entries, got %d: %+v", n, audit)
	}
	if r := e.A.Post(page, "/admin/users/999999/wallet", url.Values{"amount": {"1"}, "reason": {"x"}}); r.Status != http.StatusNotFound {
		t.Fatalf("unknown user: %d", r.Status)
	}
}

func TestRoleChange(t *testing.T) {
	e := startAdmin(t)
	uid := e.Customer.ID
	page := fmt.Sprintf("/admin/users/%d", uid)
	if r := e.A.Post(page, page+"/role", url.Values{"role": {"admin"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("promote: %d", r.Status)
	}
	if u, _ := e.Store.UserByID(context.Background(), uid); u.Role != "admin" {
		t.Fatalf("role %s", u.Role)
	}
	if r := e.A.Post(page, page+"/role", url.Values{"role": {"root"}}); r.Status != http.StatusBadRequest {
		t.Fatalf("bad role: %d", r.Status)
	}
	self := fmt.Sprintf("/admin/users/%d", e.Admin.ID)
	r := e.A.Post(self, self+"/role", url.Values{"role": {"client"}})
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "propre rôle") {
		t.Fatalf("self demotion: %d", r.Status)
	}
	if u, _ := e.Store.UserByID(context.Background(), e.Admin.ID); u.Role != "admin" {
		t.Fatal("admin demoted themself")
	}
	if r := e.A.Post(page, page+"/role", url.Values{"role": {"client"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("demote other: %d", r.Status)
	}
	audit, _, _ := e.Store.AuditPage(context.Background(), 10, 0)
	var roles []string
	for _, a := range audit {
		if a.Action == "user.role" {
			roles = append(roles, a.Details)
		}
	}
	if !slices.Equal(roles, []string{"admin → client", "client → admin"}) {
		t.Fatalf("role audit %v", roles)
	}
}

func TestModulesRules(t *testing.T) {
	e := startAdmin(t)
	ctx := context.Background()
	get := func(k string) string { v, _ := e.Store.Setting(ctx, k, "(unset)"); return v }
	post := func(name, enabled string) apptest.Response {
		return e.A.Post("/admin/modules", "/admin/modules/"+name, url.Values{"enabled": {enabled}})
	}
	r := e.A.Get("/admin/modules")
	if !strings.Contains(r.Body, `id="module-fund" data-enabled="1"`) || !strings.Contains(r.Body, `id="module-dedipass" data-enabled="1"`) {
		t.Fatal("fresh install: both modules should be on")
	}
	// Dedipass off: remembered with its time; the client menu hides it.
	if r := post("dedipass", "0"); r.Status != http.StatusSeeOther {
		t.Fatalf("dedipass off: %d", r.Status)
	}
	if get("module_dedipass") != "0" || get("module_dedipass_disabled_at") == "" {
		t.Fatalf("settings after dedipass off: %s %s", get("module_dedipass"), get("module_dedipass_disabled_at"))
	}
	cl := e.NewClient()
	cl.Login("alice@example.com", "password123")
	if strings.Contains(cl.Get("/client").Body, `href="/client/dedipass"`) {
		t.Error("client menu still shows Dedipass")
	}
	if r := cl.Get("/client/dedipass"); r.Status != http.StatusNotFound {
		t.Errorf("client Dedipass page while disabled: %d", r.Status)
	}
	if r := cl.Get("/client/wallet"); r.Status != http.StatusOK {
		t.Errorf("client wallet while Fund is on: %d", r.Status)
	}
	if r := post("dedipass", "1"); r.Status != http.StatusSeeOther || get("module_dedipass") != "1" || get("module_dedipass_disabled_at") != "" {
		t.Fatalf("dedipass on: %d %s", r.Status, get("module_dedipass"))
	}
	// Fund off turns Dedipass off, and says so.
	r = post("fund", "0")
	if r.Status != http.StatusSeeOther || get("module_fund") != "0" || get("module_dedipass") != "0" {
		t.Fatalf("fund off: %d fund=%s dedipass=%s", r.Status, get("module_fund"), get("module_dedipass"))
	}
	r = e.A.Get("/admin/modules")
	if !strings.Contains(r.Body, "Dedipass a été désactivé aussi") {
		t.Fatalf("no message about Dedipass following Fund: %.2000s", r.Body)
	}
	for _, path := range []string{"/client/wallet", "/client/dedipass"} {
		if r := cl.Get(path); r.Status != http.StatusNotFound {
			t.Errorf("client %s with Fund off: %d", path, r.Status)
		}
	}
	// Dedipass cannot come back while Fund is off.
	r = post("dedipass", "1")
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "Activez d’abord Fonds") {
		t.Fatalf("dedipass on without fund: %d", r.Status)
	}
	if get("module_dedipass") != "0" {
		t.Fatal("dedipass was enabled without fund")
	}
	// Fund back on does not bring Dedipass back by itself.
	if r := post("fund", "1"); r.Status != http.StatusSeeOther || get("module_fund") != "1" || get("module_dedipass") != "0" {
		t.Fatalf("fund on: %d dedipass=%s", r.Status, get("module_dedipass"))
	}
	// Bad input.
	for _, c := range []struct {
		name, enabled string
		status        int
	}{{"dedipass", "2", 400}, {"dedipass", "", 400}, {"shop", "1", 404}, {"fund", "yes", 400}} {
		if r := post(c.name, c.enabled); r.Status != c.status {
			t.Errorf("POST %s enabled=%q: %d, want %d", c.name, c.enabled, r.Status, c.status)
		}
	}
	// Every change is in the audit log, with who and from where.
	audit, _, _ := e.Store.AuditPage(ctx, 50, 0)
	var got []string
	for _, a := range audit {
		if strings.HasPrefix(a.Action, "module.") {
			if a.ActorEmail == nil || *a.ActorEmail != "boss@example.com" || a.IP == "" {
				t.Errorf("audit entry without actor or ip: %+v", a)
			}
			got = append(got, a.Action+" "+a.Target)
		}
	}
	want := []string{"module.enable module:fund", "module.disable module:fund", "module.enable module:dedipass", "module.disable module:dedipass"}
	if !slices.Equal(got, want) {
		t.Fatalf("audit %v, want %v", got, want)
	}
	page := e.A.Get("/admin/audit").Body
	if !strings.Contains(page, "module.disable") || !strings.Contains(page, "boss@example.com") || !strings.Contains(page, "dedipass disabled too") {
		t.Error("audit page does not show the module changes")
	}
	if !strings.Contains(page, "Module désactivé") || strings.Contains(page, ">audit.") {
		t.Error("audit actions are not translated")
	}
}

func TestWarningWhenPaymentsArriveWhileDedipassDisabled(t *testing.T) {
	e := startAdmin(t)
	warn := `class="alert warning" role="alert"`
	if strings.Contains(e.A.Get("/admin").Body, warn) {
		t.Fatal("warning with Dedipass on")
	}
	e.A.Post("/admin/modules", "/admin/modules/dedipass", url.Values{"enabled": {"0"}})
	if strings.Contains(e.A.Get("/admin").Body, warn) {
		t.Fatal("warning before any payment arrived")
	}
	// The Dedipass callback keeps crediting authenticated payments while disabled.
	if err := e.Store.SetSettings(context.Background(), map[string]string{"dedipass_private_key": "cb-private-key-123"}); err != nil {
		t.Fatal(err)
	}
	r := e.NewClient().Do("POST", "/api/dedipass", url.Values{"status": {"success"}, "code": {"LATE1"}, "rate": {"FR-SMS-250"},
		"payout": {"1.50"}, "virtual_currency": {"2"}, "custom": {e.Customer.Custom}, "privateKey": {"cb-private-key-123"}}, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("callback while disabled: %d %s", r.Status, r.Body)
	}
	if u, _ := e.Store.UserByID(context.Background(), e.Customer.ID); u.BalanceCents != 200 {
		t.Fatalf("callback while disabled did not credit: balance %d", u.BalanceCents)
	}
	for _, path := range []string{"/admin", "/admin/billing/dedipass", "/admin/modules"} {
		body := e.A.Get(path).Body
		if !strings.Contains(body, warn) || !strings.Contains(body, "1 paiement est arrivé") {
			t.Errorf("%s: no warning about the payment received while disabled", path)
		}
	}
	e.A.Post("/admin/modules", "/admin/modules/dedipass", url.Values{"enabled": {"1"}})
	if strings.Contains(e.A.Get("/admin").Body, warn) {
		t.Fatal("warning after re-enabling")
	}
}

func TestCustomersSearchAndPage(t *testing.T) {
	e := startAdmin(t)
	for _, email := range []string{"a_b@example.com", "axb@example.com", "100%sure@example.com"} {
		e.CreateUser(email, "password123", false)
	}
	rowRe := regexp.MustCompile(`<tr data-user-id="\d+">\s*<td><a href="/admin/users/\d+">([^<]+)</a>`)
	search := func(q string) []string {
		r := e.A.Get("/admin/users?q=" + url.QueryEscape(q))
		if r.Status != 200 {
			t.Fatalf("q=%q: %d", q, r.Status)
		}
		var out []string
		for _, m := range rowRe.FindAllStringSubmatch(r.Body, -1) {
			out = append(out, m[1])
		}
		slices.Sort(out)
		return out
	}
	cases := map[string][]string{
		"_":       {"a_b@example.com"},
		"A_B":     {"a_b@example.com"},
		"%":       {"100%sure@example.com"},
		`\`:       nil,
		"'":       nil,
		"ALICE":   {"alice@example.com"},
		"example": {"100%sure@example.com", "a_b@example.com", "alice@example.com", "axb@example.com", "boss@example.com"},
		"zzz":     nil,
	}
	for q, want := range cases {
		if got := search(q); !slices.Equal(got, want) {
			t.Errorf("q=%q: %v, want %v", q, got, want)
		}
	}
	for i := range 30 {
		e.CreateUser(fmt.Sprintf("bulk%02d@example.com", i), "password123", false)
	}
	r := e.A.Get("/admin/users?q=bulk&page=2")
	if n := len(rowRe.FindAllString(r.Body, -1)); n != 5 || !strings.Contains(r.Body, `data-total="30"`) {
		t.Fatalf("page 2 of bulk: %d rows", n)
	}
	// The customer page: balance hook, services and payments linked.
	uid := e.Customer.ID
	e.pay(t, db.Payment{Code: "CUST1", UserID: &uid, CreditCents: 700})
	r = e.A.Get(fmt.Sprintf("/admin/users/%d", uid))
	for _, want := range []string{`id="wallet-balance" data-cents="700"`, `data-code="CUST1"`, `action="/admin/users/` + strconv.FormatInt(uid, 10) + `/wallet"`,
		`name="reason"`, `name="amount"`, "Recharge Dedipass"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("customer page lacks %s", want)
		}
	}
	// Linked services, with the status form of the services admin route.
	if _, err := e.Store.ExecSQL(context.Background(), `INSERT INTO products (id, name, price_cents, created_at, updated_at) VALUES (77, 'VPS S', 500, 1, 1)`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Store.ExecSQL(context.Background(), `INSERT INTO services (id, user_id, product_id, name, status, price_cents, created_at, updated_at)
		VALUES (88, ?, 77, 'VPS S #1', 'active', 500, 1, 1)`, uid); err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/admin/users/%d", uid)
	if body := e.A.Get(page).Body; !strings.Contains(body, `action="/admin/services/88/status"`) || !strings.Contains(body, "VPS S #1") {
		t.Fatal("customer page does not list the service with its status form")
	}
	if r := e.A.Post(page, "/admin/services/88/status", url.Values{"status": {"suspended"}}); r.Status != http.StatusSeeOther || r.Header.Get("Location") != page {
		t.Fatalf("service status form: %d %s", r.Status, r.Header.Get("Location"))
	}
	if !strings.Contains(e.A.Get(page).Body, `data-service-id="88" data-status="suspended"`) {
		t.Fatal("service status not changed")
	}
	if r := e.A.Get("/admin/users/424242"); r.Status != 404 {
		t.Errorf("unknown customer: %d", r.Status)
	}
}

func TestDashboard(t *testing.T) {
	e := startAdmin(t)
	uid := e.Customer.ID
	e.pay(t, db.Payment{Code: "D1", UserID: &uid, CreditCents: 250, PayoutCents: 150})
	e.pay(t, db.Payment{Code: "D2", UserID: &uid, CreditCents: 500, PayoutCents: 310})
	e.pay(t, db.Payment{Code: "D3", Status: db.StatusRefused, UserID: &uid})
	r := e.A.Get("/admin")
	for _, want := range []string{`id="stat-today-payout" data-cents="460"`, `id="stat-month-payout" data-cents="460"`, `id="stat-customers">1<`,
		`<svg class="chart"`, `class="bar"`, "Revenus (reversement)", "Jour (Europe/Paris)", `data-code="D3"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("dashboard lacks %s", want)
		}
	}
	if strings.Contains(r.Body, "style=") {
		t.Error("inline style in the dashboard (CSP)")
	}
	// Readable in both languages: the chart's labels follow the language.
	if r := e.A.Post("/admin", "/lang", url.Values{"lang": {"en"}, "back": {"/admin"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("switch to English: %d", r.Status)
	}
	r = e.A.Get("/admin")
	for _, want := range []string{"Revenue (payout)", "Day (Europe/Paris)", "Wallet credits", "€4.60"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("English dashboard lacks %s", want)
		}
	}
}
