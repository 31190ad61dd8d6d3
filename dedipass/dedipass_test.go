package dedipass

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"recharge/dedipass/sandbox"
	"recharge/money"
)

const (
	testPub  = "pub-key-1"
	testPriv = "Pr1v&te+K3y=/%é secret"
)

// newSandbox starts the sandbox over real loopback HTTP and a client for it.
func newSandbox(t *testing.T, opts sandbox.Options) (*sandbox.Server, *Client) {
	t.Helper()
	if opts.PublicKey == "" && opts.PrivateKey == "" {
		opts.PublicKey, opts.PrivateKey = testPub, testPriv
	}
	sb := sandbox.New(opts)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return sb, New(srv.URL)
}

// fakeAPI serves handler over loopback and counts requests.
func fakeAPI(t *testing.T, handler http.HandlerFunc) (*Client, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	return New(srv.URL), &n
}

func answer(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	}
}

func TestValidCode(t *testing.T) {
	good := []string{"A", "z", "0", "ABCD1234", "abcd1234", "aB3", strings.Repeat("X", 64)}
	for _, c := range good {
		if !ValidCode(c) {
			t.Errorf("ValidCode(%q) = false", c)
		}
	}
	bad := []string{"", " ", "AB CD", " ABC", "ABC ", "AB-CD", "AB_CD", "AB.CD", "AB&x=1", "A%20", "é", "ÀBC", "ＡＢＣ",
		"AB\x00", "AB\n", "'; DROP TABLE", strings.Repeat("X", 65), "ABC/../"}
	for _, c := range bad {
		if ValidCode(c) {
			t.Errorf("ValidCode(%q) = true", c)
		}
	}
}

func TestCodeKey(t *testing.T) {
	if got := CodeKey("ab12Cd"); got != "AB12CD" {
		t.Fatalf("CodeKey = %q", got)
	}
	if CodeKey("abc") != CodeKey("ABC") {
		t.Fatal("CodeKey not case-insensitive")
	}
}

func TestValidateRefusesBeforeNetwork(t *testing.T) {
	c, n := fakeAPI(t, answer(`{"status":"success","virtual_currency":1}`))
	ctx := context.Background()
	for _, code := range []string{"", "AB CD", "AB&private_key=x", strings.Repeat("A", 65), "é"} {
		if _, err := c.Validate(ctx, testPub, testPriv, code); !errors.Is(err, ErrInvalidCode) {
			t.Errorf("Validate(%q) error = %v; want ErrInvalidCode", code, err)
		}
	}
	if _, err := c.Validate(ctx, "", testPriv, "ABC"); !errors.Is(err, ErrNotConfigured) {
		t.Errorf("empty public key: %v", err)
	}
	if _, err := c.Validate(ctx, testPub, "", "ABC"); !errors.Is(err, ErrNotConfigured) {
		t.Errorf("empty private key: %v", err)
	}
	if _, err := c.Rates(ctx, ""); !errors.Is(err, ErrNotConfigured) {
		t.Errorf("rates with empty key: %v", err)
	}
	if got := n.Load(); got != 0 {
		t.Fatalf("%d requests sent for refused input", got)
	}
}

func TestValidateSuccessThenUsed(t *testing.T) {
	sb, c := newSandbox(t, sandbox.Options{})
	code := sb.IssueCode("3", "2.10")
	ctx := context.Background()

	r, err := c.Validate(ctx, testPub, testPriv, code)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Success || r.Status != "success" || r.Code != code || r.Rate != sandbox.DefaultRate || r.Test {
		t.Fatalf("unexpected result %+v", r)
	}
	if r.VirtualCurrency != 3_000_000 || r.Payout != 2_100_000 {
		t.Fatalf("vc=%d payout=%d", r.VirtualCurrency, r.Payout)
	}
	if !strings.HasPrefix(r.Identifier, "SBX-") || r.Message == "" {
		t.Fatalf("identifier %q message %q", r.Identifier, r.Message)
	}
	if !json.Valid(r.Raw) || !bytes.Contains(r.Raw, []byte(code)) {
		t.Fatalf("raw %s", r.Raw)
	}

	// Lower-case spelling of the same code: consumed already.
	r, err = c.Validate(ctx, testPub, testPriv, strings.ToLower(code))
	if err != nil {
		t.Fatal(err)
	}
	if r.Success || r.Message != "Code already used" || r.VirtualCurrency != 0 {
		t.Fatalf("second validation: %+v", r)
	}
	if sb.Calls() != 2 {
		t.Fatalf("Calls = %d", sb.Calls())
	}
}

