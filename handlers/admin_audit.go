package handlers

import "github.com/gofiber/fiber/v2"

// adminAudit: GET /admin/audit — every admin change, newest first, 50 a page.
func (s *Server) adminAudit(c *fiber.Ctx) error {
	p := pager(c, 50)
	entries, total, err := s.store.AuditPage(c.UserContext(), p.PerPage, p.Offset())
	if err != nil {
		return err
	}
	p.Total = total
	return s.render(c, fiber.StatusOK, "admin/audit", "", tr(c, "admin.audit_title"),
		fiber.Map{"Nav": "admin_audit", "Entries": entries, "Pager": p})
}
