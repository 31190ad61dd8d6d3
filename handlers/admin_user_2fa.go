package handlers

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"recharge/db"
)

// adminUserTwoFactorReset: POST /admin/users/{id}/2fa/reset. Clears the customer's
// two-factor (secret, pending secret, recovery codes), audited.
func (s *Server) adminUserTwoFactorReset(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	err = s.accounts.ResetTwoFactor(c.UserContext(), s.actor(c), id)
	if errors.Is(err, db.ErrNotFound) {
		return notFound(c, "admin.user_not_found")
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "flash.twofactor_reset")
	return c.Redirect("/admin/users/"+strconv.FormatInt(id, 10), fiber.StatusSeeOther)
}
