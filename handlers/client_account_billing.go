package handlers

import (
	"github.com/gofiber/fiber/v2"
)

// accountBilling: POST /client/account/billing, fields billing_name and
// billing_address: printed on the customer's next invoices (issued ones keep theirs).
func (s *Server) accountBilling(c *fiber.Ctx) error {
	u := currentUser(c)
	name, address := c.FormValue("billing_name"), c.FormValue("billing_address")
	if err := s.accounts.UpdateBilling(c.UserContext(), u.ID, name, address); err != nil {
		status, key, ok := formOutcome(err)
		if !ok {
			return err
		}
		return s.accountView(c, status, fiber.Map{"BillingError": tr(c, key), "BillingName": name, "BillingAddress": address})
	}
	s.flash(c, "success", "flash.account_billing_saved")
	return c.Redirect("/client/account#account-billing", fiber.StatusSeeOther)
}