func TestValidateRefusals(t *testing.T) {
	sb, c := newSandbox(t, sandbox.Options{})
	ctx := context.Background()

	r, err := c.Validate(ctx, testPub, testPriv, "NOSUCHCODE")
	if err != nil || r.Success || r.Message != "Invalid code" || r.Status != "error" {
		t.Fatalf("unknown code: %+v, %v", r, err)
	}
	if r.Code != "NOSUCHCODE" {
		t.Fatalf("Code should default to the code sent, got %q", r.Code)
	}

	code := sb.IssueCode("1", "0.5")
	r, err = c.Validate(ctx, testPub, "wrong", code)
	if err != nil || r.Success || r.Message != "Invalid key" {
		t.Fatalf("wrong private key: %+v, %v", r, err)
	}
	r, err = c.Validate(ctx, "wrong", testPriv, code)
	if err != nil || r.Success || r.Message != "Invalid key" {
		t.Fatalf("wrong public key: %+v, %v", r, err)
	}
	// Wrong keys did not consume the code.
	r, err = c.Validate(ctx, testPub, testPriv, code)
	if err != nil || !r.Success {
		t.Fatalf("code after wrong keys: %+v, %v", r, err)
	}
}

func TestValidateTestCode(t *testing.T) {
	sb, c := newSandbox(t, sandbox.Options{})
	r, err := c.Validate(context.Background(), testPub, testPriv, sb.IssueTestCode("5", "0"))
	if err != nil || !r.Success || !r.Test || r.Rate != TestRate || r.VirtualCurrency != 5_000_000 || r.Payout != 0 {
		t.Fatalf("%+v, %v", r, err)
	}
}

func TestValidateNumbersAndStrings(t *testing.T) {
	values := []struct {
		text string
		want money.Micros
	}{
		{"2.10", 2_100_000},
		{"2.1", 2_100_000},
		{"3", 3_000_000},
		{"0", 0},
		{"0.000001", 1},
		{"1000", 1_000_000_000},
	}
	styles := []struct {
		name  string
		style sandbox.NumberStyle
	}{{"numbers", sandbox.AsNumbers}, {"strings", sandbox.AsStrings}, {"alternate", sandbox.Alternate}}
	for _, st := range styles {
		t.Run(st.name, func(t *testing.T) {
			sb, c := newSandbox(t, sandbox.Options{Numbers: st.style})
			sawNumber, sawString := false, false
			for _, v := range values {
				for _, p := range values {
					r, err := c.Validate(context.Background(), testPub, testPriv, sb.IssueCode(v.text, p.text))
					if err != nil || !r.Success {
						t.Fatalf("vc %q payout %q: %+v, %v", v.text, p.text, r, err)
					}
					if r.VirtualCurrency != v.want || r.Payout != p.want {
						t.Fatalf("vc %q payout %q: got %d, %d", v.text, p.text, r.VirtualCurrency, r.Payout)
					}
					sawNumber = sawNumber || bytes.Contains(r.Raw, []byte(`"payout":`+p.text))
					sawString = sawString || bytes.Contains(r.Raw, []byte(`"payout":"`+p.text+`"`))
				}
			}
			switch st.style {
			case sandbox.AsNumbers:
				if !sawNumber || sawString {
					t.Fatalf("numbers style: number %v string %v", sawNumber, sawString)
				}
			case sandbox.AsStrings:
				if sawNumber || !sawString {
					t.Fatalf("strings style: number %v string %v", sawNumber, sawString)
				}
			default:
				if !sawNumber || !sawString {
					t.Fatalf("alternate style: number %v string %v", sawNumber, sawString)
				}
			}
		})
	}
}

func TestValidateBadAnswers(t *testing.T) {
	sb, c := newSandbox(t, sandbox.Options{Numbers: sandbox.AsNumbers})
	cases := []struct{ vc, why string }{
		{"", "missing"},
		{"-1", "negative"},
		{"-0.5", "negative"},
		{"lots", "not a decimal"},
		{"1e2", "not a decimal"}, // exponent forms are refused, not guessed
		{"1.1234567", "not a decimal"},
	}
	for _, tc := range cases {
		r, err := c.Validate(context.Background(), testPub, testPriv, sb.IssueCode(tc.vc, "1"))
		if !errors.Is(err, ErrBadAnswer) {
			t.Errorf("vc %q: error %v; want ErrBadAnswer", tc.vc, err)
			continue
		}
		if errors.Is(err, ErrUnavailable) {
			t.Errorf("vc %q: ErrBadAnswer must not wrap ErrUnavailable", tc.vc)
		}
		if !strings.Contains(err.Error(), tc.why) {
			t.Errorf("vc %q: error %q lacks %q", tc.vc, err, tc.why)
		}
		if !r.Success || len(r.Raw) == 0 || r.Payout != 1_000_000 {
			t.Errorf("vc %q: result should still be filled: %+v", tc.vc, r)
		}
	}
}

