package handlers

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"recharge/db"
)

// adminServiceStatus: POST /admin/services/:id/status (field `status` = active |
// suspended | cancelled), from the admin customer page; back to that page.
func (s *Server) adminServiceStatus(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	before, err := s.shop.SetServiceStatus(c.UserContext(), s.actor(c), id, c.FormValue("status"))
	if err != nil {
		return err // the error page, with errorTable's status and sentence
	}
	s.flash(c, "success", "flash.service_status_saved")
	return c.Redirect("/admin/users/"+strconv.FormatInt(before.UserID, 10), fiber.StatusSeeOther)
}

// serviceSearch is the admin's service filter as read from the query string.
type serviceSearch struct {
	db.ServiceFilter
	Q string
}

// serviceFilter reads status, product and q (customer email) (SPEC §8).
func serviceFilter(c *fiber.Ctx) (serviceSearch, error) {
	q := emailQuery(c)
	f := serviceSearch{Q: q, ServiceFilter: db.ServiceFilter{Email: q, Status: strings.TrimSpace(c.Query("status"))}}
	if f.Status != "" && !db.ValidServiceStatus(f.Status) {
		return f, fiber.NewError(fiber.StatusBadRequest, tr(c, "invoicing.bad_service_status"))
	}
	if v := c.Query("product"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return f, fiber.NewError(fiber.StatusBadRequest, tr(c, "invoicing.bad_product"))
		}
		f.ProductID = id
	}
	return f, nil
}

func (f serviceSearch) values() url.Values {
	v := url.Values{}
	if f.Q != "" {
		v.Set("q", f.Q)
	}
	if f.Status != "" {
		v.Set("status", f.Status)
	}
	if f.ProductID != 0 {
		v.Set("product", strconv.FormatInt(f.ProductID, 10))
	}
	return v
}

// adminServices: GET /admin/services — every customer's services, newest first, or
// only the results for htmx's live search.
func (s *Server) adminServices(c *fiber.Ctx) error {
	f, err := serviceFilter(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p := pager(c, 25)
	list, total, err := s.store.FindServices(ctx, f.ServiceFilter, p.PerPage, p.Offset())
	if err != nil {
		return err
	}
	p.Total = total
	p.Query = f.values()
	data := fiber.Map{"Nav": "admin_services", "Services": list, "Pager": p, "Filter": f,
		"Statuses": []string{db.ServiceActive, db.ServiceSuspended, db.ServiceCancelled, db.ServiceExpired}}
	if isHTMX(c) {
		return s.fragment(c, fiber.StatusOK, "admin/services_results", data)
	}
	products, _, err := s.store.ProductsPage(ctx, 500, 0)
	if err != nil {
		return err
	}
	data["Products"] = products
	return s.page(c, fiber.StatusOK, "admin/services", tr(c, "admin.services_title"), data)
}
