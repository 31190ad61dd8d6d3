package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"recharge/db"
)

// Rough edges of issue 11 item 9, as the pages show them.

func TestDashboardCountsUsePluralRules(t *testing.T) {
	e := startAdmin(t)
	stat := regexp.MustCompile(`crédités · (\d+ paiements?)|credited · (\d+ payments?)`)
	counts := func() []string {
		var out []string
		for _, m := range stat.FindAllStringSubmatch(e.A.Get("/admin").Body, -1) {
			out = append(out, m[1]+m[2])
		}
		return out
	}
	if got := counts(); !slices.Equal(got, []string{"0 paiement", "0 paiement"}) {
		t.Errorf("fr, no payment: %q", got)
	}
	uid := e.Customer.ID
	e.pay(t, db.Payment{Code: "PL1", UserID: &uid, CreditCents: 100})
	if got := counts(); !slices.Equal(got, []string{"1 paiement", "1 paiement"}) {
		t.Errorf("fr, one payment: %q", got)
	}
	e.pay(t, db.Payment{Code: "PL2", UserID: &uid, CreditCents: 100})
	if got := counts(); !slices.Equal(got, []string{"2 paiements", "2 paiements"}) {
		t.Errorf("fr, two payments: %q", got)
	}
	e.A.Post("/admin", "/lang", url.Values{"lang": {"en"}, "back": {"/admin"}})
	if got := counts(); !slices.Equal(got, []string{"2 payments", "2 payments"}) {
		t.Errorf("en, two payments: %q", got)
	}
	if body := e.A.Get("/admin").Body; strings.Contains(body, "(s)") {
		t.Error("a count still says (s)")
	}
}

func TestAdminCustomerPagePolish(t *testing.T) {
	e := startAdmin(t)
	uid := e.Customer.ID
	if _, err := e.Store.ExecSQL(context.Background(), `UPDATE users SET lang = 'en' WHERE id = ?`, uid); err != nil {
		t.Fatal(err)
	}
	e.Credit(uid, 1250)
	body := e.A.Get(fmt.Sprintf("/admin/users/%d", uid)).Body
	if !strings.Contains(body, "<dd>English</dd>") {
		t.Error("the customer's language is not shown by its name")
	}
	if !regexp.MustCompile(`data-cents="1250">[\s\S]*?<td class="num pos">\+12,50 €</td>`).MatchString(body) {
		t.Error("a credit in the admin ledger has no +")
	}
}

func TestCustomerSearchMatchesNames(t *testing.T) {
	e := startAdmin(t)
	for _, u := range []struct{ email, name string }{
		{"jd@example.com", "Jeanne Dupont"}, {"x@example.com", "Émilie 100% Martin"}, {"y@example.com", "o_o"},
	} {
		c := e.CreateUser(u.email, "password123", false)
		if _, err := e.Store.ExecSQL(context.Background(), `UPDATE users SET name = ? WHERE id = ?`, u.name, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	rowRe := regexp.MustCompile(`<tr data-user-id="\d+">\s*<td><a href="/admin/users/\d+">([^<]+)</a>`)
	search := func(q string) []string {
		r := e.A.Get("/admin/users?q=" + url.QueryEscape(q))
		if r.Status != http.StatusOK {
			t.Fatalf("q=%q: %d", q, r.Status)
		}
		var out []string
		for _, m := range rowRe.FindAllStringSubmatch(r.Body, -1) {
			out = append(out, m[1])
		}
		slices.Sort(out)
		return out
	}
	for q, want := range map[string][]string{
		"dupont":   {"jd@example.com"},
		"JEANNE":   {"jd@example.com"},
		"jeanne d": {"jd@example.com"},
		"Émilie":   {"x@example.com"},
		"100%":     {"x@example.com"},
		"0% m":     {"x@example.com"},
		"%":        {"x@example.com"},
		"_":        {"y@example.com"},
		"o_o":      {"y@example.com"},
		"j%d":      nil,
		"jd@":      {"jd@example.com"},
		"nobody":   nil,
	} {
		if got := search(q); !slices.Equal(got, want) {
			t.Errorf("q=%q: %v, want %v", q, got, want)
		}
	}
	if body := e.A.Get("/admin/users").Body; !strings.Contains(body, "Rechercher par nom ou e-mail") {
		t.Error("the search does not say it matches names")
	}
}

func TestPriceWithThousandsSeparator(t *testing.T) {
	e := startAdmin(t)
	for _, price := range []string{"1 000,50", "1\u00a0000,50", "1\u202f000,50"} {
		id := createProduct(t, e.A, url.Values{"name": {"Dedicated " + price}, "price": {price}, "period": {"monthly"}, "active": {"1"}})
		if body := e.A.Get(fmt.Sprintf("/admin/products/%d", id)).Body; !strings.Contains(body, `value="1000.50"`) {
			t.Errorf("price %q not stored as 1000.50", price)
		}
	}
	r := e.A.Post("/admin/products", "/admin/products", url.Values{"name": {"X"}, "price": {"1.000,50"}, "period": {"monthly"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Errorf("ambiguous price 1.000,50: %d, want 422", r.Status)
	}
}

func TestSellerAddressChangeIsAudited(t *testing.T) {
	e := startAdmin(t)
	r := e.A.Post("/admin/settings/fund", "/admin/settings/fund", url.Values{"transfer_min": {"1"}, "currency": {"EUR"},
		"shop_name": {"Hébergeur SAS"}, "shop_address": {"12 rue du Port\r\n13002 Marseille"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save fund settings: %d", r.Status)
	}
	body := e.A.Get("/admin/audit").Body
	if !strings.Contains(body, `shop_address=&#34;12 rue du Port\n13002 Marseille&#34;`) {
		t.Errorf("the audit log does not show the new seller address: %.2000s", body)
	}
}