func TestValidateUnusualAnswers(t *testing.T) {
	cases := []struct {
		name, body string
		check      func(t *testing.T, r Result, err error)
	}{
		{"error with garbage numbers", `{"status":"error","message":"Invalid code","payout":"n/a","virtual_currency":{}}`,
			func(t *testing.T, r Result, err error) {
				if err != nil || r.Success || r.Message != "Invalid code" || r.Payout != 0 {
					t.Fatalf("%+v, %v", r, err)
				}
			}},
		{"null virtual_currency", `{"status":"success","code":"ABC","virtual_currency":null}`,
			func(t *testing.T, r Result, err error) {
				if !errors.Is(err, ErrBadAnswer) || !strings.Contains(err.Error(), "missing") {
					t.Fatalf("%v", err)
				}
			}},
		{"object virtual_currency", `{"status":"success","code":"ABC","virtual_currency":{"v":1}}`,
			func(t *testing.T, r Result, err error) {
				if !errors.Is(err, ErrBadAnswer) {
					t.Fatalf("%v", err)
				}
			}},
		{"answer for another code", `{"status":"success","code":"OTHER","virtual_currency":1}`,
			func(t *testing.T, r Result, err error) {
				if !errors.Is(err, ErrBadAnswer) || !strings.Contains(err.Error(), "OTHER") {
					t.Fatalf("%v", err)
				}
			}},
		{"code in other case, no rate, unknown fields", `{"status":"success","code":"abc","virtual_currency":"2","extra":[1,2,{"x":null}]}`,
			func(t *testing.T, r Result, err error) {
				if err != nil || !r.Success || r.VirtualCurrency != 2_000_000 || r.Test {
					t.Fatalf("%+v, %v", r, err)
				}
			}},
		{"lenient payout", `{"status":"success","virtual_currency":1,"payout":"1,50"}`,
			func(t *testing.T, r Result, err error) {
				if err != nil || r.Payout != 0 || r.VirtualCurrency != 1_000_000 || r.Code != "ABC" {
					t.Fatalf("%+v, %v", r, err)
				}
			}},
		{"numeric identifier and test rate in lower case", `{"status":"success","virtual_currency":0,"identifier":123456,"rate":"test-mode"}`,
			func(t *testing.T, r Result, err error) {
				if err != nil || r.Identifier != "123456" || !r.Test || r.VirtualCurrency != 0 {
					t.Fatalf("%+v, %v", r, err)
				}
			}},
		{"byte order mark", "\xef\xbb\xbf{\"status\":\"success\",\"virtual_currency\":4}",
			func(t *testing.T, r Result, err error) {
				if err != nil || r.VirtualCurrency != 4_000_000 {
					t.Fatalf("%+v, %v", r, err)
				}
			}},
		{"other status", `{"status":"pending"}`,
			func(t *testing.T, r Result, err error) {
				if err != nil || r.Success || r.Status != "pending" {
					t.Fatalf("%+v, %v", r, err)
				}
			}},
		{"keys echoed back", `{"status":"success","virtual_currency":1,"public_key":"` + testPub + `","private_key":"x","privateKey":"y","key":"z","debug":{"Private-Key":"w","note":"key was ` + testPriv + `"},"message":"ok ` + testPriv + `"}`,
			func(t *testing.T, r Result, err error) {
				if err != nil {
					t.Fatal(err)
				}
				raw := string(r.Raw)
				for _, bad := range []string{"public_key", "private_key", "privateKey", `"key"`, "Private-Key", testPriv, testPub} {
					if strings.Contains(raw, bad) {
						t.Fatalf("raw %s still contains %q", raw, bad)
					}
				}
				if !strings.Contains(raw, `"virtual_currency":1`) || !strings.Contains(raw, "[removed]") {
					t.Fatalf("raw %s", raw)
				}
				if strings.Contains(r.Message, testPriv) {
					t.Fatalf("message %q contains the private key", r.Message)
				}
			}},
		{"array", `[{"status":"success"}]`,
			func(t *testing.T, r Result, err error) {
				if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "without status") {
					t.Fatalf("%v", err)
				}
			}},
		{"empty status", `{"status":"","virtual_currency":1}`,
			func(t *testing.T, r Result, err error) {
				if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "without status") {
					t.Fatalf("%v", err)
				}
			}},
		{"truncated JSON", `{"status":"succ`,
			func(t *testing.T, r Result, err error) {
				if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "not JSON") {
					t.Fatalf("%v", err)
				}
			}},
		{"empty body", ``,
			func(t *testing.T, r Result, err error) {
				if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "not JSON") {
					t.Fatalf("%v", err)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := fakeAPI(t, answer(tc.body))
			r, err := c.Validate(context.Background(), testPub, testPriv, "ABC")
			tc.check(t, r, err)
		})
	}
}

