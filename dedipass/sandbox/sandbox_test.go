package sandbox

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	pub  = "PUB"
	priv = "PRIV&+="
)

func start(t *testing.T, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	s := New(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

// get fetches path+query and decodes the JSON answer into a generic value
// (numbers kept as json.Number).
func get(t *testing.T, srv *httptest.Server, path string, q url.Values) (int, any, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var v any
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return resp.StatusCode, nil, string(body)
	}
	return resp.StatusCode, v, string(body)
}

func validate(t *testing.T, srv *httptest.Server, p, k, code string) map[string]any {
	t.Helper()
	status, v, body := get(t, srv, "/v1/pay/", url.Values{"public_key": {p}, "private_key": {k}, "code": {code}})
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("not an object: %s", body)
	}
	return m
}

func TestIssueCodeFormat(t *testing.T) {
	s := New(Options{})
	re := regexp.MustCompile(`^[A-Z0-9]{8}$`)
	seen := map[string]bool{}
	for range 2000 {
		c := s.IssueCode("1", "1")
		if !re.MatchString(c) {
			t.Fatalf("code %q", c)
		}
		if seen[c] {
			t.Fatalf("duplicate code %q", c)
		}
		seen[c] = true
	}
	if c := s.IssueTestCode("1", "1"); !re.MatchString(c) || seen[c] {
		t.Fatalf("test code %q", c)
	}
}

func TestValidateLifecycle(t *testing.T) {
	s, srv := start(t, Options{PublicKey: pub, PrivateKey: priv})
	code := s.IssueCode("3", "2.10")

	m := validate(t, srv, pub, priv, code)
	if m["status"] != "success" || m["code"] != code || m["rate"] != DefaultRate || m["message"] == "" {
		t.Fatalf("%v", m)
	}
	if !strings.HasPrefix(m["identifier"].(string), "SBX-") {
		t.Fatalf("identifier %v", m["identifier"])
	}
	// Alternate: first answer has payout as a number, virtual_currency as a string.
	if m["payout"] != json.Number("2.10") || m["virtual_currency"] != "3" {
		t.Fatalf("types: payout %#v vc %#v", m["payout"], m["virtual_currency"])
	}

	m = validate(t, srv, pub, priv, code)
	if m["status"] != "error" || m["message"] != "Code already used" {
		t.Fatalf("second: %v", m)
	}
	m = validate(t, srv, pub, priv, "UNKNOWN1")
	if m["status"] != "error" || m["message"] != "Invalid code" {
		t.Fatalf("unknown: %v", m)
	}
	m = validate(t, srv, pub, priv, "")
	if m["status"] != "error" || m["message"] != "Invalid code" {
		t.Fatalf("empty: %v", m)
	}
	if s.Calls() != 4 {
		t.Fatalf("Calls = %d", s.Calls())
	}

	// The next success answer flips the types.
	m = validate(t, srv, pub, priv, s.IssueCode("2.5", "1"))
	if m["payout"] != "1" || m["virtual_currency"] != json.Number("2.5") {
		t.Fatalf("types: payout %#v vc %#v", m["payout"], m["virtual_currency"])
	}
}

func TestNumberStyles(t *testing.T) {
	s, srv := start(t, Options{Numbers: AsNumbers})
	for range 3 {
		m := validate(t, srv, "a", "b", s.IssueCode("2", "1.5"))
		if m["payout"] != json.Number("1.5") || m["virtual_currency"] != json.Number("2") {
			t.Fatalf("%#v", m)
		}
	}
	// Text that is not a JSON number is sent as a string even in AsNumbers.
	m := validate(t, srv, "a", "b", s.IssueCode("+4", "lots"))
	if m["payout"] != "lots" || m["virtual_currency"] != "+4" {
		t.Fatalf("%#v", m)
	}
	// Empty text omits the field.
	m = validate(t, srv, "a", "b", s.IssueCode("", ""))
	if _, ok := m["virtual_currency"]; ok {
		t.Fatalf("%#v", m)
	}
	if _, ok := m["payout"]; ok {
		t.Fatalf("%#v", m)
	}

	s, srv = start(t, Options{Numbers: AsStrings})
	for range 3 {
		m := validate(t, srv, "a", "b", s.IssueCode("2", "1.5"))
		if m["payout"] != "1.5" || m["virtual_currency"] != "2" {
			t.Fatalf("%#v", m)
		}
	}
}

