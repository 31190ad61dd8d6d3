package handlers

import (
	"github.com/gofiber/fiber/v2"
)

func (s *Server) clientDashboard(c *fiber.Ctx) error {
	u := currentUser(c)
	name := u.Name
	if name == "" {
		name = u.Email
	}
	return s.render(c, fiber.StatusOK, "client/dashboard", "", tr(c, "nav.dashboard"), fiber.Map{"Nav": "dashboard", "DisplayName": name})
}

func (s *Server) adminDashboard(c *fiber.Ctx) error {
	n, err := s.store.CountUsers(c.UserContext(), "client")
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "admin/dashboard", "", tr(c, "nav.dashboard"), fiber.Map{"Nav": "admin_dashboard", "Customers": n})
}
