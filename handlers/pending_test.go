package handlers_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// The admin assigns a pending payment (unknown customer) over HTTP: credited once,
// even with twenty assigns at the same moment; refusing needs a reason.
func TestPendingAssignHTTP(t *testing.T) {
	env, sb := dedipassEnv(t)
	env.CreateUser("admin@example.com", "password123", true)
	u := env.CreateUser("payer@example.com", "password123", false)
	code := sb.IssueCode("4", "2")
	form := sb.BuildCallback(code, "nobody")
	if r := env.NewClient().Do("POST", "/api/dedipass", form, nil); r.Status != 422 || !strings.Contains(r.Header.Get("Content-Type"), "json") {
		t.Fatalf("unknown customer: %d %s", r.Status, r.Body)
	}
	p, err := env.Store.PaymentByCode(context.Background(), code)
	if err != nil || p.Status != "pending" {
		t.Fatalf("pending payment: %+v %v", p, err)
	}
	page := fmt.Sprintf("/admin/billing/dedipass/%d", p.ID)
	a := env.NewClient()
	a.Login("admin@example.com", "password123")
	if r := a.Get(page); !strings.Contains(r.Body, `id="assign-form"`) || !strings.Contains(r.Body, `id="refuse-form"`) {
		t.Fatalf("payment page offers no decision: %.1500s", r.Body)
	}
	if r := a.Post(page, page+"/refuse", url.Values{"reason": {""}}); r.Status != 422 || !strings.Contains(r.Body, `id="decision-error"`) {
		t.Fatalf("refuse without reason: %d", r.Status)
	}
	if r := a.Post(page, page+"/assign", url.Values{"email": {"nobody@example.com"}}); r.Status != 422 {
		t.Fatalf("assign to an unknown email: %d", r.Status)
	}
	tok := a.CSRF(page)
	var wg sync.WaitGroup
	statuses := make([]int, 20)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := a.Do("POST", page+"/assign", url.Values{"email": {"payer@example.com"}}, map[string]string{"X-CSRF-Token": tok})
			statuses[i] = r.Status
		}()
	}
	wg.Wait()
	wins := 0
	for _, s := range statuses {
		switch s {
		case http.StatusOK, http.StatusSeeOther: // the redirect to the payment, followed or not
			wins++
		case http.StatusConflict:
		default:
			t.Errorf("assign answered %d", s)
		}
	}
	bal, sum, _ := env.Store.LedgerSum(context.Background(), u.ID)
	if wins != 1 || bal != 400 || sum != 400 {
		t.Fatalf("20 assigns: %d won, balance %d, ledger %d (want 1, 400, 400)", wins, bal, sum)
	}
	if r := a.Get(page); strings.Contains(r.Body, `id="assign-form"`) || !strings.Contains(r.Body, `data-status="credited"`) {
		t.Fatal("assigned payment still offers a decision")
	}
	// A customer cannot decide.
	c := env.NewClient()
	c.Login("payer@example.com", "password123")
	if r := c.Post("/client/dedipass", page+"/assign", url.Values{"email": {"payer@example.com"}}); r.Status != 403 && r.Status != 404 {
		t.Fatalf("customer assign: %d", r.Status)
	}
}

// Every /api/* answer is JSON (SPEC §5.4): body-parse errors, 413, unknown routes.
func TestAPIAnswersAreJSON(t *testing.T) {
	env, _ := dedipassEnv(t)
	cases := []struct {
		name, method, path, ctype, body string
	}{
		{"broken multipart", "POST", "/api/dedipass", "multipart/form-data; boundary=xyz", "--xyz\r\nbroken"},
		{"multipart without boundary", "POST", "/api/dedipass", "multipart/form-data", "a=b"},
		{"json body", "POST", "/api/dedipass", "application/json", `{"code":`},
		{"empty", "POST", "/api/dedipass", "application/x-www-form-urlencoded", ""},
		{"bad percent", "POST", "/api/dedipass", "application/x-www-form-urlencoded", "code=%zz&status=%"},
		{"GET", "GET", "/api/dedipass", "", ""},
		{"unknown route", "POST", "/api/nothing", "application/x-www-form-urlencoded", "a=b"},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, env.URL+c.path, strings.NewReader(c.body))
		if c.ctype != "" {
			req.Header.Set("Content-Type", c.ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		var body map[string]any
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || body["status"] == nil || resp.StatusCode >= 500 {
			t.Errorf("%s: %d %q, not a JSON answer (%v)", c.name, resp.StatusCode, resp.Header.Get("Content-Type"), err)
		}
	}
	// 10 MB announced: the answer (413) comes before the body is sent, and is JSON too.
	conn, err := net.Dial("tcp", strings.TrimPrefix(env.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/dedipass HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\ncode=", 10<<20)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || !json.Valid(raw) {
		t.Errorf("10 MB: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), raw)
	}
}
