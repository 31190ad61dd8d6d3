package notify

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
)

// Webhook URLs: only http(s), never the portal itself, and no private or loopback
// address unless the escape (--webhooks-allow-private) is set.
func TestURLValidation(t *testing.T) {
	strict := NewTarget("https://client.example.com", false)
	loose := NewTarget("http://127.0.0.1:8080", true)
	cases := []struct {
		t    Target
		url  string
		want error
	}{
		{strict, "ftp://example.com/hook", ErrURLScheme},
		{strict, "javascript:alert(1)", ErrURLScheme},
		{strict, "mailto:a@example.com", ErrURLScheme},
		{strict, "file:///etc/passwd", ErrURLScheme},
		{strict, "https://client.example.com/api/dedipass", ErrURLSelf},
		{strict, "https://CLIENT.example.com:443/x", ErrURLSelf},
		{strict, "http://127.0.0.1:9000/hook", ErrURLPrivate},
		{strict, "http://[::1]:9000/hook", ErrURLPrivate},
		{strict, "http://10.0.0.1/hook", ErrURLPrivate},
		{strict, "http://192.168.1.10/hook", ErrURLPrivate},
		{strict, "http://169.254.169.254/latest/meta-data", ErrURLPrivate},
		{strict, "http://0.0.0.0:80/", ErrURLPrivate},
		{strict, "http://[::ffff:127.0.0.1]/", ErrURLPrivate},
		{strict, "http://localhost:9000/", ErrURLPrivate},
		{strict, "http://2130706433/", ErrURLPrivate},
		{strict, "http://0x7f.0.0.1/", ErrURLPrivate},
		{strict, "http://user:pass@example.com/", ErrURLInvalid},
		{strict, "https:///nohost", ErrURLInvalid},
		{strict, "not a url", ErrURLInvalid},
		{strict, "", ErrURLInvalid},
		{strict, "https://hooks.example.com/recharge?x=1", nil},
		{strict, "https://discord.com/api/webhooks/123/abc", nil},
		{strict, "http://client.example.com:8443/other-port", nil},
		{strict, "http://8.8.8.8/hook", nil},
		{strict, "http://[2001:4860:4860::8888]/hook", nil},
		// The escape lets loopback receivers in, never the portal itself.
		{loose, "http://127.0.0.1:9000/hook", nil},
		{loose, "http://[::1]:9000/hook", nil},
		{loose, "http://10.0.0.1/hook", nil},
		{loose, "http://127.0.0.1:8080/api/dedipass", ErrURLSelf},
		{loose, "ftp://127.0.0.1:9000/", ErrURLScheme},
	}
	for _, c := range cases {
		_, err := c.t.ParseURL(c.url)
		if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("%q (allow private %t): got %v, want %v", c.url, c.t.AllowPrivate, err, c.want)
		}
	}
}

func TestIsDiscord(t *testing.T) {
	for raw, want := range map[string]bool{
		"https://discord.com/api/webhooks/1/tok":          true,
		"https://discordapp.com/api/webhooks/1/tok":       true,
		"https://canary.discord.com/api/webhooks/1/tok":   true,
		"http://discord.com/api/webhooks/1/tok":           false, // not https
		"https://discord.com/channels/1":                  false,
		"https://discord.com.evil.example/api/webhooks/1": false,
		"https://example.com/api/webhooks/1":              false,
	} {
		u, _ := url.Parse(raw)
		if got := IsDiscord(u); got != want {
			t.Errorf("IsDiscord(%s) = %t", raw, got)
		}
	}
	if got := RedactURL("https://discord.com/api/webhooks/123/SECRET-TOKEN"); strings.Contains(got, "SECRET") || !strings.Contains(got, "123") {
		t.Errorf("redacted Discord URL: %s", got)
	}
}

func TestSignature(t *testing.T) {
	body := []byte(`{"id":"x"}`)
	// echo -n '{"id":"x"}' | openssl dgst -sha256 -hmac s3cret
	sig := Sign("s3cret", body)
	if !strings.HasPrefix(sig, "sha256=") || len(sig) != 7+64 || !Verify("s3cret", body, sig) || Verify("other", body, sig) {
		t.Fatalf("signature %s", sig)
	}
}

func TestDiscordMessage(t *testing.T) {
	b := Body{ID: "payment.credited-1", Event: EventPaymentCredited, Data: EventData{
		Payment: &Payment{ID: 1, AmountCents: 250, Currency: "EUR"}, Customer: &Customer{ID: 2, Email: "zoe@example.com"}}}
	var m struct {
		Content         string         `json:"content"`
		AllowedMentions map[string]any `json:"allowed_mentions"`
	}
	if err := json.Unmarshal(DiscordMessage(b, "EUR"), &m); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Content, "2,50") || !strings.Contains(m.Content, "€") || !strings.Contains(m.Content, "zoe@example.com") || m.AllowedMentions == nil {
		t.Fatalf("discord message %+v", m)
	}
	if id, ok := endpointOf(DeliveryID("service.expired-4-1700000000", 12)); !ok || id != 12 {
		t.Fatalf("endpoint of a delivery id: %d %t", id, ok)
	}
}