func TestTestCode(t *testing.T) {
	s, srv := start(t, Options{})
	m := validate(t, srv, "a", "b", s.IssueTestCode("1", "0"))
	if m["status"] != "success" || m["rate"] != TestRate {
		t.Fatalf("%v", m)
	}
}

func TestKeys(t *testing.T) {
	s, srv := start(t, Options{})
	code := s.IssueCode("1", "1")
	// No pair configured: any non-empty pair, but not empty keys.
	for _, k := range [][2]string{{"", "x"}, {"x", ""}, {"", ""}} {
		if m := validate(t, srv, k[0], k[1], code); m["message"] != "Invalid key" {
			t.Fatalf("%q: %v", k, m)
		}
	}
	s.SetKeys(pub, priv)
	for _, k := range [][2]string{{"x", "y"}, {pub, "y"}, {"x", priv}, {priv, pub}, {strings.ToLower(pub), priv}} {
		if m := validate(t, srv, k[0], k[1], code); m["status"] != "error" || m["message"] != "Invalid key" {
			t.Fatalf("%q: %v", k, m)
		}
	}
	if m := validate(t, srv, pub, priv, code); m["status"] != "success" {
		t.Fatalf("right keys after wrong ones: %v", m)
	}
}

func TestRatesAnswer(t *testing.T) {
	s, srv := start(t, Options{PublicKey: pub, PrivateKey: priv})
	status, v, body := get(t, srv, "/v1/pay/rates", url.Values{"key": {pub}})
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	list, ok := v.([]any)
	if !ok || len(list) != 8 {
		t.Fatalf("%s", body)
	}
	countries := map[string]map[string]bool{}
	priceNumber, priceString := false, false
	for _, item := range list {
		o := item.(map[string]any)
		c := o["country"].(map[string]any)
		iso := c["iso"].(string)
		if countries[iso] == nil {
			countries[iso] = map[string]bool{}
		}
		countries[iso][o["solution"].(string)] = true
		for _, f := range []string{"rate", "user_currency", "mention"} {
			if o[f] == "" || o[f] == nil {
				t.Errorf("%v lacks %s", o, f)
			}
		}
		switch o["user_price"].(type) {
		case json.Number:
			priceNumber = true
		case string:
			priceString = true
		}
		if o["user_earns"] == nil || c["id"] == nil || c["name"] == "" {
			t.Errorf("%v", o)
		}
		switch o["solution"] {
		case "SMS":
			if o["keyword"] == nil || o["shortcode"] == nil {
				t.Errorf("SMS offer without keyword/shortcode: %v", o)
			}
		case "Audiotel":
			if o["phone"] == nil {
				t.Errorf("Audiotel offer without phone: %v", o)
			}
		case "Neosurf":
			if o["link"] == nil {
				t.Errorf("Neosurf offer without link: %v", o)
			}
		}
	}
	if !priceNumber || !priceString {
		t.Errorf("user_price should mix numbers and strings")
	}
	// ISO codes lower-case as Dedipass sends them, and the pseudo-country "all".
	want := map[string][]string{"fr": {"SMS", "Audiotel", "Neosurf"}, "be": {"SMS", "Audiotel"}, "ch": {"SMS"}, "all": {"Paysafecard"}}
	for iso, sols := range want {
		for _, sol := range sols {
			if !countries[iso][sol] {
				t.Errorf("no %s offer in %s", sol, iso)
			}
		}
	}
	if !strings.Contains(body, "<b>2,50 €</b> par SMS") {
		t.Errorf("HTML mention escaped or missing: %s", body)
	}

	_, v, _ = get(t, srv, "/v1/pay/rates", url.Values{})
	if m := v.(map[string]any); m["status"] != "error" || m["message"] != "Missing key" {
		t.Fatalf("missing key: %v", m)
	}
	_, v, _ = get(t, srv, "/v1/pay/rates", url.Values{"key": {"nope"}})
	if m := v.(map[string]any); m["status"] != "error" || m["message"] != "Invalid key" {
		t.Fatalf("wrong key: %v", m)
	}
	if s.RatesCalls() != 3 || s.Calls() != 0 {
		t.Fatalf("RatesCalls %d Calls %d", s.RatesCalls(), s.Calls())
	}
}