func TestValidateLargeAnswer(t *testing.T) {
	c, _ := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"status":"success","virtual_currency":1,"pad":"%s"}`, strings.Repeat("x", maxBody))
	})
	_, err := c.Validate(context.Background(), testPub, testPriv, "ABC")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "larger") {
		t.Fatalf("%v", err)
	}
}

func TestValidateDoesNotFollowRedirects(t *testing.T) {
	var elsewhere atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		fmt.Fprint(w, `{"status":"success","virtual_currency":1}`)
	}))
	defer target.Close()
	c, _ := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+r.URL.RequestURI(), http.StatusFound)
	})
	_, err := c.Validate(context.Background(), testPub, testPriv, "ABC")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "HTTP 302") {
		t.Fatalf("%v", err)
	}
	if elsewhere.Load() != 0 {
		t.Fatal("redirect was followed: the private key left for another server")
	}
}

func TestFailureModes(t *testing.T) {
	cases := []struct {
		mode   sandbox.Failure
		reason string
	}{
		{sandbox.HTTP500, "HTTP 500"},
		{sandbox.BadJSON, "not JSON"},
		{sandbox.MissingStatus, "without status"},
		{sandbox.Timeout, "timeout"},
	}
	for _, tc := range cases {
		t.Run(tc.mode.String(), func(t *testing.T) {
			sb, c := newSandbox(t, sandbox.Options{})
			c.Timeout = 200 * time.Millisecond
			code := sb.IssueCode("2", "1.10")
			sb.SetFailure(tc.mode)

			start := time.Now()
			r, err := c.Validate(context.Background(), testPub, testPriv, code)
			if !errors.Is(err, ErrUnavailable) {
				t.Fatalf("error %v does not wrap ErrUnavailable", err)
			}
			if errors.Is(err, ErrTimeout) != (tc.mode == sandbox.Timeout) {
				t.Fatalf("ErrTimeout wrapped = %v for %v", errors.Is(err, ErrTimeout), tc.mode)
			}
			if errors.Is(err, ErrBadAnswer) {
				t.Fatal("provider failure reported as ErrBadAnswer")
			}
			if !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("error %q lacks reason %q", err, tc.reason)
			}
			if strings.Contains(err.Error(), testPriv) || strings.Contains(err.Error(), url.QueryEscape(testPriv)) {
				t.Fatalf("error %q contains the private key", err)
			}
			if r.Success || r.Raw != nil {
				t.Fatalf("result should be empty: %+v", r)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("took %v", d)
			}

			// The failed attempt did not consume the code: a later retry credits.
			sb.SetFailure(sandbox.None)
			r, err = c.Validate(context.Background(), testPub, testPriv, code)
			if err != nil || !r.Success || r.VirtualCurrency != 2_000_000 {
				t.Fatalf("retry: %+v, %v", r, err)
			}
			if sb.Calls() != 2 {
				t.Fatalf("Calls = %d", sb.Calls())
			}
		})
	}
}

func TestTimeoutFromContextDeadline(t *testing.T) {
	sb, c := newSandbox(t, sandbox.Options{})
	sb.SetFailure(sandbox.Timeout)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Validate(ctx, testPub, testPriv, "ABC")
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("%v", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatal("context deadline not honoured")
	}
}

func TestCanceledContext(t *testing.T) {
	sb, c := newSandbox(t, sandbox.Options{})
	sb.SetFailure(sandbox.Timeout)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := c.Validate(ctx, testPub, testPriv, "ABC")
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
		t.Fatalf("%v", err)
	}
}

func TestDefaultTimeout(t *testing.T) {
	c := New("http://example.invalid")
	if c.Timeout != 5*time.Second || c.timeout() != 5*time.Second {
		t.Fatalf("timeout %v", c.Timeout)
	}
	c.Timeout = 0
	if c.timeout() != DefaultTimeout {
		t.Fatal("zero Timeout should mean the default")
	}
}

// TestErrorsNeverContainPrivateKey covers failures whose natural net/http
// error quotes the full URL.
func TestErrorsNeverContainPrivateKey(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	sb, live := newSandbox(t, sandbox.Options{})
	sb.SetFailure(sandbox.Timeout)
	live.Timeout = 100 * time.Millisecond

	refused := New(closedURL)
	badBase := New("http://[::1")
	noScheme := New("api.dedipass.com")
	httpTimeout := New(live.BaseURL)
	httpTimeout.HTTP = &http.Client{Timeout: 100 * time.Millisecond} // net/http's own timeout path

	for name, c := range map[string]*Client{
		"refused": refused, "timeout": live, "bad base": badBase, "no scheme": noScheme, "http.Client timeout": httpTimeout,
	} {
		_, err := c.Validate(context.Background(), testPub, testPriv, "ABC123")
		if !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s: %v does not wrap ErrUnavailable", name, err)
			continue
		}
		msg := err.Error() + fmt.Sprintf(" %v %+v %#v", err, err, err)
		for _, form := range []string{testPriv, url.QueryEscape(testPriv), url.PathEscape(testPriv), "private_key="} {
			if strings.Contains(msg, form) {
				t.Errorf("%s: error %q contains %q", name, err, form)
			}
		}
		// Unwrapping never leads to an error that does.
		for e := error(err); e != nil; e = errors.Unwrap(e) {
			if strings.Contains(e.Error(), testPriv) || strings.Contains(e.Error(), url.QueryEscape(testPriv)) {
				t.Errorf("%s: wrapped error %q contains the key", name, e)
			}
		}
		if name == "timeout" || name == "http.Client timeout" {
			if !errors.Is(err, ErrTimeout) {
				t.Errorf("%s: %v does not wrap ErrTimeout", name, err)
			}
		}
	}
}

func TestQueryEncoding(t *testing.T) {
	pub := "pub&key=1+2 %x/é"
	priv := "priv&code=EVIL+x=y #frag?"
	var got url.Values
	var path string
	c, _ := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		got, path = r.URL.Query(), r.URL.Path
		fmt.Fprint(w, `{"status":"error","message":"Invalid code"}`)
	})
	if _, err := c.Validate(context.Background(), pub, priv, "AbC123"); err != nil {
		t.Fatal(err)
	}
	if path != "/v1/pay/" {
		t.Fatalf("path %q", path)
	}
	want := url.Values{"public_key": {pub}, "private_key": {priv}, "code": {"AbC123"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("query arrived as %v; want %v", got, want)
	}

	c, _ = fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		got, path = r.URL.Query(), r.URL.Path
		fmt.Fprint(w, `[]`)
	})
	if _, err := c.Rates(context.Background(), pub); err != nil {
		t.Fatal(err)
	}
	if path != "/v1/pay/rates" || len(got) != 1 || got.Get("key") != pub {
		t.Fatalf("rates request %q %v", path, got)
	}

	// And end to end with the sandbox checking the pair.
	sb, sc := newSandbox(t, sandbox.Options{PublicKey: pub, PrivateKey: priv})
	r, err := sc.Validate(context.Background(), pub, priv, sb.IssueCode("1", "1"))
	if err != nil || !r.Success {
		t.Fatalf("%+v, %v", r, err)
	}
}

func TestBaseURLWithPrefix(t *testing.T) {
	sb := sandbox.New(sandbox.Options{PublicKey: testPub, PrivateKey: testPriv})
	mux := http.NewServeMux()
	mux.Handle("/sandbox/dedipass/", http.StripPrefix("/sandbox/dedipass", sb))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, base := range []string{srv.URL + "/sandbox/dedipass", srv.URL + "/sandbox/dedipass/"} {
		c := New(base)
		r, err := c.Validate(context.Background(), testPub, testPriv, sb.IssueCode("1", "1"))
		if err != nil || !r.Success {
			t.Fatalf("%s: %+v, %v", base, r, err)
		}
		if offers, err := c.Rates(context.Background(), testPub); err != nil || len(offers) == 0 {
			t.Fatalf("%s: rates %v, %v", base, offers, err)
		}
	}
}

func TestInProcessTransport(t *testing.T) {
	sb := sandbox.New(sandbox.Options{PublicKey: testPub, PrivateKey: testPriv})
	c := New("http://sandbox.invalid")
	c.HTTP = &http.Client{Transport: sb}
	c.Timeout = 100 * time.Millisecond
	ctx := context.Background()

	r, err := c.Validate(ctx, testPub, testPriv, sb.IssueCode("2", "1"))
	if err != nil || !r.Success || r.VirtualCurrency != 2_000_000 {
		t.Fatalf("%+v, %v", r, err)
	}
	if offers, err := c.Rates(ctx, testPub); err != nil || len(offers) != 8 {
		t.Fatalf("rates %d, %v", len(offers), err)
	}
	sb.SetFailure(sandbox.Timeout)
	if _, err := c.Validate(ctx, testPub, testPriv, "ABC"); !errors.Is(err, ErrTimeout) {
		t.Fatalf("%v", err)
	}
	sb.SetFailure(sandbox.HTTP500)
	if _, err := c.Validate(ctx, testPub, testPriv, "ABC"); err == nil || !strings.Contains(err.Error(), "HTTP 500") {
		t.Fatalf("%v", err)
	}
}

// TestConcurrentValidation: many simultaneous attempts with one code, one
// success at the provider.
func TestConcurrentValidation(t *testing.T) {
	sb, c := newSandbox(t, sandbox.Options{})
	code := sb.IssueCode("1", "1")
	var wg sync.WaitGroup
	var ok, used atomic.Int64
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := c.Validate(context.Background(), testPub, testPriv, code)
			switch {
			case err != nil:
				t.Error(err)
			case r.Success:
				ok.Add(1)
			case r.Message == "Code already used":
				used.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 || used.Load() != 19 {
		t.Fatalf("successes %d, already used %d", ok.Load(), used.Load())
	}
}

func TestRates(t *testing.T) {
	sb, c := newSandbox(t, sandbox.Options{})
	offers, err := c.Rates(context.Background(), testPub)
	if err != nil {
		t.Fatal(err)
	}
	if len(offers) != 8 {
		t.Fatalf("%d offers", len(offers))
	}
	byRate := map[string]Offer{}
	for _, o := range offers {
		byRate[o.Rate] = o
	}
	sms := byRate["xx-FR-SMS-250"]
	if sms.CountryID != 1 || sms.CountryISO != "fr" || sms.CountryName != "France" || sms.Solution != "SMS" ||
		sms.UserPrice != "2.5" || sms.UserPriceCents != 250 || sms.UserCurrency != "EUR" || sms.UserEarns != 2_000_000 ||
		sms.Keyword == "" || sms.Shortcode == "" || !strings.Contains(sms.Mention, "<b>2,50 €</b>") {
		t.Fatalf("FR SMS: %+v", sms)
	}
	if o := byRate["xx-FR-SMS-150"]; o.UserPrice != "1.50" || o.UserPriceCents != 150 {
		t.Fatalf("FR SMS 150 (price as a string): %+v", o)
	}
	if o := byRate["AUDIOTEL-300"]; o.Solution != "Audiotel" || o.Phone == "" || o.UserEarns != 2_500_000 || o.UserPriceCents != 300 {
		t.Fatalf("FR Audiotel: %+v", o)
	}
	if o := byRate["neosurf500"]; o.Solution != "Neosurf" || o.Link == "" || o.UserPriceCents != 500 {
		t.Fatalf("FR Neosurf: %+v", o)
	}
	if o := byRate["BE-AUDIOTEL-200"]; o.CountryISO != "be" || o.UserPriceCents != 200 || o.UserEarns != 1_500_000 {
		t.Fatalf("BE Audiotel: %+v", o)
	}
	if o := byRate["SMS300CH"]; o.CountryID != 3 || o.UserCurrency != "CHF" || o.UserPriceCents != 300 {
		t.Fatalf("CH SMS (string country id): %+v", o)
	}
	if sb.RatesCalls() != 1 {
		t.Fatalf("RatesCalls = %d", sb.RatesCalls())
	}
}

func TestRatesCache(t *testing.T) {
	sb := sandbox.New(sandbox.Options{}) // no pair configured: any key works
	srv := httptest.NewServer(sb)
	defer srv.Close()
	c := New(srv.URL)
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	ctx := context.Background()

	first, err := c.Rates(ctx, "k1")
	if err != nil {
		t.Fatal(err)
	}
	first[0].Rate = "MUTATED" // callers cannot corrupt the cache
	second, err := c.Rates(ctx, "k1")
	if err != nil || second[0].Rate == "MUTATED" {
		t.Fatalf("%v, %v", second[0].Rate, err)
	}
	if sb.RatesCalls() != 1 {
		t.Fatalf("second call should hit the cache: %d requests", sb.RatesCalls())
	}
	if _, err := c.Rates(ctx, "k2"); err != nil || sb.RatesCalls() != 2 {
		t.Fatalf("another key is cached apart: %d requests, %v", sb.RatesCalls(), err)
	}
	now = now.Add(DefaultRatesTTL - time.Second)
	c.Rates(ctx, "k1")
	if sb.RatesCalls() != 2 {
		t.Fatalf("still fresh: %d requests", sb.RatesCalls())
	}
	now = now.Add(2 * time.Second)
	if _, err := c.Rates(ctx, "k1"); err != nil || sb.RatesCalls() != 3 {
		t.Fatalf("expired: %d requests, %v", sb.RatesCalls(), err)
	}

	// Failures are not cached.
	now = now.Add(time.Hour)
	sb.SetRatesFailure(sandbox.HTTP500)
	if _, err := c.Rates(ctx, "k1"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("%v", err)
	}
	sb.SetRatesFailure(sandbox.None)
	if _, err := c.Rates(ctx, "k1"); err != nil || sb.RatesCalls() != 5 {
		t.Fatalf("after failure: %d requests, %v", sb.RatesCalls(), err)
	}
	c.ForgetRates()
	c.Rates(ctx, "k1")
	if sb.RatesCalls() != 6 {
		t.Fatalf("ForgetRates: %d requests", sb.RatesCalls())
	}

	// A negative TTL disables the cache.
	c.RatesTTL = -1
	c.Rates(ctx, "k1")
	c.Rates(ctx, "k1")
	if sb.RatesCalls() != 8 {
		t.Fatalf("no cache: %d requests", sb.RatesCalls())
	}
}

func TestRatesConcurrent(t *testing.T) {
	_, c := newSandbox(t, sandbox.Options{})
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Rates(context.Background(), testPub); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

func TestRatesErrors(t *testing.T) {
	sb, c := newSandbox(t, sandbox.Options{})
	c.Timeout = 100 * time.Millisecond
	ctx := context.Background()

	_, err := c.Rates(ctx, "wrong")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "Invalid key") {
		t.Fatalf("wrong key: %v", err)
	}
	for _, mode := range []sandbox.Failure{sandbox.HTTP500, sandbox.BadJSON, sandbox.Timeout, sandbox.MissingStatus} {
		sb.SetRatesFailure(mode)
		if _, err := c.Rates(ctx, testPub); !errors.Is(err, ErrUnavailable) {
			t.Errorf("%v: %v", mode, err)
		}
	}
	// Validation is unaffected by rates failures.
	r, err := c.Validate(ctx, testPub, testPriv, sb.IssueCode("1", "1"))
	if err != nil || !r.Success {
		t.Fatalf("%+v, %v", r, err)
	}
}

func TestRatesDecoding(t *testing.T) {
	body := `[
	  {"country":{"id":"12","iso":"FR","name":"France","flag":"fr.png"},"solution":"SMS","rate":"A","user_price":"2,50","user_currency":"EUR","user_earns":"10","shortcode":81091,"keyword":"CODE","mention":"<i>x</i>","new_field":{"deep":[1]}},
	  {"country":{"id":2},"solution":"Audiotel","rate":"B","user_price":2.499,"user_earns":1.5,"phone":"0899"},
	  {"solution":"Paysafecard","rate":"C","user_price":"free","user_earns":"many","link":"https://x.example"},
	  {"solution":"SMS","rate":"D","user_price":1e1},
	  "not an offer", 42, null
	]`
	c, _ := fakeAPI(t, answer(body))
	offers, err := c.Rates(context.Background(), "k")
	if err != nil {
		t.Fatal(err)
	}
	if len(offers) != 4 {
		t.Fatalf("%d offers: %+v", len(offers), offers)
	}
	a, b, cc, d := offers[0], offers[1], offers[2], offers[3]
	if a.CountryID != 12 || a.UserPriceCents != 250 || a.UserPrice != "2,50" || a.UserEarns != 10_000_000 || a.Shortcode != "81091" || a.Mention != "<i>x</i>" {
		t.Fatalf("a: %+v", a)
	}
	if b.CountryID != 2 || b.UserPrice != "2.499" || b.UserPriceCents != 250 || b.UserEarns != 1_500_000 || b.Phone != "0899" {
		t.Fatalf("b: %+v", b)
	}
	if cc.UserPrice != "free" || cc.UserPriceCents != 0 || cc.UserEarns != 0 || cc.Link == "" {
		t.Fatalf("c: %+v", cc)
	}
	if d.UserPrice != "1e1" || d.UserPriceCents != 0 {
		t.Fatalf("d: %+v", d)
	}

	for name, body := range map[string]string{
		"error object": `{"status":"error","message":"Invalid key"}`,
		"other object": `{"offers":[]}`,
		"html":         `<html></html>`,
		"empty":        ``,
		"truncated":    `[{"rate":"A"`,
	} {
		c, _ := fakeAPI(t, answer(body))
		if _, err := c.Rates(context.Background(), "k"); !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s: %v", name, err)
		}
	}
	c, _ = fakeAPI(t, answer(`[]`))
	if offers, err := c.Rates(context.Background(), "k"); err != nil || len(offers) != 0 {
		t.Fatalf("empty list: %v, %v", offers, err)
	}
}

func TestStripKeys(t *testing.T) {
	in := `{"status":"success","payout":2.10,"virtual_currency":"3","private_key":"p","PUBLIC_KEY":"q","privateKey":"r","Key":"s","api-key":"t",
		"nested":[{"key":"u","keep":1.000000000000000000001,"msg":"contains SECRET"}],"html":"<b>&</b>"}`
	out, ok := StripKeys([]byte(in), "SECRET")
	if !ok {
		t.Fatal("not ok")
	}
	var back map[string]any
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&back); err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, bad := range []string{"private_key", "PUBLIC_KEY", "privateKey", `"Key"`, "api-key", `"key"`, "SECRET"} {
		if strings.Contains(s, bad) {
			t.Errorf("%s contains %q", s, bad)
		}
	}
	for _, keep := range []string{`"payout":2.10`, `"virtual_currency":"3"`, `1.000000000000000000001`, `"<b>&</b>"`, `"[removed]"`} {
		if !strings.Contains(s, keep) {
			t.Errorf("%s lacks %q", s, keep)
		}
	}
	for _, bad := range []string{"", "{", `{"a":1} {"b":2}`, "<html>"} {
		if out, ok := StripKeys([]byte(bad)); ok || out != nil {
			t.Errorf("StripKeys(%q) = %s, %v", bad, out, ok)
		}
	}
}

func TestRawForm(t *testing.T) {
	form := url.Values{
		"status": {"success"}, "code": {"ABC"}, "payout": {"2.10"}, "custom": {"u42"},
		"privateKey": {"k1"}, "private_key": {"k2"}, "tags": {"a", "b"}, "note": {"sent with k1"},
	}
	out := RawForm(form, "k1")
	var back map[string]any
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if back["code"] != "ABC" || back["payout"] != "2.10" || back["note"] != "[removed]" {
		t.Fatalf("%s", out)
	}
	if _, ok := back["privateKey"]; ok || strings.Contains(string(out), "k2") || strings.Contains(string(out), "k1") {
		t.Fatalf("%s", out)
	}
	if list, ok := back["tags"].([]any); !ok || len(list) != 2 {
		t.Fatalf("%s", out)
	}
}

// The page's country rule: that country's offers plus the "all" ones, any case; the
// country list leaves "all" out and is sorted by name.
func TestCountriesAndOffersFor(t *testing.T) {
	offers := []Offer{
		{CountryISO: "fr", CountryName: "France", Rate: "a"}, {CountryISO: "BE", CountryName: "Belgique", Rate: "b"},
		{CountryISO: "all", CountryName: "Tous les pays", Rate: "c"}, {CountryISO: "fr", CountryName: "France", Rate: "d"},
	}
	got := Countries(offers)
	if len(got) != 2 || got[0] != (Country{"be", "Belgique"}) || got[1] != (Country{"fr", "France"}) {
		t.Fatalf("countries %+v", got)
	}
	var rates []string
	for _, o := range OffersFor(offers, "Be") {
		rates = append(rates, o.Rate)
	}
	if strings.Join(rates, ",") != "b,c" {
		t.Fatalf("offers for be: %v", rates)
	}
}
