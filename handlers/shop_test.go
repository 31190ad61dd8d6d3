package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"recharge/apptest"
	"recharge/db"
	"recharge/shop"
)

func balance(t *testing.T, env *apptest.Env, userID int64) int64 {
	t.Helper()
	bal, sum, err := env.Store.LedgerSum(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	if bal != sum || bal < 0 {
		t.Fatalf("user %d: balance %d, ledger sum %d", userID, bal, sum)
	}
	return bal
}

// createProduct goes through the admin form and returns the new product's id.
func createProduct(t *testing.T, admin *apptest.Client, form url.Values) int64 {
	t.Helper()
	r := admin.Post("/admin/products", "/admin/products", form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("create product %v: %d %s", form, r.Status, r.Body)
	}
	var id int64
	if _, err := fmt.Sscanf(r.Header.Get("Location"), "/admin/products#product-%d", &id); err != nil {
		t.Fatalf("location %q", r.Header.Get("Location"))
	}
	return id
}

// formToken reads the one-shot token of the form posting to action on page.
func formToken(t *testing.T, c *apptest.Client, page, action string) string {
	t.Helper()
	body := c.Get(page).Body
	re := regexp.MustCompile(`action="` + regexp.QuoteMeta(action) + `"[^>]*>\s*<input type="hidden" name="_csrf" value="[^"]*">\s*<input type="hidden" name="token" value="([^"]+)">`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no token for %s on %s: %.3000s", action, page, body)
	}
	return m[1]
}

func setup(t *testing.T) (*apptest.Env, *apptest.Client, *db.User, *apptest.Client) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("admin@example.com", "password123", true)
	u := env.CreateUser("alice@example.com", "password123", false)
	admin := env.NewClient()
	admin.Login("admin@example.com", "password123")
	alice := env.NewClient()
	alice.Login("alice@example.com", "password123")
	return env, admin, u, alice
}

