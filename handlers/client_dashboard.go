package handlers

import "github.com/gofiber/fiber/v2"

// clientDashboard: GET /client — the customer's home, greeting them by name.
func (s *Server) clientDashboard(c *fiber.Ctx) error {
	u := currentUser(c)
	name := u.Name
	if name == "" {
		name = u.Email
	}
	return s.page(c, fiber.StatusOK, "client/dashboard", tr(c, "nav.dashboard"), fiber.Map{"Nav": "dashboard", "DisplayName": name})
}
