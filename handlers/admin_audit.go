package handlers

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"recharge/db"
)

// auditRow is an audit entry with a link to its target when it is a page we have.
type auditRow struct {
	db.AuditEntry
	TargetURL string
}

// targetURL links "user:12" and "payment:34" targets to their admin pages.
func targetURL(target string) string {
	kind, id, ok := strings.Cut(target, ":")
	if n, err := strconv.ParseInt(id, 10, 64); !ok || err != nil || n <= 0 {
		return ""
	}
	switch kind {
	case "user":
		return "/admin/users/" + id
	case "payment":
		return "/admin/billing/dedipass/" + id
	}
	return ""
}

// adminAudit: GET /admin/audit — every admin change, newest first, 50 a page.
func (s *Server) adminAudit(c *fiber.Ctx) error {
	p := pager(c, 50)
	entries, total, err := s.store.AuditPage(c.UserContext(), p.PerPage, p.Offset())
	if err != nil {
		return err
	}
	p.Total = total
	rows := make([]auditRow, len(entries))
	for i, e := range entries {
		rows[i] = auditRow{AuditEntry: e, TargetURL: targetURL(e.Target)}
	}
	return s.page(c, fiber.StatusOK, "admin/audit", tr(c, "admin.audit_title"),
		fiber.Map{"Nav": "admin_audit", "Entries": rows, "Pager": p})
}
