package handlers

import (
	"encoding/base64"
	"html/template"

	"github.com/gofiber/fiber/v2"
)

// twoFactorPage: GET /client/account/2fa. Off: the setup (QR code, secret, code form);
// on: the state and the form that turns it off.
func (s *Server) twoFactorPage(c *fiber.Ctx) error {
	return s.renderTwoFactor(c, fiber.StatusOK, fiber.Map{})
}

// twoFactorEnable: POST /client/account/2fa (code). A right code turns two-factor on
// and the recovery codes are shown, this once.
func (s *Server) twoFactorEnable(c *fiber.Ctx) error {
	codes, err := s.accounts.EnableTwoFactor(c.UserContext(), currentUser(c).ID, c.FormValue("code"))
	if err != nil {
		status, key, ok := formOutcome(err)
		if !ok {
			return err
		}
		return s.renderTwoFactor(c, status, fiber.Map{"Error": tr(c, key)})
	}
	s.log.Info("two-factor turned on", "user_id", currentUser(c).ID)
	return s.renderTwoFactor(c, fiber.StatusOK, fiber.Map{"RecoveryCodes": codes, "JustEnabled": true})
}

// twoFactorDisable: POST /client/account/2fa/disable (current_password, code).
func (s *Server) twoFactorDisable(c *fiber.Ctx) error {
	u := currentUser(c)
	err := s.accounts.DisableTwoFactor(c.UserContext(), u.ID, s.clientIP(c), c.FormValue("current_password"), c.FormValue("code"))
	if err != nil {
		status, key, ok := formOutcome(err)
		if !ok {
			return err
		}
		s.log.Info("two-factor disable refused", "user_id", u.ID, "reason", key)
		return s.renderTwoFactor(c, status, fiber.Map{"Error": tr(c, key)})
	}
	s.log.Info("two-factor turned off", "user_id", u.ID)
	s.flash(c, "success", "flash.twofactor_disabled")
	return c.Redirect("/client/account/2fa", fiber.StatusSeeOther)
}

// renderTwoFactor shows the page as the account stands now (read again: a form may
// just have changed it).
func (s *Server) renderTwoFactor(c *fiber.Ctx, status int, data fiber.Map) error {
	ctx := c.UserContext()
	u, err := s.store.UserByID(ctx, currentUser(c).ID)
	if err != nil {
		return err
	}
	data["Nav"] = "account_2fa"
	data["On"] = u.TwoFactor()
	if u.TwoFactor() {
		left, err := s.accounts.RecoveryCodesLeft(ctx, u.ID)
		if err != nil {
			return err
		}
		data["CodesLeft"] = left
	} else {
		setup, err := s.accounts.SetUpTwoFactor(ctx, u.ID, s.siteSettings(c).Site.Name)
		if err != nil {
			return err
		}
		data["Secret"] = setup.Secret
		data["OTPURL"] = setup.URL
		// Our own PNG, inlined: the CSP allows data: images, nothing else is loaded.
		data["QR"] = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(setup.QRPNG))
	}
	return s.page(c, status, "client/account_2fa", tr(c, "twofactor.title"), data)
}
