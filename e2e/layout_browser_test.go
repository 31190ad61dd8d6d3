package e2e

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"recharge/apptest"
	"recharge/db"
	"recharge/settings"
)

// Every page fits a phone screen (nothing scrolls sideways but the inside of a
// .table-wrap) and a desktop screen, in both languages, as a client and as an admin,
// with enough data on screen to show long rows (audit details, emails, codes). On a
// phone the active tab of the menu is in view. Screenshots are saved for a human look
// (E2E_SHOTS=dir).
func TestBrowserPagesFitPhoneAndDesktop(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	admin := env.CreateUser("admin@example.com", "password123", true)
	client := env.CreateUser("client.with.a.rather.long.address@example-hosting.com", "password123", false)
	ids := fillForLayout(t, env, admin, client)
	pages := map[string][]string{
		"": {"/login", "/register", "/forgot"},
		client.Email: {"/client", "/client/dedipass", "/client/dedipass/history", "/client/wallet", "/client/shop",
			"/client/services", "/client/invoices", fmt.Sprintf("/client/invoices/%d", ids.invoice), "/client/account", "/client/account/2fa"},
		admin.Email: {"/admin", "/admin/settings/dedipass", "/admin/billing/dedipass", fmt.Sprintf("/admin/billing/dedipass/%d", ids.payment),
			"/admin/users", fmt.Sprintf("/admin/users/%d", client.ID), "/admin/products", fmt.Sprintf("/admin/products/%d", ids.product),
			"/admin/modules", "/admin/settings/fund", "/admin/settings/site", "/admin/settings/webhooks", "/admin/outbox", "/admin/audit", "/admin/services", "/admin/invoices",
			fmt.Sprintf("/admin/invoices/%d", ids.invoice)},
	}
	// What overflows sideways: the page itself, or an element wider than the screen
	// outside a .table-wrap (which scrolls on purpose).
	const overflow = `(() => {
		const w = window.innerWidth, out = [];
		if (document.documentElement.scrollWidth > w + 1) out.push("page " + document.documentElement.scrollWidth);
		const scrolls = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
			if (getComputedStyle(p).overflowX !== "visible") return true; } return false; };
		for (const el of document.querySelectorAll("body *")) {
			if (scrolls(el)) continue; // inside a box that scrolls (or clips) on purpose: .table-wrap, the phone menu
			const r = el.getBoundingClientRect();
			if (r.width > 0 && r.right > w + 1 && getComputedStyle(el).position !== "fixed") {
				out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : "") + " right=" + Math.round(r.right));
				if (out.length > 5) break;
			}
		}
		return out.join(", ");
	})()`
	// The active tab of the phone menu (a horizontal strip) must be in view.
	const activeTab = `(() => {
		const a = document.querySelector(".sidebar nav a[aria-current=page]");
		if (!a) return "";
		const r = a.getBoundingClientRect();
		return (r.left >= -1 && r.right <= window.innerWidth + 1) ? "" : "active tab at " + Math.round(r.left) + ".." + Math.round(r.right);
	})()`
	// Boxes that must not need their own sideways scroll either (rough edges seen on a
	// phone: the audit log's ~400 px rows, the dashboard's latest payments cut off).
	noInnerScroll := map[string]string{
		"/admin":       "#recent-payments .table-wrap",
		"/admin/audit": "#audit",
	}
	// The language select's arrow must not cover its text.
	const langSelect = `(() => { const s = document.querySelector("#lang-select"); if (!s) return "";
		return parseFloat(getComputedStyle(s).paddingRight) >= 24 ? "" : "padding-right " + getComputedStyle(s).paddingRight; })()`
	for _, width := range layoutWidths() {
		for who, paths := range pages {
			for _, lang := range []string{"fr", "en"} {
				b := newBrowser(t, width, 900)
				if who != "" {
					b.Login(env.URL, who, "password123")
				}
				// The choice is saved on the account too: set it each time.
				b.Run(chromedp.Navigate(env.URL+"/login"), chromedp.WaitVisible(chromedp.CSS(`#lang-select`)))
				b.Eval(`(() => { const s = document.querySelector("#lang-select"); s.value = "` + lang + `"; s.form.submit(); return true })()`)
				b.Run(chromedp.WaitVisible(chromedp.CSS(`html[lang=` + lang + `]`)))
				for _, p := range paths {
					b.Run(chromedp.Navigate(env.URL+p), chromedp.WaitVisible(chromedp.CSS(`#main`)))
					if got := b.Eval(`document.documentElement.lang`); got != lang {
						t.Errorf("%s: page language %v, want %s", p, got, lang)
					}
					b.Screenshot(fmt.Sprintf("%d-%s%s", width, lang, sanitize(p)))
					if v := b.Eval(overflow); v != "" {
						t.Errorf("%s (%s) at %dpx overflows sideways: %v", p, lang, width, v)
					}
					if v := b.Eval(langSelect); v != "" {
						t.Errorf("%s (%s) at %dpx: language select %v", p, lang, width, v)
					}
					if width < 700 {
						if v := b.Eval(activeTab); v != "" {
							t.Errorf("%s (%s) at %dpx: %v", p, lang, width, v)
						}
					}
					if sel, ok := noInnerScroll[p]; ok {
						if v := b.Eval(`(() => { const e = document.querySelector("` + sel + `"); return e ? e.scrollWidth - e.clientWidth : -1 })()`); v != 0.0 {
							t.Errorf("%s (%s) at %dpx: %s is %v px too wide", p, lang, width, sel, v)
						}
					}
				}
			}
		}
	}
}

