package handlers

import (
	"html/template"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"

	"recharge/billing"
	"recharge/dedipass"
	"recharge/money"
	"recharge/settings"
)

// OfferView is one Dedipass offer as the payment page shows it.
type OfferView struct {
	Rate        string // Dedipass's opaque id of the offer
	Price       string
	CreditCents int64
	Keyword     string
	Shortcode   string
	Phone       string
	Link        string
	Mention     template.HTML // sanitised by dedipass.SanitizeMention
}

// SolutionGroup gathers a country's offers of one solution (SMS, Audiotel, …).
type SolutionGroup struct {
	Name   string
	Offers []OfferView
}

// CountryGroup gathers the offers of one country.
type CountryGroup struct {
	Name      string
	ISO       string
	Solutions []SolutionGroup
}

func groupOffers(offers []dedipass.Offer, cfg settings.Dedipass, lang string) []CountryGroup {
	var out []CountryGroup
	idx := map[string]int{}
	for _, o := range offers {
		ci, ok := idx[o.CountryISO+"|"+o.CountryName]
		if !ok {
			ci = len(out)
			idx[o.CountryISO+"|"+o.CountryName] = ci
			out = append(out, CountryGroup{Name: o.CountryName, ISO: strings.ToUpper(o.CountryISO)})
		}
		credit, err := cfg.CreditFor(o.UserEarns)
		if err != nil {
			credit = 0
		}
		price := o.UserPrice + " " + o.UserCurrency
		if o.UserPriceCents > 0 {
			price = o.UserPriceCents.Format(lang, o.UserCurrency)
		}
		view := OfferView{Rate: o.Rate, Price: price, CreditCents: int64(credit), Keyword: o.Keyword, Shortcode: o.Shortcode,
			Phone: o.Phone, Link: safeLink(o.Link), Mention: template.HTML(dedipass.SanitizeMention(o.Mention))}
		sols := out[ci].Solutions
		si := -1
		for i := range sols {
			if sols[i].Name == o.Solution {
				si = i
			}
		}
		if si < 0 {
			sols = append(sols, SolutionGroup{Name: o.Solution})
			si = len(sols) - 1
		}
		sols[si].Offers = append(sols[si].Offers, view)
		out[ci].Solutions = sols
	}
	for _, c := range out {
		for _, s := range c.Solutions {
			sort.SliceStable(s.Offers, func(i, j int) bool { return s.Offers[i].CreditCents < s.Offers[j].CreditCents })
		}
	}
	return out
}

// safeLink keeps only http(s) links from the provider.
func safeLink(l string) string {
	if len(l) > 8 && (l[:8] == "https://" || l[:7] == "http://") {
		return l
	}
	return ""
}

// dedipassPage renders the payment page, optionally with a result or a sandbox code.
func (s *Server) dedipassPage(c *fiber.Ctx, status int, result *billing.RedeemResult, sandboxCode string) error {
	ctx := c.UserContext()
	set, err := s.settingsOf(c)
	if err != nil {
		return err
	}
	cfg := set.Dedipass
	u := currentUser(c)
	data := fiber.Map{"Nav": "dedipass", "Config": cfg, "Custom": u.Custom, "SandboxCode": sandboxCode}
	if result != nil {
		data["Result"] = s.resultView(c, result)
	}
	if cfg.WidgetPage() {
		// Dedipass's own widget: its script and frames are allowed on this page alone.
		c.Set(fiber.HeaderContentSecurityPolicy, widgetCSP)
		data["Widget"], data["WidgetScript"] = true, DedipassWidgetOrigin+"/v1/pay.js"
		return s.page(c, status, "client/dedipass", "Dedipass", data)
	}
	if offers, err := s.dedipass.Offers(ctx, cfg); err != nil {
		s.log.Warn("dedipass rates unavailable", "err", err.Error())
		data["OffersError"] = true
	} else {
		lang := langOf(c)
		choices := dedipass.Countries(offers)
		country := pickCountry(choices, c.Query("country"), lang)
		data["CountryChoices"], data["Country"] = choices, country
		data["Countries"] = groupOffers(dedipass.OffersFor(offers, country), cfg, lang)
		data["SandboxOffers"] = groupOffers(offers, cfg, lang) // an admin may simulate any offer
	}
	return s.page(c, status, "client/dedipass", "Dedipass", data)
}

