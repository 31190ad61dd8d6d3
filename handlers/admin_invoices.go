package handlers

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"recharge/db"
	"recharge/invoice"
	"recharge/money"
)

// emailQuery reads the customer-email search text q= (literal text, trimmed, at most
// an email's length).
func emailQuery(c *fiber.Ctx) string {
	q := strings.TrimSpace(c.Query("q"))
	if len(q) > 254 {
		q = q[:254]
	}
	return q
}

// invoiceSearch is the admin's invoice filter as read from the query string.
type invoiceSearch struct {
	db.InvoiceFilter
	Q string
}

// invoiceFilter reads q (customer email) and kind (SPEC §8).
func invoiceFilter(c *fiber.Ctx) (invoiceSearch, error) {
	q := emailQuery(c)
	f := invoiceSearch{Q: q, InvoiceFilter: db.InvoiceFilter{Email: q, Kind: strings.TrimSpace(c.Query("kind"))}}
	if f.Kind != "" && !db.ValidInvoiceKind(f.Kind) {
		return f, fiber.NewError(fiber.StatusBadRequest, tr(c, "invoicing.bad_kind"))
	}
	return f, nil
}

func (f invoiceSearch) values() url.Values {
	v := url.Values{}
	if f.Q != "" {
		v.Set("q", f.Q)
	}
	if f.Kind != "" {
		v.Set("kind", f.Kind)
	}
	return v
}

// adminInvoices: GET /admin/invoices — every customer's invoices, or only the results
// for htmx's live search.
func (s *Server) adminInvoices(c *fiber.Ctx) error {
	f, err := invoiceFilter(c)
	if err != nil {
		return err
	}
	p := pager(c, 25)
	list, total, err := s.store.FindInvoices(c.UserContext(), f.InvoiceFilter, p.PerPage, p.Offset())
	if err != nil {
		return err
	}
	p.Total = total
	p.Query = f.values()
	export, excel := exportLinks("/admin/invoices/export.csv", p.Query)
	data := fiber.Map{"Nav": "admin_invoices", "Invoices": list, "Pager": p, "Filter": f, "ExportURL": export, "ExcelExportURL": excel,
		"Kinds": []string{db.InvoicePurchase, db.InvoiceRenewal}}
	if isHTMX(c) {
		return s.fragment(c, fiber.StatusOK, "admin/invoices_results", data)
	}
	return s.page(c, fiber.StatusOK, "admin/invoices", tr(c, "admin.invoices_title"), data)
}

// adminInvoicesExport: GET /admin/invoices/export.csv — the current filter as CSV.
func (s *Server) adminInvoicesExport(c *fiber.Ctx) error {
	f, err := invoiceFilter(c)
	if err != nil {
		return err
	}
	header := []string{"number", "id", "issued_at", "customer_id", "customer_email", "kind", "status", "description",
		"currency", "total_ht", "vat_rate_percent", "vat", "total_ttc", "vat_mention"}
	store, loc := s.store, s.localeOf(c).location()
	return s.streamCSV(c, "invoices", header, func(ctx context.Context, out *csvOut) error {
		return store.EachInvoice(ctx, f.InvoiceFilter, func(inv *db.Invoice) error {
			tot := invoice.TotalsOf(inv)
			return out.Row(
				invoice.Number(inv.Number), strconv.FormatInt(inv.ID, 10), isoTime(inv.CreatedAt, loc),
				strconv.FormatInt(inv.UserID, 10), inv.UserEmail, inv.Kind, inv.Status, inv.Summary, inv.Currency,
				out.Money(money.Cents(tot.HT)), out.Money(money.Cents(tot.Rate)), out.Money(money.Cents(tot.TVA)),
				out.Money(money.Cents(tot.TTC)), inv.VATMention,
			)
		})
	})
}

// adminInvoice: GET /admin/invoices/{id} — the customer's invoice page, in the admin area.
func (s *Server) adminInvoice(c *fiber.Ctx) error {
	inv, lines, err := s.anyInvoice(c)
	if err != nil {
		return err
	}
	return s.renderInvoice(c, inv, lines, "admin_invoices", "/admin/invoices")
}

// adminInvoicePDF: GET /admin/invoices/{id}.pdf.
func (s *Server) adminInvoicePDF(c *fiber.Ctx) error {
	inv, lines, err := s.anyInvoice(c)
	if err != nil {
		return err
	}
	return s.sendInvoicePDF(c, inv, lines)
}

func (s *Server) anyInvoice(c *fiber.Ctx) (*db.Invoice, []db.InvoiceLine, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, nil, err
	}
	inv, lines, err := s.store.InvoiceByID(c.UserContext(), id)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil, notFound(c, "invoicing.not_found")
	}
	return inv, lines, err
}