func TestRoutes(t *testing.T) {
	_, srv := start(t, Options{})
	for _, p := range []string{"/v1/pay/rates/", "/v1/pay"} {
		if status, v, body := get(t, srv, p, url.Values{"key": {"k"}}); status != 200 || v == nil {
			t.Errorf("%s: %d %s", p, status, body)
		}
	}
	if status, _, _ := get(t, srv, "/", nil); status != http.StatusNotFound {
		t.Errorf("/: %d", status)
	}
	if status, _, _ := get(t, srv, "/v1/pay/rates/extra", nil); status != http.StatusNotFound {
		t.Errorf("extra: %d", status)
	}
	resp, err := http.Post(srv.URL+"/v1/pay/", "application/x-www-form-urlencoded", strings.NewReader("code=A"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") == "" {
		t.Errorf("POST: %d", resp.StatusCode)
	}
}

func TestMountedUnderPrefix(t *testing.T) {
	s := New(Options{})
	mux := http.NewServeMux()
	mux.Handle("/sandbox/dedipass/", http.StripPrefix("/sandbox/dedipass", s))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	status, v, body := get(t, srv, "/sandbox/dedipass/v1/pay/rates", url.Values{"key": {"k"}})
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	if _, ok := v.([]any); !ok {
		t.Fatalf("%s", body)
	}
	m := validateAt(t, srv.URL+"/sandbox/dedipass/v1/pay/", s.IssueCode("1", "1"))
	if m["status"] != "success" {
		t.Fatalf("%v", m)
	}
}

func validateAt(t *testing.T, endpoint, code string) map[string]any {
	t.Helper()
	resp, err := http.Get(endpoint + "?" + url.Values{"public_key": {"a"}, "private_key": {"b"}, "code": {code}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestFailuresDoNotConsume(t *testing.T) {
	s, srv := start(t, Options{TimeoutSleep: 50 * time.Millisecond})
	code := s.IssueCode("1", "1")
	q := url.Values{"public_key": {"a"}, "private_key": {"b"}, "code": {code}}

	s.SetFailure(HTTP500)
	if status, _, _ := get(t, srv, "/v1/pay/", q); status != 500 {
		t.Fatalf("HTTP500: %d", status)
	}
	s.SetFailure(BadJSON)
	if status, v, body := get(t, srv, "/v1/pay/", q); status != 200 || v != nil || !strings.Contains(body, "<html>") {
		t.Fatalf("BadJSON: %d %s", status, body)
	}
	s.SetFailure(MissingStatus)
	if _, v, _ := get(t, srv, "/v1/pay/", q); v.(map[string]any)["status"] != nil {
		t.Fatalf("MissingStatus: %v", v)
	}
	s.SetFailure(Timeout) // short sleep configured: answers 504 after it
	if status, _, _ := get(t, srv, "/v1/pay/", q); status != http.StatusGatewayTimeout {
		t.Fatalf("Timeout: %d", status)
	}
	s.SetFailure(None)
	if m := validate(t, srv, "a", "b", code); m["status"] != "success" {
		t.Fatalf("after failures: %v", m)
	}
	if s.Calls() != 5 {
		t.Fatalf("Calls = %d", s.Calls())
	}

	// Rates failures are independent of validation failures.
	s.SetRatesFailure(HTTP500)
	if status, _, _ := get(t, srv, "/v1/pay/rates", url.Values{"key": {"k"}}); status != 500 {
		t.Fatalf("rates failure: %d", status)
	}
	if m := validate(t, srv, "a", "b", s.IssueCode("1", "1")); m["status"] != "success" {
		t.Fatalf("validation during rates failure: %v", m)
	}
}

func TestTimeoutEndsWithClient(t *testing.T) {
	s, srv := start(t, Options{}) // default 30 s stall
	s.SetFailure(Timeout)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v1/pay/?code=A", nil)
	start := time.Now()
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("expected a client timeout")
	}
	// Close waits for the handler: it must have noticed the client leaving.
	srv.Close()
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("handler kept stalling: %v", d)
	}
}

func TestIssueCodeForRate(t *testing.T) {
	s, srv := start(t, Options{Numbers: AsStrings})
	code, ok := s.IssueCodeForRate("AUDIOTEL-300")
	if !ok {
		t.Fatal("known rate refused")
	}
	m := validate(t, srv, "a", "b", code)
	if m["status"] != "success" || m["rate"] != "AUDIOTEL-300" || m["virtual_currency"] != "2.5" || m["payout"] != "1.62" {
		t.Fatalf("%v", m)
	}
	if _, ok := s.IssueCodeForRate("XX-NOPE"); ok {
		t.Fatal("unknown rate accepted")
	}
}

func TestBuildCallback(t *testing.T) {
	s, srv := start(t, Options{PublicKey: pub, PrivateKey: priv})
	code := s.IssueCode("2.5", "1.3750")
	v := s.BuildCallback(strings.ToLower(code), "user-42")
	want := map[string]string{
		"status": "success", "code": code, "rate": DefaultRate, "payout": "1.3750",
		"virtual_currency": "2.5", "custom": "user-42", "privateKey": priv,
	}
	for k, w := range want {
		if got := v.Get(k); got != w {
			t.Errorf("%s = %q; want %q", k, got, w)
		}
	}
	if !strings.HasPrefix(v.Get("identifier"), "SBX-") {
		t.Errorf("identifier %q", v.Get("identifier"))
	}
	// The identifier is the one validation reports, and BuildCallback did
	// not consume the code.
	m := validate(t, srv, pub, priv, code)
	if m["status"] != "success" || m["identifier"] != v.Get("identifier") {
		t.Fatalf("%v vs %v", m, v)
	}

	test := s.BuildCallback(s.IssueTestCode("1", "0"), "c")
	if test.Get("rate") != TestRate {
		t.Errorf("test code callback rate %q", test.Get("rate"))
	}
	unknown := s.BuildCallback("NOPE1234", "c")
	if unknown.Get("status") != "error" || unknown.Get("virtual_currency") != "" || unknown.Get("code") != "NOPE1234" {
		t.Errorf("unknown code callback %v", unknown)
	}
	s.SetKeys("", "")
	if got := s.BuildCallback(code, "c").Get("privateKey"); got != "" {
		t.Errorf("privateKey with no keys = %q", got)
	}
}

func TestMarkUsed(t *testing.T) {
	s, srv := start(t, Options{})
	code := s.IssueCode("1", "1")
	if !s.MarkUsed(strings.ToLower(code)) {
		t.Fatal("MarkUsed of a fresh code = false")
	}
	if s.MarkUsed(code) || s.MarkUsed("NOPE") {
		t.Fatal("MarkUsed twice or of an unknown code = true")
	}
	if m := validate(t, srv, "a", "b", code); m["message"] != "Code already used" {
		t.Fatalf("%v", m)
	}
}

func TestConcurrentUse(t *testing.T) {
	s, srv := start(t, Options{})
	codes := make([]string, 10)
	for i := range codes {
		codes[i] = s.IssueCode("1", "1")
	}
	var mu sync.Mutex
	successes := map[string]int{}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%10 == 0 {
				s.SetFailure(None)
				s.SetKeys("", "")
				s.IssueTestCode("1", "1")
			}
			code := codes[i%len(codes)]
			resp, err := http.Get(srv.URL + "/v1/pay/?" + url.Values{"public_key": {"a"}, "private_key": {"b"}, "code": {code}}.Encode())
			if err != nil {
				t.Error(err) // not Fatal: this is not the test goroutine
				return
			}
			defer resp.Body.Close()
			var m map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
				t.Error(err)
				return
			}
			if m["status"] == "success" {
				mu.Lock()
				successes[code]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, c := range codes {
		if successes[c] != 1 {
			t.Errorf("code %s succeeded %d times", c, successes[c])
		}
	}
	if s.Calls() != 50 {
		t.Errorf("Calls = %d", s.Calls())
	}
}

func TestRoundTripTransport(t *testing.T) {
	s := New(Options{})
	client := &http.Client{Transport: s}
	resp, err := client.Get("http://anything.invalid/v1/pay/rates?key=k")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") == "" || !strings.HasPrefix(string(body), "[") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	s.SetFailure(Timeout)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://x.invalid/v1/pay/?code=A", nil)
	if _, err := client.Do(req); err == nil {
		t.Fatal("expected the context's error")
	}
}

func TestFailureString(t *testing.T) {
	for f, want := range map[Failure]string{None: "none", HTTP500: "http500", BadJSON: "badjson", Timeout: "timeout", MissingStatus: "missingstatus", 99: "Failure(99)"} {
		if f.String() != want {
			t.Errorf("%d: %q", int(f), f.String())
		}
	}
}