// languageCountry is the country a page in a language shows first.
var languageCountry = map[string]string{"fr": "fr", "en": "gb"}

// pickCountry is the country whose offers the page shows: the one asked for when
// offers exist there, else the language's own, else the first by name.
func pickCountry(choices []dedipass.Country, asked, lang string) string {
	has := func(iso string) bool {
		for _, c := range choices {
			if strings.EqualFold(c.ISO, iso) {
				return true
			}
		}
		return false
	}
	switch {
	case asked != "" && has(asked):
		return strings.ToLower(asked)
	case has(languageCountry[lang]):
		return languageCountry[lang]
	case len(choices) > 0:
		return choices[0].ISO
	}
	return ""
}

// ResultView is the result block of the payment form.
type ResultView struct {
	Outcome      string
	CreditCents  int64
	BalanceCents int64
	Message      string
	Kind         string
}

func (s *Server) resultView(c *fiber.Ctx, r *billing.RedeemResult) ResultView {
	_, key := redeemOutcome(*r)
	var args []any
	if r.Outcome == billing.OutcomeCredited {
		lang := langOf(c)
		args = []any{money.Cents(r.CreditCents).Format(lang, s.currencyCode()), money.Cents(r.BalanceCents).Format(lang, s.currencyCode())}
	}
	kind := "error"
	switch r.Outcome {
	case billing.OutcomeCredited:
		kind = "success"
	case billing.OutcomeDuplicate, billing.OutcomeTest:
		kind = "warning"
	}
	return ResultView{Outcome: r.Outcome.String(), CreditCents: r.CreditCents, BalanceCents: r.BalanceCents, Message: tr(c, key, args...), Kind: kind}
}

func (s *Server) dedipassShow(c *fiber.Ctx) error {
	return s.dedipassPage(c, fiber.StatusOK, nil, "")
}

// dedipassRedeem is POST /client/dedipass: the fragment for htmx, the full page without JS.
func (s *Server) dedipassRedeem(c *fiber.Ctx) error {
	set, err := s.settingsOf(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	res, err := s.dedipass.Redeem(c.UserContext(), set.Dedipass, u, c.FormValue("code"))
	if err != nil {
		return err
	}
	u.BalanceCents = res.BalanceCents
	status, _ := redeemOutcome(res)
	if isHTMX(c) {
		return s.fragment(c, status, "partials/dedipass_result", fiber.Map{"Result": s.resultView(c, &res), "OOB": true})
	}
	return s.dedipassPage(c, status, &res, "")
}

// dedipassSandboxCode issues a sandbox code "as if an SMS had been sent".
func (s *Server) dedipassSandboxCode(c *fiber.Ctx) error {
	set, err := s.settingsOf(c)
	if err != nil {
		return err
	}
	code, err := s.dedipass.IssueSandboxCode(c.UserContext(), set.Dedipass, currentUser(c), c.FormValue("rate"))
	if err != nil {
		return err // not an admin, sandbox off, too many: the error page, as errorTable says
	}
	if isHTMX(c) {
		return s.fragment(c, fiber.StatusOK, "partials/sandbox_code", fiber.Map{"SandboxCode": code})
	}
	return s.dedipassPage(c, fiber.StatusOK, nil, code)
}

// dedipassBalance is GET /client/dedipass/balance: the payment page polls it (htmx,
// every 3 s) so the balance follows credits that arrive by callback (paid on another
// device, or through the widget) without a reload. It costs the session lookup the
// request makes anyway and one small fragment. It renders with only what the
// fragment shows, not pageData: a poll every 3 s must not mint CSRF tokens nor take the
// one-shot flash message meant for the next page.
func (s *Server) dedipassBalance(c *fiber.Ctx) error {
	return c.Render("partials/balance_poll", fiber.Map{"Lang": langOf(c), "User": currentUser(c)})
}

func (s *Server) dedipassHistory(c *fiber.Ctx) error {
	u := currentUser(c)
	p := pager(c, 25)
	rows, total, err := s.store.PaymentsOfUser(c.UserContext(), u.ID, p.PerPage, p.Offset())
	if err != nil {
		return err
	}
	p.Total = total
	return s.page(c, fiber.StatusOK, "client/dedipass_history", tr(c, "nav.dedipass_history"),
		fiber.Map{"Nav": "dedipass_history", "Payments": rows, "Pager": p})
}
