package handlers

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
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
