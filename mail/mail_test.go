package mail

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"recharge/apptest/smtpsink"
	"recharge/db"
	"recharge/i18n"
)

// keyLeft finds a catalog key left untranslated.
var keyLeft = regexp.MustCompile(`\bmail\.[a-z]+(_[a-z]+)*\b`)

// sample holds data for every field a template may show.
var sample = Data{Name: "Zoé <b>", URL: "https://portal.example/reset?token=abc", AmountCents: 123456, BalanceCents: 250,
	Currency: "EUR", Code: "AB12CD34", Product: "VPS S", InvoiceNumber: "F-000042", DueAt: 1767225600, Email: "new@example.com"}

func TestEveryTemplateRendersInEveryLanguage(t *testing.T) {
	if len(Templates()) < 7 {
		t.Fatalf("templates: %v", Templates())
	}
	for _, name := range Templates() {
		for _, lang := range i18n.Languages() {
			m := New(Config{Addr: "127.0.0.1:25"}, "https://portal.example")
			var q captured
			if _, err := m.Queue(context.Background(), &q, Message{To: "a@example.com", Lang: lang, Template: name, Data: sample}); err != nil {
				t.Fatal(err)
			}
			r, err := Render(q.it.Payload, Brand{Site: "Hébergeur & Co"})
			if err != nil {
				t.Fatalf("%s/%s: %v", name, lang, err)
			}
			for part, s := range map[string]string{"subject": r.Subject, "text": r.Text, "html": r.HTML} {
				if s == "" || strings.Contains(s, "%!") || keyLeft.MatchString(s) {
					t.Errorf("%s/%s %s is broken: %q", name, lang, part, s)
				}
			}
			if !strings.Contains(r.Text, "Hébergeur & Co") || !strings.Contains(r.HTML, "Hébergeur &amp; Co") {
				t.Errorf("%s/%s: site name missing or unescaped", name, lang)
			}
			if strings.Contains(r.HTML, "<b>") {
				t.Errorf("%s/%s: the user's name is not escaped in HTML", name, lang)
			}
			if !strings.Contains(r.Text, sample.URL) || !strings.Contains(r.HTML, "https://portal.example/reset?token=abc") {
				t.Errorf("%s/%s: the link is missing", name, lang)
			}
		}
	}
	// The French and English texts differ (each language has its own words).
	var fr, en captured
	m := New(Config{Addr: "127.0.0.1:25"}, "")
	_, _ = m.Queue(context.Background(), &fr, Message{To: "a@x.fr", Lang: "fr", Template: "topup", Data: sample})
	_, _ = m.Queue(context.Background(), &en, Message{To: "a@x.fr", Lang: "en", Template: "topup", Data: sample})
	rf, _ := Render(fr.it.Payload, Brand{Site: "S", Currency: "EUR"})
	re, _ := Render(en.it.Payload, Brand{Site: "S", Currency: "EUR"})
	if rf.Subject == re.Subject || !strings.Contains(rf.Text, "1 234,56") || !strings.Contains(re.Text, "1,234.56") {
		t.Errorf("fr %q / en %q", rf.Text, re.Text)
	}
}

// captured is a Queuer that keeps the row instead of writing it.
type captured struct{ it *db.OutboxItem }

func (c *captured) Enqueue(_ context.Context, it *db.OutboxItem) (bool, error) {
	c.it = it
	return true, nil
}

func TestNoSMTPQueuesNothing(t *testing.T) {
	var q captured
	queued, err := New(Config{}, "http://x").Queue(context.Background(), &q, Message{To: "a@b.c", Template: "reset"})
	if err != nil || queued || q.it != nil {
		t.Fatalf("queued %v %v", queued, err)
	}
	if _, err := New(Config{Addr: "h:1"}, "").Queue(context.Background(), &q, Message{To: "a@b.c", Template: "nope"}); err == nil {
		t.Fatal("an unknown template was queued")
	}
}

func TestConfigCheck(t *testing.T) {
	for _, c := range []Config{{Addr: "mail.example:587"}, {Addr: "h:25", TLS: "none"}, {Addr: "h:465", TLS: "tls"}, {}} {
		if err := c.Check(); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
	for _, c := range []Config{{Addr: "mail.example"}, {Addr: "h:25", TLS: "ssl"}} {
		if err := c.Check(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

// Send speaks real SMTP: plain, with STARTTLS, and with authentication; the mail
// arrives with its Message-ID, subject, text and HTML parts, and the site as sender.
func TestSendThroughRealSMTP(t *testing.T) {
	cases := []struct {
		name string
		opt  smtpsink.Options
		tls  string
	}{
		{"plain", smtpsink.Options{}, TLSNone},
		{"starttls", smtpsink.Options{StartTLS: true}, TLSStartTLS},
		{"starttls+auth", smtpsink.Options{StartTLS: true, User: "u", Password: "p w"}, TLSStartTLS},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sink := smtpsink.Start(t, c.opt)
			m := New(Config{Addr: sink.Addr, TLS: c.tls, TLSConfig: sink.TLS, User: c.opt.User, Password: c.opt.Password}, "https://portal.example")
			var q captured
			if _, err := m.Queue(context.Background(), &q, Message{To: "zoe@example.com", Lang: "fr", Template: "reset", Data: sample, ID: "reset-1"}); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := m.Send(ctx, q.it, Brand{Site: "Mon Hébergeur"}); err != nil {
				t.Fatal(err)
			}
			got := sink.Wait(1, 5*time.Second)[0]
			if got.MessageID != "<reset-1@portal.example>" || got.From != "noreply@portal.example" || len(got.To) != 1 || got.To[0] != "zoe@example.com" {
				t.Fatalf("headers: %+v", got)
			}
			if !strings.Contains(got.Subject, "Mon Hébergeur") || got.Link("/reset?token=") != sample.URL || !strings.Contains(got.HTML, "<a href=") {
				t.Fatalf("body: subject %q text %q html %q", got.Subject, got.Text, got.HTML)
			}
		})
	}
	// STARTTLS required but not offered: refused, nothing sent in the clear.
	sink := smtpsink.Start(t, smtpsink.Options{})
	m := New(Config{Addr: sink.Addr, TLS: TLSStartTLS}, "https://portal.example")
	var q captured
	_, _ = m.Queue(context.Background(), &q, Message{To: "zoe@example.com", Template: "reset", Data: sample})
	if err := m.Send(context.Background(), q.it, Brand{Site: "S"}); err == nil || len(sink.Mails()) != 0 {
		t.Fatalf("sent without the TLS it requires: %v, %d mails", err, len(sink.Mails()))
	}
}

func TestScrubbedForgetsOneTimeLinks(t *testing.T) {
	var q captured
	m := New(Config{Addr: "h:25"}, "https://p.example")
	_, _ = m.Queue(context.Background(), &q, Message{To: "a@b.c", Lang: "en", Template: "reset", Data: sample})
	s := Scrubbed(q.it)
	if s == "" || strings.Contains(s, "token") || Describe(&db.OutboxItem{Payload: s}) != "reset" {
		t.Fatalf("scrubbed reset payload: %q", s)
	}
	_, _ = m.Queue(context.Background(), &q, Message{To: "a@b.c", Lang: "en", Template: "topup", Data: sample})
	if Scrubbed(q.it) != "" {
		t.Fatal("a receipt was scrubbed")
	}
}
