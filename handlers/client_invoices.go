package handlers

import (
	"github.com/gofiber/fiber/v2"

	"recharge/db"
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
	id, err := pathID(c)
	if err != nil {
		return err
	}
	inv, lines, err := s.store.InvoiceOfUser(c.UserContext(), id, currentUser(c).ID)
	if err != nil {
		return err
	}
	view := make([]invoiceLine, len(lines))
	for i, l := range lines {
		view[i] = invoiceLine{InvoiceLine: l}
		if l.PeriodFrom != nil && l.PeriodTo != nil {
			view[i].From, view[i].To = *l.PeriodFrom, *l.PeriodTo
		}
	}
	return s.page(c, fiber.StatusOK, "client/invoice", tr(c, "invoice.title", inv.ID), fiber.Map{
		"Nav": "invoices", "Invoice": inv, "Lines": view,
	})
}
