package mail

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	texttemplate "text/template"
	"time"

	"recharge/i18n"
	"recharge/money"
)

// Rendered is a mail ready to send.
type Rendered struct {
	Subject, Text, HTML string
}

// content is what one mail says; the layouts (templates/layout.*) give it its shape.
type content struct {
	Site        string
	Lang        string
	Greeting    string
	Lines       []string
	ActionLabel string
	ActionURL   string
	Note        string
	Subject     string
}

// templates are the mails the portal sends, by name: each fills a content from its
// data in one language. Every string is a catalog key (i18n/locales/*/mail.json).
var templates = map[string]func(lang, site string, d Data) content{
	"reset": func(lang, site string, d Data) content {
		return content{Subject: i18n.T(lang, "mail.reset_subject", site),
			Lines:       []string{i18n.T(lang, "mail.reset_body", site)},
			ActionLabel: i18n.T(lang, "mail.reset_action"), ActionURL: d.URL,
			Note: i18n.T(lang, "mail.reset_note")}
	},
	"email_confirm": func(lang, site string, d Data) content {
		return content{Subject: i18n.T(lang, "mail.email_subject", site),
			Lines:       []string{i18n.T(lang, "mail.email_body", d.Email, site)},
			ActionLabel: i18n.T(lang, "mail.email_action"), ActionURL: d.URL,
			Note: i18n.T(lang, "mail.email_note")}
	},
	"topup": func(lang, site string, d Data) content {
		return content{Subject: i18n.T(lang, "mail.topup_subject", amount(lang, d.AmountCents, d.Currency)),
			Lines: []string{i18n.T(lang, "mail.topup_body", amount(lang, d.AmountCents, d.Currency), d.Code),
				i18n.T(lang, "mail.balance_line", amount(lang, d.BalanceCents, d.Currency))},
			ActionLabel: i18n.T(lang, "mail.topup_action"), ActionURL: d.URL}
	},
	"purchase": func(lang, site string, d Data) content {
		return content{Subject: i18n.T(lang, "mail.purchase_subject", d.Product),
			Lines: []string{i18n.T(lang, "mail.purchase_body", d.Product, amount(lang, d.AmountCents, d.Currency)),
				i18n.T(lang, "mail.invoice_line", d.InvoiceNumber),
				i18n.T(lang, "mail.balance_line", amount(lang, d.BalanceCents, d.Currency))},
			ActionLabel: i18n.T(lang, "mail.invoice_action"), ActionURL: d.URL}
	},
	"renewal_done": func(lang, site string, d Data) content {
		return content{Subject: i18n.T(lang, "mail.renewal_subject", d.Product),
			Lines: []string{i18n.T(lang, "mail.renewal_body", d.Product, amount(lang, d.AmountCents, d.Currency), i18n.Day(lang, d.loc, d.DueAt)),
				i18n.T(lang, "mail.invoice_line", d.InvoiceNumber),
				i18n.T(lang, "mail.balance_line", amount(lang, d.BalanceCents, d.Currency))},
			ActionLabel: i18n.T(lang, "mail.invoice_action"), ActionURL: d.URL}
	},
	"renewal_low": func(lang, site string, d Data) content {
		return content{Subject: i18n.T(lang, "mail.low_subject", d.Product),
			Lines: []string{i18n.T(lang, "mail.low_body", d.Product, i18n.Day(lang, d.loc, d.DueAt), amount(lang, d.AmountCents, d.Currency)),
				i18n.T(lang, "mail.balance_line", amount(lang, d.BalanceCents, d.Currency))},
			ActionLabel: i18n.T(lang, "mail.topup_now"), ActionURL: d.URL}
	},
	// pending_admin tells the admins a Dedipass payment waits for their decision.
	"pending_admin": func(lang, site string, d Data) content {
		lines := []string{i18n.T(lang, "webhooks.mail_pending_body", d.Code, amount(lang, d.AmountCents, d.Currency))}
		if d.Email != "" {
			lines = append(lines, i18n.T(lang, "webhooks.mail_pending_customer", d.Email))
		}
		return content{Subject: i18n.T(lang, "webhooks.mail_pending_subject", site, d.Code),
			Lines: lines, ActionLabel: i18n.T(lang, "webhooks.mail_pending_action"), ActionURL: d.URL}
	},
	"renewal_failed": func(lang, site string, d Data) content {
		return content{Subject: i18n.T(lang, "mail.failed_subject", d.Product),
			Lines: []string{i18n.T(lang, "mail.failed_body", d.Product, amount(lang, d.AmountCents, d.Currency)),
				i18n.T(lang, "mail.balance_line", amount(lang, d.BalanceCents, d.Currency))},
			ActionLabel: i18n.T(lang, "mail.topup_now"), ActionURL: d.URL}
	},
}

// Templates lists the mail names (tests render each one in every language).
func Templates() []string {
	out := make([]string, 0, len(templates))
	for name := range templates {
		out = append(out, name)
	}
	return out
}

//go:embed templates
var files embed.FS

var (
	textLayout = texttemplate.Must(texttemplate.ParseFS(files, "templates/layout.txt"))
	htmlLayout = htmltemplate.Must(htmltemplate.ParseFS(files, "templates/layout.html"))
)

// Brand is what every mail is signed with (the site name), unless the event names
// its own, priced in, and the zone its dates are in: read when the mail is sent.
type Brand struct {
	Site, Currency string
	Location       *time.Location // nil = UTC
}

// Render turns an outbox payload into the mail to send.
func Render(raw string, b Brand) (Rendered, error) {
	site := b.Site
	if site == "" {
		site = "Recharge"
	}
	var p payload
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return Rendered{}, fmt.Errorf("mail payload: %w", err)
	}
	fill, ok := templates[p.Template]
	if !ok {
		return Rendered{}, fmt.Errorf("mail: unknown template %q", p.Template)
	}
	if !i18n.Supported(p.Lang) {
		p.Lang = i18n.Default
	}
	if p.Data.Currency == "" {
		p.Data.Currency = b.Currency
	}
	p.Data.loc = b.Location
	c := fill(p.Lang, site, p.Data)
	c.Site, c.Lang = site, p.Lang
	c.Greeting = i18n.T(p.Lang, "mail.hello")
	if p.Data.Name != "" {
		c.Greeting = i18n.T(p.Lang, "mail.hello_name", p.Data.Name)
	}
	var text, html bytes.Buffer
	if err := textLayout.Execute(&text, c); err != nil {
		return Rendered{}, err
	}
	if err := htmlLayout.Execute(&html, c); err != nil {
		return Rendered{}, err
	}
	return Rendered{Subject: c.Subject, Text: text.String(), HTML: html.String()}, nil
}

func amount(lang string, cents int64, currency string) string {
	if currency == "" {
		currency = "EUR"
	}
	return money.Cents(cents).Format(lang, currency)
}
