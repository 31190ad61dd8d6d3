package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"recharge/apptest"
)

func sessionRows(body string) int { return strings.Count(body, `<tr class="session`) }

func TestAccountPageAndProfile(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("alice@example.com", "password123", false)
	anon := env.NewClient()
	if r := anon.Get("/client/account"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Fatalf("anonymous: %d", r.Status)
	}
	c := env.NewClient()
	c.Login("alice@example.com", "password123")
	r := c.Get("/client/account")
	if r.Status != 200 || sessionRows(r.Body) != 1 || !strings.Contains(r.Body, `data-current="1"`) ||
		!strings.Contains(r.Body, `id="email-mail-off"`) || !strings.Contains(r.Body, `href="/client/account/2fa"`) ||
		r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("account page: %d %.300s", r.Status, r.Body)
	}
	if !strings.Contains(c.Get("/client").Body, `href="/client/account"`) {
		t.Fatal("no account link in the client navigation")
	}

	r = c.Post("/client/account", "/client/account/profile", url.Values{"name": {"Alice Liddell"}, "lang": {"en"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/client/account" {
		t.Fatalf("profile: %d", r.Status)
	}
	r = c.Get("/client/account")
	if !strings.Contains(r.Body, `value="Alice Liddell"`) || !strings.Contains(r.Body, `<html lang="en"`) || !strings.Contains(r.Body, "Your profile is saved.") {
		t.Fatalf("profile not saved: %.500s", r.Body)
	}
	u, _ := env.Store.UserByEmail(context.Background(), "alice@example.com")
	if u.Name != "Alice Liddell" || u.Lang != "en" {
		t.Fatalf("stored: %q %q", u.Name, u.Lang)
	}
	r = c.Post("/client/account", "/client/account/profile", url.Values{"name": {"A"}, "lang": {"xx"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "This language is not available.") {
		t.Fatalf("bad lang: %d", r.Status)
	}
	r = c.Post("/client/account", "/client/account/profile", url.Values{"name": {strings.Repeat("n", 101)}, "lang": {"en"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="profile-error"`) {
		t.Fatalf("long name: %d", r.Status)
	}
	// Without the token: 403 like every POST.
	if r := c.Do("POST", "/client/account/profile", url.Values{"name": {"x"}, "lang": {"en"}}, nil); r.Status != http.StatusForbidden {
		t.Fatalf("no csrf: %d", r.Status)
	}
}

func TestAccountPasswordAndSessions(t *testing.T) {
	env := apptest.Start(t, apptest.Options{})
	env.CreateUser("alice@example.com", "password123", false)
	env.CreateUser("bob@example.com", "password123", false)
	a1, a2, bob := env.NewClient(), env.NewClient(), env.NewClient()
	a1.Login("alice@example.com", "password123")
	a2.Login("alice@example.com", "password123")
	bob.Login("bob@example.com", "password123")

	if r := a1.Get("/client/account"); sessionRows(r.Body) != 2 || strings.Count(r.Body, `data-current="1"`) != 1 {
		t.Fatalf("want 2 sessions, one current: %d rows", sessionRows(r.Body))
	}
	if r := bob.Get("/client/account"); sessionRows(r.Body) != 1 {
		t.Fatalf("bob sees %d sessions", sessionRows(r.Body))
	}

	// Refused changes: clear message, 422, nothing ends.
	r := a1.Post("/client/account", "/client/account/password", url.Values{"current_password": {"nope"}, "password": {"new password"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="password-error"`) {
		t.Fatalf("wrong current password: %d", r.Status)
	}
	r = a1.Post("/client/account", "/client/account/password", url.Values{"current_password": {"password123"}, "password": {"short"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "8") {
		t.Fatalf("short password: %d", r.Status)
	}
	if r := a2.Get("/client"); r.Status != 200 {
		t.Fatalf("a refused change logged the other session out: %d", r.Status)
	}

	r = a1.Post("/client/account", "/client/account/password", url.Values{"current_password": {"password123"}, "password": {"new password"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("password change: %d %.300s", r.Status, r.Body)
	}
	if r := a1.Get("/client/account"); r.Status != 200 || sessionRows(r.Body) != 1 {
		t.Fatalf("this session after the change: %d, %d rows", r.Status, sessionRows(r.Body))
	}
	if r := a2.Get("/client"); r.Status != http.StatusSeeOther {
		t.Fatalf("the other session survived the password change: %d", r.Status)
	}
	if r := bob.Get("/client"); r.Status != 200 {
		t.Fatalf("bob's session ended: %d", r.Status)
	}

	// Revoke touches only the caller's sessions.
	a2.Login("alice@example.com", "new password")
	bob2 := env.NewClient()
	bob2.Login("bob@example.com", "password123")
	r = bob.Post("/client/account", "/client/account/sessions/revoke", nil)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.Status)
	}
	if bob2.Get("/client").Status != http.StatusSeeOther || bob.Get("/client").Status != 200 {
		t.Fatal("bob's revoke did not end exactly his other session")
	}
	if a1.Get("/client").Status != 200 || a2.Get("/client").Status != 200 {
		t.Fatal("bob's revoke ended alice's sessions")
	}
}

func TestSuspension(t *testing.T) {
	e := startAdmin(t)
	ctx := context.Background()
	cust := e.NewClient()
	cust.Login("alice@example.com", "password123")
	id := strconv.FormatInt(e.Customer.ID, 10)
	page := "/admin/users/" + id

	// A client cannot reach the admin's actions.
	if r := cust.Post("/client", "/admin/users/"+id+"/suspend", url.Values{"suspended": {"1"}}); r.Status != http.StatusForbidden {
		t.Fatalf("client suspends: %d", r.Status)
	}
	if r := cust.Post("/client", "/admin/users/"+id+"/profile", url.Values{"name": {"x"}, "email": {"x@example.com"}}); r.Status != http.StatusForbidden {
		t.Fatalf("client edits: %d", r.Status)
	}
	if r := e.A.Post(page, page+"/suspend", url.Values{"suspended": {"maybe"}}); r.Status != http.StatusBadRequest {
		t.Fatalf("bad value: %d", r.Status)
	}
	if r := e.A.Post(page, "/admin/users/999999/suspend", url.Values{"suspended": {"1"}}); r.Status != http.StatusNotFound {
		t.Fatalf("unknown user: %d", r.Status)
	}
	self := "/admin/users/" + strconv.FormatInt(e.Admin.ID, 10)
	if r := e.A.Post(self, self+"/suspend", url.Values{"suspended": {"1"}}); r.Status != http.StatusConflict || !strings.Contains(r.Body, `id="suspend-error"`) {
		t.Fatalf("self suspension: %d", r.Status)
	}

	if r := e.A.Post(page, page+"/suspend", url.Values{"suspended": {"1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("suspend: %d %.300s", r.Status, r.Body)
	}
	if r := cust.Get("/client"); r.Status != http.StatusSeeOther {
		t.Fatalf("suspended session still works: %d", r.Status)
	}
	r := cust.Post("/login", "/login", url.Values{"email": {"alice@example.com"}, "password": {"password123"}})
	if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "suspendu") {
		t.Fatalf("suspended login: %d %.300s", r.Status, r.Body)
	}
	// Without the password, the answer is the usual one.
	if r := cust.Post("/login", "/login", url.Values{"email": {"alice@example.com"}, "password": {"wrong"}}); r.Status != http.StatusUnauthorized || strings.Contains(r.Body, "suspendu") {
		t.Fatalf("suspended login, wrong password: %d", r.Status)
	}
	if r := e.A.Get(page); !strings.Contains(r.Body, `id="customer-suspended"`) {
		t.Fatal("no suspended badge on the customer page")
	}
	if r := e.A.Get("/admin/users"); !strings.Contains(r.Body, `data-suspended="1"`) {
		t.Fatal("no suspended badge in the list")
	}
	if r := e.A.Post(page, page+"/suspend", url.Values{"suspended": {"0"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("unsuspend: %d", r.Status)
	}
	cust.Login("alice@example.com", "password123")
	for _, action := range []string{"user.suspend", "user.unsuspend"} {
		if n, _ := e.Store.QueryInt(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND actor_id = ? AND target = ?`, action, e.Admin.ID, "user:"+id); n != 1 {
			t.Errorf("audit %s: %d rows", action, n)
		}
	}
	if r := e.A.Get("/admin/audit"); !strings.Contains(r.Body, "Compte suspendu") {
		t.Error("audit page does not name the suspension")
	}
}

func TestAdminEditsCustomer(t *testing.T) {
	e := startAdmin(t)
	e.CreateUser("taken@example.com", "password123", false)
	id := strconv.FormatInt(e.Customer.ID, 10)
	page := "/admin/users/" + id
	if r := e.A.Get(page); !strings.Contains(r.Body, `action="/admin/users/`+id+`/profile"`) {
		t.Fatal("no edit form")
	}
	r := e.A.Post(page, page+"/profile", url.Values{"name": {"Alice"}, "email": {"Taken@Example.com"}})
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, `id="profile-error"`) || !strings.Contains(r.Body, `value="Taken@Example.com"`) {
		t.Fatalf("taken email: %d", r.Status)
	}
	if r := e.A.Post(page, page+"/profile", url.Values{"name": {"Alice"}, "email": {"not an email"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid email: %d", r.Status)
	}
	r = e.A.Post(page, page+"/profile", url.Values{"name": {"Alice L."}, "email": {" ALICE.L@example.com "}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("edit: %d %.300s", r.Status, r.Body)
	}
	u, _ := e.Store.UserByID(context.Background(), e.Customer.ID)
	if u.Email != "alice.l@example.com" || u.Name != "Alice L." {
		t.Fatalf("stored %q %q", u.Email, u.Name)
	}
	if n, _ := e.Store.QueryInt(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'user.profile' AND details LIKE '%alice.l@example.com%'`); n != 1 {
		t.Fatalf("audit rows: %d", n)
	}
	// The customer logs in with the new address.
	c := e.NewClient()
	c.Login("alice.l@example.com", "password123")
	// Admins reach their own account page from the admin navigation.
	if r := e.A.Get("/admin"); !strings.Contains(r.Body, `href="/client/account"`) {
		t.Fatal("no account link in the admin navigation")
	}
	if r := e.A.Get("/client/account"); r.Status != 200 {
		t.Fatalf("admin account page: %d", r.Status)
	}
}
