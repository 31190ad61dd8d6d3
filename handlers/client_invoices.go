package handlers

import (
	"bytes"
	"errors"

	"github.com/gofiber/fiber/v2"

	"recharge/db"
	"recharge/invoice"
)

// invoiceLine is one invoice line with its paid period as plain values (0 = none).
type invoiceLine struct {
	db.InvoiceLine
	From, To int64
}

func (s *Server) invoicesPage(c *fiber.Ctx) error {
	u := currentUser(c)
	p := pager(c, 25)
	list, total, err := s.store.InvoicesOfUser(c.UserContext(), u.ID, p.PerPage, p.Offset())
	if err != nil {
		return err
	}
	p.Total = total
	return s.page(c, fiber.StatusOK, "client/invoices", tr(c, "invoice.list_title"), fiber.Map{
		"Nav": "invoices", "Invoices": list, "Pager": p,
	})
}

// invoicePage is the printable invoice. Another customer's invoice is 404.
func (s *Server) invoicePage(c *fiber.Ctx) error {
	inv, lines, err := s.ownInvoice(c)
	if err != nil {
		return err
	}
	return s.renderInvoice(c, inv, lines, "invoices", "/client/invoices")
}

// invoicePDF: GET /client/invoices/{id}.pdf, the customer's own invoice as a PDF.
// Another customer's invoice is 404.
func (s *Server) invoicePDF(c *fiber.Ctx) error {
	inv, lines, err := s.ownInvoice(c)
	if err != nil {
		return err
	}
	return s.sendInvoicePDF(c, inv, lines)
}

// ownInvoice loads the invoice of the path's id when it is the current customer's.
func (s *Server) ownInvoice(c *fiber.Ctx) (*db.Invoice, []db.InvoiceLine, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, nil, err
	}
	inv, lines, err := s.store.InvoiceOfUser(c.UserContext(), id, currentUser(c).ID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil, notFound(c, "invoicing.not_found")
	}
	return inv, lines, err
}

// renderInvoice is the invoice page, the customer's and the admin's alike (the
// layout picks the menu); back is the list it returns to.
func (s *Server) renderInvoice(c *fiber.Ctx, inv *db.Invoice, lines []db.InvoiceLine, nav, back string) error {
	view := make([]invoiceLine, len(lines))
	for i, l := range lines {
		view[i] = invoiceLine{InvoiceLine: l}
		if l.PeriodFrom != nil && l.PeriodTo != nil {
			view[i].From, view[i].To = *l.PeriodFrom, *l.PeriodTo
		}
	}
	return s.page(c, fiber.StatusOK, "client/invoice", tr(c, "invoice.title", invoice.Number(inv.Number)), fiber.Map{
		"Nav": nav, "Invoice": inv, "Lines": view, "Totals": invoice.TotalsOf(inv),
		"BackURL": back, "PDFURL": c.Path() + ".pdf",
	})
}

// sendInvoicePDF answers with the invoice as a PDF download (facture-F-000042.pdf),
// in the reader's language.
func (s *Server) sendInvoicePDF(c *fiber.Ctx, inv *db.Invoice, lines []db.InvoiceLine) error {
	var buf bytes.Buffer
	if err := invoice.WritePDF(&buf, langOf(c), s.localeOf(c).location(), inv, lines); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+invoice.FileName(inv.Number)+`"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Status(fiber.StatusOK).Send(buf.Bytes())
}
