package handlers

import (
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Password reset by mail (SPEC §3.2) and the confirmation of a new email address
// (§3.1): public pages, since the link is opened from a mailbox.

func (s *Server) forgotPage(c *fiber.Ctx) error {
	return s.page(c, fiber.StatusOK, "public/forgot", tr(c, "reset.forgot_title"), fiber.Map{"MailOff": !s.mail.Enabled()})
}

func (s *Server) forgotSubmit(c *fiber.Ctx) error {
	email := strings.TrimSpace(c.FormValue("email"))
	err := s.accounts.RequestReset(c.UserContext(), email)
	data := fiber.Map{"MailOff": !s.mail.Enabled(), "Email": email}
	if err != nil {
		status, key, ok := formOutcome(err)
		if !ok {
			return err
		}
		data["Error"] = tr(c, key)
		return s.page(c, status, "public/forgot", tr(c, "reset.forgot_title"), data)
	}
	data["Sent"] = true
	return s.page(c, fiber.StatusOK, "public/forgot", tr(c, "reset.forgot_title"), data)
}

func (s *Server) resetPage(c *fiber.Ctx) error {
	token := c.Query("token")
	if err := s.accounts.CheckResetLink(c.UserContext(), token); err != nil {
		return s.resetRefused(c, err, token)
	}
	return s.page(c, fiber.StatusOK, "public/reset", tr(c, "reset.reset_title"), fiber.Map{"Token": token})
}

func (s *Server) resetSubmit(c *fiber.Ctx) error {
	token := c.FormValue("token")
	_, err := s.accounts.ResetPassword(c.UserContext(), s.clientIP(c), token, c.FormValue("password"))
	if err != nil {
		return s.resetRefused(c, err, token)
	}
	s.clearCookie(c, sessionCookie) // every session ended, this browser's too
	s.flash(c, "success", "flash.reset_done")
	return c.Redirect("/login", fiber.StatusSeeOther)
}

// resetRefused shows the reset form again with what went wrong: a dead link (400,
// and no form) or a password that breaks the rules (422, the form again).
func (s *Server) resetRefused(c *fiber.Ctx, err error, token string) error {
	status, key, ok := formOutcome(err)
	if !ok {
		return err
	}
	data := fiber.Map{"Error": tr(c, key), "Token": token}
	if status == fiber.StatusBadRequest {
		data["Dead"] = true
	}
	return s.page(c, status, "public/reset", tr(c, "reset.reset_title"), data)
}

// confirmEmailPage: GET /confirm-email?token= — says which address the link sets and
// asks for a click; a GET never spends the link (mail scanners open links first).
func (s *Server) confirmEmailPage(c *fiber.Ctx) error {
	token := c.Query("token")
	email, err := s.accounts.PendingEmail(c.UserContext(), token)
	if err != nil {
		return s.confirmRefused(c, err)
	}
	return s.page(c, fiber.StatusOK, "public/confirm_email", tr(c, "reset.email_title"), fiber.Map{"Token": token, "NewEmail": email})
}

// confirmEmail: POST /confirm-email (token) — the account takes the new address.
func (s *Server) confirmEmail(c *fiber.Ctx) error {
	if _, err := s.accounts.ConfirmEmail(c.UserContext(), s.clientIP(c), c.FormValue("token")); err != nil {
		return s.confirmRefused(c, err)
	}
	s.flash(c, "success", "flash.email_changed")
	if currentUser(c) != nil {
		return c.Redirect("/client/account", fiber.StatusSeeOther)
	}
	return c.Redirect("/login", fiber.StatusSeeOther)
}

// confirmRefused shows why a confirmation link does not work, with the way to ask for
// a new one (the account page), not the password reset.
func (s *Server) confirmRefused(c *fiber.Ctx, err error) error {
	status, key, ok := formOutcome(err)
	if !ok {
		return err
	}
	return s.page(c, status, "public/confirm_email", tr(c, "reset.email_title"), fiber.Map{"Error": tr(c, key), "Dead": true})
}

// accountEmail asks for an email change: a link goes to the new address (§3.1).
func (s *Server) accountEmail(c *fiber.Ctx) error {
	u := currentUser(c)
	_, err := s.accounts.RequestEmailChange(c.UserContext(), u, c.FormValue("email"), c.FormValue("current_password"), s.clientIP(c))
	if err != nil {
		status, key, ok := formOutcome(err)
		if !ok {
			return err
		}
		return s.accountView(c, status, fiber.Map{"EmailError": tr(c, key)})
	}
	s.log.Info("email change asked", "user_id", u.ID)
	s.flash(c, "success", "flash.email_sent")
	return c.Redirect("/client/account", fiber.StatusSeeOther)
}
