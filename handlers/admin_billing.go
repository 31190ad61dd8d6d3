package handlers

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"recharge/backoffice"
	"recharge/db"
	"recharge/dedipass"
	"recharge/money"
)

// paymentSearch is the admin's payment search: the database filter, with the code
// prefix normalised by dedipass.SearchPrefix, and the code text as the admin typed it
// (shown back, kept in links).
type paymentSearch struct {
	db.PaymentFilter
	Q string
}

// paymentFilter reads q, status and user from the query string (SPEC §8).
func paymentFilter(c *fiber.Ctx) (paymentSearch, error) {
	q := strings.TrimSpace(c.Query("q"))
	prefix, ok := dedipass.SearchPrefix(q)
	f := paymentSearch{Q: q, PaymentFilter: db.PaymentFilter{Code: prefix, NoCode: !ok,
		Status: strings.TrimSpace(c.Query("status")), Mode: c.Query("mode")}}
	if f.Status != "" && !db.ValidPaymentStatus(f.Status) {
		return f, fiber.NewError(fiber.StatusBadRequest, tr(c, "admin.bad_status"))
	}
	if f.Mode != "" && f.Mode != db.ModeLive && f.Mode != db.ModeSandbox {
		return f, fiber.NewError(fiber.StatusBadRequest, tr(c, "admin.bad_mode"))
	}
	if v := c.Query("user"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return f, fiber.NewError(fiber.StatusBadRequest, tr(c, "admin.bad_user"))
		}
		f.UserID = id
	}
	return f, nil
}

// filterValues is the filter as query parameters (pager links, export link).
func filterValues(f paymentSearch) url.Values {
	v := url.Values{}
	if f.Q != "" {
		v.Set("q", f.Q)
	}
	if f.Status != "" {
		v.Set("status", f.Status)
	}
	if f.UserID != 0 {
		v.Set("user", strconv.FormatInt(f.UserID, 10))
	}
	if f.Mode != "" {
		v.Set("mode", f.Mode)
	}
	return v
}

// adminBilling: GET /admin/billing/dedipass — the list, or only its results for htmx.
func (s *Server) adminBilling(c *fiber.Ctx) error {
	f, err := paymentFilter(c)
	if err != nil {
		return err
	}
	p := pager(c, 25)
	list, total, err := s.store.FindPayments(c.UserContext(), f.PaymentFilter, p.PerPage, p.Offset())
	if err != nil {
		return err
	}
	p.Total = total
	p.Query = filterValues(f)
	export, excel := exportLinks("/admin/billing/dedipass/export.csv", p.Query)
	data := fiber.Map{"Nav": "admin_billing", "Payments": list, "Pager": p, "Filter": f, "ExportURL": export,
		"ExcelExportURL": excel,
		"Statuses":       []string{db.StatusCredited, db.StatusPending, db.StatusRefused, db.StatusError, db.StatusTest}}
	if f.UserID != 0 {
		if u, err := s.store.UserByID(c.UserContext(), f.UserID); err == nil {
			data["FilterUser"] = u
		}
	}
	if isHTMX(c) { // the filter form asks for the results alone
		return s.fragment(c, fiber.StatusOK, "admin/billing_dedipass_results", data)
	}
	return s.page(c, fiber.StatusOK, "admin/billing_dedipass", tr(c, "admin.billing_title"), data)
}

