package handlers

import (
	"errors"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"recharge/billing"
)

func (s *Server) dedipassSettingsPage(c *fiber.Ctx, status int, formErr string, form url.Values) error {
	set, err := s.settingsOf(c)
	if err != nil {
		return err
	}
	cfg := set.Dedipass
	data := fiber.Map{
		"Nav":             "admin_settings",
		"Config":          cfg,
		"InstallURL":      s.cfg.BaseURL + "/client/dedipass",
		"CallbackURL":     s.cfg.BaseURL + "/api/dedipass",
		"PrivateKeyIsSet": cfg.PrivateKey != "",
		"Error":           formErr,
	}
	if form != nil {
		data["Form"] = form
	}
	return s.page(c, status, "admin/settings_dedipass", tr(c, "nav.settings"), data)
}

func (s *Server) dedipassSettings(c *fiber.Ctx) error {
	return s.dedipassSettingsPage(c, fiber.StatusOK, "", nil)
}

func (s *Server) dedipassSettingsSave(c *fiber.Ctx) error {
	form := url.Values{}
	for _, k := range []string{"public_key", "private_key", "unit_cents", "max_credit_cents", "credit_test_codes", "sandbox", "widget"} {
		form.Set(k, c.FormValue(k))
	}
	err := s.dedipass.SaveConfig(c.UserContext(), s.actor(c), form)
	var se *billing.ErrSettings
	if errors.As(err, &se) {
		form.Del("private_key") // never echo a key back
		status, _, _ := formOutcome(err)
		return s.dedipassSettingsPage(c, status, tr(c, dedipassSettingsKey(se.Field)), form)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "flash.settings_saved")
	return c.Redirect("/admin/settings/dedipass", fiber.StatusSeeOther)
}