type layoutIDs struct{ invoice, payment, product int64 }

// fillForLayout puts long real-looking content on every page: products, a purchase
// (service and invoice), payments of every status, ledger entries, audit entries with
// long details.
func fillForLayout(t *testing.T, env *apptest.Env, admin, client *db.User) layoutIDs {
	t.Helper()
	ctx := context.Background()
	a := env.NewClient()
	a.Login(admin.Email, "password123")
	a.Post("/admin/settings/fund", "/admin/settings/fund", map[string][]string{"transfers_enabled": {"1"}, "transfer_min": {"1"},
		"currency": {"EUR"}, "shop_name": {"Hébergement Exemple SAS"},
		"shop_address": {"12 boulevard de la République, bâtiment B, 3e étage\n13002 Marseille\nFrance"}})
	var ids layoutIDs
	for i, name := range []string{"VPS Starter", "Serveur dédié haute disponibilité avec sauvegardes"} {
		r := a.Post("/admin/products", "/admin/products", map[string][]string{"name": {name},
			"description": {"2 vCPU, 4 Go de RAM, 80 Go SSD NVMe, bande passante illimitée, IPv4 et IPv6."},
			"price":       {[]string{"4,99", "1 249,00"}[i]}, "period": {"monthly"}, "active": {"1"}})
		if r.Status != 303 {
			t.Fatalf("create product: %d", r.Status)
		}
		_, _ = fmt.Sscanf(r.Header.Get("Location"), "/admin/products#product-%d", &ids.product)
	}
	env.Credit(client.ID, 2_000_00)
	set, err := settings.Load(ctx, env.Store)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Server.Shop().Buy(ctx, set.Fund, client.ID, ids.product, ""); err != nil {
		t.Fatalf("buy: %v", err)
	}
	if ids.invoice, err = env.Store.QueryInt(ctx, `SELECT MAX(id) FROM invoices`); err != nil {
		t.Fatal(err)
	}
	uid := client.ID
	for i, st := range []string{db.StatusCredited, db.StatusRefused, db.StatusPending, db.StatusError, db.StatusCredited} {
		p := db.Payment{Code: fmt.Sprintf("K7M2QX%02d", i), CodeKey: fmt.Sprintf("K7M2QX%02d", i), Status: st,
			Rate: "FR-AUDIOTEL-1000", Solution: "Audiotel", Country: "FR", Source: "callback", PayoutCents: 612, CreditCents: 1000,
			Identifier: "identifier-" + strings.Repeat("x", 30), Reason: "code already used on another service of the provider"}
		if st == db.StatusCredited {
			p.UserID = &uid
		}
		if _, err := env.Store.SettlePayment(ctx, &p); err != nil {
			t.Fatalf("settle: %v", err)
		}
		ids.payment = p.ID
	}
	return ids
}

func sanitize(p string) string {
	out := []byte(p)
	for i, c := range out {
		if c == '/' {
			out[i] = '_'
		}
	}
	return string(out)
}

// layoutWidths are the screen widths tried: a phone and a desktop (LAYOUT_WIDTHS=390
// narrows it while working on one).
func layoutWidths() []int {
	if v := os.Getenv("LAYOUT_WIDTHS"); v != "" {
		var out []int
		for _, f := range strings.Split(v, ",") {
			if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
				out = append(out, n)
			}
		}
		return out
	}
	return []int{390, 1280}
}