// adminBillingExport: GET /admin/billing/dedipass/export.csv — the current filter as
// CSV (excel=1: the French Excel form, see csv.go), streamed from one database cursor.
func (s *Server) adminBillingExport(c *fiber.Ctx) error {
	f, err := paymentFilter(c)
	if err != nil {
		return err
	}
	header := []string{"id", "created_at", "customer_id", "customer_email", "code", "status", "test", "sandbox",
		"rate", "solution", "country", "payout_eur", "credit", "virtual_currency", "identifier", "source", "reason", "credited_at"}
	store, loc := s.store, s.localeOf(c).location()
	return s.streamCSV(c, "dedipass", header, func(ctx context.Context, out *csvOut) error {
		return store.EachPayment(ctx, f.PaymentFilter, func(p *db.Payment) error {
			row := []string{
				strconv.FormatInt(p.ID, 10), isoTime(p.CreatedAt, loc), "", "", p.Code, p.Status, yesNo(p.Test), yesNo(p.Sandbox),
				p.Rate, p.Solution, p.Country, out.Money(money.Cents(p.PayoutCents)), out.Money(money.Cents(p.CreditCents)),
				p.VirtualCurrency, p.Identifier, p.Source, p.Reason, "",
			}
			if p.UserID != nil {
				row[2] = strconv.FormatInt(*p.UserID, 10)
			}
			if p.UserEmail != nil {
				row[3] = *p.UserEmail
			}
			if p.CreditedAt != nil {
				row[17] = isoTime(*p.CreditedAt, loc)
			}
			return out.Row(row...)
		})
	})
}

// isoTime is a CSV date in the site's zone, with its offset so a program reading the
// file knows the instant.
func isoTime(unix int64, loc *time.Location) string {
	return time.Unix(unix, 0).In(loc).Format("2006-01-02 15:04:05 -07:00")
}

func yesNo(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// adminPayment: GET /admin/billing/dedipass/{id} — every field and the raw answer.
func (s *Server) adminPayment(c *fiber.Ctx) error {
	return s.paymentPage(c, fiber.StatusOK, nil)
}

// paymentPage renders a payment's details; extra carries a decision form's error.
func (s *Server) paymentPage(c *fiber.Ctx, status int, extra fiber.Map) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	p, err := s.store.PaymentByID(c.UserContext(), id)
	if errors.Is(err, db.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, tr(c, "admin.payment_not_found"))
	}
	if err != nil {
		return err
	}
	// The stored answer has its keys removed already; the configured key values are
	// scrubbed once more in case a provider echoed them under another name.
	set, err := s.settingsOf(c)
	if err != nil {
		return err
	}
	raw := backoffice.SafeRaw(p.Raw, set.Dedipass.PrivateKey, set.Dedipass.PublicKey)
	data := fiber.Map{"Nav": "admin_billing", "Payment": p, "Raw": raw}
	for k, v := range extra {
		data[k] = v
	}
	return s.page(c, status, "admin/payment", tr(c, "admin.payment_title", p.Code), data)
}

// adminPaymentAssign: POST /admin/billing/dedipass/{id}/assign — credit a pending
// payment to the customer with that email, once (SPEC §8).
func (s *Server) adminPaymentAssign(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	set, err := s.settingsOf(c)
	if err != nil {
		return err
	}
	email := c.FormValue("email")
	_, err = s.dedipass.AssignPending(c.UserContext(), s.actor(c), set.Dedipass, id, email)
	return s.paymentDecision(c, id, err, "flash.admin_payment_assigned", fiber.Map{"AssignEmail": email})
}

// adminPaymentRefuse: POST /admin/billing/dedipass/{id}/refuse — close a pending
// payment without credit, with a reason (SPEC §8).
func (s *Server) adminPaymentRefuse(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	reason := c.FormValue("reason")
	err = s.dedipass.RefusePending(c.UserContext(), s.actor(c), id, reason)
	return s.paymentDecision(c, id, err, "flash.admin_payment_refused", fiber.Map{"RefuseReason": reason})
}

// paymentDecision answers an assign or a refusal: back to the payment with a flash,
// or the payment page with the form's error.
func (s *Server) paymentDecision(c *fiber.Ctx, id int64, err error, flashKey string, form fiber.Map) error {
	if err == nil {
		s.flash(c, "success", flashKey)
		return c.Redirect("/admin/billing/dedipass/"+strconv.FormatInt(id, 10), fiber.StatusSeeOther)
	}
	if errors.Is(err, db.ErrNotFound) {
		return notFound(c, "admin.payment_not_found")
	}
	status, key, ok := formOutcome(err)
	if !ok {
		return err
	}
	form["DecisionError"] = tr(c, key)
	return s.paymentPage(c, status, form)
}
