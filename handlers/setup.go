package handlers

import (
	"github.com/gofiber/fiber/v2"
)

// The one-time setup page creates the first administrator (SPEC §2). It answers 404
// once an admin exists and 403 without the right token.
func (s *Server) setupGate(c *fiber.Ctx, token string) error {
	open, valid, err := s.accounts.SetupAllowed(c.UserContext(), token)
	if err != nil {
		return err
	}
	if !open {
		return fiber.ErrNotFound
	}
	if !valid {
		return fiber.NewError(fiber.StatusForbidden, tr(c, "setup.bad_token"))
	}
	return nil
}

func (s *Server) setupPage(c *fiber.Ctx) error {
	token := c.Query("token")
	if err := s.setupGate(c, token); err != nil {
		return err
	}
	return s.page(c, fiber.StatusOK, "public/setup", tr(c, "setup.title"), fiber.Map{"Token": token})
}

func (s *Server) setupSubmit(c *fiber.Ctx) error {
	token := c.FormValue("token")
	if err := s.setupGate(c, token); err != nil {
		return err
	}
	email, name := c.FormValue("email"), c.FormValue("name")
	u, err := s.accounts.SetupAdmin(c.UserContext(), s.clientIP(c), token, email, c.FormValue("password"), name, langOf(c))
	if err != nil {
		status, key, ok := formOutcome(err)
		if !ok {
			return err
		}
		return s.page(c, status, "public/setup", tr(c, "setup.title"),
			fiber.Map{"Error": tr(c, key), "Email": email, "Name": name, "Token": token})
	}
	s.log.Info("first administrator created", "user_id", u.ID)
	if err := s.startSession(c, u.ID); err != nil {
		return err
	}
	s.flash(c, "success", "flash.setup_done")
	return c.Redirect("/admin", fiber.StatusSeeOther)
}