func TestAdminProductForm(t *testing.T) {
	env, admin, _, alice := setup(t)
	if r := alice.Get("/admin/products"); r.Status != http.StatusForbidden {
		t.Fatalf("client on /admin/products: %d", r.Status)
	}
	if r := alice.Post("/client", "/admin/products", url.Values{"name": {"x"}, "price": {"1"}}); r.Status != http.StatusForbidden {
		t.Fatalf("client creating a product: %d", r.Status)
	}
	bad := map[string]url.Values{
		"doit être un montant":     {"name": {"VPS"}, "price": {"abc"}},
		"au plus deux décimales":   {"name": {"VPS"}, "price": {"2.505"}},
		"ne peut pas être négatif": {"name": {"VPS"}, "price": {"-2.50"}},
		"Donnez un nom":            {"name": {"  "}, "price": {"2.50"}},
		"nombre entier":            {"name": {"VPS"}, "price": {"2.50"}, "stock": {"-3"}},
		"Choisissez une":           {"name": {"VPS"}, "price": {"2.50"}, "period": {"yearly"}},
		"montant comme 2,50":       {"name": {"VPS"}, "price": {""}},
	}
	for want, form := range bad {
		r := admin.Post("/admin/products", "/admin/products", form)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, want) || !strings.Contains(r.Body, `id="product-error"`) {
			t.Errorf("form %v: status %d, message %q missing", form, r.Status, want)
		}
		// What was typed is kept.
		if n := form.Get("name"); strings.TrimSpace(n) != "" && !strings.Contains(r.Body, `value="`+n+`"`) {
			t.Errorf("form %v: typed name not kept", form)
		}
	}
	id := createProduct(t, admin, url.Values{"name": {"VPS S"}, "description": {"1 vCPU"}, "price": {"2,50"}, "active": {"1"}, "stock": {"5"}})
	page := admin.Get("/admin/products")
	if !strings.Contains(page.Body, "VPS S") || !strings.Contains(page.Body, "2,50 €") {
		t.Fatal("product not listed with its price")
	}
	// Edit: bad input 422, then a real change.
	path := fmt.Sprint("/admin/products/", id)
	if r := admin.Post(path, path, url.Values{"name": {"VPS S"}, "price": {"1e3"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("edit with bad price: %d", r.Status)
	}
	if r := admin.Post(path, path, url.Values{"name": {"VPS S+"}, "price": {"3"}, "period": {"monthly"}, "active": {"1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("edit: %d", r.Status)
	}
	p, _ := env.Store.ProductByID(context.Background(), id)
	if p.Name != "VPS S+" || p.PriceCents != 300 || p.Period != "monthly" || p.Stock != nil || !p.Active {
		t.Fatalf("after edit: %+v", p)
	}
	if r := admin.Get("/admin/products/999"); r.Status != http.StatusNotFound {
		t.Fatalf("edit unknown: %d", r.Status)
	}
	if r := admin.Get("/admin/products/abc"); r.Status != http.StatusNotFound {
		t.Fatalf("edit non-numeric: %d", r.Status)
	}
	// Deactivate: gone from the shop, still listed for the admin.
	if r := admin.Post("/admin/products", path+"/active", url.Values{"active": {"0"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("deactivate: %d", r.Status)
	}
	if strings.Contains(alice.Get("/client/shop").Body, "VPS S+") {
		t.Fatal("inactive product still in the shop")
	}
	if r := admin.Post("/admin/products", path+"/active", url.Values{"active": {"maybe"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("active=maybe: %d", r.Status)
	}
	audit, _, _ := env.Store.AuditPage(context.Background(), 10, 0)
	var actions []string
	for _, a := range audit {
		actions = append(actions, a.Action)
	}
	if got := strings.Join(actions, ","); got != "product.deactivate,product.update,product.create" {
		t.Fatalf("audit actions: %s", got)
	}
}

func TestShopPurchaseFlow(t *testing.T) {
	env, admin, u, alice := setup(t)
	id := createProduct(t, admin, url.Values{"name": {"VPS S"}, "description": {"1 vCPU"}, "price": {"2.50"}, "active": {"1"}})
	action := fmt.Sprintf("/client/shop/%d/buy", id)

	// Empty wallet: 409, a top-up link, nothing changes.
	tok := formToken(t, alice, "/client/shop", action)
	r := alice.Post("/client/shop", action, url.Values{"token": {tok}})
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, `id="shop-error"`) ||
		!strings.Contains(r.Body, `href="/client/dedipass"`) || !strings.Contains(r.Body, "solde est insuffisant") {
		t.Fatalf("buy without funds: %d", r.Status)
	}
	if n, _ := env.Store.ServicesOfUser(context.Background(), u.ID); len(n) != 0 {
		t.Fatal("service created without payment")
	}

	env.Credit(u.ID, 1000)
	shopPage := alice.Get("/client/shop")
	if !strings.Contains(shopPage.Body, `data-cents="1000"`) || !strings.Contains(shopPage.Body, "2,50 €") {
		t.Fatal("shop page lacks balance or formatted price")
	}
	if strings.Count(shopPage.Body, `id="wallet-balance"`) != 1 {
		t.Fatal("wallet-balance must appear exactly once")
	}
	// The same (refused before) token now buys.
	r = alice.Post("/client/shop", action, url.Values{"token": {tok}})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/client/services?new=") {
		t.Fatalf("buy: %d %s", r.Status, r.Header.Get("Location"))
	}
	// Double click: same token again → no second debit, same destination.
	r = alice.Post("/client/shop", action, url.Values{"token": {tok}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("replayed buy: %d", r.Status)
	}
	if bal := balance(t, env, u.ID); bal != 750 {
		t.Fatalf("balance %d, want 750", bal)
	}
	services := alice.Get("/client/services")
	if !strings.Contains(services.Body, "VPS S") || !strings.Contains(services.Body, `data-status="active"`) ||
		!strings.Contains(services.Body, "déjà fait") {
		t.Fatalf("services page after replay: %s", services.Body)
	}
	// Forged and foreign tokens are refused (409), a missing one is accepted.
	if r := alice.Post("/client/shop", action, url.Values{"token": {"forged.token"}}); r.Status != http.StatusConflict {
		t.Fatalf("forged token: %d", r.Status)
	}
	other := fmt.Sprintf("/client/shop/%d/buy", id+1)
	if r := alice.Post("/client/shop", other, url.Values{"token": {tok}}); r.Status != http.StatusConflict {
		t.Fatalf("token of another form: %d", r.Status)
	}
	if r := alice.Post("/client/shop", action, nil); r.Status != http.StatusSeeOther {
		t.Fatalf("buy without token: %d", r.Status)
	}
	if bal := balance(t, env, u.ID); bal != 500 {
		t.Fatalf("balance %d, want 500", bal)
	}
	if r := alice.Post("/client/shop", "/client/shop/9999/buy", nil); r.Status != http.StatusNotFound {
		t.Fatalf("unknown product: %d", r.Status)
	}

	// Invoices: listed, printable, with seller, buyer, total and "paid by wallet".
	list := alice.Get("/client/invoices")
	m := regexp.MustCompile(`href="/client/invoices/(\d+)"`).FindStringSubmatch(list.Body)
	if m == nil {
		t.Fatal("no invoice link")
	}
	inv := alice.Get("/client/invoices/" + m[1])
	for _, want := range []string{"Recharge", "alice@example.com", "VPS S", `id="invoice-total">2,50`, "portefeuille", "data-print"} {
		if !strings.Contains(inv.Body, want) {
			t.Errorf("invoice page lacks %q", want)
		}
	}
	// The ledger says the same, with a link to the invoice.
	wallet := alice.Get("/client/wallet")
	if !strings.Contains(wallet.Body, `data-kind="purchase" data-amount-cents="-250"`) || !strings.Contains(wallet.Body, `href="/client/invoices/`+m[1]+`"`) {
		t.Fatal("wallet ledger lacks the purchase")
	}
}

func TestConcurrentPurchasesOverHTTP(t *testing.T) {
	env, admin, u, alice := setup(t)
	id := createProduct(t, admin, url.Values{"name": {"VPS"}, "price": {"2.50"}, "active": {"1"}})
	env.Credit(u.ID, 800) // affords 3
	action := fmt.Sprintf("/client/shop/%d/buy", id)
	csrf := alice.CSRF("/client/shop")
	tokens := make([]string, 50)
	for i := range tokens {
		tokens[i] = formToken(t, alice, "/client/shop", action)
	}
	var wg sync.WaitGroup
	statuses := make([]int, len(tokens))
	for i, tok := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = alice.Do("POST", action, url.Values{"_csrf": {csrf}, "token": {tok}}, nil).Status
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	if count[http.StatusSeeOther] != 3 || count[http.StatusConflict] != 47 {
		t.Fatalf("statuses: %v", count)
	}
	if bal := balance(t, env, u.ID); bal != 50 {
		t.Fatalf("balance %d, want 50", bal)
	}
}

func TestCustomersOnlySeeTheirOwn(t *testing.T) {
	env, admin, a, alice := setup(t)
	b := env.CreateUser("bob@example.com", "password123", false)
	bob := env.NewClient()
	bob.Login("bob@example.com", "password123")
	id := createProduct(t, admin, url.Values{"name": {"Alice VPS"}, "price": {"1"}, "period": {"monthly"}, "active": {"1"}})
	env.Credit(a.ID, 1000)
	env.Credit(b.ID, 1000)
	if r := alice.Post("/client/shop", fmt.Sprintf("/client/shop/%d/buy", id), nil); r.Status != http.StatusSeeOther {
		t.Fatalf("alice buys: %d", r.Status)
	}
	svcs, _ := env.Store.ServicesOfUser(context.Background(), a.ID)
	invs, _, _ := env.Store.InvoicesOfUser(context.Background(), a.ID, 10, 0)
	svcID, invID := svcs[0].ID, invs[0].ID

	if r := bob.Get(fmt.Sprint("/client/invoices/", invID)); r.Status != http.StatusNotFound {
		t.Fatalf("bob reads alice's invoice: %d", r.Status)
	}
	if r := bob.Get("/client/invoices"); strings.Contains(r.Body, "Alice VPS") {
		t.Fatal("alice's invoice in bob's list")
	}
	if r := bob.Get("/client/services"); strings.Contains(r.Body, "Alice VPS") {
		t.Fatal("alice's service in bob's list")
	}
	if r := bob.Get("/client/wallet"); strings.Contains(r.Body, "Alice VPS") || !strings.Contains(r.Body, `data-cents="1000"`) {
		t.Fatal("bob's wallet shows alice's ledger")
	}
	if r := bob.Post("/client/services", fmt.Sprintf("/client/services/%d/renew", svcID), nil); r.Status != http.StatusNotFound {
		t.Fatalf("bob renews alice's service: %d", r.Status)
	}
	if balance(t, env, b.ID) != 1000 || balance(t, env, a.ID) != 900 {
		t.Fatal("balances moved")
	}
	// Alice herself may renew (due within the window).
	renew := fmt.Sprintf("/client/services/%d/renew", svcID)
	tok := formToken(t, alice, "/client/services", renew)
	if r := alice.Post("/client/services", renew, url.Values{"token": {tok}}); r.Status != http.StatusSeeOther {
		t.Fatalf("alice renews: %d", r.Status)
	}
	if r := alice.Post("/client/services", renew, url.Values{"token": {tok}}); r.Status != http.StatusSeeOther {
		t.Fatalf("alice renews again with the same form: %d", r.Status)
	}
	if bal := balance(t, env, a.ID); bal != 800 {
		t.Fatalf("alice balance %d, want 800 (one renewal)", bal)
	}
	// Paid ahead now: the button is gone and a POST says why.
	if r := alice.Post("/client/services", renew, nil); r.Status != http.StatusConflict || !strings.Contains(r.Body, "déjà payé") {
		t.Fatalf("renew too early: %d", r.Status)
	}
	if r := anon(env).Get("/client/invoices/1"); r.Status != http.StatusSeeOther {
		t.Fatalf("anonymous invoice: %d", r.Status)
	}
}

func anon(env *apptest.Env) *apptest.Client { return env.NewClient() }

func TestAdminServiceStatusHTTP(t *testing.T) {
	env, admin, u, alice := setup(t)
	id := createProduct(t, admin, url.Values{"name": {"VPS"}, "price": {"1"}, "period": {"monthly"}, "active": {"1"}})
	env.Credit(u.ID, 100)
	alice.Post("/client/shop", fmt.Sprintf("/client/shop/%d/buy", id), nil)
	svcs, _ := env.Store.ServicesOfUser(context.Background(), u.ID)
	path := fmt.Sprintf("/admin/services/%d/status", svcs[0].ID)

	if r := alice.Post("/client", path, url.Values{"status": {"cancelled"}}); r.Status != http.StatusForbidden {
		t.Fatalf("client changes status: %d", r.Status)
	}
	r := admin.Post("/admin", path, url.Values{"status": {"suspended"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != fmt.Sprint("/admin/users/", u.ID) {
		t.Fatalf("suspend: %d %s", r.Status, r.Header.Get("Location"))
	}
	if page := alice.Get("/client/services"); !strings.Contains(page.Body, `data-status="suspended"`) || !strings.Contains(page.Body, "Suspendu") {
		t.Fatal("customer does not see the suspension")
	}
	if r := admin.Post("/admin", path, url.Values{"status": {"deleted"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad status: %d", r.Status)
	}
	if r := admin.Post("/admin", "/admin/services/999/status", url.Values{"status": {"active"}}); r.Status != http.StatusNotFound {
		t.Fatalf("unknown service: %d", r.Status)
	}
	audit, _, _ := env.Store.AuditPage(context.Background(), 1, 0)
	if len(audit) != 1 || audit[0].Action != "service.status" || !strings.Contains(audit[0].Details, "active → suspended") {
		t.Fatalf("audit: %+v", audit)
	}
}

func TestTransfersHTTP(t *testing.T) {
	env, admin, a, alice := setup(t)
	b := env.CreateUser("bob@example.com", "password123", false)
	env.Credit(a.ID, 5000)

	page := alice.Get("/client/wallet")
	if page.Status != 200 || !strings.Contains(page.Body, `id="transfers-disabled"`) || strings.Count(page.Body, `id="wallet-balance"`) != 1 {
		t.Fatalf("wallet page with transfers off: %d", page.Status)
	}
	if r := alice.Post("/client/wallet", "/client/wallet/transfer", url.Values{"email": {"bob@example.com"}, "amount": {"5"}}); r.Status != http.StatusForbidden {
		t.Fatalf("transfer while disabled: %d", r.Status)
	}
	// Fund settings: validation, then enable.
	if r := admin.Post("/admin/settings/fund", "/admin/settings/fund", url.Values{"transfer_min": {"abc"}, "currency": {"EUR"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="fund-error"`) {
		t.Fatalf("bad fund settings: %d", r.Status)
	}
	if r := admin.Post("/admin/settings/fund", "/admin/settings/fund", url.Values{"transfer_min": {"5"}, "transfer_max": {"2"}, "currency": {"EUR"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("min above max: %d", r.Status)
	}
	if r := alice.Post("/client", "/admin/settings/fund", url.Values{"transfers_enabled": {"1"}, "transfer_min": {"1"}}); r.Status != http.StatusForbidden {
		t.Fatalf("client edits fund settings: %d", r.Status)
	}
	r := admin.Post("/admin/settings/fund", "/admin/settings/fund", url.Values{"transfers_enabled": {"1"}, "transfer_min": {"1.00"},
		"transfer_max": {"20"}, "currency": {"eur"}, "shop_name": {"Hébergeur SAS"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save fund settings: %d", r.Status)
	}
	if set := admin.Get("/admin/settings/fund"); !strings.Contains(set.Body, `value="20.00"`) || !strings.Contains(set.Body, "Hébergeur SAS") {
		t.Fatal("fund settings not shown back")
	}

	cases := []struct {
		form   url.Values
		status int
		text   string
	}{
		{url.Values{"email": {"alice@example.com"}, "amount": {"5"}}, 422, "vous-même"},
		{url.Values{"email": {"nobody@example.com"}, "amount": {"5"}}, 422, "Aucun compte client"},
		{url.Values{"email": {"bob@example.com"}, "amount": {"0.50"}}, 422, "inférieur au transfert minimum"},
		{url.Values{"email": {"bob@example.com"}, "amount": {"20.01"}}, 422, "dépasse le transfert maximum"},
		{url.Values{"email": {"bob@example.com"}, "amount": {"dix"}}, 422, "montant positif"},
	}
	for _, c := range cases {
		r := alice.Post("/client/wallet", "/client/wallet/transfer", c.form)
		if r.Status != c.status || !strings.Contains(r.Body, c.text) || !strings.Contains(r.Body, `id="transfer-error"`) {
			t.Errorf("transfer %v: %d, want %d with %q", c.form, r.Status, c.status, c.text)
		}
	}
	tok := formToken(t, alice, "/client/wallet", "/client/wallet/transfer")
	r = alice.Post("/client/wallet", "/client/wallet/transfer", url.Values{"email": {"BOB@example.com"}, "amount": {"12,50"}, "token": {tok}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("transfer: %d", r.Status)
	}
	alice.Post("/client/wallet", "/client/wallet/transfer", url.Values{"email": {"bob@example.com"}, "amount": {"12.50"}, "token": {tok}})
	if balance(t, env, a.ID) != 5000-1250 || balance(t, env, b.ID) != 1250 {
		t.Fatal("transfer balances")
	}
	bob := env.NewClient()
	bob.Login("bob@example.com", "password123")
	if w := bob.Get("/client/wallet"); !strings.Contains(w.Body, `data-kind="transfer_in" data-amount-cents="1250"`) || !strings.Contains(w.Body, "alice@example.com") {
		t.Fatal("recipient ledger lacks the transfer")
	}
	// More than the balance: 409, nothing moves.
	if r := bob.Post("/client/wallet", "/client/wallet/transfer", url.Values{"email": {"alice@example.com"}, "amount": {"13"}}); r.Status != http.StatusConflict ||
		!strings.Contains(r.Body, "ne couvre pas ce transfert") || strings.Contains(r.Body, "cet achat") {
		t.Fatalf("overdraw: %d, want 409 with the transfer's own message", r.Status)
	}
	if balance(t, env, b.ID) != 1250 {
		t.Fatal("overdraw moved money")
	}
	// The Fund module off: the wallet pages answer 404.
	if err := env.Store.SetSettings(context.Background(), map[string]string{"module_fund": "0"}); err != nil {
		t.Fatal(err)
	}
	if r := alice.Get("/client/wallet"); r.Status != http.StatusNotFound {
		t.Fatalf("wallet with Fund off: %d", r.Status)
	}
	if r := alice.Post("/client", "/client/wallet/transfer", url.Values{"email": {"bob@example.com"}, "amount": {"1"}}); r.Status != http.StatusNotFound {
		t.Fatalf("transfer with Fund off: %d", r.Status)
	}
}

func TestBackgroundRenewal(t *testing.T) {
	env, admin, u, alice := setup(t)
	id := createProduct(t, admin, url.Values{"name": {"VPS"}, "price": {"4"}, "period": {"monthly"}, "active": {"1"}})
	env.Credit(u.ID, 800)
	alice.Post("/client/shop", fmt.Sprintf("/client/shop/%d/buy", id), nil)
	svcs, _ := env.Store.ServicesOfUser(context.Background(), u.ID)
	due := *svcs[0].NextDueAt

	env.Jobs.RunRenewals(context.Background(), due) // covered: renewed
	env.Jobs.RunRenewals(context.Background(), shop.AddMonth(due))
	sv, _ := env.Store.ServiceOfUser(context.Background(), svcs[0].ID, u.ID)
	if sv.Status != db.ServiceExpired || balance(t, env, u.ID) != 0 {
		t.Fatalf("after two due dates with one month of credit: %+v", sv)
	}
	page := alice.Get("/client/services")
	if !strings.Contains(page.Body, `data-status="expired"`) || !strings.Contains(page.Body, fmt.Sprintf(`id="renew-%d"`, sv.ID)) {
		t.Fatal("expired service without a renew button")
	}
	if inv := alice.Get("/client/invoices"); strings.Count(inv.Body, `data-invoice-id=`) != 2 || !strings.Contains(inv.Body, "Renouvellement") {
		t.Fatal("renewal invoice missing")
	}
}

// Every page of the shop, in both languages, with every state shown at least once:
// no template error text (the engine would still answer 200), no untranslated key.
func TestShopPagesRenderInBothLanguages(t *testing.T) {
	env, admin, u, alice := setup(t)
	env.CreateUser("bob@example.com", "password123", false)
	env.Credit(u.ID, 10000)
	once := createProduct(t, admin, url.Values{"name": {"Setup"}, "description": {"Line 1\nLine 2"}, "price": {"10"}, "stock": {"3"}, "active": {"1"}})
	monthly := createProduct(t, admin, url.Values{"name": {"VPS"}, "price": {"4.99"}, "period": {"monthly"}, "active": {"1"}})
	createProduct(t, admin, url.Values{"name": {"Sold out"}, "price": {"1"}, "stock": {"0"}, "active": {"1"}})
	createProduct(t, admin, url.Values{"name": {"Too expensive"}, "price": {"999"}, "active": {"1"}})
	createProduct(t, admin, url.Values{"name": {"Hidden"}, "price": {"1"}})
	admin.Post("/admin/settings/fund", "/admin/settings/fund", url.Values{"transfers_enabled": {"1"}, "transfer_min": {"1"},
		"transfer_max": {""}, "currency": {"EUR"}, "shop_address": {"1 rue de la Paix\n75002 Paris"}})
	alice.Post("/client/shop", fmt.Sprintf("/client/shop/%d/buy", once), nil)
	for range 3 {
		alice.Post("/client/shop", fmt.Sprintf("/client/shop/%d/buy", monthly), nil)
	}
	alice.Post("/client/wallet", "/client/wallet/transfer", url.Values{"email": {"bob@example.com"}, "amount": {"1"}})
	svcs, _ := env.Store.ServicesOfUser(context.Background(), u.ID)
	admin.Post("/admin", fmt.Sprintf("/admin/services/%d/status", svcs[0].ID), url.Values{"status": {"suspended"}})
	admin.Post("/admin", fmt.Sprintf("/admin/services/%d/status", svcs[1].ID), url.Values{"status": {"cancelled"}})
	if _, err := env.Store.ExecSQL(context.Background(), `UPDATE services SET status = 'expired' WHERE id = ?`, svcs[2].ID); err != nil {
		t.Fatal(err)
	}
	invs, _, _ := env.Store.InvoicesOfUser(context.Background(), u.ID, 1, 0)

	rawKey := regexp.MustCompile(`\b(shop|service|invoice|product|fundset|fund|flash|nav)\.[a-z]+(_[a-z]+)*\b`)
	pages := []struct {
		c    *apptest.Client
		path string
	}{
		{alice, "/client/shop"}, {alice, "/client/services"}, {alice, "/client/invoices"},
		{alice, fmt.Sprint("/client/invoices/", invs[0].ID)}, {alice, "/client/wallet"},
		{admin, "/admin/products"}, {admin, fmt.Sprint("/admin/products/", once)}, {admin, "/admin/settings/fund"},
	}
	for _, lang := range []string{"fr", "en"} {
		for _, who := range []*apptest.Client{alice, admin} {
			who.Post("/client", "/lang", url.Values{"lang": {lang}, "back": {"/"}})
		}
		for _, p := range pages {
			r := p.c.Get(p.path)
			if r.Status != http.StatusOK {
				t.Errorf("%s %s: status %d", lang, p.path, r.Status)
			}
			if strings.Contains(r.Body, "template:") || strings.Contains(r.Body, "executing &#34;") {
				t.Errorf("%s %s: template error in the page", lang, p.path)
			}
			main := r.Body[strings.Index(r.Body, `<main`):]
			if k := rawKey.FindString(main); k != "" {
				t.Errorf("%s %s: untranslated key %q", lang, p.path, k)
			}
		}
	}
}
